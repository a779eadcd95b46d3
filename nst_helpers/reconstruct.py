"""Images rebuilt from what some layers keep: from noise, minimise only the content loss at those layers (a
content reconstruction) or only their style loss (a style reconstruction, that is, texture synthesis).

These are the pictures of Figure 1 of Gatys, Ecker and Bethge (2016).

The loss is divided by its value at the noise start, so every reconstruction starts at 1 whatever the layer's
scale, and multiplied by :data:`LOSS_SCALE` so that SciPy's L-BFGS-B does not mistake the small gradients of a
deep layer for convergence (its default gradient tolerance is an absolute 1e-5).

Chapter: 09.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._tf import keras, tf
from .engine import LBFGS, VGG_PIXELS, Problem, TransferResult, minimize
from .errors import InputError
from .images import PREPROCESSED_MAX, PREPROCESSED_MIN, image_batch, vgg_preprocess
from .losses import content_loss, gram_matrix, layer_style_loss
from .model import FeatureExtractor
from .validate import whole_number

__all__ = ["KINDS", "LOSS_SCALE", "noise_start", "reconstruct", "reconstruction_loss"]

#: What a reconstruction matches: the feature maps themselves, or only their Gram matrices.
KINDS = ("content", "style")
#: The loss at the noise start, after normalisation.
LOSS_SCALE = 1e4


def noise_start(shape: Sequence[int], seed: int = 0) -> np.ndarray:
    """Uniform noise over the valid pre-processed range, of ``shape`` (batch, h, w, 3). Taught in chapter 09."""
    rng = np.random.default_rng(seed)
    return rng.uniform(PREPROCESSED_MIN, PREPROCESSED_MAX, size=tuple(shape)).astype(np.float32)


def reconstruction_loss(extractor: FeatureExtractor, target: np.ndarray, kind: str, layers: Sequence[str]):
    """The loss of a content (``kind="content"``) or style (``"style"``) reconstruction of ``target`` (a
    pre-processed image batch) from ``layers``; unnormalised (see :func:`reconstruct`). Taught in chapter 09.

    Content: the mean of the layers' content losses. Style: the mean of the layers' style losses (equal weights).
    """
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    layers = tuple(layers)
    if not layers:
        raise InputError("layers is empty; name at least one layer of the backbone, e.g. ('block1_conv1',).")
    available = extractor.backbone.content_layers if kind == "content" else extractor.backbone.style_layers
    missing = [name for name in layers if name not in available]
    if missing:
        raise InputError(
            f"The extractor does not return the {kind} layer(s) {', '.join(missing)}; build it with "
            f"load_feature_extractor(..., {kind}_layers=[...]) including them (it returns {', '.join(available)})."
        )

    def maps(features):
        return features.content if kind == "content" else features.style

    targets = maps(extractor(target))
    if kind == "content":
        wanted = {name: targets[name] for name in layers}
    else:
        wanted = {name: gram_matrix(targets[name]) for name in layers}

    def loss(image: tf.Tensor) -> tf.Tensor:
        found = maps(extractor(image))
        if kind == "content":
            terms = [content_loss(found[name], wanted[name]) for name in layers]
        else:
            terms = [layer_style_loss(found[name], wanted[name]) for name in layers]
        return tf.add_n(terms) / len(terms)

    return loss


def reconstruct(
    image,
    kind: str,
    layers: Sequence[str],
    extractor: FeatureExtractor,
    steps: int = 200,
    max_dim: int = 256,
    seed: int = 0,
    progress: bool = False,
) -> TransferResult:
    """Rebuild ``image`` (a sample name, path or RGB array) from noise, matching only what ``layers`` keep of it.

    L-BFGS-B runs for ``steps`` loss evaluations within the valid pixel range; the loss is divided by its value
    at the start and multiplied by :data:`LOSS_SCALE`. The history's ``"total"`` is that scaled loss.

    Taught in chapter 09.
    """
    whole_number("steps", steps, 1)
    target = vgg_preprocess(image_batch(image, max_dim))
    raw = reconstruction_loss(extractor, target, kind, layers)
    start = noise_start(target.shape, seed)
    scale = LOSS_SCALE / max(float(raw(tf.constant(start))), 1e-30)

    def loss(x: tf.Tensor) -> tf.Tensor:
        return scale * raw(x)

    keras.utils.set_random_seed(seed)
    result = minimize(Problem(loss, start, VGG_PIXELS), LBFGS(), steps, progress=progress, description=kind)
    result.backbone = extractor.backbone
    result.extra.update({"kind": kind, "layers": list(layers)})
    return result
