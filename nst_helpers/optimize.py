"""The book's style transfer (chapter 06): targets from the two images, the weighted loss, and Adam with clipping.

What is optimised is the pixels of one image, kept in VGG's pre-processed space (BGR, means subtracted) and
clipped back to the valid range [-mean, 255 - mean] after every step; the loop itself is the engine's
(:mod:`nst_helpers.engine`). The best image seen is kept.

Chapter: 06.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ._tf import keras, tf
from .engine import (
    VGG_PIXELS,
    Callback,
    KerasOptimizer,
    Method,
    Problem,
    TransferResult,
    loss_and_gradient,
    minimize,
)
from .errors import InputError
from .images import PREPROCESSED_MAX, PREPROCESSED_MIN, image_batch, resize_like, vgg_preprocess
from .losses import NORMALIZATIONS, content_loss, gram_matrix, style_loss, total_variation_loss
from .model import Backbone, FeatureExtractor, load_feature_extractor
from .speed.fastgrad import supports_fast_gradients
from .speed.memory import check_memory
from .speed.precision import (
    PRECISIONS,
    PrecisionChoice,
    gradient_cosine,
    precision_check,
    reduced_precision_candidate,
)
from .validate import finite_number, whole_number

__all__ = ["INITS", "StyleTransfer", "TransferConfig", "TransferResult", "adam_method", "run_style_transfer"]

INITS = ("content", "noise", "content+noise")


@dataclass(frozen=True)
class TransferConfig:
    """Everything that determines a style-transfer run besides the images and the backbone.

    ``content_weight`` and ``style_weight`` left at ``None`` take the backbone's defaults. With
    ``normalization="coursera"`` the style image is resized to the content image's size, as in the
    assignment: its Gram matrices are not divided by the number of positions.

    Speed options, off by default (chapter 11 and ``benchmarks/time_to_quality.py`` measure them):
    ``precision`` ``"bfloat16"`` or ``"float16"`` runs the network in that precision with the losses in
    float32 (mixed precision; fast only on hardware with such arithmetic); ``"auto"`` picks that where the
    hardware has it and the first loss agrees with float32's (:mod:`nst_helpers.speed.precision`); and
    ``jit_compile`` compiles the step with XLA.
    The optimiser defaults are the TF blog post's: Adam with learning rate 5.0, beta_1 0.99, epsilon 0.1 (and
    Keras' beta_2, 0.999).

    Taught in chapter 06.
    """

    steps: int = 1000
    max_dim: int = 512
    content_weight: float | None = None
    style_weight: float | None = None
    tv_weight: float = 0.0
    learning_rate: float = 5.0
    beta_1: float = 0.99
    beta_2: float = 0.999
    epsilon: float = 0.1
    normalization: str = "tf_blog"
    init: str = "content"
    noise_scale: float = 64.0
    seed: int = 0
    snapshots: int = 10
    precision: str = "float32"
    jit_compile: bool = False

    def __post_init__(self) -> None:
        whole_number("steps", self.steps, 1)
        whole_number("max_dim (image size)", self.max_dim, 32)
        whole_number("snapshots", self.snapshots, 0)
        whole_number("seed", self.seed, 0)
        for name in ("content_weight", "style_weight"):
            if getattr(self, name) is not None:
                finite_number(name, getattr(self, name))
        finite_number("tv_weight", self.tv_weight)
        finite_number("learning_rate", self.learning_rate, positive=True)
        finite_number("epsilon", self.epsilon, positive=True)
        finite_number("noise_scale", self.noise_scale)
        for name in ("beta_1", "beta_2"):
            if not 0 <= finite_number(name, getattr(self, name)) < 1:
                raise InputError(f"{name} must be in [0, 1); got {getattr(self, name)!r}.")
        if self.normalization not in NORMALIZATIONS:
            raise InputError(f"normalization must be one of {', '.join(NORMALIZATIONS)}; got {self.normalization!r}.")
        if self.init not in INITS:
            raise InputError(f"init must be one of {', '.join(INITS)}; got {self.init!r}.")
        if self.precision not in PRECISIONS:
            raise InputError(f"precision must be one of {', '.join(PRECISIONS)}; got {self.precision!r}.")
        if not isinstance(self.jit_compile, bool):
            raise InputError(f"jit_compile must be True or False; got {self.jit_compile!r}.")

    def weights_for(self, backbone: Backbone) -> tuple[float, float]:
        """(content_weight, style_weight), the backbone's defaults where left unset."""
        cw = backbone.content_weight if self.content_weight is None else float(self.content_weight)
        sw = backbone.style_weight if self.style_weight is None else float(self.style_weight)
        return cw, sw


def adam_method(config: TransferConfig) -> KerasOptimizer:
    """Adam with ``config``'s learning rate, beta_1, beta_2 and epsilon (the TF blog post's), as an engine method.

    Taught in chapter 06.
    """
    optimizer = keras.optimizers.Adam(
        learning_rate=float(config.learning_rate),
        beta_1=float(config.beta_1),
        beta_2=float(config.beta_2),
        epsilon=float(config.epsilon),
    )
    return KerasOptimizer(optimizer, jit_compile=config.jit_compile)


