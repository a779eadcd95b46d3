"""Alternative recipes and optimisers, for the experiments of chapter 07.

The book's own recipe (the TF blog post's: Adam on pre-processed pixels) lives in :mod:`nst_helpers.optimize`.
This module holds the variations that chapter 07 compares with it:

* the same loss minimised by another optimiser: :func:`run_with_optimizer` (any Keras optimiser, e.g. RMSprop)
  and :func:`run_lbfgs` (SciPy's L-BFGS-B, whose bounds do the clipping);
* the PyTorch tutorial's recipe (:class:`PyTorchRecipe`) and the Coursera assignment's
  (:class:`CourseraRecipe`), ported to Keras: images in [0, 1], their own layers, weights and optimisers;
* colour preservation by luminance-only transfer: :func:`rgb_to_yiq`, :func:`luminance_image`,
  :func:`preserve_colors`.

Every runner returns a :class:`~nst_helpers.optimize.TransferResult` and, with ``cache=True``, stores it in the
run cache of :mod:`nst_helpers.runcache`, so a run made before with the same inputs is read from disk.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from . import runcache
from ._tf import tf
from .errors import InputError, OptimizationDivergedError
from .lbfgs import minimize_lbfgs
from .images import resize_like, to_uint8, vgg_deprocess, vgg_preprocess
from .losses import content_loss, gram_matrix, style_loss
from .model import STYLE_LAYERS_VGG, FeatureExtractor, load_feature_extractor
from .optimize import LOSS_TERMS, StyleTransfer, TransferConfig, TransferResult, _as_batch

import keras  # noqa: E402  (imported after TensorFlow's quiet start)

# --------------------------------------------------------------------------------------------------------------
# Colour preservation
# --------------------------------------------------------------------------------------------------------------

#: RGB to YIQ (the NTSC colour space): Y is the luminance, I and Q carry the colour.
RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114],
     [0.595716, -0.274453, -0.321263],
     [0.211456, -0.522591, 0.311135]],
    dtype=np.float64,
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def _pixels(image) -> np.ndarray:
    """An RGB image (uint8 or float in [0, 255], with or without a batch axis of one) as float64 (h, w, 3)."""
    x = np.asarray(image, dtype=np.float64)
    x = x[0] if x.ndim == 4 and x.shape[0] == 1 else x
    if x.ndim != 3 or x.shape[-1] != 3:
        raise InputError(f"Expected an RGB image of shape (h, w, 3) or (1, h, w, 3); got {np.shape(image)}.")
    return x


def rgb_to_yiq(rgb) -> np.ndarray:
    """RGB values (0-255) to YIQ, shape (h, w, 3); Y stays in [0, 255]."""
    return _pixels(rgb) @ RGB_TO_YIQ.T


def yiq_to_rgb(yiq) -> np.ndarray:
    """Inverse of :func:`rgb_to_yiq` (not clipped)."""
    return _pixels(yiq) @ YIQ_TO_RGB.T


def luminance_image(rgb, match=None) -> np.ndarray:
    """The luminance Y of ``rgb`` repeated in three channels: a grey RGB image (float, 0-255), shape (h, w, 3).

    With ``match`` (another RGB image) the luminance is shifted and scaled to that image's mean and standard
    deviation, as in luminance-only transfer, where the style's luminance is matched to the content's.
    """
    y = rgb_to_yiq(rgb)[..., 0]
    if match is not None:
        target = rgb_to_yiq(match)[..., 0]
        y = (y - y.mean()) * (target.std() / max(y.std(), 1e-6)) + target.mean()
    return np.repeat(np.clip(y, 0.0, 255.0)[..., np.newaxis], 3, axis=-1)


def preserve_colors(stylised, content) -> np.ndarray:
    """The luminance of ``stylised`` with the colour (I and Q) of ``content``, as uint8 RGB (h, w, 3).

    ``content`` is resized to the stylised image's size when the two differ.
    """
    stylised = _pixels(stylised)
    content = _pixels(content)
    if content.shape != stylised.shape:
        size = (stylised.shape[1], stylised.shape[0])
        content = np.asarray(Image.fromarray(to_uint8(content)).resize(size, Image.Resampling.LANCZOS), np.float64)
    yiq = rgb_to_yiq(content)
    yiq[..., 0] = rgb_to_yiq(stylised)[..., 0]
    return to_uint8(yiq_to_rgb(yiq))


def _cached(kind: str, params: dict, content, style, extractor: FeatureExtractor, config: TransferConfig,
            compute: Callable[[], TransferResult], cache: bool) -> TransferResult:
    """``compute()``, or (with ``cache``) the stored result of an identical earlier run."""
    if not cache:
        return compute()
    return runcache.cached_result(kind, params, content, style, extractor, config, compute, code_files=(__file__,))


def _unit_range_loss(extractor: FeatureExtractor, content_targets: dict, style_targets: dict, layer_weights: dict,
                     normalization: str, recipe) -> Callable[[tf.Tensor], dict[str, tf.Tensor]]:
    """The loss terms of an image with values in [0, 1], weighted by the recipe's content and style weights."""

    def loss_terms(x: tf.Tensor) -> dict[str, tf.Tensor]:
        features = extractor(unit_to_vgg_input(x))
        c = tf.add_n([content_loss(features.content[n], t, normalization) for n, t in content_targets.items()])
        s = style_loss(features.style, style_targets, layer_weights, normalization)
        terms = {"content": recipe.content_weight * c, "style": recipe.style_weight * s, "tv": tf.constant(0.0)}
        terms["total"] = terms["content"] + terms["style"]
        return terms

    return loss_terms


