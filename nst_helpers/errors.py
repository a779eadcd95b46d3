"""Exceptions that nst_helpers raises for problems a person can fix."""


class NSTError(Exception):
    """Base class of every error raised on purpose by nst_helpers."""


class InputError(NSTError, ValueError):
    """An argument or a file given by the user cannot be used; the message says what to do."""


class ImageNotFoundError(InputError, FileNotFoundError):
    """An image path does not exist, or a sample image cannot be found or downloaded."""


class WeightsError(NSTError, OSError):
    """A weights file is missing, corrupt or of the wrong layout."""


class OptimizationDivergedError(NSTError, FloatingPointError):
    """The loss became NaN or infinite during optimisation."""
