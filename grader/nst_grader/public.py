"""Write the expected values of the notebook's public checks (``nst_helpers/assignment/expected.json``).

    python -m nst_grader.public            # rewrite the file
    python -m nst_grader.public --check    # exit 1 when the file differs from what the reference gives

The file holds, for the public inputs only, the reference value of each exercise and the values of the
known wrong answers, so that the student's notebook can check and explain without a reference of its own.

Chapter: 08.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from nst_helpers.assignment import examples
from nst_helpers.assignment.checks import EXPECTED_FILE, run_train_step
from nst_helpers.assignment.compare import as_array
from nst_helpers.files import atomic_write_text

from . import mistakes, reference


def _entry(value) -> dict:
    array = as_array(value)
    return {"shape": list(array.shape), "value": [float(f"{x:.9g}") for x in array.reshape(-1)]}


def expected_values() -> dict:
    """The stored values of every exercise's public inputs, and of its known mistakes there."""
    data: dict = {}
    for key in ("gram_matrix", "content_cost", "layer_style_cost", "style_cost", "total_cost"):
        args = tuple(examples.as_tensors(v) for v in examples.public_inputs(key).values())
        entries = []
        for name, variant in mistakes.VARIANTS[key]:
            try:
                entries.append([name, _entry(variant(*args))])
            except Exception:  # a mistake that cannot run on these inputs shows as an error instead
                continue
        data[key] = {"expected": _entry(reference.ANSWERS[key](*args)), "mistakes": entries}
    inputs = examples.public_inputs("total_cost")
    defaults = (examples.as_tensors(inputs["J_content"]), examples.as_tensors(inputs["J_style"]))
    data["total_cost"]["defaults"] = _entry(reference.total_cost(*defaults))
    train = examples.train_inputs()
    costs, image, _ = run_train_step(reference.make_train_step, train)
    runs = [(name, run_train_step(variant, train)) for name, variant in mistakes.VARIANTS["train_step"]]
    data["train_step"] = {
        "costs": _entry(costs),
        "image": _entry(np.asarray(image)),
        "mistakes": [[name, _entry(c), _entry(np.asarray(i))] for name, (c, i, _) in runs],
    }
    return data


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = json.dumps(expected_values(), indent=1) + "\n"
    if "--check" in argv:
        if EXPECTED_FILE.read_text(encoding="utf-8") != text:
            print(f"{EXPECTED_FILE} is out of date: run python -m nst_grader.public", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(EXPECTED_FILE, text)
    print(f"wrote {EXPECTED_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
