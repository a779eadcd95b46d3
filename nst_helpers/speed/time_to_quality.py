"""Time to quality: how soon each speed option reaches the loss of the TF blog post's recipe.

The reference is the blog post's recipe as the book runs it: Adam (learning rate 5.0, beta_1 0.99,
epsilon 0.1), clipping after every step, float32, N steps at S px; its best loss is L_ref and its wall time
T_ref. Another method runs until its loss, evaluated at S px in float32 with the same loss function and
weights, first reaches L_ref. Evaluations that only measure (a bfloat16 run's loss in float32, a coarse
stage's image upscaled to S px) are not counted in a method's time; what the method does is: building the
targets, tracing and compiling, every step.

Used by chapter 11 (in the notebook's process) and by ``benchmarks/time_to_quality.py`` (one process per method).
Each method is a small object whose ``run(trial)`` optimises and reports evaluations to the :class:`Trial`.

Chapter: 11.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from .._tf import keras, tf
from ..engine import LBFGS, Evaluation, Method, TransferResult
from ..errors import InputError
from ..images import load_image, vgg_deprocess
from ..model import FeatureExtractor, load_feature_extractor
from ..optimize import StyleTransfer, TransferConfig
from .coarse_to_fine import run_coarse_to_fine, upscale

__all__ = ["METHODS", "Clock", "Trial", "compare", "run_method", "summary_rows", "time_to"]


class Clock:
    """Wall time that counts only while running (paused around measuring-only evaluations)."""

    def __init__(self) -> None:
        self.total, self.since = 0.0, time.perf_counter()

    def now(self) -> float:
        return self.total + (time.perf_counter() - self.since if self.since is not None else 0.0)

    def pause(self) -> None:
        self.total, self.since = self.now(), None

    def resume(self) -> None:
        self.since = time.perf_counter()


class Trial:
    """One method's run against the reference: the images at S px, the float32 evaluator, the clock and the trace.

    A method reports each evaluation with :meth:`record` (its own float32 loss at S px) or :meth:`measure` (an
    image to be evaluated at S px in float32, with the clock paused); either returns True once the method
    should stop: its loss is at most ``l_ref``, or its time is past ``t_budget`` (never for full-length methods).
    """

    def __init__(
        self,
        opts: dict,
        l_ref: float | None,
        t_budget: float | None,
        full_length: bool,
        extractor: FeatureExtractor | None = None,
    ):
        self.opts, self.l_ref, self.t_budget, self.full_length = opts, l_ref, t_budget, full_length
        self.size, self.steps, self.every = opts["size"], opts["steps"], opts["eval_every"]
        if extractor is not None and extractor.backbone.name != opts["backbone"]:
            raise InputError(
                f"The extractor is {extractor.backbone.name}'s but opts asks for {opts['backbone']}; make them agree."
            )
        self.extractor = extractor or load_feature_extractor(opts["backbone"])
        self.content = load_image(opts["content"], self.size)
        self.style = load_image(opts["style"], self.size)
        keras.utils.set_random_seed(0)
        self.base = TransferConfig(max_dim=self.size, steps=self.steps, snapshots=0)
        evaluator = StyleTransfer(self.extractor, self.content, self.style, self.base)
        self._evaluate = tf.function(lambda x: evaluator.loss_terms(x)["total"])
        self.trace: list[tuple[float, float]] = []
        self.best_loss, self.best_image, self.evaluations = np.inf, None, 0
        self.clock = Clock()  # started last: the method's own set-up counts, the evaluator's does not

    def record(self, seconds: float, loss: float, image: np.ndarray | None) -> bool:
        self.trace.append((seconds, loss))
        if loss < self.best_loss:
            self.best_loss, self.best_image = loss, image
        if self.full_length:  # these run their N steps, whatever the loss and the time
            return False
        reached = self.l_ref is not None and loss <= self.l_ref
        return reached or (self.t_budget is not None and seconds > self.t_budget)

    def measure(self, image: np.ndarray) -> bool:
        """Evaluate ``image`` (pre-processed, any size) at S px in float32 with the clock paused."""
        self.clock.pause()
        if image.shape != self.content.shape:
            image = upscale(image, self.content.shape[1], self.content.shape[2])
        loss = float(self._evaluate(tf.constant(image)))
        stop = self.record(self.clock.now(), loss, image)
        self.clock.resume()
        return stop


@dataclass(frozen=True)
class AdamVariant:
    """The reference's Adam run with another precision or XLA; runs all N steps (its final loss is compared).

    The float32 step's own loss is the loss at S px of the image it started from, so it is recorded with the
    time the step started; a reduced-precision step's images are measured every ``eval_every`` steps.
    """

    name: str
    precision: str = "float32"
    jit_compile: bool = False
    full_length = True

    def run(self, trial: Trial) -> TransferResult:
        config = TransferConfig(
            max_dim=trial.size, steps=trial.steps, snapshots=0, precision=self.precision, jit_compile=self.jit_compile
        )
        transfer = StyleTransfer(trial.extractor, trial.content, trial.style, config)
        started = [trial.clock.now()]

        def on_evaluation(evaluation: Evaluation) -> bool:
            trial.evaluations += 1
            if self.precision == "float32":
                stop = trial.record(started[0], evaluation.losses["total"], evaluation.image)
            else:
                last = evaluation.step == trial.steps - 1
                stop = (evaluation.step + 1) % trial.every == 0 or last
                stop = trial.measure(transfer.image.numpy()) if stop else False
            started[0] = trial.clock.now()
            return stop

        return transfer.run(callback=on_evaluation, progress=False)


@dataclass(frozen=True)
class LBFGSMethod:
    """L-BFGS on the reference's loss at S px, until it reaches L_ref."""

    name: str = "lbfgs"
    full_length = False

    def run(self, trial: Trial) -> TransferResult:
        def on_evaluation(evaluation: Evaluation) -> bool:
            trial.evaluations += 1
            return trial.record(trial.clock.now(), evaluation.losses["total"], evaluation.image)

        transfer = StyleTransfer(trial.extractor, trial.content, trial.style, trial.base)
        return transfer.run(callback=on_evaluation, progress=False, method=LBFGS())


