"""Other optimisers and the other sources' recipes, for the experiments of chapter 07.

The book's own recipe (the TF blog post's: Adam on pre-processed pixels) is :mod:`nst_helpers.optimize`. Here:

* the same loss minimised by another optimiser: :func:`run_with_optimizer` (any Keras optimiser, e.g. RMSprop)
  and :func:`run_lbfgs` (SciPy's L-BFGS-B, whose bounds do the clipping);
* the recipe of the Vietnamese PyTorch blog post (:class:`PyTorchRecipe`) and the Coursera assignment's
  (:class:`CourseraRecipe`), ported to Keras: images in [0, 1], their own layers, weights and optimisers.

Every runner is a configuration of the engine (:mod:`nst_helpers.engine`) and returns its
:class:`~nst_helpers.engine.TransferResult`. To keep results on disk, wrap the call in
:func:`nst_helpers.book.runcache.cached`.

Chapter: 07.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._tf import keras, tf
from .engine import LBFGS, UNIT_PIXELS, KerasOptimizer, Problem, TransferResult, minimize
from .errors import InputError
from .images import image_batch, resize_like, vgg_preprocess
from .losses import content_loss, gram_matrix, style_loss
from .model import STYLE_LAYERS_VGG, FeatureExtractor, load_feature_extractor
from .optimize import StyleTransfer, TransferConfig
from .validate import finite_number, whole_number

__all__ = [
    "IMAGENET_MEAN_RGB",
    "IMAGENET_STD_RGB",
    "CourseraRecipe",
    "PyTorchRecipe",
    "coursera_start",
    "imagenet_normalize",
    "run_coursera_recipe",
    "run_lbfgs",
    "run_pytorch_recipe",
    "run_with_optimizer",
    "unit_to_vgg_input",
]


# --------------------------------------------------------------------------------------------------------------
# The book's loss, other optimisers
# --------------------------------------------------------------------------------------------------------------


def run_with_optimizer(
    content,
    style,
    config: TransferConfig,
    optimizer: keras.optimizers.Optimizer,
    extractor: FeatureExtractor | None = None,
    progress: bool = False,
) -> TransferResult:
    """The book's loss and loop (clipping after every step, best image kept) with another Keras optimiser.

    ``optimizer`` is only read for its class and settings: the run uses a fresh copy of it.

    Taught in chapter 07.
    """
    method = KerasOptimizer(optimizer)
    extractor = extractor or load_feature_extractor("auto")
    keras.utils.set_random_seed(config.seed)
    return StyleTransfer(extractor, content, style, config).run(
        progress=progress, description=method.name, method=method
    )


def run_lbfgs(
    content,
    style,
    config: TransferConfig,
    extractor: FeatureExtractor | None = None,
    history_size: int = 10,
    progress: bool = False,
) -> TransferResult:
    """The book's loss minimised by L-BFGS-B (SciPy), with ``config.steps`` loss-and-gradient evaluations.

    One evaluation costs what one Adam step costs (a forward and a backward pass), so the budgets compare.
    The box bounds of L-BFGS-B keep the pixels in the valid range, which replaces the clipping step.
    The history has one entry per evaluation, line-search trials included.

    Taught in chapter 07.
    """
    method = LBFGS(history_size)
    extractor = extractor or load_feature_extractor("auto")
    keras.utils.set_random_seed(config.seed)
    return StyleTransfer(extractor, content, style, config).run(progress=progress, description="L-BFGS", method=method)


# --------------------------------------------------------------------------------------------------------------
# Recipes that keep the image in [0, 1]
# --------------------------------------------------------------------------------------------------------------

#: The ImageNet statistics that torchvision's networks expect, for RGB values in [0, 1].
IMAGENET_MEAN_RGB = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD_RGB = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def imagenet_normalize(unit_rgb):
    """The PyTorch recipe's normalisation: RGB in [0, 1], minus the ImageNet mean, divided by its std.

    Taught in chapter 07.
    """
    return (unit_rgb - IMAGENET_MEAN_RGB) / IMAGENET_STD_RGB


def unit_to_vgg_input(unit_rgb):
    """RGB in [0, 1] to what the Keras VGG backbones expect (BGR, 0-255, Caffe means subtracted).

    Taught in chapter 07.
    """
    return vgg_preprocess(255.0 * unit_rgb)


def _check_recipe(recipe) -> None:
    kind = type(recipe).__name__
    for name, minimum in (("steps", 1), ("max_dim", 32), ("snapshots", 0)):
        whole_number(f"{kind}.{name}", getattr(recipe, name), minimum)
    for name in ("content_weight", "style_weight", "learning_rate"):
        finite_number(f"{kind}.{name}", getattr(recipe, name))


@dataclass(frozen=True)
class PyTorchRecipe:
    """The recipe of the Vietnamese PyTorch blog post, in Keras.

    Start from the content image in [0, 1]; content loss = MSE of the features at ``conv_4``; style loss =
    sum over ``conv_1`` ... ``conv_5`` of the MSE of Gram matrices divided by b·C·h·w; RMSprop with PyTorch's
    defaults (learning rate 0.01, smoothing 0.99, epsilon 1e-8); pixels clamped to [0, 1].
    PyTorch numbers the convolutions 1, 2, 3, ...; in Keras' VGG names ``conv_4`` is ``block2_conv2``.

    Taught in chapter 07.
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

    def __post_init__(self) -> None:
        _check_recipe(self)


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

    Taught in chapter 07.
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

    def __post_init__(self) -> None:
        _check_recipe(self)
        if len(self.layer_weights) != len(self.style_layers):
            raise InputError(
                f"CourseraRecipe: {len(self.layer_weights)} layer weights for {len(self.style_layers)} style layers."
            )


