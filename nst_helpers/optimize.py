"""The optimisation loop: one compiled train step (GradientTape, Adam, clipping), run with a progress bar.

What is optimised is the pixels of one image, kept in VGG's pre-processed space (BGR, means subtracted) and
clipped back to the valid range [-mean, 255 - mean] after every step. The best image seen is kept.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
from tqdm.auto import tqdm

from ._tf import tf
from .errors import InputError, OptimizationDivergedError
from .images import PREPROCESSED_MAX, PREPROCESSED_MIN, load_image, resize_like, vgg_deprocess, vgg_preprocess
from .losses import NORMALIZATIONS, content_loss, gram_matrix, style_loss, total_variation_loss
from .fastgrad import COMPUTE_DTYPES
from .memory import check_memory
from .model import Backbone, FeatureExtractor, load_feature_extractor

import keras  # noqa: E402

INITS = ("content", "noise", "content+noise")
LOSS_TERMS = ("total", "style", "content", "tv")


def _finite_number(name: str, value, positive: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number; got {value!r}.") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        need = "a finite number above 0" if positive else "a finite number, 0 or more"
        raise InputError(f"{name} must be {need}; got {value!r}.")
    return number


def _whole_number(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"{name} must be a whole number, at least {minimum}; got {value!r}.")
    return int(value)


@dataclass(frozen=True)
class TransferConfig:
    """Everything that determines a style-transfer run besides the images and the backbone.

    ``content_weight`` and ``style_weight`` left at ``None`` take the backbone's defaults. With
    ``normalization="coursera"`` the style image is resized to the content image's size, as in the
    assignment: its Gram matrices are not divided by the number of positions.

    Speed options, off by default (chapter 7 and ``benchmarks/time_to_quality.py`` measure them):
    ``precision`` ``"bfloat16"`` or ``"float16"`` runs the network in that precision with the losses in
    float32 (mixed precision; fast only on hardware with such arithmetic), and ``jit_compile`` compiles the
    step with XLA.
    The optimiser defaults are the TF blog post's: Adam with learning rate 5.0, beta_1 0.99, epsilon 0.1.
    """

    steps: int = 1000
    max_dim: int = 512
    content_weight: float | None = None
    style_weight: float | None = None
    tv_weight: float = 0.0
    learning_rate: float = 5.0
    beta_1: float = 0.99
    epsilon: float = 0.1
    normalization: str = "tf_blog"
    init: str = "content"
    noise_scale: float = 64.0
    seed: int = 0
    snapshots: int = 10
    precision: str = "float32"
    jit_compile: bool = False

    def __post_init__(self) -> None:
        _whole_number("steps", self.steps, 1)
        _whole_number("max_dim (image size)", self.max_dim, 32)
        _whole_number("snapshots", self.snapshots, 0)
        _whole_number("seed", self.seed, 0)
        for name in ("content_weight", "style_weight"):
            if getattr(self, name) is not None:
                _finite_number(name, getattr(self, name))
        _finite_number("tv_weight", self.tv_weight)
        _finite_number("learning_rate", self.learning_rate, positive=True)
        _finite_number("epsilon", self.epsilon, positive=True)
        _finite_number("noise_scale", self.noise_scale)
        if not 0 <= _finite_number("beta_1", self.beta_1) < 1:
            raise InputError(f"beta_1 must be in [0, 1); got {self.beta_1!r}.")
        if self.normalization not in NORMALIZATIONS:
            raise InputError(f"normalization must be one of {', '.join(NORMALIZATIONS)}; got {self.normalization!r}.")
        if self.init not in INITS:
            raise InputError(f"init must be one of {', '.join(INITS)}; got {self.init!r}.")
        if self.precision not in COMPUTE_DTYPES:
            raise InputError(f"precision must be one of {', '.join(COMPUTE_DTYPES)}; got {self.precision!r}.")
        if not isinstance(self.jit_compile, bool):
            raise InputError(f"jit_compile must be True or False; got {self.jit_compile!r}.")

    def weights_for(self, backbone: Backbone) -> tuple[float, float]:
        """(content_weight, style_weight), the backbone's defaults where left unset."""
        cw = backbone.content_weight if self.content_weight is None else float(self.content_weight)
        sw = backbone.style_weight if self.style_weight is None else float(self.style_weight)
        return cw, sw


