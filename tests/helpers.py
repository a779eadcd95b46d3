"""Test helpers shared by several test files: small deterministic pictures and a toy feature extractor."""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_IMAGES = REPO.parent / "shared" / "nst-data" / "images"


def gradient_image(width: int, height: int) -> np.ndarray:
    """An RGB test picture whose three channels differ, so channel swaps and flips are visible."""
    x = np.linspace(0, 255, width)[np.newaxis, :].repeat(height, 0)
    y = np.linspace(0, 255, height)[:, np.newaxis].repeat(width, 1)
    return np.stack([x, y, np.full_like(x, 60.0)], axis=-1).astype(np.uint8)


def toy_extractor():
    """Two small convolutions with fixed random weights, named as the helpers expect: fast and deterministic."""
    import keras

    from nst_helpers import Backbone, FeatureExtractor

    rng = np.random.default_rng(0)
    inputs = keras.Input((None, None, 3))
    low = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="low")(inputs)
    high = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", name="high")(low)
    network = keras.Model(inputs, high)
    for layer in network.layers[1:]:
        kernel, bias = layer.get_weights()
        layer.set_weights([rng.normal(0, 0.05, kernel.shape).astype(np.float32), np.zeros_like(bias)])
    spec = Backbone(
        "toy",
        "toy network",
        content_layers=("high",),
        style_layers=("low", "high"),
        content_weight=1.0,
        style_weight=1.0,
        offline=True,
    )
    return FeatureExtractor(network, spec)
