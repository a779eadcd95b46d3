"""Time to quality: how soon each speed option reaches the loss, and the picture, of the TF blog post's recipe.

The reference is the blog post's recipe as the book runs it: Adam (learning rate 5.0, beta_1 0.99,
epsilon 0.1), clipping after every step, float32, N steps at S px; its best loss is L_ref and its wall time
T_ref. Another method runs until its loss, evaluated at S px in float32 with the same loss function and
weights, first reaches L_ref. Evaluations that only measure (a bfloat16 run's loss in float32, a coarse
stage's image upscaled to S px) are not counted in a method's time; what the method does is: building the
targets, tracing and compiling, every step.

The same loss is not yet the same picture: a method counts as reaching the reference only when its picture
is also close to the reference's. A second reference run starts from the content image plus a uniform noise
of at most half a grey level, so its start is the same 8-bit picture; how far its result ends from the
reference's (:func:`picture_distances`: the mean absolute difference in grey levels, and the relative distance
of the backbone's content features) is the recipe's own spread, and a method's picture must be within
:data:`PICTURE_FACTOR` times that spread on both measures.

Used by chapter 11 (in the notebook's process) and by ``benchmarks/time_to_quality.py`` (one process per method).
Each method is a small object whose ``run(trial)`` optimises and reports evaluations to the :class:`Trial`.

Chapter: 11.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from tqdm.auto import tqdm

from .._tf import keras, tf
from ..engine import LBFGS, Evaluation, TransferResult
from ..errors import InputError
from ..images import load_image, vgg_deprocess, vgg_preprocess
from ..model import FeatureExtractor, load_feature_extractor
from ..optimize import StyleTransfer, TransferConfig
from .coarse_to_fine import run_coarse_to_fine, upscale
from .schedule import compress_schedule

__all__ = [
    "COMPRESSION",
    "METHODS",
    "PICTURE_FACTOR",
    "AdamVariant",
    "Clock",
    "Trial",
    "compare",
    "picture_distances",
    "run_method",
    "same_picture_limits",
    "summary_rows",
    "time_to",
]

#: A method's picture is "the same" as the reference's when both of its distances to it are at most this many
#: times the distances between the two reference runs (the README of the benchmark says why 2).
PICTURE_FACTOR = 2.0
#: The second reference run's start: the content image plus uniform noise of at most this many grey levels.
SPREAD_NOISE = 0.5
#: kappa of the compressed Adam schedules (:mod:`.schedule`): N / 10 steps, chosen with a margin to the picture's
#: limit (chapter 11 gives the distances of other choices).
COMPRESSION = 10.0
#: A compressed schedule may run this many times its N / kappa steps to reach L_ref (the methods other than Adam
#: have a budget of time instead, 1.5 T_ref).
COMPRESSED_ALLOWANCE = 1.5


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
        self.notes: dict = {}  # what the method reports besides its trace: precision, an early stop
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
    """The reference's Adam run with another precision, XLA, a start perturbed by less than a grey level
    (``start_noise``, with ``seed``), or its schedule compressed ``kappa`` times (:mod:`.schedule`).

    With ``kappa`` = 1 it runs all N steps (its final loss is compared); compressed, it runs until L_ref, for at
    most :data:`COMPRESSED_ALLOWANCE` times N / kappa steps, like the methods other than Adam. A float32 step's own
    loss is the loss at S px of the image it started from, so it is recorded with the time the step started; a
    reduced-precision step's images are measured every ``eval_every`` steps (every step when compressed). The
    image the last step leaves is measured too.

    Taught in chapter 11.
    """

    name: str
    precision: str = "float32"
    jit_compile: bool = False
    start_noise: float = 0.0
    seed: int = 0
    kappa: float = 1.0

    def __post_init__(self) -> None:
        compress_schedule(TransferConfig(), self.kappa)  # an unusable kappa is refused here, not after the reference

    @property
    def full_length(self) -> bool:
        return self.kappa == 1

    def run(self, trial: Trial) -> TransferResult:
        steps = trial.steps if self.full_length else math.ceil(COMPRESSED_ALLOWANCE * trial.steps)
        config = TransferConfig(
            max_dim=trial.size,
            steps=steps,
            snapshots=0,
            precision=self.precision,
            jit_compile=self.jit_compile,
            init="content+noise" if self.start_noise else "content",
            noise_scale=self.start_noise,
            seed=self.seed,
        )
        config = compress_schedule(config, self.kappa)
        transfer = StyleTransfer(trial.extractor, trial.content, trial.style, config)
        exact = transfer.precision_choice.used == "float32"
        every = trial.every if self.full_length else 1
        started = [trial.clock.now()]

        def on_evaluation(evaluation: Evaluation) -> bool:
            trial.evaluations += 1
            stop = trial.record(started[0], evaluation.losses["total"], evaluation.image) if exact else False
            steps_done = evaluation.step  # the image just recorded is the one this step started from
            if not stop and (evaluation.step == config.steps - 1 or (not exact and (evaluation.step + 1) % every == 0)):
                stop, steps_done = trial.measure(transfer.image.numpy()), evaluation.step + 1
            if stop:  # the steps that led to the image where it stopped (a float32 run evaluates one step more)
                trial.notes["steps_needed"] = steps_done
            started[0] = trial.clock.now()
            return stop

        result = transfer.run(callback=on_evaluation, progress=False)
        trial.notes["precision"] = transfer.precision_choice.summary()
        return result


@dataclass(frozen=True)
class LBFGSMethod:
    """L-BFGS on the reference's loss at S px, until it reaches L_ref; the network in ``precision``.

    In float32 each evaluation's own loss is recorded; in a reduced precision each evaluated image is
    measured in float32 (clock paused). With ``"auto"`` the precision check counts as the method's time.
    """

    name: str = "lbfgs"
    precision: str = "float32"
    full_length = False

    def run(self, trial: Trial) -> TransferResult:
        config = replace(trial.base, precision=self.precision)
        transfer = StyleTransfer(trial.extractor, trial.content, trial.style, config)
        exact = transfer.precision_choice.used == "float32"

        def on_evaluation(evaluation: Evaluation) -> bool:
            trial.evaluations += 1
            if exact:
                return trial.record(trial.clock.now(), evaluation.losses["total"], evaluation.image)
            return trial.measure(evaluation.image)

        with warnings.catch_warnings():  # an early stop is reported in the notes, not as a warning
            warnings.simplefilter("ignore")
            result = transfer.run(callback=on_evaluation, progress=False, method=LBFGS())
        trial.notes.update(precision=transfer.precision_choice.summary(), early_stop=result.extra["early_stop"])
        return result


@dataclass(frozen=True)
class CoarseToFine:
    """Stages at the ``scales`` of S, each with its optimiser (``"adam"`` or ``"lbfgs"``), the network in
    ``precision``; measured at the end of each earlier stage and after every step of the last, until L_ref.
    Adam's image is measured after its step (where the next step, or the next stage, starts); L-BFGS's is the
    point it evaluated.

    The earlier stages' budgets: ``budgets`` (fractions of N) when given, else the last ones of
    ``opts["coarse_steps"]`` (Adam) or ``opts["coarse_evals"]`` (L-BFGS), which are given for S/4 and S/2."""

    name: str
    optimizers: tuple[str, ...] = ("adam", "adam", "adam")
    scales: tuple[float, ...] = (0.25, 0.5, 1.0)
    precision: str = "float32"
    budgets: tuple[float, ...] | None = None
    full_length = False

    def stage_budgets(self, trial: Trial) -> list[int]:
        """The evaluations of each earlier stage."""
        if self.budgets is not None:
            return [max(1, round(fraction * trial.steps)) for fraction in self.budgets]
        first = len(self.scales) - 1
        return [
            trial.opts["coarse_evals" if kind == "lbfgs" else "coarse_steps"][index + 2 - first]
            for index, kind in enumerate(self.optimizers[:-1])
        ]

    def run(self, trial: Trial) -> TransferResult:
        earlier = self.stage_budgets(trial)
        last = len(self.scales) - 1

        def on_step(stage: int, evaluation: Evaluation, transfer: StyleTransfer) -> bool:
            trial.evaluations += 1
            if stage < last and evaluation.step != earlier[stage] - 1:
                return False
            lbfgs = self.optimizers[stage] == "lbfgs"
            stop = trial.measure(evaluation.image if lbfgs else transfer.image.numpy())
            return stop and stage == last

        methods = [LBFGS() if kind == "lbfgs" else None for kind in self.optimizers]
        with warnings.catch_warnings():  # an early stop is reported in the notes, not as a warning
            warnings.simplefilter("ignore")
            result = run_coarse_to_fine(
                trial.content,
                trial.style,
                replace(trial.base, precision=self.precision),
                scales=self.scales,
                stage_steps=(*earlier, trial.steps),
                extractor=trial.extractor,
                method=methods,
                on_step=on_step,
                progress=False,
            )
        trial.notes.update(
            precision=result.extra["precision"],
            early_stop=result.extra.get("early_stop"),
            per_stage=result.extra["per_stage"],
        )
        return result


REFERENCE = AdamVariant("reference")
#: The second reference run, whose distance to the first is the recipe's own spread.
SPREAD = AdamVariant("reference-spread", start_noise=SPREAD_NOISE, seed=1)
#: The methods compared with the reference, in the order the book shows them.
METHOD_OBJECTS = {
    m.name: m
    for m in (
        AdamVariant("adam-bf16", precision="bfloat16"),
        AdamVariant("adam-xla", jit_compile=True),
        AdamVariant("compressed-adam", kappa=COMPRESSION),
        AdamVariant("compressed-adam-bf16", precision="bfloat16", kappa=COMPRESSION),
        AdamVariant("compressed-adam-auto", precision="auto", kappa=COMPRESSION),
        CoarseToFine("coarse-to-fine"),
        LBFGSMethod(),
        LBFGSMethod("lbfgs-bf16", precision="bfloat16"),
        LBFGSMethod("lbfgs-auto", precision="auto"),
        CoarseToFine("coarse-to-fine+lbfgs", optimizers=("lbfgs", "lbfgs", "lbfgs")),
        CoarseToFine("half-to-full+lbfgs-auto", optimizers=("lbfgs", "lbfgs"), scales=(0.5, 1.0), precision="auto"),
        CoarseToFine(
            "adam-then-lbfgs-auto", optimizers=("adam", "lbfgs"), scales=(1.0, 1.0), precision="auto", budgets=(1 / 15,)
        ),
    )
}
METHODS = tuple(METHOD_OBJECTS)


def run_method(
    name: str | AdamVariant | LBFGSMethod | CoarseToFine,
    opts: dict,
    l_ref: float | None,
    t_budget: float | None,
    extractor: FeatureExtractor | None = None,
) -> dict:
    """Run ``name`` (``"reference"``, one of :data:`METHODS`, or a method object such as an :class:`AdamVariant`
    with another ``kappa``); return its trace of (seconds, loss at S px).

    ``opts``: size, steps, eval_every, backbone, content, style, coarse_steps, coarse_evals (see the benchmark).
    A method other than the full-length ones stops once its loss is at most ``l_ref``, or after ``t_budget``
    seconds. The result also holds the best image (RGB). ``extractor`` (of ``opts["backbone"]``) saves loading
    the network again.

    Taught in chapter 11.
    """
    known_methods = {REFERENCE.name: REFERENCE, SPREAD.name: SPREAD, **METHOD_OBJECTS}
    method = known_methods.get(name) if isinstance(name, str) else name
    name = getattr(method, "name", name)
    if method is None or not hasattr(method, "run"):
        known = ", ".join((REFERENCE.name, SPREAD.name, *METHODS))
        raise ValueError(f"unknown method {name!r}; choose one of {known}")
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
        **trial.notes,
    }


def picture_distances(image: np.ndarray, reference: np.ndarray, extractor: FeatureExtractor) -> dict[str, float]:
    """How far ``image`` is from ``reference`` (both RGB, same size): ``pixels``, the mean absolute difference in
    grey levels (0-255, over all channels), and ``features``, the distance of their content-layer features
    (float32) relative to the reference's, ||F(image) - F(reference)|| / ||F(reference)||, over all content layers.

    Taught in chapter 11.
    """
    image, reference = np.asarray(image, np.float32), np.asarray(reference, np.float32)
    if image.shape != reference.shape:
        raise InputError(f"The two pictures differ in size: {image.shape} and {reference.shape}.")
    if extractor.compute_dtype != "float32":
        extractor = extractor.variant(compute_dtype="float32")
    a = extractor(vgg_preprocess(image[None])).content
    b = extractor(vgg_preprocess(reference[None])).content
    difference = sum(float(tf.reduce_sum(tf.square(a[n] - b[n]))) for n in b)
    norm = sum(float(tf.reduce_sum(tf.square(b[n]))) for n in b)
    return {"pixels": float(np.mean(np.abs(image - reference))), "features": float(np.sqrt(difference / norm))}


def same_picture_limits(spread: dict[str, float], factor: float = PICTURE_FACTOR) -> dict[str, float]:
    """The largest distances (pixels, features) at which a picture counts as the reference's: ``factor`` times the
    distances between the two reference runs. Taught in chapter 11."""
    return {key: factor * value for key, value in spread.items()}


def add_distances(comparison: dict, extractor: FeatureExtractor) -> dict:
    """``comparison`` with each result's distances to the reference's picture and the limits of "the same picture"."""
    results = comparison["results"]
    reference = results["reference"]["image"]
    for result in results.values():
        if result["image"] is not None and "distances" not in result:
            result["distances"] = picture_distances(result["image"], reference, extractor)
    spread = results[SPREAD.name]["distances"]
    return {**comparison, "spread": spread, "limits": same_picture_limits(spread)}


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
    extractor = extractor or load_feature_extractor(opts["backbone"])
    with tqdm(total=2 + len(methods), desc="time to quality", leave=False) as bar:
        results = {}
        for name in (REFERENCE.name, SPREAD.name):
            bar.set_postfix_str(name)
            results[name] = run_method(name, opts, None, None, extractor)
            bar.update(1)
        l_ref, t_ref = results["reference"]["best_loss"], results["reference"]["seconds"]
        for name in methods:
            bar.set_postfix_str(name)
            results[name] = run_method(name, opts, l_ref, budget * t_ref, extractor)
            bar.update(1)
    return add_distances({"l_ref": l_ref, "t_ref": t_ref, "results": results}, extractor)


def summary_rows(comparison: dict) -> list[dict]:
    """One row per method: time to L_ref, T_ref / that time, the picture's distances to the reference's and
    whether it is the same picture, the speed-up (T_ref / time where both hold), steps, seconds per step,
    best loss.

    Taught in chapter 11.
    """
    l_ref, t_ref, limits = comparison["l_ref"], comparison["t_ref"], comparison["limits"]
    rows = []
    for name, r in comparison["results"].items():
        reached = t_ref if name == "reference" else time_to(r["trace"], l_ref)
        distances = r.get("distances") or {"pixels": float("nan"), "features": float("nan")}
        same = all(distances[key] <= limits[key] for key in limits)
        rows.append(
            {
                "method": name,
                "time_to_l_ref_s": reached,
                "ratio": (t_ref / reached) if reached else None,
                "pixel_distance": distances["pixels"],
                "feature_distance": distances["features"],
                "same_picture": same,
                "speedup": (t_ref / reached) if reached and same else None,
                "steps": r["steps"],
                "seconds": r["seconds"],
                "seconds_per_step": r["seconds"] / max(1, r["steps"]),
                "best_loss": r["best_loss"],
                "loss_vs_l_ref": r["best_loss"] / l_ref,
                "peak_rss_gib": r.get("peak_rss_gib"),
                "precision": (r.get("precision") or {}).get("used"),
                "early_stop": r.get("early_stop"),
                "per_stage": r.get("per_stage"),
            }
        )
    return rows
