"""Exceptions that nst_helpers raises for problems a person can fix.

Chapter: 01.
"""


class NSTError(Exception):
    """Base class of every error raised on purpose by nst_helpers. Taught in chapter 01."""


class InputError(NSTError, ValueError):
    """An argument or a file given by the user cannot be used; the message says what to do. Taught in chapter 01."""


class ImageNotFoundError(InputError, FileNotFoundError):
    """An image path does not exist, or a sample image cannot be found or downloaded. Taught in chapter 01."""


class WeightsError(NSTError, OSError):
    """A weights file is missing, corrupt or of the wrong layout. Taught in chapter 03."""


class OptimizationDivergedError(NSTError, FloatingPointError):
    """The loss became NaN or infinite during optimisation. Taught in chapter 06."""
