"""The notebook's checks: run a function on the public inputs and compare with the stored expected values.

``check_gram_matrix(gram_matrix, lang="en")`` prints one line when the exercise passes and raises
:class:`ExerciseFailed` (shown as one line with the hint) when it does not. The expected values, and the
values of the known wrong answers, were computed once for the public inputs and are stored in
``expected.json`` next to this module (as Coursera's public tests store theirs); nothing here computes a
reference. ``nst-grade`` grades on other inputs, drawn when it runs, and compares with values it computes
itself. Here exercises 3, 4 and 6 call your own helpers (``gram_matrix`` ...), so fix the earlier exercises
first; the grader grades each exercise on its own.

Chapter: 08.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._tf import keras, tf
from . import examples
from .compare import as_array, diagnose, dims_of, error_text, mistake_from_error, same, show
from .exercises import BY_KEY, Exercise
from .messages import text

EXPECTED_FILE = Path(__file__).with_name("expected.json")


@lru_cache(maxsize=1)
def stored_values() -> dict[str, Any]:
    """The expected values of the public inputs (``expected.json``)."""
    return json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))


def _stored(entry: dict) -> np.ndarray:
    return np.asarray(entry["value"], dtype=np.float64).reshape(entry["shape"])


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: points, and for a failure the mistake (a message key) and its hint."""

    exercise: str
    function: str
    number: int
    max_points: int
    passed: bool
    mistake: str | None
    hint: str
    lang: str

    @property
    def points(self) -> int:
        return self.max_points if self.passed else 0

    def line(self) -> str:
        """The pass or fail line shown to the student."""
        fields = {"number": self.number, "function": self.function, "points": self.max_points}
        return (
            text("passed_public", self.lang, **fields)
            if self.passed
            else text("failed", self.lang, hint=self.hint, **fields)
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "points": self.points}


class ExerciseFailed(AssertionError):
    """Raised by a check in the notebook when the exercise does not pass; Jupyter shows only the hint."""

    def __init__(self, result: CheckResult):
        super().__init__(result.line())
        self.result = result

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line, shaped like one so renderers accept it."""
        return [f"{type(self).__name__}: {self.result.line()}"]


class _Failure(Exception):
    """Internal: a check found a mistake (a message key and the fields of its message)."""

    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


def uses_numpy(error: str) -> bool:
    """Whether an error inside a tf.function comes from NumPy working on a symbolic tensor."""
    words = error.lower()
    return any(w in words for w in ("numpy", "symbolic", "__array__", "eager execution"))


def _call(exercise: str, function: Callable, args: tuple) -> Any:
    try:
        return function(*args)
    except NotImplementedError as exc:
        if "symbolic" in str(exc).lower():
            raise _Failure("numpy_in_graph") from None
        raise _Failure("not_done") from None
    except Exception as exc:  # an error of the student's code is a result to report
        error = error_text(exc)
        raise _Failure(mistake_from_error(exercise, f"{type(exc).__name__} {exc}") or "raised", error=error) from None


class _Eagerly:
    """Run tf.functions as plain Python inside the block, so a NumPy call shows up as a graph-only failure."""

    def __enter__(self) -> None:
        self.before = tf.config.functions_run_eagerly()
        tf.config.run_functions_eagerly(True)

    def __exit__(self, *exc: object) -> None:
        tf.config.run_functions_eagerly(self.before)


class _ExactFloat32:
    """Compute in full float32 inside the block: TensorFloat-32 (on by default on Ampere and newer GPUs) moves
    the public Gram matrix outside the checks' tolerance (chapter 11, tests/test_tf32.py)."""

    def __enter__(self) -> None:
        self.before = tf.config.experimental.tensor_float_32_execution_enabled()
        tf.config.experimental.enable_tensor_float_32_execution(False)

    def __exit__(self, *exc: object) -> None:
        tf.config.experimental.enable_tensor_float_32_execution(self.before)


def _check_values(exercise: str, function: Callable, inputs: dict, stored: dict) -> None:
    args = tuple(examples.as_tensors(v) for v in inputs.values())
    expected = _stored(stored["expected"])
    mistakes = [(key, _stored(entry)) for key, entry in stored["mistakes"]]
    with _Eagerly():
        returned = _call(exercise, function, args)
    got = as_array(returned)
    if got is None:
        raise _Failure("not_a_tensor", got=repr(returned)[:80])
    found = diagnose(exercise, got, expected, mistakes, dims_of(exercise, inputs))
    if found:
        raise _Failure(found[0], **found[1])
    try:
        in_graph = as_array(tf.function(function)(*args))
    except Exception as exc:
        error = error_text(exc)
        raise _Failure("numpy_in_graph" if uses_numpy(error) else "graph_error", error=error) from None
    if not same(in_graph, expected):
        raise _Failure("graph_error", error=f"{show(in_graph) if in_graph is not None else None} != {show(expected)}")


def _values_check(exercise: str) -> Callable[[Callable], None]:
    def check(function: Callable) -> None:
        stored = stored_values()[exercise]
        _check_values(exercise, function, examples.public_inputs(exercise), stored)
        if exercise == "total_cost":
            inputs = examples.public_inputs(exercise)
            defaults = {k: inputs[k] for k in ("J_content", "J_style")}
            with _Eagerly():
                got = as_array(_call(exercise, function, tuple(examples.as_tensors(v) for v in defaults.values())))
            expected = _stored(stored["defaults"])
            if not same(got, expected):
                raise _Failure("total.defaults", got=show(got) if got is not None else "None", expected=show(expected))

    return check


