"""Comparing an answer with the expected value, and naming the mistake when it is a known one.

The notebook's checks (against stored values for the public inputs) and ``nst-grade`` (against the values
it computes itself) use the same rules: a tolerance, the known wrong answers, a result that is the expected
one times a simple factor (the normalisation), a wrong shape, and errors with a recognisable message.

Chapter: 08.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

RTOL, ATOL = 1e-4, 1e-6

#: The normalisation each exercise's formula uses, shown when a result is off by a factor.
FORMULAS = {
    "gram_matrix": "G = A·Aᵀ, no division",
    "content_cost": "Σ(a_C − a_G)² / (4·n_H·n_W·n_C)",
    "layer_style_cost": "Σ(G_S − G_G)² / (4·n_C²·(n_H·n_W)²)",
    "style_cost": "Σ_l λ_l·J_style^[l]",
    "total_cost": "α·J_content + β·J_style",
}

#: (exercise, words in the error message, mistake): errors that a typical mistake raises.
ERROR_MISTAKES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("gram_matrix", ("matrix size-incompatible",), "gram.no_transpose"),
    ("gram_matrix", ("incompatible shapes",), "gram.no_transpose"),
    ("style_cost", ("block", "keyerror"), "style.uses_global"),
    ("train_step", ("block", "keyerror"), "style.uses_global"),
)


def as_array(value: Any) -> np.ndarray | None:
    """A float64 NumPy copy of a number, array or tensor; ``None`` for anything else (``None``, text, dicts)."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def same(got: np.ndarray | None, expected: np.ndarray) -> bool:
    """Equal within the checks' tolerance; a scalar may come back as shape (), (1,) or (1, 1)."""
    if got is None:
        return False
    if got.size == 1 and expected.size == 1:
        got, expected = got.reshape(()), expected.reshape(())
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))


def show(array: np.ndarray) -> str:
    """A short text form of an array for a hint."""
    if array.size == 1:
        return f"{float(array.reshape(())):.6g}"
    return np.array2string(array, precision=4, separator=", ", max_line_width=160, threshold=40)


def shape_text(array: np.ndarray) -> str:
    return str(tuple(array.shape))


def ratio(got: np.ndarray, expected: np.ndarray) -> float | None:
    """``r`` when ``got`` equals ``r`` times ``expected`` (same shape, ``r`` not 1 or 0), else ``None``."""
    if got.size != expected.size or (got.size > 1 and got.shape != expected.shape):
        return None
    got, expected = got.reshape(-1), expected.reshape(-1)
    denominator = float(np.dot(expected, expected))
    if denominator == 0.0 or not np.all(np.isfinite(got)):
        return None
    r = float(np.dot(got, expected)) / denominator
    if r == 0.0 or math.isclose(r, 1.0, rel_tol=RTOL) or not np.allclose(got, r * expected, rtol=RTOL, atol=ATOL):
        return None
    return r


def factor_names(dims: Mapping[str, int]) -> list[tuple[str, float]]:
    """Simple factors a normalisation can be off by, for the dimensions of one input (n_C, n_H, n_W)."""
    names: list[tuple[str, float]] = [("4", 4.0), ("2", 2.0)]
    n_C, n_H, n_W = dims.get("n_C"), dims.get("n_H"), dims.get("n_W")
    if n_C:
        names += [("n_C", n_C), ("n_C²", n_C**2), ("4·n_C", 4 * n_C)]
    if n_H and n_W:
        m = n_H * n_W
        names += [("n_H·n_W", m), ("(n_H·n_W)²", m**2), ("4·n_H·n_W", 4 * m)]
        if n_C:
            names += [
                ("n_H·n_W·n_C", m * n_C),
                ("4·n_H·n_W·n_C", 4 * m * n_C),
                ("2·n_H·n_W·n_C", 2 * m * n_C),
                ("n_C²·(n_H·n_W)²", n_C**2 * m**2),
                ("4·n_C²·(n_H·n_W)²", 4 * n_C**2 * m**2),
            ]
    return names


def name_factor(r: float, dims: Mapping[str, int]) -> str | None:
    """``"n_C"`` or ``"1/(4·n_H·n_W·n_C)"`` ... when ``r`` is one of the simple factors, else ``None``."""
    for name, value in factor_names(dims):
        for candidate, label in (
            (value, name),
            (1.0 / value, f"1/{name}" if "·" not in name or name[0] == "(" else f"1/({name})"),
        ):
            if math.isclose(r, candidate, rel_tol=1e-3):
                return label
    return None


def dims_of(exercise: str, inputs: Mapping[str, Any]) -> dict[str, int]:
    """n_C, n_H, n_W of an exercise's input, for naming a factor (empty where they do not apply)."""
    if exercise == "gram_matrix":
        n_C, m = np.shape(inputs["A"])
        return {"n_C": int(n_C), "n_H": int(m), "n_W": 1}
    for key in ("a_G", "a_C"):
        if key in inputs and not isinstance(inputs[key], Mapping):
            _, n_H, n_W, n_C = np.shape(inputs[key])
            return {"n_C": int(n_C), "n_H": int(n_H), "n_W": int(n_W)}
    return {}


def error_text(exc: BaseException, limit: int = 200) -> str:
    """``"TypeName: last line of the message"``, at most ``limit`` characters of message."""
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[-1][:limit]}" if message else type(exc).__name__


def clean_text(value: Any, limit: int = 200) -> str:
    """Text from an untrusted process, cut to ``limit`` characters and stripped of control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in str(value))[:limit]


def mistake_from_error(exercise: str, error_text: str) -> str | None:
    """The mistake an error message (``"KeyError: 'block1_conv1'"``) points to, if it is a known one."""
    words = error_text.lower()
    for name, needles, key in ERROR_MISTAKES:
        if name == exercise and all(n in words for n in needles):
            return key
    return None


def diagnose(
    exercise: str,
    got: np.ndarray | None,
    expected: np.ndarray,
    mistakes: Iterable[tuple[str, np.ndarray]],
    dims: Mapping[str, int],
) -> tuple[str, dict[str, Any]] | None:
    """``None`` when ``got`` is right; else the message key of the mistake and the fields of its hint."""
    if got is None:
        return "not_a_tensor", {"got": "None"}
    if same(got, expected):
        return None
    for key, value in mistakes:
        if same(got, value):
            return key, {}
    r = ratio(got, expected)
    if r is not None:
        name = name_factor(r, dims)
        fields = {"factor": name or f"{r:.6g}", "formula": FORMULAS.get(exercise, "")}
        return ("scaled" if name else "scaled_other"), fields
    if got.size != expected.size or (got.size > 1 and got.shape != expected.shape):
        return "wrong_shape", {"got": shape_text(got), "expected": shape_text(expected)}
    return "wrong_value", {"got": show(got), "expected": show(expected)}
