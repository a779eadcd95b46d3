"""Reference solutions of the exercises, with the assignment's (Coursera) normalisations.

The losses come from :mod:`nst_helpers.losses` with ``normalization="coursera"``, so the assignment and the
chapters compute the same numbers. The names and signatures are those of the assignment notebook.

Chapter: 08.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from .. import losses
from .._tf import tf
from ..images import PREPROCESSED_MAX, PREPROCESSED_MIN

ModelOutputs = Callable[[tf.Tensor], tuple[tf.Tensor, Mapping[str, tf.Tensor]]]


def gram_matrix(A):
    """G = A·Aᵀ for A of shape (n_C, n_H·n_W): shape (n_C, n_C), no normalisation."""
    return tf.matmul(A, A, transpose_b=True)


def compute_content_cost(a_C, a_G):
    """Σ(a_C − a_G)² / (4·n_H·n_W·n_C) for activations of shape (1, n_H, n_W, n_C)."""
    return losses.content_loss(a_G, a_C, normalization="coursera")


def compute_layer_style_cost(a_S, a_G):
    """Σ(G_S − G_G)² / (4·n_C²·(n_H·n_W)²) for activations of shape (1, n_H, n_W, n_C)."""
    target = losses.gram_matrix(a_S, normalization="coursera")
    return losses.layer_style_loss(a_G, target, normalization="coursera")


def compute_style_cost(a_S: Mapping, a_G: Mapping, style_layers: Sequence[tuple[str, float]]):
    """Σ_l λ_l · J_style^[l] over ``style_layers``, pairs (layer name, weight)."""
    return tf.add_n([weight * compute_layer_style_cost(a_S[name], a_G[name]) for name, weight in style_layers])


def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = α·J_content + β·J_style."""
    return alpha * J_content + beta * J_style


def make_train_step(
    model_outputs: ModelOutputs, a_C, a_S, optimizer, alpha=10, beta=40, style_layers: Sequence[tuple[str, float]] = ()
):
    """One Adam step on the tf.Variable ``generated_image``, clipped to the valid range; returns J."""

    @tf.function
    def train_step(generated_image):
        with tf.GradientTape() as tape:
            a_G_content, a_G_style = model_outputs(generated_image)
            J_content = compute_content_cost(a_C, a_G_content)
            J_style = compute_style_cost(a_S, a_G_style, style_layers)
            J = total_cost(J_content, J_style, alpha, beta)
        grad = tape.gradient(J, generated_image)
        optimizer.apply_gradients([(grad, generated_image)])
        generated_image.assign(tf.clip_by_value(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX))
        return J

    return train_step


#: What a check puts in place of the student's helpers, so each exercise is graded on its own.
HELPERS: dict[str, Callable] = {
    "gram_matrix": gram_matrix,
    "compute_content_cost": compute_content_cost,
    "compute_layer_style_cost": compute_layer_style_cost,
    "compute_style_cost": compute_style_cost,
    "total_cost": total_cost,
}
