"""Control over the style: several styles mixed with weights, and one style per region of the picture through
masked Gram matrices.

The masked Gram matrices follow Gatys, Ecker, Bethge, Hertzmann and Shechtman (2017), *Controlling Perceptual
Factors in Neural Style Transfer*.

Chapter: 10.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from ._tf import tf
from .engine import LBFGS, Callback, Method, Problem, TransferResult, minimize
from .errors import InputError
from .images import image_batch, vgg_preprocess
from .losses import content_loss, gram_matrix
from .model import FeatureExtractor
from .optimize import StyleTransfer, TransferConfig

__all__ = ["masked_gram", "mix_targets", "run_controlled", "style_targets"]


def style_targets(extractor: FeatureExtractor, style, max_dim: int) -> dict[str, tf.Tensor]:
    """The Gram matrices (blog normalisation) of ``style`` at every style layer. Taught in chapter 10."""
    features = extractor(vgg_preprocess(image_batch(style, max_dim))).style
    return {name: gram_matrix(f) for name, f in features.items()}


def mix_targets(targets: Sequence[Mapping[str, tf.Tensor]], weights: Sequence[float]) -> dict[str, tf.Tensor]:
    """The weighted sum of several styles' Gram matrices, layer by layer: sum_k w_k A_k. Taught in chapter 10."""
    if len(targets) != len(weights) or not targets:
        raise InputError(f"Give one weight per style: {len(targets)} styles, {len(weights)} weights.")
    return {name: tf.add_n([float(w) * t[name] for w, t in zip(weights, targets)]) for name in targets[0]}


def masked_gram(features: tf.Tensor, mask) -> tf.Tensor:
    """The Gram matrix of the positions a mask selects: (F*m)^T (F*m) / sum(m^2), shape (1, C, C).

    ``mask`` (h, w), values in [0, 1], is resized (area averaging) to the feature map's size. A mask of ones
    gives :func:`~nst_helpers.losses.gram_matrix` with the blog normalisation.

    Taught in chapter 10.
    """
    features = tf.convert_to_tensor(features, tf.float32)
    mask = np.asarray(mask, np.float32)
    if mask.ndim != 2 or mask.min() < 0 or mask.max() > 1:
        raise InputError(f"A mask is a (height, width) array of values in [0, 1]; got shape {mask.shape}.")
    h, w = features.shape[1], features.shape[2]
    m = tf.image.resize(mask[np.newaxis, :, :, np.newaxis], (h, w), method="area")
    weighted = tf.reshape(features * m, [1, h * w, features.shape[3]])
    return tf.matmul(weighted, weighted, transpose_a=True) / tf.maximum(tf.reduce_sum(tf.square(m)), 1e-8)


def run_controlled(
    content,
    styles: Sequence,
    config: TransferConfig,
    extractor: FeatureExtractor,
    weights: Sequence[float] | None = None,
    masks: Sequence[np.ndarray] | None = None,
    method: Method | None = None,
    progress: bool = False,
    callback: Callback | None = None,
) -> TransferResult:
    """Style transfer with several styles: mixed with ``weights`` (their Gram matrices summed), or one per region
    with ``masks`` (arrays of the content image's size in the book's pixels, values in [0, 1]); in the second
    case region r's masked Gram matrices are compared with style r's, and ``weights`` scales each region's loss.

    The content term and the weights alpha, beta are the book's (chapter 06); ``method`` defaults to L-BFGS
    with ``config.steps`` evaluations.

    Taught in chapter 10.
    """
    styles = list(styles)
    weights = [1.0 / len(styles)] * len(styles) if weights is None else [float(w) for w in weights]
    if not styles or len(weights) != len(styles):
        raise InputError(f"Give one weight per style: {len(styles)} styles, {len(weights)} weights.")
    transfer = StyleTransfer(extractor, content, styles[0], config)
    extractor = transfer.extractor  # in the precision the transfer chose (with "auto": checked on the first style)
    targets = [style_targets(extractor, s, config.max_dim) for s in styles]
    if masks is None:
        transfer.style_targets = mix_targets(targets, weights)
        loss = transfer.loss_terms
    else:
        masks = [np.asarray(m, np.float32) for m in masks]
        size = tuple(transfer.image.shape[1:3])
        if len(masks) != len(styles) or any(m.shape != size for m in masks):
            raise InputError(
                f"Give one mask per style, each of the content image's size {size}; got "
                f"{[m.shape for m in masks]} for {len(styles)} styles."
            )

        @tf.autograph.experimental.do_not_convert  # plain tensor code; AutoGraph cannot read this closure
        def loss(image: tf.Tensor) -> dict[str, tf.Tensor]:
            features = extractor(image)
            c = tf.add_n([content_loss(features.content[n], t) for n, t in transfer.content_targets.items()])
            s = tf.add_n(
                [
                    w * tf.reduce_mean(tf.square(masked_gram(features.style[n], m) - a[n])) / len(a)
                    for w, m, a in zip(weights, masks, targets)
                    for n in a
                ]
            )
            terms = {"content": transfer.content_weight * c / len(transfer.content_targets)}
            terms["style"] = transfer.style_weight * s
            terms["total"] = terms["content"] + terms["style"]
            return terms

    problem = Problem(loss, transfer.image.numpy(), transfer.problem.pixels)
    result = minimize(
        problem, method or LBFGS(), config.steps, progress=progress, description="controlled", callback=callback
    )
    result.backbone, result.config = extractor.backbone, config
    result.extra["precision"] = transfer.precision_choice.summary()
    return result