@dataclass(frozen=True)
class CoarseToFine:
    """Stages at S/4, S/2 and S (Adam, or L-BFGS with ``lbfgs``); measured at the end of each coarse stage and
    after every full-size step, until L_ref. Adam's image is measured after its step (where the next step, or
    the next stage, starts); L-BFGS's is the point it evaluated."""

    name: str
    lbfgs: bool = False
    full_length = False

    def run(self, trial: Trial) -> TransferResult:
        coarse = trial.opts["coarse_evals"] if self.lbfgs else trial.opts["coarse_steps"]

        def on_step(stage: int, evaluation: Evaluation, transfer: StyleTransfer) -> bool:
            trial.evaluations += 1
            if stage < 2 and evaluation.step != coarse[stage] - 1:
                return False
            stop = trial.measure(evaluation.image if self.lbfgs else transfer.image.numpy())
            return stop and stage == 2

        method: Method | None = LBFGS() if self.lbfgs else None
        return run_coarse_to_fine(
            trial.content,
            trial.style,
            trial.base,
            scales=(0.25, 0.5, 1.0),
            stage_steps=(*coarse, trial.steps),
            extractor=trial.extractor,
            method=method,
            on_step=on_step,
            progress=False,
        )


REFERENCE = AdamVariant("reference")
#: The methods compared with the reference, in the order the book shows them.
METHOD_OBJECTS = {
    m.name: m
    for m in (
        AdamVariant("adam-bf16", precision="bfloat16"),
        AdamVariant("adam-xla", jit_compile=True),
        CoarseToFine("coarse-to-fine"),
        LBFGSMethod(),
        CoarseToFine("coarse-to-fine+lbfgs", lbfgs=True),
    )
}
METHODS = tuple(METHOD_OBJECTS)


def run_method(
    name: str, opts: dict, l_ref: float | None, t_budget: float | None, extractor: FeatureExtractor | None = None
) -> dict:
    """Run ``name`` (``"reference"`` or one of :data:`METHODS`); return its trace of (seconds, loss at S px).

    ``opts``: size, steps, eval_every, backbone, content, style, coarse_steps, coarse_evals (see the benchmark).
    A method other than the full-length ones stops once its loss is at most ``l_ref``, or after ``t_budget``
    seconds. The result also holds the best image (RGB). ``extractor`` (of ``opts["backbone"]``) saves loading
    the network again.

    Taught in chapter 11.
    """
    method = REFERENCE if name == "reference" else METHOD_OBJECTS.get(name)
    if method is None:
        raise ValueError(f"unknown method {name!r}; choose reference or one of {', '.join(METHODS)}")
    trial = Trial(opts, l_ref, t_budget, method.full_length, extractor)
    if method.run(trial).interrupted:  # Ctrl-C stops the whole comparison, not just this method
        raise KeyboardInterrupt
    return {
        "name": name,
        "trace": trial.trace,
        "seconds": trial.clock.now(),
        "steps": trial.evaluations,
        "best_loss": trial.best_loss,
        "image": vgg_deprocess(trial.best_image) if trial.best_image is not None else None,
    }


def time_to(trace: list, target: float) -> float | None:
    """The first time in ``trace`` (pairs of seconds and loss) at which the loss is at most ``target``.

    Taught in chapter 11.
    """
    return next((t for t, loss in trace if loss <= target), None)


def compare(opts: dict, methods=METHODS, budget: float = 1.5, extractor: FeatureExtractor | None = None) -> dict:
    """The reference, then each method, in this process. Returns L_ref, T_ref and the results by name.

    ``extractor`` (of ``opts["backbone"]``) is used instead of loading the network for every method; it also lets
    the run cache key the comparison (chapter 11 keeps it with ``cached(compare, ..., extractor=...)``).

    Taught in chapter 11.
    """
    with tqdm(total=1 + len(methods), desc="time to quality", leave=False) as bar:
        bar.set_postfix_str("reference")
        results = {"reference": run_method("reference", opts, None, None, extractor)}
        l_ref, t_ref = results["reference"]["best_loss"], results["reference"]["seconds"]
        for name in methods:
            bar.update(1)
            bar.set_postfix_str(name)
            results[name] = run_method(name, opts, l_ref, budget * t_ref, extractor)
        bar.update(1)
    return {"l_ref": l_ref, "t_ref": t_ref, "results": results}


def summary_rows(comparison: dict) -> list[dict]:
    """One row per method: time to L_ref, T_ref / that time, steps, seconds per step, best loss.

    Taught in chapter 11.
    """
    l_ref, t_ref = comparison["l_ref"], comparison["t_ref"]
    rows = []
    for name, r in comparison["results"].items():
        reached = t_ref if name == "reference" else time_to(r["trace"], l_ref)
        rows.append(
            {
                "method": name,
                "time_to_l_ref_s": reached,
                "ratio": (t_ref / reached) if reached else None,
                "steps": r["steps"],
                "seconds": r["seconds"],
                "seconds_per_step": r["seconds"] / max(1, r["steps"]),
                "best_loss": r["best_loss"],
                "loss_vs_l_ref": r["best_loss"] / l_ref,
                "peak_rss_gib": r.get("peak_rss_gib"),
            }
        )
    return rows
