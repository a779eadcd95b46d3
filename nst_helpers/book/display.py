"""Figures for the book: images side by side, the progress grid and the loss curves.

Every figure takes its titles and labels from the caller, so each edition labels them in its own language.

Chapter: 01.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from ..images import to_uint8

#: The Chinese figure font that comes with the package's dependencies: Noto Sans CJK SC (SIL Open Font Licence
#: 1.1), as shipped in the wheel of the PyPI package mpl-font, so no system package is needed.
PACKAGED_CJK_FONT = ("mpl_font", "fonts/noto/NotoSansCJKsc-Regular.otf")
#: Fonts that carry Chinese glyphs, in order of preference (the packaged one, then common system fonts).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)


def _register_packaged_cjk_font() -> None:
    """Add the packaged Noto Sans CJK SC to matplotlib's font list (a no-op if the package is missing)."""
    import importlib.util
    from pathlib import Path

    package, name = PACKAGED_CJK_FONT
    spec = importlib.util.find_spec(package)  # its location only: importing mpl_font would set its own defaults
    if spec is None or not spec.submodule_search_locations:
        return
    path = Path(list(spec.submodule_search_locations)[0]) / name
    if path.is_file() and str(path) not in {f.fname for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(path))


def use_cjk_font() -> str | None:
    """Put the first available CJK font in front of matplotlib's sans-serif list; return its name (None: none).

    Taught in chapter 01 (the Chinese edition's figure labels).
    """
    _register_packaged_cjk_font()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            fonts = list(matplotlib.rcParams["font.sans-serif"])
            matplotlib.rcParams["font.sans-serif"] = [name] + [f for f in fonts if f != name]
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    return None


def show_images(images: Sequence, titles: Sequence[str] = (), suptitle: str | None = None, size: float = 4.0):
    """Show RGB images (uint8, or float in [0, 255]) in one row; returns the figure. Taught in chapter 01."""
    fig, axes = plt.subplots(1, len(images), figsize=(size * len(images), size), squeeze=False)
    for ax, image, title in zip(axes[0], images, list(titles) + [""] * len(images)):
        ax.imshow(to_uint8(image))
        ax.set_title(title)
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_progress_grid(
    snapshots: Sequence[tuple[int, np.ndarray]],
    step_label: str = "step {step}",
    columns: int = 5,
    suptitle: str | None = None,
    size: float = 2.6,
):
    """The images captured during a run, in a grid titled by step. Taught in chapter 06."""
    rows = max(1, -(-len(snapshots) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (step, image) in zip(axes.flat, snapshots):
        ax.imshow(to_uint8(image))
        ax.set_title(step_label.format(step=step))
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    labels: Mapping[str, str] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str | None = None,
    ax=None,
):
    """Loss terms against the step, on a log scale; zero-only terms are left out. Taught in chapter 06."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    labels = labels or {}
    for key, values in history.items():
        values = np.asarray(values, dtype=float)
        if values.size and np.any(values > 0):
            ax.plot(np.arange(values.size), values, label=labels.get(key, key))
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(True, alpha=0.3)
    return ax
