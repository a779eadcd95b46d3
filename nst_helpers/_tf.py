"""Import TensorFlow and Keras without their start-up logs reaching the reader: every module takes ``tf`` and
``keras`` from here, so the quiet import always comes first."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null; C++ logs bypass Python's sys.stderr."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some embedded consoles)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Return the ``tensorflow`` module, imported quietly on first use."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _stderr_silenced():
        import keras  # noqa: F401  (Keras 3 logs on first import too)
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        # Creating the first context initialises devices, which logs once more.
        tf.constant(0.0)
    return tf


tf = import_tensorflow()
keras = sys.modules["keras"]  # imported quietly by import_tensorflow()
