"""The graded test inputs: several shapes per exercise, values drawn from the teacher's seed at grading time.

Every exercise is called on the public shape (with new values) and on shapes a solution cannot guess:
n_C other than 3, non-square maps, layers of different sizes, other layer names and weights. The same seed
gives the same inputs, so a gradebook can be reproduced (``nst-grade --seed``). A case is turned into a
request for the process that runs the submission by :func:`request`: arrays go into the frame's archive,
the rest into its JSON header.

Chapter: 08.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nst_helpers.assignment import examples


def new_seed() -> int:
    """A random seed for a grading run (recorded in the gradebook)."""
    return secrets.randbelow(2**31)


@dataclass
class Case:
    """One call: the inputs by argument name (or the train-step inputs), and a label for hints."""

    inputs: dict[str, Any] | examples.TrainInputs
    label: str
    public_shape: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _activation_shapes(rng: np.random.Generator) -> list[tuple[tuple[int, int, int, int], bool]]:
    n_H, n_W = int(rng.integers(3, 7)), int(rng.integers(7, 10))  # non-square, n_H < n_W
    return [
        (examples.PUBLIC_ACTIVATION_SHAPE, True),
        ((1, n_H, n_W, int(rng.integers(4, 9))), False),
        ((1, int(rng.integers(7, 10)), int(rng.integers(2, 5)), int(rng.integers(2, 7))), False),
    ]


def _shape_label(shape: tuple[int, ...]) -> str:
    return str(tuple(int(s) for s in shape))


def graded_cases(seed: int) -> dict[str, list[Case]]:
    """The cases of every exercise for ``seed``; the first one of each has the public shape."""
    rng = np.random.default_rng([seed, 8])
    cases: dict[str, list[Case]] = {}
    gram_shapes = [
        (examples.PUBLIC_GRAM_SHAPE, True),
        ((int(rng.integers(4, 9)), int(rng.integers(9, 20))), False),
        ((int(rng.integers(9, 14)), int(rng.integers(3, 9))), False),
    ]
    cases["gram_matrix"] = [
        Case(examples.gram_case(rng, shape), _shape_label(shape), public) for shape, public in gram_shapes
    ]
    cases["content_cost"] = [
        Case(examples.content_case(rng, shape), _shape_label(shape), public)
        for shape, public in _activation_shapes(rng)
    ]
    cases["layer_style_cost"] = [
        Case(examples.layer_style_case(rng, shape), _shape_label(shape), public)
        for shape, public in _activation_shapes(rng)
    ]
    style = []
    for count in (3, 2):
        names = [f"layer_{int(rng.integers(100, 1000))}_{i}" for i in range(count)]
        weights = rng.dirichlet(np.ones(count))
        shapes = {
            name: (1, int(rng.integers(2, 8)), int(rng.integers(2, 8)), int(rng.integers(2, 9))) for name in names
        }
        layers = [(name, round(float(w), 4)) for name, w in zip(names, weights)]
        style.append(Case(examples.style_case(rng, layers, shapes), f"{count} layers", False))
    cases["style_cost"] = style
    totals = []
    for _ in range(2):
        J_c, J_s = (float(x) for x in rng.uniform(0.1, 10.0, size=2))
        alpha, beta = (round(float(x), 3) for x in rng.uniform(0.5, 50.0, size=2))
        totals.append(Case(examples.total_case(J_c, J_s, alpha, beta), "alpha, beta given", False))
    J_c, J_s = (float(x) for x in rng.uniform(0.1, 10.0, size=2))
    totals.append(Case(examples.total_case(J_c, J_s), "default alpha, beta", False))
    cases["total_cost"] = totals
    train = []
    for shape in (examples.PUBLIC_TRAIN_SHAPE, (1, int(rng.integers(6, 9)), int(rng.integers(10, 14)), 3)):
        w = round(float(rng.uniform(0.2, 0.8)), 3)
        inputs = examples.train_case(
            rng,
            shape,
            model_seed=int(rng.integers(0, 2**31)),
            weights=(w, round(1.0 - w, 3)),
            alpha=round(float(rng.uniform(1.0, 10.0)), 3),
            beta=round(float(rng.uniform(1.0, 10.0)), 3),
        )
        train.append(Case(inputs, _shape_label(shape), shape == examples.PUBLIC_TRAIN_SHAPE))
    cases["train_step"] = train
    return cases


def request(exercise: str, cases: list[Case]) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The JSON specs of the calls, and the arrays they refer to (keys ``c{i}_...``)."""
    specs: list[dict] = []
    arrays: dict[str, np.ndarray] = {}
    for i, case in enumerate(cases):
        if isinstance(case.inputs, examples.TrainInputs):
            t = case.inputs
            arrays.update({f"c{i}_kernel_a": t.model_outputs.kernels[0], f"c{i}_kernel_b": t.model_outputs.kernels[1]})
            arrays.update({f"c{i}_a_C": t.a_C, f"c{i}_start": t.start})
            arrays.update({f"c{i}_a_S_{name}": value for name, value in t.a_S.items()})
            specs.append(
                {
                    "train": {
                        "kernels": [f"c{i}_kernel_a", f"c{i}_kernel_b"],
                        "a_C": f"c{i}_a_C",
                        "a_S": {name: f"c{i}_a_S_{name}" for name in t.a_S},
                        "style_layers": [[n, w] for n, w in t.style_layers],
                        "alpha": t.alpha,
                        "beta": t.beta,
                        "start": f"c{i}_start",
                        "learning_rate": t.learning_rate,
                        "steps": t.steps,
                    }
                }
            )
            continue
        args = []
        for name, value in case.inputs.items():
            if isinstance(value, np.ndarray):
                arrays[f"c{i}_{name}"] = value
                args.append({"array": f"c{i}_{name}"})
            elif isinstance(value, dict):
                keys = {layer: f"c{i}_{name}_{layer}" for layer in value}
                arrays.update({keys[layer]: v for layer, v in value.items()})
                args.append({"arrays": keys})
            elif isinstance(value, list):
                args.append({"pairs": [[n, w] for n, w in value]})
            else:
                args.append({"number": value})
        specs.append({"args": args})
    return specs, arrays
