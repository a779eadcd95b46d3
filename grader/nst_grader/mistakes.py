"""Known-wrong versions of each exercise: typical mistakes, written out.

A check runs these on the same inputs as the student's function; when the student's output equals one of
them, the hint of that mistake (``messages.MESSAGES[key]``) says what went wrong. Mistakes that end in an
exception instead of a wrong number are recognised from the error (``compare.ERROR_MISTAKES`` of the
student package). Each exercise has a list of (message key, function) pairs, and several functions may
share one hint. The values of these on the public inputs are stored for the notebook's checks.

Chapter: 08.
"""

from __future__ import annotations

from typing import Callable

from nst_helpers._tf import tf
from nst_helpers.images import PREPROCESSED_MAX, PREPROCESSED_MIN

from . import reference as ref


def _dims(a):
    _, n_H, n_W, n_C = a.shape
    return n_H, n_W, n_C


# ---- exercise 1: gram_matrix(A) -------------------------------------------------------------------
GRAM: list[tuple[str, Callable]] = [
    ("gram.transpose_first", lambda A: tf.matmul(A, A, transpose_a=True)),
    ("gram.elementwise", lambda A: A * A),
    ("gram.normalised", lambda A: ref.gram_matrix(A) / A.shape[1]),
    ("gram.normalised", lambda A: ref.gram_matrix(A) / (A.shape[0] * A.shape[1])),
]


# ---- exercise 2: compute_content_cost(a_C, a_G) -----------------------------------------------------
def _content(scale: Callable[[int, int, int], float], square=tf.square):
    def cost(a_C, a_G):
        n_H, n_W, n_C = _dims(a_G)
        return tf.reduce_sum(square(a_C - a_G)) / scale(n_H, n_W, n_C)

    return cost


CONTENT: list[tuple[str, Callable]] = [
    ("content.no_normalisation", _content(lambda h, w, c: 1.0)),
    ("content.mean", _content(lambda h, w, c: h * w * c)),
    ("content.factor_two", _content(lambda h, w, c: 2 * h * w * c)),
    ("content.half", _content(lambda h, w, c: 2.0)),
    ("content.no_square", _content(lambda h, w, c: 4 * h * w * c, square=lambda x: x)),
    ("content.no_square", _content(lambda h, w, c: 4 * h * w * c, square=tf.abs)),
    ("content.norm", _content(lambda h, w, c: 4 * h * w * c, square=lambda x: tf.norm(x))),
]


# ---- exercise 3: compute_layer_style_cost(a_S, a_G) -------------------------------------------------
def _unrolled(a):
    n_H, n_W, n_C = _dims(a)
    return tf.transpose(tf.reshape(a, (n_H * n_W, n_C)))


def _layer_style(
    unroll: Callable = _unrolled,
    scale: Callable = lambda h, w, c: 4 * c**2 * (h * w) ** 2,
    square: Callable = tf.square,
    reduce: Callable = tf.reduce_sum,
):
    def cost(a_S, a_G):
        n_H, n_W, n_C = _dims(a_G)
        diff = ref.gram_matrix(unroll(a_S)) - ref.gram_matrix(unroll(a_G))
        return reduce(square(diff)) / scale(n_H, n_W, n_C)

    return cost


LAYER_STYLE: list[tuple[str, Callable]] = [
    ("layer_style.reshape_order", _layer_style(unroll=lambda a: tf.reshape(a, (a.shape[3], a.shape[1] * a.shape[2])))),
    ("layer_style.no_transpose", _layer_style(unroll=lambda a: tf.reshape(a, (a.shape[1] * a.shape[2], a.shape[3])))),
    ("layer_style.no_normalisation", _layer_style(scale=lambda h, w, c: 1.0)),
    ("layer_style.unsquared_factors", _layer_style(scale=lambda h, w, c: 4 * c * h * w)),
    ("layer_style.mean", _layer_style(scale=lambda h, w, c: 1.0, reduce=tf.reduce_mean)),
    ("layer_style.no_square", _layer_style(square=lambda x: x)),
    ("layer_style.no_square", _layer_style(square=tf.abs)),
]


# ---- exercise 4: compute_style_cost(a_S, a_G, style_layers) ----------------------------------------
def _layer_costs(a_S, a_G, style_layers):
    return [(w, ref.compute_layer_style_cost(a_S[n], a_G[n])) for n, w in style_layers]


STYLE: list[tuple[str, Callable]] = [
    ("style.no_weights", lambda a_S, a_G, layers: tf.add_n([j for _, j in _layer_costs(a_S, a_G, layers)])),
    ("style.mean", lambda a_S, a_G, layers: tf.add_n([j for _, j in _layer_costs(a_S, a_G, layers)]) / len(layers)),
    ("style.last_only", lambda a_S, a_G, layers: (lambda w, j: w * j)(*_layer_costs(a_S, a_G, layers)[-1])),
    ("style.first_only", lambda a_S, a_G, layers: (lambda w, j: w * j)(*_layer_costs(a_S, a_G, layers)[0])),
]


# ---- exercise 5: total_cost(J_content, J_style, alpha, beta) ---------------------------------------
TOTAL: list[tuple[str, Callable]] = [
    ("total.swapped", lambda Jc, Js, alpha=10, beta=40: beta * Jc + alpha * Js),
    ("total.ignores_args", lambda Jc, Js, alpha=10, beta=40: 10 * Jc + 40 * Js),
    ("total.no_weights", lambda Jc, Js, alpha=10, beta=40: Jc + Js),
    ("total.minus", lambda Jc, Js, alpha=10, beta=40: alpha * Jc - beta * Js),
]


# ---- exercise 6: make_train_step(...) --------------------------------------------------------------
def _train_variant(
    direction: float = 1.0,
    low=None,
    high=None,
    clip: bool = True,
    update: bool = True,
    weights: tuple[float, float] | None = None,
):
    """A train-step factory like the reference, with one thing changed."""

    def make(model_outputs, a_C, a_S, optimizer, alpha=10, beta=40, style_layers=()):
        lo = PREPROCESSED_MIN if low is None else low
        hi = PREPROCESSED_MAX if high is None else high
        a, b = weights or (alpha, beta)

        def train_step(generated_image):
            with tf.GradientTape() as tape:
                a_G_content, a_G_style = model_outputs(generated_image)
                J = ref.total_cost(
                    ref.compute_content_cost(a_C, a_G_content),
                    ref.compute_style_cost(a_S, a_G_style, style_layers),
                    a,
                    b,
                )
            grad = tape.gradient(J, generated_image)
            if update:
                optimizer.apply_gradients([(direction * grad, generated_image)])
            if clip:
                generated_image.assign(tf.clip_by_value(generated_image, lo, hi))
            return J

        return train_step

    return make


TRAIN: list[tuple[str, Callable]] = [
    ("train.no_clip", _train_variant(clip=False)),
    ("train.wrong_clip", _train_variant(low=0.0, high=255.0)),
    ("train.wrong_clip", _train_variant(low=0.0, high=1.0)),
    ("train.ascent", _train_variant(direction=-1.0)),
    ("train.no_update", _train_variant(update=False, clip=False)),
    ("train.ignores_weights", _train_variant(weights=(10, 40))),
]

VARIANTS: dict[str, list[tuple[str, Callable]]] = {
    "gram_matrix": GRAM,
    "content_cost": CONTENT,
    "layer_style_cost": LAYER_STYLE,
    "style_cost": STYLE,
    "total_cost": TOTAL,
    "train_step": TRAIN,
}
