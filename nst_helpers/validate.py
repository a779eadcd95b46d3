"""Checks of numeric arguments, with one clear error that names the argument and what it must be.

Chapter: 06.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import InputError


def finite_number(name: str, value, positive: bool = False) -> float:
    """``value`` as a float; an :class:`InputError` naming ``name`` unless finite and >= 0 (> 0 if ``positive``)."""
    if isinstance(value, (str, bytes, bool)):
        raise InputError(f"{name} must be a number; got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        need = "a finite number above 0" if positive else "a finite number, 0 or more"
        raise InputError(f"{name} must be {need}; got {value!r}.")
    return number


def whole_number(name: str, value, minimum: int) -> int:
    """``value`` as an int; an :class:`InputError` naming ``name`` unless it is a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be a whole number, at least {minimum}; got {value!r}.")
    return int(value)
