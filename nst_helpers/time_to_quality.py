"""Time to quality: how soon each speed option reaches the loss of the TF blog post's recipe.

The reference is the blog post's recipe as the book runs it: Adam (learning rate 5.0, beta_1 0.99,
epsilon 0.1), clipping after every step, float32, N steps at S px; its best loss is L_ref and its wall time
T_ref. Another method runs until its loss, evaluated at S px in float32 with the same loss function and
weights, first reaches L_ref. Evaluations that only measure (a bfloat16 run's loss in float32, a coarse
stage's image upscaled to S px) are not counted in a method's time; what the method does is: building the
targets, tracing and compiling, every step.

Used by chapter 7 (in the notebook's process) and by ``benchmarks/time_to_quality.py`` (one process per method).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ._tf import tf
from .coarse_to_fine import run_coarse_to_fine, upscale
from .images import load_image, vgg_deprocess
from .lbfgs import minimize_lbfgs
from .model import load_feature_extractor
from .optimize import StyleTransfer, TransferConfig

import keras  # noqa: E402

#: The methods compared with the reference, in the order the book shows them.
METHODS = ("adam-bf16", "adam-xla", "coarse-to-fine", "lbfgs", "coarse-to-fine+lbfgs")
#: Methods that run the reference's N steps in full (their final loss is compared with L_ref).
FULL_LENGTH = ("reference", "adam-bf16", "adam-xla")


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


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("avx512_bf16", "amx_bf16"))


def run_method(name: str, opts: dict, l_ref: float | None, t_budget: float | None) -> dict:
    """Run ``name`` (``"reference"`` or one of :data:`METHODS`); return its trace of (seconds, loss at S px).

    ``opts``: size, steps, eval_every, backbone, content, style, coarse_steps, coarse_evals (see the benchmark).
    A method other than the reference and the full-length ones stops once its loss is at most ``l_ref``, or
    after ``t_budget`` seconds. The result also holds the best image (RGB) and the process's peak memory.
    """
    size, steps, every = opts["size"], opts["steps"], opts["eval_every"]
    extractor = load_feature_extractor(opts["backbone"])
    content, style = load_image(opts["content"], size), load_image(opts["style"], size)
    keras.utils.set_random_seed(0)
    base = TransferConfig(max_dim=size, steps=steps, snapshots=0)
    evaluator = StyleTransfer(extractor, content, style, base)
    evaluate = tf.function(lambda x: evaluator.loss_terms(x)["total"])
    trace: list[tuple[float, float]] = []
    state = {"best": np.inf, "image": None, "steps": 0}

    def record(seconds: float, loss: float, image: np.ndarray | None) -> bool:
        trace.append((seconds, loss))
        if loss < state["best"]:
            state["best"], state["image"] = loss, image
        if name in FULL_LENGTH:  # these run their N steps, whatever the loss and the time
            return False
        return (l_ref is not None and loss <= l_ref) or (t_budget is not None and seconds > t_budget)

    def measured(clock: Clock, x: np.ndarray) -> bool:
        """Evaluate ``x`` at S px with the clock paused."""
        clock.pause()
        if x.shape != content.shape:
            x = upscale(x, content.shape[1], content.shape[2])
        loss = float(evaluate(tf.constant(x)))
        stop = record(clock.now(), loss, x)
        clock.resume()
        return stop

    clock = Clock()
    if name in ("reference", "adam-bf16", "adam-xla"):
        config = TransferConfig(max_dim=size, steps=steps, snapshots=0, precision="bfloat16" if name == "adam-bf16" else "float32",
                                jit_compile=name == "adam-xla")
        transfer = StyleTransfer(extractor, content, style, config)
        for step in range(steps):
            before = transfer.image.numpy() if name != "adam-bf16" else None
            started = clock.now()
            loss = float(transfer.train_step()["total"])
            state["steps"] += 1
            if name == "adam-bf16":
                if (step + 1) % every == 0 or step == steps - 1:
                    measured(clock, transfer.image.numpy())
            elif record(started, loss, before):  # the step's own loss is the float32 loss at S px of `before`
                break
    elif name in ("coarse-to-fine", "coarse-to-fine+lbfgs"):
        lbfgs = name.endswith("lbfgs")
        coarse = opts["coarse_evals"] if lbfgs else opts["coarse_steps"]

        def on_step(stage: int, step: int, x: np.ndarray) -> bool:
            state["steps"] += 1
            last_coarse = stage < 2 and step == coarse[stage] - 1
            if stage == 2 or last_coarse:
                return measured(clock, x) and stage == 2
            return False

        run_coarse_to_fine(content, style, base, scales=(0.25, 0.5, 1.0),
                           stage_steps=(*coarse, steps), extractor=extractor, optimizer="lbfgs" if lbfgs else "adam",
                           on_step=on_step, progress=False)
    elif name == "lbfgs":
        transfer = StyleTransfer(extractor, content, style, base)

        def on_evaluation(index: int, x: np.ndarray, losses: dict) -> bool:
            state["steps"] += 1
            return record(clock.now(), losses["total"], x)

        minimize_lbfgs(transfer, steps, on_evaluation=on_evaluation)
    else:
        raise ValueError(name)
    seconds = clock.now()
    return {"name": name, "trace": trace, "seconds": seconds, "steps": state["steps"], "best_loss": state["best"],
            "image": vgg_deprocess(state["image"]) if state["image"] is not None else None,
            "peak_rss_gib": peak_rss_gib()}


def peak_rss_gib() -> float:
    """This process's peak resident memory in GiB (NaN where the platform does not report it)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux


def time_to(trace: list, target: float) -> float | None:
    """The first time in ``trace`` (pairs of seconds and loss) at which the loss is at most ``target``."""
    return next((t for t, loss in trace if loss <= target), None)


def compare(opts: dict, methods=METHODS, budget: float = 1.5) -> dict:
    """The reference, then each method, in this process. Returns L_ref, T_ref and the results by name."""
    with tqdm(total=1 + len(methods), desc="time to quality", leave=False) as bar:
        bar.set_postfix_str("reference")
        results = {"reference": run_method("reference", opts, None, None)}
        l_ref, t_ref = results["reference"]["best_loss"], results["reference"]["seconds"]
        for name in methods:
            bar.update(1)
            bar.set_postfix_str(name)
            results[name] = run_method(name, opts, l_ref, budget * t_ref)
        bar.update(1)
    return {"l_ref": l_ref, "t_ref": t_ref, "results": results}


def summary_rows(comparison: dict) -> list[dict]:
    """One row per method: time to L_ref, T_ref / that time, steps, seconds per step, best loss."""
    l_ref, t_ref = comparison["l_ref"], comparison["t_ref"]
    rows = []
    for name, r in comparison["results"].items():
        reached = t_ref if name == "reference" else time_to(r["trace"], l_ref)
        rows.append({"method": name, "time_to_l_ref_s": reached, "ratio": (t_ref / reached) if reached else None,
                     "steps": r["steps"], "seconds": r["seconds"], "seconds_per_step": r["seconds"] / max(1, r["steps"]),
                     "best_loss": r["best_loss"], "loss_vs_l_ref": r["best_loss"] / l_ref, "peak_rss_gib": r["peak_rss_gib"]})
    return rows