class StyleTransfer:
    """The targets, the weighted loss and the image being optimised of one run. Taught in chapter 06."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        content,
        style,
        config: TransferConfig = TransferConfig(),
        start: np.ndarray | None = None,
    ):
        """``start``, a pre-processed image of the content image's size, replaces ``config.init``'s start.

        With ``config.precision="auto"`` the precision is decided here (``precision_choice`` says how).
        """
        self.config = config
        self.content_weight, self.style_weight = config.weights_for(extractor.backbone)
        content_rgb = image_batch(content, config.max_dim)
        style_rgb = image_batch(style, config.max_dim)
        if config.normalization == "coursera" and style_rgb.shape != content_rgb.shape:
            # Unnormalised Gram matrices grow with the number of positions: compare them at one size.
            style_rgb = resize_like(style_rgb, content_rgb)
        if start is None:
            start = self.initial_image(vgg_preprocess(content_rgb))
        elif np.shape(start) != content_rgb.shape:
            raise InputError(
                f"start has shape {np.shape(start)}; it must match the content image, {content_rgb.shape}."
            )
        candidate, reason = (config.precision, "as asked")
        if config.precision == "auto":
            candidate, reason = reduced_precision_candidate()
            if candidate is not None and not supports_fast_gradients(extractor.model):
                candidate, reason = None, f"{extractor.backbone.label} is not a plain VGG convolution stack"
        check_memory(content_rgb.shape, extractor)
        chosen = self._targets(extractor, candidate or "float32", content_rgb, style_rgb)
        self.extractor, self.content_targets, self.style_targets = chosen
        self.precision_choice = PrecisionChoice(config.precision, candidate or "float32", reason)
        if config.precision == "auto" and candidate is not None:
            # The one-off check: the first evaluation in the candidate precision against float32.
            reduced = loss_and_gradient(self.loss_terms, start)
            self.extractor, self.content_targets, self.style_targets = self._targets(
                extractor, "float32", content_rgb, style_rgb
            )
            exact = loss_and_gradient(self.loss_terms, start)
            cosine = gradient_cosine(exact[1], reduced[1])
            self.precision_choice = precision_check("auto", candidate, reason, exact[0], reduced[0], cosine)
            if self.precision_choice.used != "float32":  # back to the candidate's extractor and targets
                self.extractor, self.content_targets, self.style_targets = chosen
        self.problem = Problem(self.loss_terms, start, VGG_PIXELS)
        self.method = adam_method(config)

    def _targets(self, extractor: FeatureExtractor, precision: str, content_rgb, style_rgb) -> tuple:
        """``extractor`` in ``precision``, and the content and style targets it computes."""
        if extractor.compute_dtype != precision:
            extractor = extractor.variant(compute_dtype=precision)
        content_targets = extractor(vgg_preprocess(content_rgb)).content
        style_targets = {
            name: gram_matrix(f, self.config.normalization)
            for name, f in extractor(vgg_preprocess(style_rgb)).style.items()
        }
        return extractor, content_targets, style_targets

    @property
    def image(self) -> tf.Variable:
        """The image being optimised (pre-processed)."""
        return self.problem.image

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

    def train_step(self) -> dict[str, tf.Tensor]:
        """One compiled Adam step (gradient, update, clipping); returns the loss terms of the image before it."""
        return self.method.step(self.problem)()[0]

    def run(
        self,
        callback: Callback | None = None,
        progress: bool = True,
        description: str = "style transfer",
        method: Method | None = None,
    ) -> TransferResult:
        """Run ``config.steps`` steps of Adam (or of ``method``, e.g. :class:`~nst_helpers.engine.LBFGS`).

        ``callback(evaluation)`` may return True to stop early. A NaN or infinite loss raises
        :class:`~nst_helpers.errors.OptimizationDivergedError`; Ctrl-C stops the loop and returns the best image
        so far with ``interrupted=True``.
        """
        history = getattr(method, "history_size", 0)
        if history:  # L-BFGS keeps float64 copies of the image besides the step's memory
            check_memory(tuple(self.image.shape), self.extractor, history)
        result = minimize(
            self.problem,
            method or self.method,
            self.config.steps,
            snapshots=self.config.snapshots,
            callback=callback,
            progress=progress,
            description=description,
        )
        result.backbone, result.config = self.extractor.backbone, self.config
        result.extra["precision"] = self.precision_choice.summary()
        return result


def run_style_transfer(
    content,
    style,
    config: TransferConfig | None = None,
    extractor: FeatureExtractor | None = None,
    backbone: str = "auto",
    callback: Callback | None = None,
    progress: bool = True,
    **overrides,
) -> TransferResult:
    """Stylise ``content`` (a sample name, path or RGB array) with ``style``; keyword overrides go to the config.

    Taught in chapter 06.
    """
    config = TransferConfig(**{**asdict(config or TransferConfig()), **overrides})
    keras.utils.set_random_seed(config.seed)
    extractor = extractor or load_feature_extractor(backbone)
    return StyleTransfer(extractor, content, style, config).run(callback=callback, progress=progress)
