"""The optimisation engine: one loop that minimises a loss over the pixels of an image.

Chapter 06 writes the loop out by hand and then uses :class:`~nst_helpers.optimize.StyleTransfer`, which runs
it here; chapter 07 swaps the optimiser (:class:`KerasOptimizer` with RMSprop, :class:`LBFGS`).

Every caller configures the same pieces: a loss (a callable of the image returning a scalar or a mapping with
a ``"total"`` entry), a :class:`Problem` (the image variable and its :class:`PixelSpace`: bounds and the way
back to RGB), a method (:class:`KerasOptimizer` or :class:`LBFGS`), and :func:`minimize`, which keeps the
history, the best image, snapshots, a progress bar, the callback, Ctrl-C and the NaN check, and returns one
:class:`TransferResult`.

Chapters: 06, 07.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

import numpy as np
from scipy.optimize import Bounds
from scipy.optimize import minimize as scipy_minimize
from tqdm.auto import tqdm

from ._tf import keras, tf
from .errors import InputError, OptimizationDivergedError
from .images import PREPROCESSED_MAX, PREPROCESSED_MIN, to_uint8, vgg_deprocess
from .validate import whole_number
from .words import say

if TYPE_CHECKING:
    from .model import Backbone

#: The entries of the book's loss: their sum and the three weighted terms.
LOSS_TERMS = ("total", "style", "content", "tv")
LossFunction = Callable[[tf.Tensor], "Mapping[str, tf.Tensor] | tf.Tensor"]


def unit_to_rgb(image: np.ndarray) -> np.ndarray:
    """An image with values in [0, 1] as uint8 RGB (0-255)."""
    return to_uint8(255.0 * np.asarray(image))


@dataclass(frozen=True)
class PixelSpace:
    """Where the optimised image lives: the bounds of its values and the way back to RGB (0-255).

    Taught in chapter 07.
    """

    name: str
    lower: np.ndarray | float
    upper: np.ndarray | float
    to_rgb: Callable[[np.ndarray], np.ndarray]


#: VGG's pre-processed space (BGR, means subtracted): the book's own recipe (chapter 02).
VGG_PIXELS = PixelSpace("vgg", PREPROCESSED_MIN, PREPROCESSED_MAX, vgg_deprocess)
#: RGB values in [0, 1]: the PyTorch and Coursera recipes (chapter 07).
UNIT_PIXELS = PixelSpace("unit", 0.0, 1.0, unit_to_rgb)


@dataclass
class TransferResult:
    """What a run produced: the best image (RGB), the loss history and a few snapshots along the way.

    Taught in chapter 06.
    """

    image: np.ndarray
    best_loss: float
    best_step: int
    history: dict[str, list[float]]
    snapshots: list[tuple[int, np.ndarray]]
    seconds: float
    backbone: Backbone | None = None
    config: Any = None  # the TransferConfig or recipe that made the run
    interrupted: bool = False
    extra: dict = field(default_factory=dict)
    #: Arrays that belong to the result besides the images, e.g. a trained network's weights (chapter 10).
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def caption(self) -> str:
        """One line saying what made the image (the offline backbone is always named)."""
        size = {"steps": len(self.history["total"]), "width": self.image.shape[1], "height": self.image.shape[0]}
        if self.backbone is None:
            return say("caption.size", **size)
        note = say("caption.note", note=self.backbone.note) if self.backbone.note else ""
        return say("caption", label=self.backbone.label, note=note, **size)

    def summary(self) -> dict:
        """The numbers of the run and what determined it, as plain data."""
        config = asdict(self.config) if is_dataclass(self.config) else self.config
        name = getattr(self.backbone, "name", None)
        return {
            "best_loss": self.best_loss,
            "best_step": self.best_step,
            "seconds": self.seconds,
            "backbone": name,
            "config": config,
        }


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of the loss: its index, the loss terms, and the image evaluated (in the pixel space)."""

    step: int
    losses: dict[str, float]
    image: np.ndarray


#: ``callback(evaluation)`` is called after every evaluation; returning True stops the run.
Callback = Callable[[Evaluation], "bool | None"]
#: What a method reports for each evaluation: the index, the loss terms and the image evaluated; True stops.
OnEvaluation = Callable[[int, Mapping[str, Any], Any], bool]


