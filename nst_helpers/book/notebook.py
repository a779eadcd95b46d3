"""The first cell of every chapter: quiet TensorFlow, seeds, figure defaults, fonts, and a line on the hardware.

Chapter: 00.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings

import matplotlib

from .._tf import tf
from ..words import say, use_edition
from .display import use_cjk_font
from .modes import RunSettings, run_settings

SEED = 42


def _in_colab() -> bool:
    return "google.colab" in sys.modules


def _install_cjk_font_on_colab() -> None:
    """Colab has no CJK font: install Debian's Noto CJK and let matplotlib find it."""
    if not _in_colab() or shutil.which("apt-get") is None:
        return
    subprocess.run(["apt-get", "install", "-y", "-qq", "fonts-noto-cjk"], check=False, capture_output=True)


def setup(edition: str = "en", seed: int = SEED) -> RunSettings:
    """Prepare a chapter: the edition's language for the package's words, seeds, matplotlib defaults, a CJK font
    for the Chinese edition; print the hardware.

    Returns the :class:`RunSettings` of the current mode (quick or full).

    Taught in chapter 00.
    """
    use_edition(edition)
    from .._tf import keras

    keras.utils.set_random_seed(seed)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    matplotlib.rcParams.update({"figure.dpi": 100, "axes.grid": False, "image.interpolation": "lanczos"})
    if edition == "zh" and use_cjk_font() is None:
        _install_cjk_font_on_colab()
        use_cjk_font()
    settings = run_settings()
    gpus = tf.config.list_physical_devices("GPU")
    device = say("setup.gpu", name=gpus[0].name) if gpus else say("setup.cpu")
    size = {"size": settings.max_dim, "steps": settings.steps}
    print(say("setup", version=tf.__version__, device=device, mode=settings.mode, **size))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return settings
