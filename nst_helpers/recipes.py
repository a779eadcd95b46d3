"""Other optimisers and the other sources' recipes, for the experiments of chapter 07.

The book's own recipe (the TF blog post's: Adam on pre-processed pixels) is :mod:`nst_helpers.optimize`. Here:

* the same loss minimised by another optimiser: :func:`run_with_optimizer` (any Keras optimiser, e.g. RMSprop)
  and :func:`run_lbfgs` (SciPy's L-BFGS-B, whose bounds do the clipping);
* the recipe of the Vietnamese PyTorch blog post (:class:`PyTorchRecipe`) and the Coursera assignment's
  (:class:`CourseraRecipe`), ported to Keras and run by :func:`run_recipe`: images in [0, 1], their own layers,
  weights, optimisers and starting points.

Every runner is a configuration of the engine (:mod:`nst_helpers.engine`) and returns its
:class:`~nst_helpers.engine.TransferResult`. To keep results on disk, wrap the call in
:func:`nst_helpers.book.runcache.cached`.

Chapter: 07.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Union

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
    "run_lbfgs",
    "run_recipe",
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
    method = KerasOptimizer(optimizer, jit_compile=config.jit_compile)
    extractor = extractor or load_feature_extractor("auto")
    keras.utils.set_random_seed(config.seed)
    return StyleTransfer(extractor, content, style, config).run(
        progress=progress, description=method.name, method=method
    )


#: The fast path's settings (``nst-stylize``'s defaults): 200 L-BFGS evaluations, the precision chosen by the machine.
FAST_CONFIG = TransferConfig(steps=200, snapshots=0, precision="auto")


def run_lbfgs(
    content,
    style,
    config: TransferConfig | None = None,
    extractor: FeatureExtractor | None = None,
    history_size: int = 10,
    progress: bool = False,
) -> TransferResult:
    """The book's loss minimised by L-BFGS-B (SciPy), with ``config.steps`` loss-and-gradient evaluations.

    One evaluation is a forward and a backward pass, like an Adam step, so the budgets compare (an evaluation
    costs somewhat more: about 1.2 to 1.4 times, chapter 11).
    The box bounds of L-BFGS-B keep the pixels in the valid range, which replaces the clipping step.
    The history has one entry per evaluation, line-search trials included. Without ``config`` the fast path's
    :data:`FAST_CONFIG` is used, with ``precision="auto"`` (chapter 11); the book's chapters pass their own
    float32 configuration, so that their numbers are the same on every machine.

    Taught in chapter 07.
    """
    config = FAST_CONFIG if config is None else config
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
    PyTorch numbers the convolutions 1, 2, 3, ...; in Keras' VGG names ``conv_4`` is ``block2_conv2``. The blog
    post reads each layer before its ReLU; the port reads Keras' layer outputs, which are after it.

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

    normalization: ClassVar[str] = "pytorch"

    def __post_init__(self) -> None:
        _check_recipe(self)

    def optimizer(self) -> keras.optimizers.Optimizer:
        """RMSprop with PyTorch's defaults (smoothing 0.99, epsilon 1e-8) at the recipe's learning rate."""
        return keras.optimizers.RMSprop(
            learning_rate=float(self.learning_rate), rho=float(self.rho), epsilon=float(self.epsilon)
        )

    def style_layer_weights(self) -> dict[str, float]:
        """Weight 1 for every style layer: the blog post adds the layer losses up."""
        return {n: 1.0 for n in self.style_layers}

    def start(self, content01: np.ndarray) -> np.ndarray:
        """The content image itself."""
        return content01


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

    normalization: ClassVar[str] = "coursera"

    def __post_init__(self) -> None:
        _check_recipe(self)
        if len(self.layer_weights) != len(self.style_layers):
            raise InputError(
                f"CourseraRecipe: {len(self.layer_weights)} layer weights for {len(self.style_layers)} style layers."
            )

    def optimizer(self) -> keras.optimizers.Optimizer:
        """Adam at the recipe's learning rate, Keras' other defaults."""
        return keras.optimizers.Adam(learning_rate=float(self.learning_rate))

    def style_layer_weights(self) -> dict[str, float]:
        """The recipe's weight of each style layer (0.2 each by default)."""
        return dict(zip(self.style_layers, self.layer_weights))

    def start(self, content01: np.ndarray) -> np.ndarray:
        """The content image plus uniform noise in [-noise, noise], clipped to [0, 1]."""
        return coursera_start(content01, self.noise, self.seed)


#: The recipes :func:`run_recipe` runs.
Recipe = Union[PyTorchRecipe, CourseraRecipe]


def coursera_start(content01: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """The content image (values in [0, 1]) plus uniform noise in [−noise, noise], clipped to [0, 1].

    Taught in chapter 07.
    """
    rng = np.random.default_rng(seed)
    return np.clip(content01 + rng.uniform(-noise, noise, size=np.shape(content01)), 0.0, 1.0).astype(np.float32)


def run_recipe(
    content, style, recipe: Recipe, extractor: FeatureExtractor | None = None, progress: bool = False
) -> TransferResult:
    """Stylise with ``recipe`` (:class:`PyTorchRecipe` or :class:`CourseraRecipe`) on the given backbone.

    The images stay in [0, 1]; the backbone gets them as it expects them (:func:`unit_to_vgg_input`): the Keras
    weights come from Caffe, trained on BGR 0-255 values minus the means, not on torchvision's mean/std-normalised
    RGB (the Coursera assignment itself feeds the [0, 1] values to VGG19 without that conversion). With the
    Coursera normalisation the style image is resized to the content image's size, since raw Gram matrices grow
    with the number of positions. The loss and the loop are the engine's (:mod:`nst_helpers.engine`).

    Taught in chapter 07.
    """
    norm = recipe.normalization
    reader = extractor or load_feature_extractor("auto")
    reader = FeatureExtractor(reader.model, reader.backbone.with_layers(recipe.content_layers, recipe.style_layers))
    keras.utils.set_random_seed(recipe.seed)
    content_rgb = image_batch(content, recipe.max_dim)
    style_rgb = image_batch(style, recipe.max_dim)
    if norm == "coursera":
        style_rgb = resize_like(style_rgb, content_rgb)
    content01, style01 = content_rgb / 255.0, style_rgb / 255.0
    content_targets = reader(unit_to_vgg_input(content01)).content
    style_targets = {n: gram_matrix(f, norm) for n, f in reader(unit_to_vgg_input(style01)).style.items()}
    layer_weights = recipe.style_layer_weights()

    def loss_terms(x: tf.Tensor) -> dict[str, tf.Tensor]:
        features = reader(unit_to_vgg_input(x))
        c = tf.add_n([content_loss(features.content[n], t, norm) for n, t in content_targets.items()])
        s = style_loss(features.style, style_targets, layer_weights, norm)
        terms = {"content": recipe.content_weight * c, "style": recipe.style_weight * s, "tv": tf.constant(0.0)}
        terms["total"] = terms["content"] + terms["style"]
        return terms

    problem = Problem(loss_terms, recipe.start(content01.astype(np.float32)), UNIT_PIXELS)
    method = KerasOptimizer(recipe.optimizer())
    result = minimize(
        problem, method, recipe.steps, snapshots=recipe.snapshots, progress=progress, description=type(recipe).__name__
    )
    result.backbone, result.config = reader.backbone, recipe
    return result
