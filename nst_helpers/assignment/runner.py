"""Run one submitted notebook for ``nst-grade``: its cells, then its functions on the inputs the grader sends.

    python -m nst_helpers.assignment.runner --deadline EPOCH_SECONDS --request-fd R --reply-fd W

``nst-grade`` starts this in a contained child process and talks to it over two pipes (frames of
:mod:`nst_helpers.assignment.wire`). The child receives the notebook's code cells,
runs them (cells tagged ``grader-skip`` and the check cells are left out; each cell has its own time
limit), then answers requests: "call ``gram_matrix`` on these arrays". It sends back only what the
functions returned. It knows no expected value and decides nothing: the grader compares.

For an exercise that builds on earlier ones (the style cost calls ``compute_layer_style_cost`` ...), the
request carries the grader's own versions of those earlier functions, which are put in place of the
student's for the duration of the call. They arrive only after the earlier exercises' values are in the
grader's hands.

Imports of the package's own costs (``nst_helpers.losses`` and the optimisation modules) are refused in
this process by an audit hook, which Python code cannot remove.

Chapter: 08.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import os
import re
import signal
import sys
import time
from typing import Any, Iterator

from .compare import error_text

SKIP_TAG = "grader-skip"
_CHECK_CALL = re.compile(r"\bcheck_\w+\s*\(")
_SHELL_LINE = re.compile(r"^(\s*)[%!]")
CELL_SHARE = 0.4  # one cell may use at most this share of the time limit
CELLS_SHARE = 0.6  # all cells together: the rest is kept for the exercises
#: Modules of the package that compute what the exercises ask for; refused while a submission runs.
BLOCKED_MODULES = (
    "nst_helpers.losses",
    "nst_helpers.engine",
    "nst_helpers.optimize",
    "nst_helpers.recipes",
    "nst_helpers.speed",
    "nst_grader",
)


class TimeLimit(BaseException):
    """Raised in the graded code when its time is up; a BaseException, so ``except Exception`` lets it pass."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the main thread after ``seconds``."""

    def expire(signum, frame):
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def is_check_cell(source: str) -> bool:
    return bool(_CHECK_CALL.search(source))


def plain_python(source: str) -> tuple[str, bool]:
    """The cell with IPython-only lines (``%magic``, ``!shell``) replaced by ``pass``; and whether any were."""
    if source.lstrip().startswith("%%"):
        return "", True
    lines, changed = [], False
    for line in source.splitlines():
        match = _SHELL_LINE.match(line)
        if match:
            line, changed = match.group(1) + "pass", True
        lines.append(line)
    return "\n".join(lines), changed


def _blocked(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in BLOCKED_MODULES)


def block_imports() -> None:
    """Refuse imports of the blocked modules from now on, in this process (an audit hook stays for good)."""
    for name in list(sys.modules):
        if _blocked(name):
            del sys.modules[name]

    def hook(event: str, args: tuple) -> None:
        if event == "import" and args and isinstance(args[0], str) and _blocked(args[0]):
            raise ImportError(f"{args[0]} is not available while the assignment is graded: write the code yourself")

    sys.addaudithook(hook)


