"""L-BFGS beside Adam: SciPy's L-BFGS-B minimising the book's loss, fed with TensorFlow's gradients.

L-BFGS builds a picture of the loss's curvature from the last few gradients and sizes its steps by it, so it
needs far fewer loss evaluations than Adam for the same loss. Its box bounds keep the pixels in the valid
range, which replaces the clipping step. One evaluation costs what one Adam step costs (a forward and a
backward pass).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
from scipy.optimize import Bounds, minimize
from tqdm.auto import tqdm

from ._tf import tf
from .errors import OptimizationDivergedError
from .images import PREPROCESSED_MAX, PREPROCESSED_MIN
from .optimize import LOSS_TERMS, StyleTransfer


class _Stop(Exception):
    """Raised inside the objective to end the minimisation."""


def minimize_lbfgs(
    transfer: StyleTransfer,
    evaluations: int,
    history_size: int = 10,
    on_evaluation: Callable[[int, np.ndarray, dict[str, float]], bool | None] | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, dict[str, list[float]]]:
    """Minimise ``transfer``'s loss from its current image with at most ``evaluations`` loss-and-gradient calls.

    ``on_evaluation(index, image, losses)`` is called after each evaluation (line-search trials included) and
    may return True to stop. Returns the best pre-processed image seen and the history (one entry per
    evaluation). A NaN or infinite loss raises :class:`OptimizationDivergedError`.
    """
    shape = tuple(transfer.image.shape)

    @tf.function
    def loss_and_gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            terms = transfer.loss_terms(x)
        return terms, tape.gradient(terms["total"], x)

    history: dict[str, list[float]] = {k: [] for k in LOSS_TERMS}
    best = {"loss": np.inf, "x": transfer.image.numpy()}
    bar = tqdm(total=evaluations, desc="L-BFGS", disable=not progress, leave=False)

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        index = len(history["total"])
        if index >= evaluations:
            raise _Stop
        x = flat.reshape(shape).astype(np.float32)
        terms, gradient = loss_and_gradient(tf.constant(x))
        losses = {k: float(v) for k, v in terms.items()}
        if not math.isfinite(losses["total"]):
            raise OptimizationDivergedError(f"The loss became {losses['total']} at evaluation {index}. Lower the loss weights.")
        for key in LOSS_TERMS:
            history[key].append(losses[key])
        if losses["total"] < best["loss"]:
            best["loss"], best["x"] = losses["total"], x
        bar.update(1)
        if on_evaluation is not None and on_evaluation(index, x, losses):
            raise _Stop
        return losses["total"], gradient.numpy().astype(np.float64).ravel()

    lower = np.broadcast_to(PREPROCESSED_MIN, shape).astype(np.float64).ravel()
    upper = np.broadcast_to(PREPROCESSED_MAX, shape).astype(np.float64).ravel()
    try:
        minimize(objective, transfer.image.numpy().astype(np.float64).ravel(), jac=True, method="L-BFGS-B",
                 bounds=Bounds(lower, upper),
                 options={"maxiter": evaluations, "maxfun": evaluations, "maxcor": int(history_size)})
    except _Stop:
        pass
    finally:
        bar.close()
    transfer.image.assign(best["x"])
    return best["x"], history
