"""Coarse to fine: optimise a small version of the picture first, upscale it, and continue at the next size.

A step at half the size costs about a quarter as much, and the large shapes of the style (colour fields,
big strokes) settle there; the full-size steps then only refine the details.

Chapter: 11.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Callable, Sequence

import numpy as np

from .._tf import keras, tf
from ..engine import Evaluation, Method, TransferResult
from ..errors import InputError
from ..images import PREPROCESSED_MAX, PREPROCESSED_MIN, image_batch
from ..model import FeatureExtractor, load_feature_extractor
from ..optimize import StyleTransfer, TransferConfig

__all__ = ["run_coarse_to_fine", "stage_sizes", "upscale"]


def upscale(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """A pre-processed (1, h, w, 3) image resized (bicubic) to ``height`` x ``width``, kept in the valid range.

    Taught in chapter 11.
    """
    resized = tf.image.resize(tf.convert_to_tensor(image, tf.float32), (height, width), method="bicubic")
    return np.clip(resized.numpy(), PREPROCESSED_MIN, PREPROCESSED_MAX).astype(np.float32)


def stage_sizes(max_dim: int, scales: Sequence[float]) -> list[int]:
    """The ``max_dim`` of each stage: ``max_dim`` times each scale, rounded, at least 32 px. Taught in chapter 11."""
    if not scales or any(not 0 < s <= 1 for s in scales) or list(scales) != sorted(scales):
        raise InputError(f"scales must be increasing numbers in (0, 1]; got {list(scales)!r}.")
    return [max(32, int(round(max_dim * s))) for s in scales]


def run_coarse_to_fine(
    content,
    style,
    config: TransferConfig,
    scales: Sequence[float] = (0.25, 0.5, 1.0),
    stage_steps: Sequence[int] | None = None,
    extractor: FeatureExtractor | None = None,
    backbone: str = "auto",
    method: Method | Sequence[Method | None] | None = None,
    on_step: Callable[[int, Evaluation, StyleTransfer], bool | None] | None = None,
    progress: bool = True,
) -> TransferResult:
    """Adam (or ``method``, e.g. :class:`~nst_helpers.engine.LBFGS`) at each of the sizes ``config.max_dim * scale``.

    ``method`` may also be one method per stage (``None`` for Adam), e.g. ``(None, LBFGS())``: Adam's first steps at
    a small size, then L-BFGS at full size. Each stage starts from where the previous one stopped, upscaled.
    ``stage_steps`` gives the steps (L-BFGS: loss evaluations) per stage (default: ``config.steps`` split equally).
    ``content`` and ``style`` are loaded at each stage's size from the original files (or arrays). ``on_step(stage,
    evaluation, transfer)`` is called after every step, with the stage's :class:`StyleTransfer` (whose ``image``
    holds where a Keras method's next step starts); returning True ends that stage. The result has the history of
    all stages one after the other, ``extra["stages"]``: (max_dim, steps, seconds) per stage, and
    ``extra["per_stage"]``: each stage's precision choice and early stop (``extra["precision"]`` is the last's).

    Taught in chapter 11.
    """
    sizes = stage_sizes(config.max_dim, scales)
    if stage_steps is None:
        stage_steps = [max(1, config.steps // len(sizes))] * len(sizes)
    if len(stage_steps) != len(sizes) or any(int(n) < 1 for n in stage_steps):
        raise InputError(
            f"stage_steps needs one whole number >= 1 per scale ({len(sizes)}); got {list(stage_steps)!r}."
        )
    methods = list(method) if isinstance(method, (list, tuple)) else [method] * len(sizes)
    if len(methods) != len(sizes):
        raise InputError(f"method needs one entry per scale ({len(sizes)}); got {len(methods)}.")
    extractor = extractor or load_feature_extractor(backbone)
    keras.utils.set_random_seed(config.seed)
    history: dict[str, list[float]] = {}
    stages, per_stage, image, started = [], [], None, time.perf_counter()
    for index, (size, steps, stage_method) in enumerate(zip(sizes, stage_steps, methods)):
        stage_config = replace(config, max_dim=size, steps=int(steps), snapshots=0)
        content_rgb = image_batch(content, size)
        start = None if image is None else upscale(image, content_rgb.shape[1], content_rgb.shape[2])
        stage_started = time.perf_counter()
        transfer = StyleTransfer(extractor, content_rgb, image_batch(style, size), stage_config, start=start)
        callback = None if on_step is None else (lambda e, i=index, t=transfer: on_step(i, e, t))
        result = transfer.run(
            callback=callback,
            progress=progress,
            method=stage_method,
            description=f"stage {index + 1}/{len(sizes)}, {size} px",
        )
        image = transfer.image.numpy()  # where the stage stopped: Adam's last iterate, L-BFGS's best point
        for key, values in result.history.items():
            history.setdefault(key, []).extend(values)
        stages.append((size, len(result.history["total"]), time.perf_counter() - stage_started))
        per_stage.append({"precision": result.extra["precision"], "early_stop": result.extra.get("early_stop")})
        if result.interrupted:
            break
    offset = len(history["total"]) - len(result.history["total"])
    return TransferResult(
        image=result.image,
        best_loss=result.best_loss,
        best_step=offset + result.best_step,
        history=history,
        snapshots=[],
        seconds=time.perf_counter() - started,
        backbone=result.backbone,
        config=config,
        interrupted=result.interrupted,
        extra={
            **result.extra,
            "stages": stages,
            "per_stage": per_stage,
            "scales": list(scales),
            "stage_config": asdict(config),
        },
    )
