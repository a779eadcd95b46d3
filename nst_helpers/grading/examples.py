"""The fixed test inputs of the checks: small tensors drawn from seeded generators, and a tiny feature model.

Every check feeds the student's function and the reference the same inputs, so the expected values are exact
up to float rounding. The layer names of the style test are not VGG's on purpose: a function that reads the
global ``STYLE_LAYERS`` instead of its argument fails visibly.

Chapter: 08.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .._tf import tf
from ..images import PREPROCESSED_MAX, PREPROCESSED_MIN

SEED = 2015  # the year of Gatys, Ecker and Bethge's paper
TEST_STYLE_LAYERS: tuple[tuple[str, float], ...] = (("conv_a", 0.5), ("conv_b", 0.3), ("conv_c", 0.2))
TRAIN_LEARNING_RATE = 2.0
TRAIN_STEPS = 2


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def _activation(rng: np.random.Generator, shape: tuple[int, ...]) -> tf.Tensor:
    """Non-negative values, like the output of a ReLU layer."""
    return tf.constant(rng.uniform(0.0, 1.0, size=shape), dtype=tf.float32)


def gram_inputs() -> dict:
    """A of shape (n_C, n_H·n_W) = (3, 8)."""
    return {"A": tf.constant(_rng(1).normal(size=(3, 8)), dtype=tf.float32)}


def content_inputs() -> dict:
    """a_C and a_G of shape (1, n_H, n_W, n_C) = (1, 4, 6, 3)."""
    rng = _rng(2)
    return {"a_C": _activation(rng, (1, 4, 6, 3)), "a_G": _activation(rng, (1, 4, 6, 3))}


def layer_style_inputs() -> dict:
    """a_S and a_G of shape (1, 4, 6, 3)."""
    rng = _rng(3)
    return {"a_S": _activation(rng, (1, 4, 6, 3)), "a_G": _activation(rng, (1, 4, 6, 3))}


def style_inputs() -> dict:
    """Three layers of different shapes, as dicts by layer name, and unequal layer weights."""
    rng = _rng(4)
    shapes = {"conv_a": (1, 6, 8, 3), "conv_b": (1, 3, 4, 5), "conv_c": (1, 2, 3, 6)}
    a_S = {name: _activation(rng, shape) for name, shape in shapes.items()}
    a_G = {name: _activation(rng, shape) for name, shape in shapes.items()}
    return {"a_S": a_S, "a_G": a_G, "style_layers": list(TEST_STYLE_LAYERS)}


def total_inputs() -> dict:
    """Two costs and weights other than the defaults (10, 40)."""
    return {"J_content": tf.constant(2.5), "J_style": tf.constant(0.75), "alpha": 3.0, "beta": 7.0}


class TinyFeatureModel:
    """Two fixed convolutions standing in for VGG: ``model(image) -> (a_content, {layer: a_style})``."""

    def __init__(self, seed: int = SEED) -> None:
        rng = np.random.default_rng(seed)
        self.kernel_a = tf.constant(rng.normal(0.0, 0.5, size=(3, 3, 3, 4)), dtype=tf.float32)
        self.kernel_b = tf.constant(rng.normal(0.0, 0.5, size=(3, 3, 4, 5)), dtype=tf.float32)

    def __call__(self, image) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        x = tf.convert_to_tensor(image, tf.float32) / 64.0
        a = tf.nn.relu(tf.nn.conv2d(x, self.kernel_a, strides=1, padding="SAME"))
        b = tf.nn.relu(tf.nn.conv2d(tf.nn.avg_pool2d(a, 2, 2, "VALID"), self.kernel_b, strides=1, padding="SAME"))
        return b, {"conv_a": a, "conv_b": b}


@dataclass
class TrainInputs:
    """Everything the train-step check passes to ``make_train_step``, and the image it starts from."""

    model_outputs: TinyFeatureModel
    a_C: tf.Tensor
    a_S: Mapping[str, tf.Tensor]
    style_layers: list[tuple[str, float]]
    alpha: float
    beta: float
    start: np.ndarray  # pre-processed image, a third of its pixels on the bounds of the valid range


def _preprocessed_image(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(PREPROCESSED_MIN, PREPROCESSED_MAX, size=shape).astype(np.float32)


def train_inputs() -> TrainInputs:
    rng = _rng(5)
    shape = (1, 8, 10, 3)
    model = TinyFeatureModel()
    a_C, _ = model(_preprocessed_image(rng, shape))
    _, a_S = model(_preprocessed_image(rng, shape))
    start = _preprocessed_image(rng, shape)
    on_bounds = rng.integers(0, 3, size=shape)  # 0: inside, 1: on the lower bound, 2: on the upper bound
    start = np.where(on_bounds == 1, PREPROCESSED_MIN, np.where(on_bounds == 2, PREPROCESSED_MAX, start))
    return TrainInputs(
        model, a_C, a_S, [("conv_a", 0.4), ("conv_b", 0.6)], alpha=2.0, beta=5.0, start=start.astype(np.float32)
    )


def example_inputs(exercise: str) -> dict:
    """The inputs the check of ``exercise`` uses (``"gram_matrix"``, ``"content_cost"``, ...), by argument name."""
    makers = {
        "gram_matrix": gram_inputs,
        "content_cost": content_inputs,
        "layer_style_cost": layer_style_inputs,
        "style_cost": style_inputs,
        "total_cost": total_inputs,
    }
    if exercise not in makers:
        raise ValueError(f"No example inputs for {exercise!r}; choose one of {', '.join(makers)}.")
    return makers[exercise]()
