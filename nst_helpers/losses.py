"""Content loss, Gram matrix, style loss and total variation loss, in the three normalisations of the sources.

``"tf_blog"`` (the TensorFlow blog post)
    Gram = FᵀF / (h·w); layer style loss = mean((G − A)²); content loss = mean((F − P)²).
``"coursera"`` (the Deep Learning Specialization assignment)
    Gram = FᵀF; layer style loss = Σ(G − A)² / (4·C²·(h·w)²); content loss = Σ(F − P)² / (4·h·w·C).
``"pytorch"`` (the Vietnamese PyTorch blog post; the official PyTorch tutorial divides its Gram matrix alike)
    Gram = FᵀF / (b·C·h·w); layer style loss = mean((G − A)²); content loss = mean((F − P)²).

Here F is a feature map reshaped to (h·w, C). The three differ only by constant factors per layer:
coursera = tf_blog / 4 for both losses, and pytorch style = tf_blog style / C².

Chapters: 04, 05.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ._tf import tf
from .errors import InputError

NORMALIZATIONS = ("tf_blog", "coursera", "pytorch")


def _check_normalization(normalization: str) -> None:
    if normalization not in NORMALIZATIONS:
        raise InputError(f"Unknown normalization {normalization!r}; choose one of {', '.join(NORMALIZATIONS)}.")


def _spatial_size(features: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(batch, h·w, channels) of a (batch, h, w, channels) feature map, as float32 scalars."""
    shape = tf.shape(features)
    as_float = lambda v: tf.cast(v, tf.float32)  # noqa: E731
    return as_float(shape[0]), as_float(shape[1] * shape[2]), as_float(shape[3])


def gram_matrix(features: tf.Tensor, normalization: str = "tf_blog") -> tf.Tensor:
    """Channel-by-channel inner products of a (batch, h, w, C) feature map: shape (batch, C, C).

    Taught in chapter 05.
    """
    _check_normalization(normalization)
    features = tf.convert_to_tensor(features, tf.float32)
    if features.shape.rank != 4:
        raise InputError(f"gram_matrix expects a (batch, height, width, channels) tensor; got shape {features.shape}.")
    # One batched matmul over the flattened positions is faster than the equivalent einsum, most of all in its gradient.
    shape = tf.shape(features)
    flat = tf.reshape(features, [shape[0], shape[1] * shape[2], shape[3]])
    gram = tf.matmul(flat, flat, transpose_a=True)
    batch, positions, channels = _spatial_size(features)
    if normalization == "tf_blog":
        return gram / positions
    if normalization == "pytorch":
        return gram / (batch * channels * positions)
    return gram


def content_loss(generated: tf.Tensor, target: tf.Tensor, normalization: str = "tf_blog") -> tf.Tensor:
    """How far the generated image's feature map is from the content image's, at one layer. Taught in chapter 04."""
    _check_normalization(normalization)
    squared = tf.square(tf.cast(generated, tf.float32) - tf.cast(target, tf.float32))
    if normalization == "coursera":
        _, positions, channels = _spatial_size(generated)
        return tf.reduce_sum(squared) / (4.0 * positions * channels)
    return tf.reduce_mean(squared)


def layer_style_loss(generated: tf.Tensor, target_gram: tf.Tensor, normalization: str = "tf_blog") -> tf.Tensor:
    """Style loss at one layer: the distance between the Gram matrix of ``generated`` and ``target_gram``.

    Taught in chapter 05.
    """
    gram = gram_matrix(generated, normalization)
    squared = tf.square(gram - tf.cast(target_gram, tf.float32))
    if normalization == "coursera":
        _, positions, channels = _spatial_size(generated)
        return tf.reduce_sum(squared) / (4.0 * tf.square(channels) * tf.square(positions))
    return tf.reduce_mean(squared)


def style_loss(
    generated: Mapping[str, tf.Tensor],
    target_grams: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float] | Sequence[float] | None = None,
    normalization: str = "tf_blog",
) -> tf.Tensor:
    """Weighted sum of the layer style losses; equal weights 1/L by default. Taught in chapter 05."""
    names = list(generated)
    if set(names) != set(target_grams):
        raise InputError(
            f"style_loss: generated layers {sorted(generated)} differ from target layers {sorted(target_grams)}."
        )
    if layer_weights is None:
        weights = {n: 1.0 / len(names) for n in names}
    elif isinstance(layer_weights, Mapping):
        weights = dict(layer_weights)
    else:
        weights = dict(zip(names, layer_weights, strict=True))
    return tf.add_n([weights[n] * layer_style_loss(generated[n], target_grams[n], normalization) for n in names])


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """Sum of absolute differences between neighbouring pixels (horizontal and vertical), per image summed.

    Taught in chapter 07.
    """
    image = tf.convert_to_tensor(image, tf.float32)
    down = tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :])
    right = tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :])
    return tf.reduce_sum(down) + tf.reduce_sum(right)
