"""The hand-run conv stack: same features as Keras, the same image gradient, and mixed precision close to float32."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.errors import InputError
from nst_helpers.losses import gram_matrix
from nst_helpers.speed.fastgrad import FrozenConvStack, conv2d_same, flip_kernel, supports_fast_gradients


def image_batch(seed: int = 0, size: tuple[int, int] = (40, 56)) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(-110, 140, size=(1, *size, 3)).astype(np.float32))


def style_objective(extractor, image) -> tf.Tensor:
    features = extractor(image)
    maps = list(features.style.values()) + list(features.content.values())
    return tf.add_n([tf.reduce_mean(gram_matrix(m)) * 1e-3 + tf.reduce_mean(tf.square(m)) * 1e-2 for m in maps])


def gradient_of(extractor, image) -> np.ndarray:
    with tf.GradientTape() as tape:
        tape.watch(image)
        loss = style_objective(extractor, image)
    return tape.gradient(loss, image).numpy()


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_conv_input_gradient_equals_autodiff(kernel_size):
    rng = np.random.default_rng(kernel_size)
    x = tf.constant(rng.normal(size=(1, 9, 7, 4)).astype(np.float32))
    kernel = tf.constant(rng.normal(size=(kernel_size, kernel_size, 4, 6)).astype(np.float32))
    upstream = tf.constant(rng.normal(size=(1, 9, 7, 6)).astype(np.float32))

    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        plain = tf.reduce_sum(tf.nn.conv2d(x, kernel, 1, "SAME") * upstream)
        ours = tf.reduce_sum(conv2d_same(x, kernel, flip_kernel(kernel)) * upstream)
    np.testing.assert_allclose(ours.numpy(), plain.numpy(), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(ours, x).numpy(), tape.gradient(plain, x).numpy(), rtol=1e-4, atol=1e-4)


def test_features_and_image_gradient_match_keras(extractor):
    keras_run = extractor.variant(fast_gradients=False)
    assert extractor.fast_gradients and not keras_run.fast_gradients
    image = image_batch()
    ours, theirs = extractor(image), keras_run(image)
    for name in ours.style:
        np.testing.assert_allclose(ours.style[name].numpy(), theirs.style[name].numpy(), rtol=1e-5, atol=1e-3)
    fast, slow = gradient_of(extractor, image), gradient_of(keras_run, image)
    assert np.abs(slow).max() > 0
    np.testing.assert_allclose(fast, slow, rtol=1e-3, atol=1e-4 * np.abs(slow).max())


def test_mixed_precision_features_are_float32_and_close(extractor):
    half = extractor.variant(compute_dtype="bfloat16")
    image = image_batch(1)
    full, low = extractor(image), half(image)
    for name in full.style:
        assert low.style[name].dtype == tf.float32
        scale = float(tf.reduce_max(tf.abs(full.style[name])))
        assert float(tf.reduce_max(tf.abs(low.style[name] - full.style[name]))) < 0.1 * scale
    assert np.isfinite(gradient_of(half, image)).all()


def test_other_networks_fall_back_to_keras():
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", name="block1_conv1")(inputs)
    network = keras.Model(inputs, x)
    assert not supports_fast_gradients(network)
    with pytest.raises(ValueError, match="only chains"):
        FrozenConvStack(network)

    from nst_helpers.model import BACKBONES, FeatureExtractor

    spec = BACKBONES["vgg16-hed"].with_layers(("block1_conv1",), ("block1_conv1",))
    reader = FeatureExtractor(network, spec)
    assert not reader.fast_gradients
    assert tuple(reader(image_batch()).content["block1_conv1"].shape) == (1, 20, 28, 4)
    with pytest.raises(InputError, match="compute_dtype"):
        FeatureExtractor(network, spec, compute_dtype="bfloat16")
    with pytest.raises(InputError, match="compute_dtype must be one of"):
        FeatureExtractor(network, spec, compute_dtype="int8")
