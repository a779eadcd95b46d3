"""The first cell of every chapter: quiet TensorFlow, seeds, figure defaults, fonts, and a line on the hardware.

Chapter: 00.
"""

from __future__ import annotations

import os
import warnings

import matplotlib

from .._tf import tf
from ..speed.memory import available_gpu_bytes
from ..words import say, use_edition
from .display import use_cjk_font
from .modes import GPU_PROFILE_MIN_BYTES, RunSettings, run_settings

SEED = 42


def setup(edition: str = "en", seed: int = SEED) -> RunSettings:
    """Prepare a chapter: the edition's language for the package's words, seeds, matplotlib defaults, a CJK font
    for the Chinese edition, TensorFloat-32 off; print the hardware.

    Returns the :class:`RunSettings` of the current mode (quick or full); full mode on a GPU with at least
    ``GPU_PROFILE_MIN_BYTES`` of memory takes the GPU profile.

    Taught in chapter 00.
    """
    use_edition(edition)
    from .._tf import keras

    keras.utils.set_random_seed(seed)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    matplotlib.rcParams.update({"figure.dpi": 100, "axes.grid": False, "image.interpolation": "lanczos"})
    if edition == "zh" and use_cjk_font() is None:
        warnings.warn(say("setup.no_cjk_font"), stacklevel=2)
    # TensorFloat-32 (on by default on Ampere and newer GPUs) rounds matmul inputs to 10 mantissa bits: the checked
    # numbers would move by up to a few 1e-4 relative (chapter 11 shows it), so every edition computes in full float32.
    tf.config.experimental.enable_tensor_float_32_execution(False)
    gpus = tf.config.list_physical_devices("GPU")
    settings = run_settings(gpu=bool(gpus) and (available_gpu_bytes() or 0) >= GPU_PROFILE_MIN_BYTES)
    device = say("setup.gpu", name=gpus[0].name) if gpus else say("setup.cpu")
    size = {"size": settings.max_dim, "steps": settings.steps}
    print(say("setup", version=tf.__version__, device=device, mode=settings.mode, **size))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return settings
