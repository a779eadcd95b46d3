"""Test inputs of the assignment: the public ones the notebook's checks use, and the generator behind them.

Each exercise's inputs come from one generator that takes a random generator and the shapes. The public
inputs are that generator with the fixed seed ``SEED`` and the shapes the notebook prints; ``nst-grade``
draws its own inputs from the same generators with the teacher's seed and several other shapes. Inputs
are NumPy arrays (float32) and plain numbers; :func:`as_tensors` turns them into tensors for a call.

The layer names of the style tests are not VGG's on purpose: a function that reads the global
``STYLE_LAYERS`` instead of its argument fails visibly.

Chapter: 08.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from .._tf import tf
from ..images import PREPROCESSED_MAX, PREPROCESSED_MIN

SEED = 2015  # the year of Gatys, Ecker and Bethge's paper
PUBLIC_STYLE_LAYERS: tuple[tuple[str, float], ...] = (("conv_a", 0.5), ("conv_b", 0.3), ("conv_c", 0.2))
PUBLIC_ACTIVATION_SHAPE = (1, 4, 6, 3)
PUBLIC_GRAM_SHAPE = (3, 8)
PUBLIC_TRAIN_SHAPE = (1, 8, 10, 3)
TRAIN_LEARNING_RATE = 2.0
TRAIN_STEPS = 2

Shape = tuple[int, ...]


def _activation(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Non-negative values, like the output of a ReLU layer."""
    return rng.uniform(0.0, 1.0, size=shape).astype(np.float32)


def gram_case(rng: np.random.Generator, shape: Shape = PUBLIC_GRAM_SHAPE) -> dict[str, Any]:
    """``A`` of shape (n_C, n_H·n_W), normally distributed."""
    return {"A": rng.normal(size=shape).astype(np.float32)}


def content_case(rng: np.random.Generator, shape: Shape = PUBLIC_ACTIVATION_SHAPE) -> dict[str, Any]:
    """``a_C`` and ``a_G`` of shape (1, n_H, n_W, n_C)."""
    return {"a_C": _activation(rng, shape), "a_G": _activation(rng, shape)}


def layer_style_case(rng: np.random.Generator, shape: Shape = PUBLIC_ACTIVATION_SHAPE) -> dict[str, Any]:
    """``a_S`` and ``a_G`` of shape (1, n_H, n_W, n_C)."""
    return {"a_S": _activation(rng, shape), "a_G": _activation(rng, shape)}


def style_case(
    rng: np.random.Generator, layers: Sequence[tuple[str, float]], shapes: Mapping[str, Shape]
) -> dict[str, Any]:
    """Activations by layer name (one shape per layer) and the list of (layer name, weight) pairs."""
    a_S = {name: _activation(rng, shapes[name]) for name, _ in layers}
    a_G = {name: _activation(rng, shapes[name]) for name, _ in layers}
    return {"a_S": a_S, "a_G": a_G, "style_layers": [(name, float(weight)) for name, weight in layers]}


def total_case(J_content: float, J_style: float, alpha: float | None = None, beta: float | None = None) -> dict:
    """Two costs, and the weights when they are given (left out, the function's defaults apply)."""
    case: dict[str, Any] = {"J_content": np.asarray(J_content, np.float32), "J_style": np.asarray(J_style, np.float32)}
    if alpha is not None:
        case.update(alpha=float(alpha), beta=float(beta))
    return case