@dataclass
class TransferResult:
    """What a run produced: the best image, the loss history and a few snapshots along the way."""

    image: np.ndarray
    best_loss: float
    best_step: int
    history: dict[str, list[float]]
    snapshots: list[tuple[int, np.ndarray]]
    backbone: Backbone
    config: TransferConfig
    seconds: float
    interrupted: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def caption(self) -> str:
        """One line saying what made the image (the offline backbone is always named)."""
        text = f"{self.backbone.label}, {len(self.history['total'])} steps, {self.image.shape[1]}x{self.image.shape[0]} px"
        return text + (f"; {self.backbone.note}" if self.backbone.note else "")

    def summary(self) -> dict:
        return {"best_loss": self.best_loss, "best_step": self.best_step, "seconds": self.seconds,
                "backbone": self.backbone.name, "config": asdict(self.config)}


def _as_batch(image, max_dim: int) -> np.ndarray:
    """A sample name, path or RGB array (0-255) as a float32 batch of one."""
    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        return load_image(image, max_dim)
    array = np.asarray(image, dtype=np.float32)
    array = array[np.newaxis] if array.ndim == 3 else array
    if array.ndim != 4 or array.shape[0] != 1 or array.shape[-1] != 3:
        raise InputError(f"An image array must have shape (h, w, 3) or (1, h, w, 3); got {np.shape(image)}.")
    if not np.all(np.isfinite(array)):
        raise InputError("The image array contains NaN or infinite values; pass RGB values in [0, 255].")
    return array


