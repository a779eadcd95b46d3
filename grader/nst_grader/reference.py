"""The judge's own answers to the exercises, in plain TensorFlow, with the assignment's (Coursera) costs.

Only ``nst-grade`` uses these, in its own process; they are not part of the ``nst-helpers`` package that
students install. Each function is self-contained apart from ``tf`` and the functions above it, so its
source can be sent to the process that runs a submission once the exercise it answers has been graded
(:func:`helper_source`). ``tests/test_grading.py`` checks them against ``nst_helpers.losses``.

Chapter: 08.
"""

from __future__ import annotations

import inspect

from nst_helpers._tf import tf
from nst_helpers.images import PREPROCESSED_MAX, PREPROCESSED_MIN


def gram_matrix(A):
    """G = A·Aᵀ for A of shape (n_C, n_H·n_W): shape (n_C, n_C), no normalisation."""
    return tf.matmul(A, A, transpose_b=True)


def compute_content_cost(a_C, a_G):
    """Σ(a_C − a_G)² / (4·n_H·n_W·n_C) for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_G.shape
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)


def compute_layer_style_cost(a_S, a_G):
    """Σ(G_S − G_G)² / (4·n_C²·(n_H·n_W)²) for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_G.shape
    G_S = gram_matrix(tf.transpose(tf.reshape(a_S, (n_H * n_W, n_C))))
    G_G = gram_matrix(tf.transpose(tf.reshape(a_G, (n_H * n_W, n_C))))
    return tf.reduce_sum(tf.square(G_S - G_G)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)


def compute_style_cost(a_S, a_G, style_layers=()):
    """Σ_l λ_l · J_style^[l] over ``style_layers``, pairs (layer name, weight)."""
    return tf.add_n([weight * compute_layer_style_cost(a_S[name], a_G[name]) for name, weight in style_layers])


def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = α·J_content + β·J_style."""
    return alpha * J_content + beta * J_style


def make_train_step(model_outputs, a_C, a_S, optimizer, alpha=10, beta=40, style_layers=()):
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


#: The answer to each exercise, by exercise key.
ANSWERS = {
    "gram_matrix": gram_matrix,
    "content_cost": compute_content_cost,
    "layer_style_cost": compute_layer_style_cost,
    "style_cost": compute_style_cost,
    "total_cost": total_cost,
    "train_step": make_train_step,
}

#: The earlier functions each exercise may call, which the judge's versions replace while it is graded.
HELPERS_OF: dict[str, tuple[str, ...]] = {
    "gram_matrix": (),
    "content_cost": (),
    "layer_style_cost": ("gram_matrix",),
    "style_cost": ("gram_matrix", "compute_layer_style_cost"),
    "total_cost": (),
    "train_step": (
        "gram_matrix",
        "compute_content_cost",
        "compute_layer_style_cost",
        "compute_style_cost",
        "total_cost",
    ),
}
_FUNCTIONS = {
    f.__name__: f for f in (gram_matrix, compute_content_cost, compute_layer_style_cost, compute_style_cost, total_cost)
}


def helper_source(exercise: str) -> tuple[str, list[str]]:
    """The source of the judge's versions of the functions ``exercise`` builds on, and their names."""
    names = list(HELPERS_OF[exercise])
    return "\n\n".join(inspect.getsource(_FUNCTIONS[name]) for name in names), names