class Runner:
    """The notebook's namespace, the cells run into it, and the calls the grader asks for."""

    def __init__(self, deadline: float, requests, responses):
        from . import wire

        self.wire, self.requests, self.responses = wire, requests, responses
        self.deadline = deadline
        self.budget = max(deadline - time.time(), 1.0)
        self.namespace: dict[str, Any] = {
            "__name__": "__main__",
            "__builtins__": builtins,
            "display": lambda *args, **kwargs: None,
        }

    def send(self, header: dict, arrays: dict | None = None) -> None:
        self.wire.write_frame(self.responses, header, arrays)

    def run_cells(self, cells: list[dict]) -> list[dict]:
        notes: list[dict] = []
        cells_deadline = time.time() + CELLS_SHARE * (self.deadline - time.time())
        for cell in cells:
            number, source, tags = int(cell["number"]), str(cell["source"]), list(cell.get("tags", []))
            if SKIP_TAG in tags or is_check_cell(source) or not source.strip():
                continue
            source, had_shell = plain_python(source)
            if had_shell:
                notes.append({"kind": "shell_lines", "cell": number})
            try:
                code = compile(source, f"<code cell {number}>", "exec")
            except SyntaxError as exc:
                notes.append({"kind": "cell_syntax", "cell": number, "line": exc.lineno or 0, "error": str(exc.msg)})
                continue
            except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, expressions nested too deeply
                notes.append({"kind": "cell_syntax", "cell": number, "line": 0, "error": type(exc).__name__})
                continue
            seconds = min(CELL_SHARE * self.budget, cells_deadline - time.time())
            try:
                with time_limit(seconds):
                    exec(code, self.namespace)
            except TimeLimit:
                notes.append({"kind": "cell_timeout", "cell": number, "seconds": round(seconds)})
            except (Exception, SystemExit, KeyboardInterrupt) as exc:
                notes.append({"kind": "cell_error", "cell": number, "error": error_text(exc, 160)})
        return notes

    # ---- one request: call a function on the cases -------------------------------------------------------
    def _argument(self, spec: dict, arrays: dict) -> Any:
        from .._tf import tf

        if "array" in spec:
            return tf.constant(arrays[spec["array"]], dtype=tf.float32)
        if "arrays" in spec:
            return {name: tf.constant(arrays[key], dtype=tf.float32) for name, key in spec["arrays"].items()}
        if "pairs" in spec:
            return [(str(name), float(weight)) for name, weight in spec["pairs"]]
        return spec["number"]

    def _train(self, factory: Any, spec: dict, arrays: dict) -> tuple[Any, Any, Any]:
        from .._tf import keras, tf
        from .examples import TinyFeatureModel

        model = TinyFeatureModel(kernels=(arrays[spec["kernels"][0]], arrays[spec["kernels"][1]]))
        image = tf.Variable(arrays[spec["start"]])
        optimizer = keras.optimizers.Adam(learning_rate=spec["learning_rate"])
        step = factory(
            model,
            tf.constant(arrays[spec["a_C"]]),
            {name: tf.constant(arrays[key]) for name, key in spec["a_S"].items()},
            optimizer,
            spec["alpha"],
            spec["beta"],
            [(str(n), float(w)) for n, w in spec["style_layers"]],
        )
        costs = [step(image) for _ in range(int(spec["steps"]))]
        return costs, image.numpy(), step

    @contextlib.contextmanager
    def _helpers(self, source: str, names: list[str]) -> Iterator[None]:
        """The grader's versions of earlier exercises' functions in the namespace, for the block."""
        if not names:
            yield
            return
        from .._tf import tf

        helpers: dict[str, Any] = {"tf": tf}
        exec(compile(source, "<grader helpers>", "exec"), helpers)
        missing = object()
        saved = {name: self.namespace.get(name, missing) for name in names}
        self.namespace.update({name: helpers[name] for name in names})
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is missing:
                    self.namespace.pop(name, None)
                else:
                    self.namespace[name] = value

    def _call_case(self, function: Any, case: dict, arrays: dict, index: int, out: dict) -> dict:
        import numpy as np

        from .._tf import tf
        from .compare import as_array

        result: dict[str, Any] = {}
        for mode in ("eager", "graph"):
            tf.config.run_functions_eagerly(mode == "eager")
            try:
                if "train" in case:
                    costs, image, step = self._train(function, case["train"], arrays)
                    values = [as_array(c) for c in costs]
                    if any(v is None or v.size != 1 for v in values):
                        result[mode] = {"error": "not_a_tensor", "got": repr(costs[0])[:80] if costs else "[]"}
                        continue
                    out[f"c{index}_{mode}_costs"] = np.array([v.reshape(()) for v in values])
                    out[f"c{index}_{mode}_image"] = np.asarray(image, dtype=np.float64)
                    result[mode] = {"ok": True}
                    result["tf_function"] = isinstance(step, tf.types.experimental.GenericFunction)
                else:
                    args = [self._argument(spec, arrays) for spec in case["args"]]
                    target = function if mode == "eager" else tf.function(function)
                    value = target(*args)
                    array = as_array(value)
                    if array is None:
                        result[mode] = {"error": "not_a_tensor", "got": repr(value)[:80]}
                        continue
                    out[f"c{index}_{mode}"] = array
                    result[mode] = {"ok": True}
            except NotImplementedError as exc:
                symbolic = "symbolic" in str(exc).lower()
                result[mode] = {"error": "numpy" if symbolic else "not_done", "detail": error_text(exc, 160)}
            except TimeLimit:
                raise
            except (Exception, SystemExit, KeyboardInterrupt) as exc:
                result[mode] = {"error": "raised", "detail": error_text(exc, 160)}
            finally:
                tf.config.run_functions_eagerly(False)
        return result

    def answer(self, request: dict, arrays: dict) -> None:
        name = str(request["function"])
        header: dict[str, Any] = {"exercise": request["exercise"], "cases": []}
        out: dict[str, Any] = {}
        function = self.namespace.get(name)
        if name not in self.namespace:
            header["status"] = "missing"
        elif not callable(function):
            header["status"], header["kind"] = "not_callable", type(function).__name__
        else:
            header["status"] = "called"
            seconds = min(float(request["time_limit"]), self.deadline - time.time())
            try:
                with time_limit(seconds), self._helpers(request.get("helpers", ""), list(request.get("names", []))):
                    for index, case in enumerate(request["cases"]):
                        header["cases"].append(self._call_case(function, case, arrays, index, out))
            except TimeLimit:
                header["status"], header["seconds"] = "timeout", round(seconds)
        self.send(header, out)

    def serve(self) -> None:
        first = self.wire.read_frame(self.requests, max_header=self.wire.MAX_REQUEST_HEADER)
        if first is None:
            return
        notes = self.run_cells(first[0].get("cells", []))
        self.send({"ready": True, "notes": notes})
        while True:
            frame = self.wire.read_frame(self.requests, max_header=self.wire.MAX_REQUEST_HEADER)
            if frame is None or frame[0].get("done"):
                return
            self.answer(*frame)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one submission for nst-grade, which talks to it over pipes.")
    parser.add_argument("--deadline", type=float, required=True, help="seconds since the epoch")
    parser.add_argument("--request-fd", type=int, required=True)
    parser.add_argument("--reply-fd", type=int, required=True)
    args = parser.parse_args(argv)
    requests = os.fdopen(args.request_fd, "rb")
    responses = os.fdopen(args.reply_fd, "wb")
    from .._tf import tf  # noqa: F401  (TensorFlow's quiet import, before the notebook imports it)

    block_imports()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file-size limit fails instead of killing
    sys.argv = ["submission.ipynb"]
    Runner(args.deadline, requests, responses).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