class StyleTransfer:
    """Holds the targets, the image being optimised and the compiled train step of one run."""

    def __init__(self, extractor: FeatureExtractor, content, style, config: TransferConfig = TransferConfig(),
                 start: np.ndarray | None = None):
        """``start``, a pre-processed image of the content image's size, replaces ``config.init``'s start."""
        if extractor.compute_dtype != config.precision:
            extractor = extractor.variant(compute_dtype=config.precision)
        self.extractor = extractor
        self.config = config
        self.content_weight, self.style_weight = config.weights_for(extractor.backbone)
        content_rgb = _as_batch(content, config.max_dim)
        check_memory(content_rgb.shape, extractor)
        style_rgb = _as_batch(style, config.max_dim)
        if config.normalization == "coursera" and style_rgb.shape != content_rgb.shape:
            # Unnormalised Gram matrices grow with the number of positions: compare them at one size.
            style_rgb = resize_like(style_rgb, content_rgb)
        self.content_targets = extractor(vgg_preprocess(content_rgb)).content
        self.style_targets = {
            name: gram_matrix(f, config.normalization) for name, f in extractor(vgg_preprocess(style_rgb)).style.items()
        }
        if start is None:
            start = self.initial_image(vgg_preprocess(content_rgb))
        elif np.shape(start) != content_rgb.shape:
            raise InputError(f"start has shape {np.shape(start)}; it must match the content image, {content_rgb.shape}.")
        start = np.clip(np.asarray(start, np.float32), PREPROCESSED_MIN, PREPROCESSED_MAX).astype(np.float32)
        self.image = tf.Variable(start, name="generated_image")
        self.best_image = tf.Variable(start, trainable=False)
        self.best_loss = tf.Variable(np.inf, dtype=tf.float32, trainable=False)
        self.optimizer = keras.optimizers.Adam(
            learning_rate=float(config.learning_rate), beta_1=float(config.beta_1), epsilon=float(config.epsilon)
        )
        self.train_step = tf.function(self._train_step, jit_compile=config.jit_compile)

    def initial_image(self, content_bgr: np.ndarray) -> np.ndarray:
        """The starting point: the content image, uniform noise, or the content image plus noise."""
        rng = np.random.default_rng(self.config.seed)
        if self.config.init == "content":
            start = content_bgr
        elif self.config.init == "noise":
            start = rng.uniform(PREPROCESSED_MIN, PREPROCESSED_MAX, size=content_bgr.shape)
        else:
            noise = rng.uniform(-self.config.noise_scale, self.config.noise_scale, size=content_bgr.shape)
            start = content_bgr + noise
        return np.clip(start, PREPROCESSED_MIN, PREPROCESSED_MAX).astype(np.float32)

    def loss_terms(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        """The weighted loss terms of ``image`` (pre-processed) and their sum under ``"total"``."""
        features = self.extractor(image)
        norm = self.config.normalization
        contents = [content_loss(features.content[n], t, norm) for n, t in self.content_targets.items()]
        content = tf.add_n(contents) / len(contents)
        style = style_loss(features.style, self.style_targets, normalization=norm)
        terms = {"content": self.content_weight * content, "style": self.style_weight * style}
        terms["tv"] = self.config.tv_weight * total_variation_loss(image) if self.config.tv_weight else tf.constant(0.0)
        terms["total"] = terms["content"] + terms["style"] + terms["tv"]
        return terms

    def _train_step(self) -> dict[str, tf.Tensor]:
        before = tf.identity(self.image)
        with tf.GradientTape() as tape:
            terms = self.loss_terms(self.image)
        gradient = tape.gradient(terms["total"], self.image)
        self.optimizer.apply_gradients([(gradient, self.image)])
        self.image.assign(tf.clip_by_value(self.image, PREPROCESSED_MIN, PREPROCESSED_MAX))
        improved = terms["total"] < self.best_loss
        self.best_loss.assign(tf.where(improved, terms["total"], self.best_loss))
        self.best_image.assign(tf.where(improved, before, self.best_image))
        return terms

    def run(
        self,
        callback: Callable[[int, dict[str, float]], bool | None] | None = None,
        progress: bool = True,
        description: str = "style transfer",
    ) -> TransferResult:
        """Run ``config.steps`` train steps. ``callback(step, losses)`` may return True to stop early.

        A NaN or infinite loss raises :class:`OptimizationDivergedError`; Ctrl-C stops the loop and
        returns the best image so far with ``interrupted=True``.
        """
        cfg = self.config
        history: dict[str, list[float]] = {k: [] for k in LOSS_TERMS}
        every = max(1, cfg.steps // cfg.snapshots) if cfg.snapshots else 0
        snapshots: list[tuple[int, np.ndarray]] = []
        interrupted = False
        started = time.perf_counter()
        bar = tqdm(total=cfg.steps, desc=description, disable=not progress, leave=False)
        try:
            for step in range(cfg.steps):
                if every and step % every == 0 and len(snapshots) < cfg.snapshots:
                    snapshots.append((step, vgg_deprocess(self.image.numpy())))
                losses = {k: float(v) for k, v in self.train_step().items()}
                if not math.isfinite(losses["total"]):
                    raise OptimizationDivergedError(
                        f"The loss became {losses['total']} at step {step} (style {losses['style']:.4g}, content "
                        f"{losses['content']:.4g}). Lower the learning rate (now {cfg.learning_rate}) or the loss weights."
                    )
                for key in LOSS_TERMS:
                    history[key].append(losses[key])
                bar.update(1)
                bar.set_postfix(loss=f"{losses['total']:.4g}", refresh=False)
                if callback is not None and callback(step, losses):
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
        if not history["total"]:
            raise OptimizationDivergedError("The run stopped before its first step finished; nothing to return.")
        best = int(np.argmin(history["total"]))
        return TransferResult(
            image=vgg_deprocess(self.best_image.numpy()),
            best_loss=float(self.best_loss.numpy()),
            best_step=best,
            history=history,
            snapshots=snapshots,
            backbone=self.extractor.backbone,
            config=cfg,
            seconds=time.perf_counter() - started,
            interrupted=interrupted,
        )


def run_style_transfer(
    content,
    style,
    config: TransferConfig | None = None,
    extractor: FeatureExtractor | None = None,
    backbone: str = "auto",
    callback: Callable[[int, dict[str, float]], bool | None] | None = None,
    progress: bool = True,
    **overrides,
) -> TransferResult:
    """Stylise ``content`` (a sample name, path or RGB array) with ``style``; keyword overrides go to the config."""
    config = TransferConfig(**{**asdict(config or TransferConfig()), **overrides})
    keras.utils.set_random_seed(config.seed)
    extractor = extractor or load_feature_extractor(backbone)
    return StyleTransfer(extractor, content, style, config).run(callback=callback, progress=progress)
