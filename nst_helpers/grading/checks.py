"""The checks of the assignment: run a student's function on fixed inputs, compare with the reference, explain.

In the notebook, ``check_gram_matrix(gram_matrix, lang="en")`` prints one line when the exercise passes and
raises :class:`ExerciseFailed` (shown as one line with the hint) when it does not. The grader calls
:func:`evaluate`, which returns a :class:`CheckResult` and neither prints nor raises.

Each check grades its exercise on its own: while it runs, the helpers the student's function may call
(``gram_matrix`` inside ``compute_layer_style_cost``, the costs inside the train step, ...) are replaced
by the reference ones in the function's module, and put back afterwards.

Chapter: 08.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator

import numpy as np

from .._tf import keras, tf
from . import examples, reference
from .exercises import BY_KEY, Exercise
from .messages import text
from .mistakes import VARIANTS, mistake_from_error

RTOL, ATOL = 1e-4, 1e-6
#: The helpers each exercise may call, replaced by the reference while it is checked.
ISOLATED_HELPERS: dict[str, tuple[str, ...]] = {
    "gram_matrix": (),
    "content_cost": (),
    "layer_style_cost": ("gram_matrix",),
    "style_cost": ("compute_layer_style_cost", "gram_matrix"),
    "total_cost": (),
    "train_step": (
        "compute_content_cost",
        "compute_style_cost",
        "compute_layer_style_cost",
        "gram_matrix",
        "total_cost",
    ),
}


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
            text("passed", self.lang, **fields) if self.passed else text("failed", self.lang, hint=self.hint, **fields)
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


# ---- helpers --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _reference_helpers(function: Any, names: tuple[str, ...]) -> Iterator[None]:
    """Put the reference helpers ``names`` into the globals of ``function`` for the duration of the block."""
    python_function = getattr(function, "python_function", function)
    namespace = getattr(python_function, "__globals__", None)
    if namespace is None or not names:
        yield
        return
    missing = object()
    saved = {name: namespace.get(name, missing) for name in names}
    namespace.update({name: reference.HELPERS[name] for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


@contextlib.contextmanager
def _eagerly() -> Iterator[None]:
    """Run tf.functions as plain Python, so a NumPy call shows up as a graph-only failure later."""
    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


def _as_array(value: Any) -> np.ndarray | None:
    """A NumPy copy of a number, array or tensor; ``None`` for anything else (``None``, strings, dicts ...)."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def _same(got: np.ndarray | None, expected: np.ndarray) -> bool:
    if got is None:
        return False
    if got.size == 1 and expected.size == 1:  # a scalar may come back as shape (), (1,) or (1, 1)
        got, expected = got.reshape(()), expected.reshape(())
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def _shape(array: np.ndarray) -> str:
    return str(tuple(array.shape))


def _show(array: np.ndarray) -> str:
    if array.size == 1:
        return f"{float(array.reshape(())):.6g}"
    return np.array2string(array, precision=4, separator=", ", max_line_width=160, threshold=40)


def _error(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[-1][:200]}" if message else type(exc).__name__


def _uses_numpy(exc: BaseException) -> bool:
    words = str(exc).lower()
    return any(w in words for w in ("numpy", "symbolic", "__array__", "eager execution"))


def _call(exercise: str, function: Callable, args: tuple) -> Any:
    """Call the student's function, turning its exceptions into failures that say what happened."""
    try:
        return function(*args)
    except NotImplementedError as exc:
        if "symbolic" in str(exc).lower():
            raise _Failure("numpy_in_graph") from None
        raise _Failure("not_done") from None
    except Exception as exc:  # any error of the student's code is a result to report, not a crash
        raise _Failure(mistake_from_error(exercise, exc) or "raised", error=_error(exc)) from None


def _find_mistake(exercise: str, got: np.ndarray, run_variant: Callable[[Callable], np.ndarray | None]) -> str | None:
    for key, variant in VARIANTS[exercise]:
        try:
            if _same(got, run_variant(variant)):
                return key
        except Exception:  # a variant that cannot run on these inputs is simply not this mistake
            continue
    return None


# ---- the checks of the loss functions ------------------------------------------------------------------
def _check_values(exercise: str, function: Callable, inputs: dict, expected_fn: Callable) -> None:
    """Eager values against the reference and the known mistakes, then the same call inside a tf.function."""
    args = tuple(inputs.values())
    expected = _as_array(expected_fn(*args))
    with _eagerly():
        returned = _call(exercise, function, args)
    got = _as_array(returned)
    if got is None:
        raise _Failure("not_a_tensor", got=repr(returned)[:80])
    if not _same(got, expected):
        mistake = _find_mistake(exercise, got, lambda variant: _as_array(variant(*args)))
        if mistake:
            raise _Failure(mistake)
        if got.size != expected.size or (got.size > 1 and got.shape != expected.shape):
            raise _Failure("wrong_shape", got=_shape(got), expected=_shape(expected))
        raise _Failure("wrong_value", got=_show(got), expected=_show(expected))
    try:
        in_graph = _as_array(tf.function(function)(*args))
    except Exception as exc:
        raise _Failure("numpy_in_graph" if _uses_numpy(exc) else "graph_error", error=_error(exc)) from None
    if not _same(in_graph, expected):
        raise _Failure("graph_error", error=f"{_show(in_graph) if in_graph is not None else None} != {_show(expected)}")


