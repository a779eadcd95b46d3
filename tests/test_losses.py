"""Each loss and each Gram normalisation against values worked out by hand on tiny tensors."""

from __future__ import annotations

import numpy as np
import pytest

from nst_helpers.errors import InputError
from nst_helpers.losses import content_loss, gram_matrix, layer_style_loss, style_loss, total_variation_loss

# One image, h=1, w=2, C=2: the two positions carry the feature vectors (1, 2) and (3, 4).
F = np.array([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=np.float32)
# FᵀF = [[1·1 + 3·3, 1·2 + 3·4], [2·1 + 4·3, 2·2 + 4·4]]
FTF = np.array([[10.0, 14.0], [14.0, 20.0]])


@pytest.mark.parametrize(
    "normalization, divisor",
    [("tf_blog", 2.0), ("coursera", 1.0), ("pytorch", 4.0)],  # h·w = 2; b·C·h·w = 4
)
def test_gram_matrix_normalisations(normalization, divisor):
    gram = gram_matrix(F, normalization).numpy()
    assert gram.shape == (1, 2, 2)
    np.testing.assert_allclose(gram[0], FTF / divisor)


def test_gram_matrix_is_symmetric_and_batched():
    features = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype(np.float32)
    gram = gram_matrix(features).numpy()
    assert gram.shape == (2, 5, 5)
    np.testing.assert_allclose(gram, np.transpose(gram, (0, 2, 1)), rtol=1e-5, atol=1e-6)
    flat = features[1].reshape(-1, 5)
    np.testing.assert_allclose(gram[1], flat.T @ flat / 12, rtol=1e-5)


@pytest.mark.parametrize(
    "normalization, expected",
    [
        ("tf_blog", (25 + 49 + 49 + 100) / 4),  # mean of ([[5, 7], [7, 10]])²
        ("coursera", (100 + 196 + 196 + 400) / (4 * 2**2 * 2**2)),  # Σ FTF² / (4 C² (h·w)²)
        ("pytorch", (6.25 + 12.25 + 12.25 + 25) / 4),  # mean of ([[2.5, 3.5], [3.5, 5]])²
    ],
)
def test_layer_style_loss_against_a_zero_target(normalization, expected):
    loss = layer_style_loss(F, np.zeros((1, 2, 2), np.float32), normalization)
    assert float(loss) == pytest.approx(expected)


def test_the_normalisations_differ_by_constant_factors():
    rng = np.random.default_rng(1)
    a, b = (rng.normal(size=(1, 4, 3, 6)).astype(np.float32) for _ in range(2))
    style = {n: float(layer_style_loss(a, gram_matrix(b, n), n)) for n in ("tf_blog", "coursera", "pytorch")}
    assert style["coursera"] == pytest.approx(style["tf_blog"] / 4, rel=1e-5)
    assert style["pytorch"] == pytest.approx(style["tf_blog"] / 6**2, rel=1e-5)
    content = {n: float(content_loss(a, b, n)) for n in ("tf_blog", "coursera", "pytorch")}
    assert content["coursera"] == pytest.approx(content["tf_blog"] / 4, rel=1e-6)
    assert content["pytorch"] == pytest.approx(content["tf_blog"], rel=1e-6)


@pytest.mark.parametrize("normalization, expected", [("tf_blog", 7.5), ("coursera", 30 / 16), ("pytorch", 7.5)])
def test_content_loss(normalization, expected):
    # squares 1 + 4 + 9 + 16 = 30 over 4 values; Coursera divides the sum by 4·h·w·C = 16
    assert float(content_loss(F, np.zeros_like(F), normalization)) == pytest.approx(expected)


def test_style_loss_weights_layers():
    zero = np.zeros((1, 2, 2), np.float32)
    generated = {"a": F, "b": 2 * F}
    targets = {"a": zero, "b": zero}
    per_layer = 55.75
    assert float(style_loss(generated, targets)) == pytest.approx(0.5 * per_layer + 0.5 * 16 * per_layer)
    assert float(style_loss(generated, targets, {"a": 1.0, "b": 0.0})) == pytest.approx(per_layer)
    assert float(style_loss(generated, targets, [0.0, 0.25])) == pytest.approx(0.25 * 16 * per_layer)


def test_total_variation_loss():
    image = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)[np.newaxis, :, :, np.newaxis]
    # vertical |4-1| + |8-2| = 9, horizontal |2-1| + |8-4| = 5
    assert float(total_variation_loss(image)) == pytest.approx(14.0)


def test_bad_normalization_and_shapes():
    with pytest.raises(InputError, match="Unknown normalization 'mse'"):
        gram_matrix(F, "mse")
    with pytest.raises(InputError, match="batch, height, width, channels"):
        gram_matrix(F[0])
    with pytest.raises(InputError, match="differ from target layers"):
        style_loss({"a": F}, {"b": np.zeros((1, 2, 2), np.float32)})