def _check_finite(step: int, losses: dict[str, float], hint: str) -> None:
    if not math.isfinite(losses["total"]):
        raise OptimizationDivergedError(f"The loss became {losses['total']} at step {step}. {hint}")


# --------------------------------------------------------------------------------------------------------------
# The book's loss, other optimisers
# --------------------------------------------------------------------------------------------------------------

class _OptimizerTransfer(StyleTransfer):
    """:class:`StyleTransfer` with another Keras optimiser in its (not yet traced) train step."""

    def __init__(self, extractor, content, style, config, optimizer: keras.optimizers.Optimizer):
        super().__init__(extractor, content, style, config)
        self.optimizer = optimizer


def run_with_optimizer(content, style, config: TransferConfig, optimizer: keras.optimizers.Optimizer,
                       extractor: FeatureExtractor | None = None, progress: bool = False,
                       cache: bool = True) -> TransferResult:
    """The book's loss and loop (clipping after every step, best image kept) with another Keras optimiser.

    ``optimizer`` is only read for its class and settings: the run uses a fresh copy of it.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise InputError(f"optimizer must be a Keras optimizer such as keras.optimizers.RMSprop(...); got {optimizer!r}.")
    extractor = extractor or load_feature_extractor("auto")
    settings = {k: v for k, v in optimizer.get_config().items() if k not in ("name",)}
    params = {"config": asdict(config), "optimizer": [type(optimizer).__name__, settings]}

    def compute() -> TransferResult:
        keras.utils.set_random_seed(config.seed)
        fresh = type(optimizer).from_config(optimizer.get_config())
        name = type(optimizer).__name__
        return _OptimizerTransfer(extractor, content, style, config, fresh).run(progress=progress, description=name)

    return _cached("optimizer", params, content, style, extractor, config, compute, cache)


def run_lbfgs(content, style, config: TransferConfig, extractor: FeatureExtractor | None = None,
              history_size: int = 10, progress: bool = False, cache: bool = True) -> TransferResult:
    """The book's loss minimised by L-BFGS-B (SciPy), with ``config.steps`` loss-and-gradient evaluations.

    One evaluation costs what one Adam step costs (a forward and a backward pass), so the budgets compare.
    The box bounds of L-BFGS-B keep the pixels in the valid range, which replaces the clipping step.
    The history has one entry per evaluation, line-search trials included.
    """
    extractor = extractor or load_feature_extractor("auto")
    params = {"config": asdict(config), "history_size": int(history_size)}

    def compute() -> TransferResult:
        keras.utils.set_random_seed(config.seed)
        transfer = StyleTransfer(extractor, content, style, config)
        every = max(1, config.steps // config.snapshots) if config.snapshots else 0
        snapshots: list[tuple[int, np.ndarray]] = []

        def keep_snapshots(index: int, x: np.ndarray, losses: dict[str, float]) -> None:
            if every and index % every == 0 and len(snapshots) < config.snapshots:
                snapshots.append((index, vgg_deprocess(x)))

        started = time.perf_counter()
        best, history = minimize_lbfgs(transfer, config.steps, history_size, keep_snapshots, progress)
        return TransferResult(image=vgg_deprocess(best), best_loss=float(min(history["total"])),
                              best_step=int(np.argmin(history["total"])), history=history, snapshots=snapshots,
                              backbone=extractor.backbone, config=config, seconds=time.perf_counter() - started,
                              extra={"optimizer": "L-BFGS-B"})

    return _cached("lbfgs", params, content, style, extractor, config, compute, cache)


# --------------------------------------------------------------------------------------------------------------
# Recipes that keep the image in [0, 1]
# --------------------------------------------------------------------------------------------------------------

#: The ImageNet statistics that torchvision's networks expect, for RGB values in [0, 1].
IMAGENET_MEAN_RGB = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD_RGB = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def imagenet_normalize(unit_rgb):
    """The PyTorch recipe's normalisation: RGB in [0, 1], minus the ImageNet mean, divided by its std."""
    return (unit_rgb - IMAGENET_MEAN_RGB) / IMAGENET_STD_RGB