def _gram(function: Callable) -> None:
    _check_values("gram_matrix", function, examples.gram_inputs(), reference.gram_matrix)


def _content(function: Callable) -> None:
    _check_values("content_cost", function, examples.content_inputs(), reference.compute_content_cost)


def _layer_style(function: Callable) -> None:
    _check_values("layer_style_cost", function, examples.layer_style_inputs(), reference.compute_layer_style_cost)


def _style(function: Callable) -> None:
    _check_values("style_cost", function, examples.style_inputs(), reference.compute_style_cost)


def _total(function: Callable) -> None:
    inputs = examples.total_inputs()
    _check_values("total_cost", function, inputs, reference.total_cost)
    defaults = (inputs["J_content"], inputs["J_style"])
    expected = _as_array(reference.total_cost(*defaults))
    with _eagerly():
        got = _as_array(_call("total_cost", function, defaults))
    if not _same(got, expected):
        raise _Failure("total.defaults", got=_show(got) if got is not None else "None", expected=_show(expected))


# ---- the check of the train step -----------------------------------------------------------------------
def _train(factory: Callable, inputs: examples.TrainInputs) -> tuple[np.ndarray | None, np.ndarray, Any]:
    """Run ``examples.TRAIN_STEPS`` steps of the step that ``factory`` makes: (costs, final image, step)."""
    image = tf.Variable(inputs.start)
    optimizer = keras.optimizers.Adam(learning_rate=examples.TRAIN_LEARNING_RATE)
    step = factory(
        inputs.model_outputs, inputs.a_C, inputs.a_S, optimizer, inputs.alpha, inputs.beta, inputs.style_layers
    )
    costs = [_as_array(step(image)) for _ in range(examples.TRAIN_STEPS)]
    if any(c is None or c.size != 1 for c in costs):
        return None, image.numpy(), step
    return np.array([c.reshape(()) for c in costs]), image.numpy(), step


def _same_run(got: tuple, expected: tuple) -> bool:
    return got[0] is not None and _same(got[0], expected[0]) and _same(got[1], expected[1])


def _train_step(make_train_step: Callable) -> None:
    inputs = examples.train_inputs()
    expected = _train(reference.make_train_step, inputs)
    with _eagerly():
        got = _call("train_step", lambda: _train(make_train_step, inputs), ())
    if got[0] is None:
        raise _Failure("not_a_tensor", got="None")
    if not _same_run(got, expected):
        for key, variant in VARIANTS["train_step"]:
            with _eagerly():
                if _same_run(got, _train(variant, inputs)):
                    raise _Failure(key)
        raise _Failure("train.wrong_value", steps=examples.TRAIN_STEPS, got=_show(got[0]), expected=_show(expected[0]))
    if not isinstance(got[2], tf.types.experimental.GenericFunction):
        raise _Failure("train.no_tf_function")
    try:
        in_graph = _train(make_train_step, inputs)
    except Exception as exc:
        raise _Failure("numpy_in_graph" if _uses_numpy(exc) else "graph_error", error=_error(exc)) from None
    if not _same_run(in_graph, expected):
        raise _Failure("graph_error", error=f"costs {_show(in_graph[0]) if in_graph[0] is not None else None}")


_CHECKERS: dict[str, Callable[[Callable], None]] = {
    "gram_matrix": _gram,
    "content_cost": _content,
    "layer_style_cost": _layer_style,
    "style_cost": _style,
    "total_cost": _total,
    "train_step": _train_step,
}


# ---- public API -----------------------------------------------------------------------------------------
def evaluate(exercise: str, function: Any, lang: str = "en") -> CheckResult:
    """Grade ``function`` as the answer to ``exercise`` (a key of ``EXERCISES``); never prints or raises
    for a wrong answer (a time limit of the grader, a BaseException, still passes through)."""
    spec: Exercise = BY_KEY[exercise]

    def result(passed: bool, key: str | None = None, **fields: Any) -> CheckResult:
        hint = text(key, lang, function=spec.function, **fields) if key else ""
        return CheckResult(spec.key, spec.function, spec.number, spec.points, passed, key, hint, lang)

    if not callable(function):
        return result(False, "not_callable", kind=type(function).__name__)
    try:
        with _reference_helpers(function, ISOLATED_HELPERS[exercise]):
            _CHECKERS[exercise](function)
    except _Failure as failure:
        return result(False, failure.key, **failure.fields)
    return result(True)


def _check(exercise: str, function: Any, lang: str) -> None:
    outcome = evaluate(exercise, function, lang)
    if not outcome.passed:
        raise ExerciseFailed(outcome)
    print(outcome.line())


def _checker(exercise: str, name: str, doc: str) -> Callable[..., None]:
    """The public ``check_*`` function of one exercise: it prints the result line, or raises with the hint."""

    def check(function: Callable, lang: str = "en") -> None:
        _check(exercise, function, lang)

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
