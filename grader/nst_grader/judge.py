"""Judge one exercise: the values a submission's function returned against the values computed here.

The process that ran the submission reports, for each case, what the function returned (arrays) or what
went wrong (a short error text). Nothing in that report is trusted: its structure is checked, arrays were
already checked by :mod:`nst_helpers.assignment.wire`, and the points depend only on whether the returned
values equal this module's own :mod:`reference` values on inputs drawn at grading time. The rest of the
report (an error's text, whether the step was a ``tf.function``) only chooses the hint.

Chapter: 08.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nst_helpers.assignment import examples
from nst_helpers.assignment.checks import diagnose_train, run_train_step, uses_numpy
from nst_helpers.assignment.compare import (
    as_array,
    clean_text,
    diagnose,
    dims_of,
    mistake_from_error,
    same,
    show,
)
from nst_helpers.assignment.exercises import BY_KEY
from nst_helpers.assignment.messages import text

from . import mistakes, reference
from .cases import Case


def exercise_result(exercise: str, lang: str, key: str | None, **fields: Any) -> dict[str, Any]:
    """The gradebook entry of one exercise: passed when ``key`` is ``None``, else the mistake and its hint."""
    spec = BY_KEY[exercise]
    passed = key is None
    return {
        "exercise": spec.key,
        "function": spec.function,
        "number": spec.number,
        "max_points": spec.points,
        "passed": passed,
        "points": spec.points if passed else 0,
        "mistake": key,
        "hint": text(key, lang, function=spec.function, **fields) if key else "",
        "lang": lang,
    }


class _Found(Exception):
    def __init__(self, key: str, **fields: Any):
        super().__init__(key)
        self.key, self.fields = key, fields


def _outcome(exercise: str, report: Any) -> None:
    """Raise the mistake a failed call points to (``report`` is one mode of one case, from the child)."""
    if not isinstance(report, dict):
        raise _Found("protocol", detail="case report")
    if report.get("ok") is True:
        return
    kind = report.get("error")
    detail = clean_text(report.get("detail", ""))
    if kind == "not_done":
        raise _Found("not_done")
    if kind == "numpy":
        raise _Found("numpy_in_graph")
    if kind == "not_a_tensor":
        raise _Found("not_a_tensor", got=clean_text(report.get("got", "None"), 80))
    if kind == "raised":
        raise _Found(mistake_from_error(exercise, detail) or "raised", error=detail)
    raise _Found("protocol", detail="case report")


def _graph_outcome(report: Any) -> None:
    """Raise the mistake when the call inside a ``tf.function`` failed (``report`` is from the child)."""
    if isinstance(report, dict) and report.get("ok") is True:
        return
    error = clean_text(report.get("detail", "")) if isinstance(report, dict) else ""
    if isinstance(report, dict) and report.get("error") in ("numpy", "not_done"):
        raise _Found("numpy_in_graph")
    raise _Found("numpy_in_graph" if uses_numpy(error) else "graph_error", error=error or "-")


def _value(arrays: dict[str, np.ndarray], key: str) -> np.ndarray:
    if key not in arrays:
        raise _Found("protocol", detail=f"missing array {key}")
    return np.asarray(arrays[key], dtype=np.float64)


def _variant_values(exercise: str, args: tuple) -> list[tuple[str, np.ndarray]]:
    values = []
    for key, variant in mistakes.VARIANTS[exercise]:
        try:
            values.append((key, as_array(variant(*args))))
        except Exception:  # a variant that cannot run on these inputs is simply not this mistake
            continue
    return [(k, v) for k, v in values if v is not None]


def _judge_values(exercise: str, cases: list[Case], header: dict, arrays: dict) -> None:
    reports = header.get("cases")
    if not isinstance(reports, list) or len(reports) != len(cases):
        raise _Found("protocol", detail="number of cases")
    answer: Callable = reference.ANSWERS[exercise]
    passed_public = False
    for index, (case, report) in enumerate(zip(cases, reports)):
        if not isinstance(report, dict):
            raise _Found("protocol", detail="case report")
        try:
            _outcome(exercise, report.get("eager"))
        except _Found as found:
            if found.key == "raised" and passed_public and not case.public_shape:
                raise _Found("shape_only_public_error", shape=case.label, **found.fields) from None
            raise
        args = tuple(examples.as_tensors(v) for v in case.inputs.values())
        expected = as_array(answer(*args))
        got = _value(arrays, f"c{index}_eager")
        if not same(got, expected) and exercise == "total_cost" and "alpha" not in case.inputs and index:
            raise _Found("total.defaults", got=show(got), expected=show(expected))
        if not same(got, expected):
            found = diagnose(exercise, got, expected, _variant_values(exercise, args), dims_of(exercise, case.inputs))
            assert found is not None
            if found[0] in ("wrong_value", "wrong_shape") and passed_public and not case.public_shape:
                raise _Found("shape_only_public", shape=case.label, got=show(got), expected=show(expected))
            raise _Found(found[0], **found[1])
        passed_public = passed_public or case.public_shape
        _graph_outcome(report.get("graph"))
        in_graph = _value(arrays, f"c{index}_graph")
        if not same(in_graph, expected):
            raise _Found("graph_error", error=f"{show(in_graph)} != {show(expected)}")


def _judge_train(cases: list[Case], header: dict, arrays: dict) -> None:
    reports = header.get("cases")
    if not isinstance(reports, list) or len(reports) != len(cases):
        raise _Found("protocol", detail="number of cases")
    for index, (case, report) in enumerate(zip(cases, reports)):
        inputs = case.inputs
        assert isinstance(inputs, examples.TrainInputs)
        if not isinstance(report, dict):
            raise _Found("protocol", detail="case report")
        _outcome("train_step", report.get("eager"))
        expected = run_train_step(reference.make_train_step, inputs)[:2]
        got = (_value(arrays, f"c{index}_eager_costs"), _value(arrays, f"c{index}_eager_image"))
        if got[0].ndim != 1 or got[0].shape[0] != inputs.steps or got[1].shape != expected[1].shape:
            raise _Found("train.wrong_value", steps=inputs.steps, got=show(got[0]), expected=show(expected[0]))
        if diagnose_train(got, expected, [], inputs.steps):
            variants = [(key, run_train_step(v, inputs)[:2]) for key, v in mistakes.VARIANTS["train_step"]]
            found = diagnose_train(got, expected, variants, inputs.steps)
            assert found is not None
            raise _Found(found[0], **found[1])
        if report.get("tf_function") is not True:
            raise _Found("train.no_tf_function")
        _graph_outcome(report.get("graph"))
        in_graph = (_value(arrays, f"c{index}_graph_costs"), _value(arrays, f"c{index}_graph_image"))
        if diagnose_train(in_graph, expected, [], inputs.steps):
            raise _Found("graph_error", error=f"costs {show(in_graph[0])}")


def judge(exercise: str, cases: list[Case], header: Any, arrays: dict, lang: str) -> dict[str, Any]:
    """The gradebook entry of ``exercise`` from the child's report (``header``) and returned ``arrays``."""
    if not isinstance(header, dict) or header.get("exercise") != exercise:
        return exercise_result(exercise, lang, "protocol", detail="reply")
    status = header.get("status")
    if status == "missing":
        return exercise_result(exercise, lang, "missing")
    if status == "not_callable":
        return exercise_result(exercise, lang, "not_callable", kind=clean_text(header.get("kind", "?"), 40))
    if status == "timeout":
        seconds = header.get("seconds")
        seconds = float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) else 0.0
        return exercise_result(exercise, lang, "timeout", seconds=round(seconds))
    if status != "called":
        return exercise_result(exercise, lang, "protocol", detail="status")
    try:
        if exercise == "train_step":
            _judge_train(cases, header, arrays)
        else:
            _judge_values(exercise, cases, header, arrays)
    except _Found as found:
        return exercise_result(exercise, lang, found.key, **found.fields)
    return exercise_result(exercise, lang, None)