class TinyFeatureModel:
    """Two fixed convolutions standing in for VGG: ``model(image) -> (a_content, {layer: a_style})``."""

    def __init__(self, seed: int = SEED, kernels: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if kernels is None:
            rng = np.random.default_rng(seed)
            kernels = (rng.normal(0.0, 0.5, size=(3, 3, 3, 4)), rng.normal(0.0, 0.5, size=(3, 3, 4, 5)))
        self.kernels = tuple(np.asarray(k, dtype=np.float32) for k in kernels)
        self.kernel_a, self.kernel_b = (tf.constant(k) for k in self.kernels)

    def __call__(self, image) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
        x = tf.convert_to_tensor(image, tf.float32) / 64.0
        a = tf.nn.relu(tf.nn.conv2d(x, self.kernel_a, strides=1, padding="SAME"))
        b = tf.nn.relu(tf.nn.conv2d(tf.nn.avg_pool2d(a, 2, 2, "VALID"), self.kernel_b, strides=1, padding="SAME"))
        return b, {"conv_a": a, "conv_b": b}


@dataclass
class TrainInputs:
    """Everything the train-step check passes to ``make_train_step``, and the image it starts from."""

    model_outputs: TinyFeatureModel
    a_C: np.ndarray
    a_S: dict[str, np.ndarray]
    style_layers: list[tuple[str, float]]
    alpha: float
    beta: float
    start: np.ndarray  # pre-processed image, a third of its pixels on the bounds of the valid range
    learning_rate: float = TRAIN_LEARNING_RATE
    steps: int = TRAIN_STEPS


def _preprocessed_image(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    return rng.uniform(PREPROCESSED_MIN, PREPROCESSED_MAX, size=shape).astype(np.float32)


def train_case(
    rng: np.random.Generator,
    shape: Shape = PUBLIC_TRAIN_SHAPE,
    model_seed: int = SEED,
    weights: tuple[float, float] = (0.4, 0.6),
    alpha: float = 2.0,
    beta: float = 5.0,
) -> TrainInputs:
    """A tiny model, content and style targets from two random images, and a start image on the bounds."""
    model = TinyFeatureModel(model_seed)
    a_C, _ = model(_preprocessed_image(rng, shape))
    _, a_S = model(_preprocessed_image(rng, shape))
    start = _preprocessed_image(rng, shape)
    on_bounds = rng.integers(0, 3, size=shape)  # 0: inside, 1: on the lower bound, 2: on the upper bound
    start = np.where(on_bounds == 1, PREPROCESSED_MIN, np.where(on_bounds == 2, PREPROCESSED_MAX, start))
    layers = [("conv_a", float(weights[0])), ("conv_b", float(weights[1]))]
    return TrainInputs(
        model,
        a_C.numpy(),
        {name: value.numpy() for name, value in a_S.items()},
        layers,
        float(alpha),
        float(beta),
        start.astype(np.float32),
    )


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(SEED + offset)


def public_inputs(exercise: str) -> dict[str, Any]:
    """The public inputs of ``exercise``'s check, by argument name, as NumPy arrays and numbers."""
    if exercise == "gram_matrix":
        return gram_case(_rng(1))
    if exercise == "content_cost":
        return content_case(_rng(2))
    if exercise == "layer_style_cost":
        return layer_style_case(_rng(3))
    if exercise == "style_cost":
        shapes = {"conv_a": (1, 6, 8, 3), "conv_b": (1, 3, 4, 5), "conv_c": (1, 2, 3, 6)}
        return style_case(_rng(4), PUBLIC_STYLE_LAYERS, shapes)
    if exercise == "total_cost":
        return total_case(2.5, 0.75, 3.0, 7.0)
    raise ValueError(
        f"No example inputs for {exercise!r}; choose one of gram_matrix, content_cost, layer_style_cost, "
        "style_cost, total_cost (the train step's are train_inputs())."
    )


def train_inputs() -> TrainInputs:
    """The public inputs of the train-step check."""
    return train_case(_rng(5))


def as_tensors(value: Any) -> Any:
    """Arrays as float32 tensors, inside dicts too; lists of pairs and numbers unchanged."""
    if isinstance(value, np.ndarray):
        return tf.constant(value, dtype=tf.float32)
    if isinstance(value, dict):
        return {name: as_tensors(item) for name, item in value.items()}
    return value


def example_inputs(exercise: str) -> dict[str, Any]:
    """The inputs the notebook's check of ``exercise`` uses, as tensors, by argument name."""
    return {name: as_tensors(value) for name, value in public_inputs(exercise).items()}