def run_train_step(factory: Callable, inputs: examples.TrainInputs) -> tuple[np.ndarray | None, np.ndarray, Any]:
    """Run ``inputs.steps`` steps of the step that ``factory`` makes: (costs, final image, the step)."""
    image = tf.Variable(inputs.start)
    optimizer = keras.optimizers.Adam(learning_rate=inputs.learning_rate)
    step = factory(
        inputs.model_outputs,
        tf.constant(inputs.a_C),
        examples.as_tensors(inputs.a_S),
        optimizer,
        inputs.alpha,
        inputs.beta,
        list(inputs.style_layers),
    )
    costs = [as_array(step(image)) for _ in range(inputs.steps)]
    if any(c is None or c.size != 1 for c in costs):
        return None, image.numpy(), step
    return np.array([c.reshape(()) for c in costs]), image.numpy(), step


def diagnose_train(
    got: tuple[np.ndarray | None, np.ndarray],
    expected: tuple[np.ndarray, np.ndarray],
    mistakes: list[tuple[str, tuple[np.ndarray, np.ndarray]]],
    steps: int,
) -> tuple[str, dict[str, Any]] | None:
    """``None`` when the costs and the final image are right; else the mistake's message key and fields."""
    costs, image = got
    if costs is None:
        return "not_a_tensor", {"got": "None"}
    if same(costs, expected[0]) and same(image, expected[1]):
        return None
    for key, (m_costs, m_image) in mistakes:
        if same(costs, m_costs) and same(image, m_image):
            return key, {}
    if costs.size and not same(costs[:1], expected[0][:1]):
        return "train.first_cost", {"got": show(costs[:1]), "expected": show(expected[0][:1])}
    if same(costs, expected[0]) and image.shape == expected[1].shape:
        return "train.wrong_image", {"steps": steps, "difference": f"{float(np.max(np.abs(image - expected[1]))):.4g}"}
    return "train.wrong_value", {"steps": steps, "got": show(costs), "expected": show(expected[0])}


def _train_check(make_train_step: Callable) -> None:
    stored = stored_values()["train_step"]
    inputs = examples.train_inputs()
    expected = (_stored(stored["costs"]), _stored(stored["image"]))
    mistakes = [(key, (_stored(c), _stored(i))) for key, c, i in stored["mistakes"]]
    with _Eagerly():
        costs, image, step = _call("train_step", lambda: run_train_step(make_train_step, inputs), ())
    found = diagnose_train((costs, image), expected, mistakes, inputs.steps)
    if found:
        raise _Failure(found[0], **found[1])
    if not isinstance(step, tf.types.experimental.GenericFunction):
        raise _Failure("train.no_tf_function")
    try:
        in_graph = run_train_step(make_train_step, inputs)
    except Exception as exc:
        error = error_text(exc)
        raise _Failure("numpy_in_graph" if uses_numpy(error) else "graph_error", error=error) from None
    if diagnose_train(in_graph[:2], expected, [], inputs.steps):
        raise _Failure("graph_error", error=f"costs {show(in_graph[0]) if in_graph[0] is not None else None}")


_CHECKERS: dict[str, Callable[[Callable], None]] = {
    **{
        key: _values_check(key)
        for key in ("gram_matrix", "content_cost", "layer_style_cost", "style_cost", "total_cost")
    },
    "train_step": _train_check,
}


def evaluate(exercise: str, function: Any, lang: str = "en") -> CheckResult:
    """Check ``function`` as the answer to ``exercise`` on the public inputs; never prints or raises for a
    wrong answer."""
    spec: Exercise = BY_KEY[exercise]

    def result(passed: bool, key: str | None = None, **fields: Any) -> CheckResult:
        hint = text(key, lang, function=spec.function, **fields) if key else ""
        return CheckResult(spec.key, spec.function, spec.number, spec.points, passed, key, hint, lang)

    if not callable(function):
        return result(False, "not_callable", kind=type(function).__name__)
    try:
        with _ExactFloat32():
            _CHECKERS[exercise](function)
    except _Failure as failure:
        return result(False, failure.key, **failure.fields)
    return result(True)


def _checker(exercise: str, name: str, doc: str) -> Callable[..., None]:
    """The public ``check_*`` function of one exercise: it prints the result line, or raises with the hint."""

    def check(function: Callable, lang: str = "en") -> None:
        outcome = evaluate(exercise, function, lang)
        if not outcome.passed:
            raise ExerciseFailed(outcome)
        print(outcome.line())

    check.__name__ = check.__qualname__ = name
    check.__doc__ = doc
    return check


check_gram_matrix = _checker(
    "gram_matrix", "check_gram_matrix", "Exercise 1: ``gram_matrix(A)`` for A of shape (n_C, n_H·n_W)."
)
check_content_cost = _checker("content_cost", "check_content_cost", "Exercise 2: ``compute_content_cost(a_C, a_G)``.")
check_layer_style_cost = _checker(
    "layer_style_cost", "check_layer_style_cost", "Exercise 3: ``compute_layer_style_cost(a_S, a_G)``."
)
check_style_cost = _checker(
    "style_cost", "check_style_cost", "Exercise 4: ``compute_style_cost(a_S, a_G, style_layers)``."
)
check_total_cost = _checker(
    "total_cost", "check_total_cost", "Exercise 5: ``total_cost(J_content, J_style, alpha=10, beta=40)``."
)
check_train_step = _checker(
    "train_step",
    "check_train_step",
    "Exercise 6: ``make_train_step(model_outputs, a_C, a_S, optimizer, alpha, beta, style_layers)``.",
)