class Problem:
    """The image being optimised (a ``tf.Variable``, kept within the pixel space's bounds) and its loss.

    Taught in chapter 06.
    """

    def __init__(self, loss: LossFunction, start, pixels: PixelSpace = VGG_PIXELS):
        self.loss = loss
        self.pixels = pixels
        start = np.clip(np.asarray(start, np.float32), pixels.lower, pixels.upper).astype(np.float32)
        self.image = tf.Variable(start, name="generated_image")
        #: The compiled steps of the Keras methods run on this problem (each keeps its optimiser's state).
        self.steps: dict[KerasOptimizer, Callable] = {}

    def loss_terms(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        """The loss of ``image`` as a mapping with a ``"total"`` entry."""
        value = self.loss(image)
        if not isinstance(value, Mapping):
            return {"total": value}
        if "total" not in value:
            raise InputError(
                f"The loss returned the terms {sorted(value)}; it must have a 'total' entry or be a scalar."
            )
        return dict(value)

    def clip(self, image: tf.Tensor) -> tf.Tensor:
        return tf.clip_by_value(image, self.pixels.lower, self.pixels.upper)


class Method(Protocol):
    """An optimiser the engine can run: it evaluates the loss up to ``budget`` times, reporting each evaluation."""

    name: str
    #: What to say when the loss becomes NaN or infinite.
    divergence_hint: str

    def settings(self) -> list:
        """The method's class and settings as plain data (for results and run-cache keys)."""
        ...

    def minimize(self, problem: Problem, budget: int, on_evaluation: OnEvaluation) -> EarlyStop | None:
        """Run; return an :class:`EarlyStop` if the method ended on its own before ``budget`` evaluations."""
        ...


@dataclass(frozen=True)
class EarlyStop:
    """A method ended on its own before its budget: why (the method's words), and whether that is a failure.

    L-BFGS-B ends early when it has converged, and also when its line search finds no point that lowers the
    loss enough: with a noisy loss (a reduced-precision network) that can happen long before convergence.

    Taught in chapter 11.
    """

    evaluations: int
    message: str
    failed: bool

    def describe(self) -> str:
        kind = "the line search failed" if self.failed else "SciPy reports convergence"
        return f"stopped after {self.evaluations} evaluations: {kind} ({self.message})"


class KerasOptimizer:
    """One step of a Keras optimiser (Adam, RMSprop, ...) per evaluation, clipping to the bounds after each step.

    Each problem gets a fresh copy of ``optimizer`` (only its class and settings are read) and its own compiled
    step, which :meth:`step` exposes (chapter 06 times it).

    Taught in chapter 06.
    """

    def __init__(self, optimizer: keras.optimizers.Optimizer, jit_compile: bool = False):
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise InputError(
                f"optimizer must be a Keras optimizer such as keras.optimizers.RMSprop(...); got {optimizer!r}."
            )
        self.template = optimizer
        self.jit_compile = jit_compile
        self.name = type(optimizer).__name__
        rate = optimizer.get_config().get("learning_rate")
        rate = f" (now {rate:g})" if isinstance(rate, (int, float)) else ""
        self.divergence_hint = f"Lower the learning rate{rate} or the loss weights."

    def settings(self) -> list:
        """The optimiser's class and settings, as plain data (for run-cache keys and results)."""
        config = {k: v for k, v in self.template.get_config().items() if k != "name"}
        return [self.name, config, self.jit_compile]

    def step(self, problem: Problem) -> Callable[[], tuple[dict[str, tf.Tensor], tf.Tensor]]:
        """The compiled step of ``problem``: returns the loss terms and the image they were evaluated at."""
        if self not in problem.steps:
            optimizer = type(self.template).from_config(self.template.get_config())
            image = problem.image

            def train_step() -> tuple[dict[str, tf.Tensor], tf.Tensor]:
                before = tf.identity(image)
                with tf.GradientTape() as tape:
                    terms = problem.loss_terms(image)
                optimizer.apply_gradients([(tape.gradient(terms["total"], image), image)])
                image.assign(problem.clip(image))
                return terms, before

            problem.steps[self] = tf.function(train_step, jit_compile=self.jit_compile)
        return problem.steps[self]

    def minimize(self, problem: Problem, budget: int, on_evaluation: OnEvaluation) -> None:
        step = self.step(problem)
        for index in range(budget):
            terms, before = step()
            if on_evaluation(index, terms, before):
                return None
        return None


class _Stop(Exception):
    """Raised inside SciPy's objective to end the minimisation."""


class LBFGS:
    """SciPy's L-BFGS-B fed with TensorFlow's gradients; its box bounds replace the clipping step.

    L-BFGS estimates the loss's curvature from its last ``history_size`` gradients and sizes its steps by it.
    One evaluation (line-search trials included) is a forward and a backward pass, like an Adam step, and costs
    somewhat more (about 1.4 times in chapter 11's measurement). After a run the problem's
    image holds the best point evaluated.

    Taught in chapter 07.
    """

    name = "L-BFGS-B"
    divergence_hint = "Lower the loss weights."

    def __init__(self, history_size: int = 10):
        self.history_size = whole_number("history_size", history_size, 1)

    def settings(self) -> list:
        return [self.name, {"history_size": self.history_size}]

    def minimize(self, problem: Problem, budget: int, on_evaluation: OnEvaluation) -> EarlyStop | None:
        shape = tuple(problem.image.shape)

        @tf.function
        def compiled_loss_and_gradient(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                terms = problem.loss_terms(x)
            return terms, tape.gradient(terms["total"], x)

        best = {"loss": math.inf, "x": problem.image.numpy()}
        count = [0]

        def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
            if count[0] >= budget:
                raise _Stop
            x = flat.reshape(shape).astype(np.float32)
            terms, gradient = compiled_loss_and_gradient(tf.constant(x))
            total = float(terms["total"])
            if total < best["loss"]:
                best["loss"], best["x"] = total, x
            count[0] += 1
            if on_evaluation(count[0] - 1, terms, x):
                raise _Stop
            return total, gradient.numpy().astype(np.float64).ravel()

        lower = np.broadcast_to(problem.pixels.lower, shape).astype(np.float64).ravel()
        upper = np.broadcast_to(problem.pixels.upper, shape).astype(np.float64).ravel()
        options = {"maxiter": budget, "maxfun": budget, "maxcor": self.history_size}
        try:
            outcome = scipy_minimize(
                objective,
                problem.image.numpy().astype(np.float64).ravel(),
                jac=True,
                method="L-BFGS-B",
                bounds=Bounds(lower, upper),
                options=options,
            )
        except _Stop:
            return None
        finally:
            problem.image.assign(best["x"])
        if count[0] >= budget:
            return None
        message = outcome.message if isinstance(outcome.message, str) else outcome.message.decode()
        # SciPy's status 2 ("ABNORMAL_TERMINATION_IN_LNSRCH" and the like) is a failure; 0 is what SciPy calls
        # convergence (which a noisy loss can also bring about early).
        return EarlyStop(count[0], message, failed=outcome.status != 0)


def loss_and_gradient(loss: LossFunction, image: np.ndarray) -> tuple[float, np.ndarray]:
    """The total of ``loss`` at ``image`` and its gradient with respect to the image: one evaluation, run eagerly
    (``precision="auto"``'s check compares two of them, chapter 11)."""
    x = tf.constant(np.asarray(image, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss(x)
        total = value["total"] if isinstance(value, Mapping) else value
    return float(total), tape.gradient(total, x).numpy()


def minimize(
    problem: Problem,
    method: Method,
    steps: int,
    snapshots: int = 0,
    callback: Callback | None = None,
    progress: bool = True,
    description: str | None = None,
) -> TransferResult:
    """Minimise ``problem``'s loss with ``method`` for at most ``steps`` evaluations.

    Keeps the history of every loss term, the best image evaluated, ``snapshots`` images spread over the run
    (in RGB), and shows a progress bar. ``callback(evaluation)`` may return True to stop early. A NaN or
    infinite loss raises :class:`OptimizationDivergedError` with the method's advice; Ctrl-C stops the run and
    returns the best image so far with ``interrupted=True``.

    Taught in chapter 06.
    """
    steps = whole_number("steps", steps, 1)
    snapshots = whole_number("snapshots", snapshots, 0)
    every = max(1, steps // snapshots) if snapshots else 0
    history: dict[str, list[float]] = {}
    frames: list[tuple[int, np.ndarray]] = []
    best: dict[str, Any] = {"loss": math.inf, "image": None}

    def on_evaluation(index: int, terms: Mapping[str, Any], image: Any) -> bool:
        image = image.numpy() if hasattr(image, "numpy") else np.asarray(image)
        if every and index % every == 0 and len(frames) < snapshots:
            frames.append((index, problem.pixels.to_rgb(image)))
        losses = {k: float(v) for k, v in terms.items()}
        if not math.isfinite(losses["total"]):
            parts = ", ".join(f"{k} {v:.4g}" for k, v in losses.items() if k != "total")
            raise OptimizationDivergedError(
                f"The loss became {losses['total']} at step {index}"
                + (f" ({parts})" if parts else "")
                + f". {method.divergence_hint}"
            )
        if not history:
            order = sorted(losses, key=lambda k: LOSS_TERMS.index(k) if k in LOSS_TERMS else len(LOSS_TERMS))
            history.update({key: [] for key in order})
        for key, value in losses.items():
            history[key].append(value)
        if losses["total"] < best["loss"]:
            best["loss"], best["image"] = losses["total"], image
        bar.update(1)
        bar.set_postfix(loss=f"{losses['total']:.4g}", refresh=False)
        return bool(callback is not None and callback(Evaluation(index, losses, image)))

    interrupted, early = False, None
    started = time.perf_counter()
    bar = tqdm(total=steps, desc=description or method.name, disable=not progress, leave=False)
    try:
        early = method.minimize(problem, int(steps), on_evaluation)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if early is not None and early.failed:
        warnings.warn(f"{method.name} {early.describe()}; the best image so far is returned.", stacklevel=2)
    if not history:
        raise OptimizationDivergedError("The run stopped before its first step finished; nothing to return.")
    return TransferResult(
        image=problem.pixels.to_rgb(best["image"]),
        best_loss=best["loss"],
        best_step=int(np.argmin(history["total"])),
        history=history,
        snapshots=frames,
        seconds=time.perf_counter() - started,
        interrupted=interrupted,
        extra={"method": method.settings(), "early_stop": None if early is None else asdict(early)},
    )