def unit_to_vgg_input(unit_rgb):
    """RGB in [0, 1] to what the Keras VGG backbones expect (BGR, 0-255, Caffe means subtracted)."""
    return vgg_preprocess(255.0 * unit_rgb)


def _sub_extractor(extractor: FeatureExtractor, content_layers, style_layers) -> FeatureExtractor:
    """The same network, read at other layers (no weights are loaded again)."""
    return FeatureExtractor(extractor.model, extractor.backbone.with_layers(content_layers, style_layers))


def _unit_range_run(loss_terms: Callable[[tf.Tensor], dict[str, tf.Tensor]], start: np.ndarray,
                    optimizer: keras.optimizers.Optimizer, steps: int, snapshots: int, progress: bool,
                    description: str) -> tuple[np.ndarray, float, dict[str, list[float]], list, float]:
    """Minimise ``loss_terms(x)["total"]`` over an image ``x`` in [0, 1], clipping after every step.

    Returns the best image (uint8 RGB), its loss, the history, the snapshots and the seconds taken.
    """
    image = tf.Variable(start, dtype=tf.float32)
    best_image = tf.Variable(start, dtype=tf.float32, trainable=False)
    best_loss = tf.Variable(np.inf, dtype=tf.float32, trainable=False)

    @tf.function
    def train_step():
        before = tf.identity(image)
        with tf.GradientTape() as tape:
            terms = loss_terms(image)
        optimizer.apply_gradients([(tape.gradient(terms["total"], image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        improved = terms["total"] < best_loss
        best_loss.assign(tf.where(improved, terms["total"], best_loss))
        best_image.assign(tf.where(improved, before, best_image))
        return terms

    history: dict[str, list[float]] = {k: [] for k in LOSS_TERMS}
    every = max(1, steps // snapshots) if snapshots else 0
    frames: list[tuple[int, np.ndarray]] = []
    started = time.perf_counter()
    for step in tqdm(range(steps), desc=description, disable=not progress, leave=False):
        if every and step % every == 0 and len(frames) < snapshots:
            frames.append((step, to_uint8(255.0 * image.numpy())))
        losses = {k: float(v) for k, v in train_step().items()}
        _check_finite(step, losses, "Lower the learning rate or the loss weights.")
        for key in LOSS_TERMS:
            history[key].append(losses.get(key, 0.0))
    seconds = time.perf_counter() - started
    return to_uint8(255.0 * best_image.numpy()), float(best_loss.numpy()), history, frames, seconds


def _recipe_config(recipe) -> TransferConfig:
    """The :class:`TransferConfig` fields that describe a recipe's run (size, steps, weights), for its result."""
    return TransferConfig(steps=recipe.steps, max_dim=recipe.max_dim, snapshots=recipe.snapshots, seed=recipe.seed,
                          content_weight=recipe.content_weight, style_weight=recipe.style_weight)


def _result(image, best_loss, history, frames, seconds, extractor, recipe) -> TransferResult:
    config = _recipe_config(recipe)
    return TransferResult(image=image, best_loss=best_loss, best_step=int(np.argmin(history["total"])),
                          history=history, snapshots=frames, backbone=extractor.backbone, config=config,
                          seconds=seconds, extra={"recipe": type(recipe).__name__})


def _check_recipe(recipe) -> None:
    for name, minimum in (("steps", 1), ("max_dim", 32), ("snapshots", 0)):
        value = getattr(recipe, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise InputError(f"{type(recipe).__name__}.{name} must be a whole number, at least {minimum}; got {value!r}.")
    for name in ("content_weight", "style_weight", "learning_rate"):
        value = getattr(recipe, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise InputError(f"{type(recipe).__name__}.{name} must be a finite number, 0 or more; got {value!r}.")


@dataclass(frozen=True)
class PyTorchRecipe:
    """The PyTorch tutorial's recipe (source 001), in Keras.

    Start from the content image in [0, 1]; content loss = MSE of the features at ``conv_4``; style loss =
    sum over ``conv_1`` ... ``conv_5`` of the MSE of Gram matrices divided by b·C·h·w; RMSprop with PyTorch's
    defaults (learning rate 0.01, smoothing 0.99, epsilon 1e-8); pixels clamped to [0, 1].
    PyTorch numbers the convolutions 1, 2, 3, ...; in Keras' VGG names ``conv_4`` is ``block2_conv2``.
    """

    steps: int = 700
    max_dim: int = 512
    content_layers: tuple[str, ...] = ("block2_conv2",)
    style_layers: tuple[str, ...] = ("block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1")
    content_weight: float = 1.0
    style_weight: float = 1e6
    learning_rate: float = 0.01
    rho: float = 0.99
    epsilon: float = 1e-8
    snapshots: int = 0
    seed: int = 0


def run_pytorch_recipe(content, style, recipe: PyTorchRecipe = PyTorchRecipe(),
                       extractor: FeatureExtractor | None = None, progress: bool = False,
                       cache: bool = True) -> TransferResult:
    """Stylise with :class:`PyTorchRecipe` on the given backbone.

    The backbone gets the [0, 1] image as it expects it (:func:`unit_to_vgg_input`): the Keras weights come
    from Caffe, trained on BGR 0-255 values minus the means, not on torchvision's mean/std-normalised RGB.
    """
    _check_recipe(recipe)
    extractor = _sub_extractor(extractor or load_feature_extractor("auto"), recipe.content_layers, recipe.style_layers)

    def compute() -> TransferResult:
        keras.utils.set_random_seed(recipe.seed)
        content01 = _as_batch(content, recipe.max_dim) / 255.0
        style01 = _as_batch(style, recipe.max_dim) / 255.0
        content_targets = extractor(unit_to_vgg_input(content01)).content
        style_targets = {n: gram_matrix(f, "pytorch") for n, f in extractor(unit_to_vgg_input(style01)).style.items()}
        ones = {n: 1.0 for n in recipe.style_layers}  # the tutorial adds the layer losses up

        loss_terms = _unit_range_loss(extractor, content_targets, style_targets, ones, "pytorch", recipe)
        optimizer = keras.optimizers.RMSprop(learning_rate=float(recipe.learning_rate), rho=float(recipe.rho),
                                             epsilon=float(recipe.epsilon))
        run = _unit_range_run(loss_terms, content01.astype(np.float32), optimizer, recipe.steps, recipe.snapshots,
                              progress, "PyTorch recipe")
        return _result(*run, extractor, recipe)

    return _cached("pytorch", asdict(recipe), content, style, extractor, _recipe_config(recipe), compute, cache)


@dataclass(frozen=True)
class CourseraRecipe:
    """The Coursera assignment's recipe (source 004), in Keras.

    J = alpha·J_content + beta·J_style with alpha 10, beta 40; content cost Σ(a_C − a_G)² / (4·nH·nW·nC);
    layer style cost Σ(G_S − G_G)² / (4·nC²·(nH·nW)²) with Gram = FᵀF; layers block1_conv1 ... block5_conv1
    weighted 0.2 each; the style image resized to the content image's size (the assignment makes both
    400x400), since raw Gram matrices grow with the number of positions; start from the content image plus
    uniform noise in [−0.25, 0.25], clipped to [0, 1];
    Adam with learning rate 0.01 (Keras' other defaults); clipping to [0, 1] after every step.
    ``content_layers=None`` takes the backbone's content layer.
    """

    steps: int = 2501
    max_dim: int = 400
    content_weight: float = 10.0  # alpha
    style_weight: float = 40.0  # beta
    style_layers: tuple[str, ...] = STYLE_LAYERS_VGG
    layer_weights: tuple[float, ...] = (0.2, 0.2, 0.2, 0.2, 0.2)
    content_layers: tuple[str, ...] | None = None
    noise: float = 0.25
    learning_rate: float = 0.01
    snapshots: int = 0
    seed: int = 272


def coursera_start(content01: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """The content image (values in [0, 1]) plus uniform noise in [−noise, noise], clipped to [0, 1]."""
    rng = np.random.default_rng(seed)
    return np.clip(content01 + rng.uniform(-noise, noise, size=np.shape(content01)), 0.0, 1.0).astype(np.float32)


def run_coursera_recipe(content, style, recipe: CourseraRecipe = CourseraRecipe(),
                        extractor: FeatureExtractor | None = None, progress: bool = False,
                        cache: bool = True) -> TransferResult:
    """Stylise with :class:`CourseraRecipe` on the given backbone.

    The backbone gets the [0, 1] image as it expects it (:func:`unit_to_vgg_input`); the assignment itself
    feeds the [0, 1] values to VGG19 without that conversion.
    """
    _check_recipe(recipe)
    if len(recipe.layer_weights) != len(recipe.style_layers):
        raise InputError(f"CourseraRecipe: {len(recipe.layer_weights)} layer weights for {len(recipe.style_layers)} style layers.")
    extractor = _sub_extractor(extractor or load_feature_extractor("auto"), recipe.content_layers, recipe.style_layers)

    def compute() -> TransferResult:
        keras.utils.set_random_seed(recipe.seed)
        content01 = _as_batch(content, recipe.max_dim) / 255.0
        # The raw Gram matrices of this normalisation grow with the image: give both images the same size.
        style01 = resize_like(_as_batch(style, recipe.max_dim), content01) / 255.0
        content_targets = extractor(unit_to_vgg_input(content01)).content
        style_targets = {n: gram_matrix(f, "coursera") for n, f in extractor(unit_to_vgg_input(style01)).style.items()}
        weights = dict(zip(recipe.style_layers, recipe.layer_weights))

        loss_terms = _unit_range_loss(extractor, content_targets, style_targets, weights, "coursera", recipe)
        optimizer = keras.optimizers.Adam(learning_rate=float(recipe.learning_rate))
        start = coursera_start(content01, recipe.noise, recipe.seed)
        run = _unit_range_run(loss_terms, start, optimizer, recipe.steps, recipe.snapshots, progress, "Coursera recipe")
        return _result(*run, extractor, recipe)

    return _cached("coursera", asdict(recipe), content, style, extractor, _recipe_config(recipe), compute, cache)