def coursera_start(content01: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """The content image (values in [0, 1]) plus uniform noise in [−noise, noise], clipped to [0, 1].

    Taught in chapter 07.
    """
    rng = np.random.default_rng(seed)
    return np.clip(content01 + rng.uniform(-noise, noise, size=np.shape(content01)), 0.0, 1.0).astype(np.float32)


def _run_unit_range_recipe(
    content,
    style,
    recipe,
    extractor: FeatureExtractor | None,
    normalization: str,
    layer_weights: dict[str, float],
    optimizer: keras.optimizers.Optimizer,
    start: Callable[[np.ndarray], np.ndarray],
    progress: bool,
) -> TransferResult:
    """A recipe on images in [0, 1]: targets from the two images, the weighted loss, the engine's loop.

    With ``normalization="coursera"`` the style image is resized to the content image's size (raw Gram matrices
    grow with the number of positions); ``start(content01)`` gives the starting image.
    """
    reader = extractor or load_feature_extractor("auto")
    reader = FeatureExtractor(reader.model, reader.backbone.with_layers(recipe.content_layers, recipe.style_layers))
    keras.utils.set_random_seed(recipe.seed)
    content_rgb = image_batch(content, recipe.max_dim)
    style_rgb = image_batch(style, recipe.max_dim)
    if normalization == "coursera":
        style_rgb = resize_like(style_rgb, content_rgb)
    content01, style01 = content_rgb / 255.0, style_rgb / 255.0
    content_targets = reader(unit_to_vgg_input(content01)).content
    style_targets = {n: gram_matrix(f, normalization) for n, f in reader(unit_to_vgg_input(style01)).style.items()}

    def loss_terms(x: tf.Tensor) -> dict[str, tf.Tensor]:
        features = reader(unit_to_vgg_input(x))
        c = tf.add_n([content_loss(features.content[n], t, normalization) for n, t in content_targets.items()])
        s = style_loss(features.style, style_targets, layer_weights, normalization)
        terms = {"content": recipe.content_weight * c, "style": recipe.style_weight * s, "tv": tf.constant(0.0)}
        terms["total"] = terms["content"] + terms["style"]
        return terms

    problem = Problem(loss_terms, start(content01.astype(np.float32)), UNIT_PIXELS)
    result = minimize(
        problem,
        KerasOptimizer(optimizer),
        recipe.steps,
        snapshots=recipe.snapshots,
        progress=progress,
        description=f"{type(recipe).__name__}",
    )
    result.backbone, result.config = reader.backbone, recipe
    return result


def run_pytorch_recipe(
    content,
    style,
    recipe: PyTorchRecipe = PyTorchRecipe(),
    extractor: FeatureExtractor | None = None,
    progress: bool = False,
) -> TransferResult:
    """Stylise with :class:`PyTorchRecipe` on the given backbone.

    The backbone gets the [0, 1] image as it expects it (:func:`unit_to_vgg_input`): the Keras weights come
    from Caffe, trained on BGR 0-255 values minus the means, not on torchvision's mean/std-normalised RGB.

    Taught in chapter 07.
    """
    optimizer = keras.optimizers.RMSprop(
        learning_rate=float(recipe.learning_rate), rho=float(recipe.rho), epsilon=float(recipe.epsilon)
    )
    ones = {n: 1.0 for n in recipe.style_layers}  # the blog post adds the layer losses up
    return _run_unit_range_recipe(
        content, style, recipe, extractor, "pytorch", ones, optimizer, lambda content01: content01, progress
    )


def run_coursera_recipe(
    content,
    style,
    recipe: CourseraRecipe = CourseraRecipe(),
    extractor: FeatureExtractor | None = None,
    progress: bool = False,
) -> TransferResult:
    """Stylise with :class:`CourseraRecipe` on the given backbone.

    The backbone gets the [0, 1] image as it expects it (:func:`unit_to_vgg_input`); the assignment itself
    feeds the [0, 1] values to VGG19 without that conversion.

    Taught in chapter 07.
    """
    optimizer = keras.optimizers.Adam(learning_rate=float(recipe.learning_rate))
    weights = dict(zip(recipe.style_layers, recipe.layer_weights))
    return _run_unit_range_recipe(
        content,
        style,
        recipe,
        extractor,
        "coursera",
        weights,
        optimizer,
        lambda content01: coursera_start(content01, recipe.noise, recipe.seed),
        progress,
    )
