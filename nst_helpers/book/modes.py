"""Quick mode (small images, few steps: for CI and nbval) and full mode (for the rendered book and Colab).

One environment variable chooses: ``NST_MODE=quick`` or ``NST_MODE=full`` (the default). With a GPU, full mode
takes the GPU profile: larger pictures and a longer network training, sized for a Colab T4 in a few minutes per
chapter (an expectation from the CPU measurements and the T4's throughput, not a measurement on a T4).

Chapter: 00.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import InputError

MODE_ENV = "NST_MODE"
MODES = ("quick", "full")


@dataclass(frozen=True)
class RunSettings:
    """Sizes and step counts that chapters use, so one switch scales every run in the book."""

    mode: str
    max_dim: int  # long side of the images in the main runs
    steps: int  # Adam steps of the main run (chapter 06)
    experiment_max_dim: int  # long side in the chapter 07 experiments
    experiment_steps: int  # steps of each chapter 07 experiment
    snapshots: int  # images in the progress grid
    reconstruction_max_dim: int  # long side of the chapter 09 reconstructions
    reconstruction_steps: int  # L-BFGS evaluations of each chapter 09 reconstruction
    network_steps: int  # training steps of the chapter 10 stylisation network
    network_crop: int  # side of its training crops


_SETTINGS = {
    "quick": RunSettings(
        "quick",
        max_dim=64,
        steps=12,
        experiment_max_dim=48,
        experiment_steps=6,
        snapshots=4,
        reconstruction_max_dim=48,
        reconstruction_steps=20,
        network_steps=3,
        network_crop=32,
    ),
    "full": RunSettings(
        "full",
        max_dim=256,
        steps=200,
        experiment_max_dim=160,
        experiment_steps=80,
        snapshots=10,
        reconstruction_max_dim=160,
        reconstruction_steps=200,
        network_steps=800,
        network_crop=128,
    ),
}
#: The GPU memory (what TensorFlow may use) from which full mode takes the GPU profile: a T4 has 15 GiB, and a
#: 512-pixel step is estimated at well under 10 (nst_helpers.speed.memory).
GPU_PROFILE_MIN_BYTES = 10 * 2**30
#: Full mode on a GPU with at least GPU_PROFILE_MIN_BYTES.
GPU_FULL = RunSettings(
    "full",
    max_dim=512,
    steps=200,
    experiment_max_dim=256,
    experiment_steps=80,
    snapshots=10,
    reconstruction_max_dim=256,
    reconstruction_steps=200,
    network_steps=2000,
    network_crop=256,
)


def current_mode() -> str:
    """``"quick"`` or ``"full"``, from ``NST_MODE``."""
    mode = os.environ.get(MODE_ENV, "full").strip().lower() or "full"
    if mode not in MODES:
        raise InputError(f"{MODE_ENV}={mode!r} is not a mode; set it to 'quick' or 'full'.")
    return mode


def run_settings(mode: str | None = None, gpu: bool = False) -> RunSettings:
    """The :class:`RunSettings` of ``mode`` (default: the current mode); ``gpu``: full mode's GPU profile.

    Taught in chapter 00.
    """
    mode = mode or current_mode()
    if mode not in _SETTINGS:
        raise InputError(f"Unknown mode {mode!r}; choose 'quick' or 'full'.")
    return GPU_FULL if gpu and mode == "full" else _SETTINGS[mode]
