"""Time to quality: how soon does each speed option reach the loss, and the picture, of the TF blog recipe?

The reference is the blog post's recipe as the book runs it: Adam (learning rate 5.0, beta_1 0.99, epsilon
0.1), clipping after every step, float32, ``--steps`` N steps at ``--size`` S px. Its best loss is L_ref and
its wall time T_ref. Every other method runs until its loss, evaluated at S px in float32 with the same loss
function and weights, first reaches L_ref (or until it has used ``--budget`` times T_ref); the table gives
that time and T_ref / time. The evaluations that only measure (a bfloat16 run's loss in float32, a coarse
stage's image upscaled to S px) are not counted in a method's time; everything the method itself does is:
building the targets, tracing and compiling, every step.

The same loss is not enough: a second reference run, started from the content image plus noise of at most half
a grey level, gives the recipe's own spread (its picture's distance to the reference's, in grey levels and in
content features); a method counts only if its picture is within ``PICTURE_FACTOR`` (2) times that spread on
both measures (``nst_helpers.speed.time_to_quality``; the README says why).

Methods: ``adam-bf16`` (the network in bfloat16, losses in float32), ``adam-xla`` (the step compiled with
XLA), ``compressed-adam``, ``compressed-adam-bf16`` and ``compressed-adam-auto`` (the recipe's schedule
compressed ``COMPRESSION`` (10) times: 10 times the learning rate, 10 times 1 - beta_1 and 1 - beta_2, N / 10
steps; ``nst_helpers.speed.schedule``), ``coarse-to-fine`` (Adam at S/4, S/2, then S), ``lbfgs`` (SciPy's
L-BFGS-B at S), ``lbfgs-bf16`` (the same with the network in bfloat16), ``lbfgs-auto`` (the precision chosen
as the command line does), ``coarse-to-fine+lbfgs``, ``half-to-full+lbfgs-auto`` (S/2, then S) and
``adam-then-lbfgs-auto`` (N/15 Adam steps, then L-BFGS). The Adam variants with the recipe's schedule run all N
steps, so their final loss can be compared with L_ref; a compressed schedule stops at L_ref like the others,
after at most 1.5 N / 10 steps. ``--sweep-kappas`` adds the compressed schedule on a bfloat16 network with other
factors. Each method runs in its own process, so its peak memory (resident set) is its own. At
``--large-sizes`` (1024 and 2048 px by default) two methods run, each in its own process: the fastest Adam
variant that kept the picture, for the steps it ran at S or ``--large-steps`` steps if that is fewer (its time per
image is then the step's time times its steps), and the fastest L-BFGS method, for as many evaluations as it
needed at S (a whole run); their peak memory is set against the estimate of ``nst_helpers.speed.memory``. Last,
the memory check's error for an image too large for this machine is shown.

Run from the repository root (a quiet machine: timings are compared within the run)::

    NST_DATA_DIR=/path/to/images .venv/bin/python benchmarks/time_to_quality.py --size 384 --steps 300 \
        --out benchmarks/results/time_to_quality
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import cpu_has_bf16, cpu_model, peak_rss_gib, with_peak_memory  # noqa: E402
from nst_helpers.errors import InputError  # noqa: E402
from nst_helpers.speed.time_to_quality import (  # noqa: E402
    METHOD_OBJECTS,
    METHODS,
    PICTURE_FACTOR,
    SPREAD,
    AdamVariant,
    LBFGSMethod,
    add_distances,
    run_method,
    summary_rows,
)

#: The speed-up the fastest method that keeps the picture should reach at 384 px: 10x on a CPU with bfloat16
#: instructions, 7x on one without.
TARGETS = {True: 10.0, False: 7.0}


def distances(results: dict, backbone: str) -> dict:
    """``add_distances`` on the runs' pictures, in a process of its own (it needs the network)."""
    from nst_helpers import load_feature_extractor

    comparison = {"l_ref": None, "t_ref": None, "results": results}
    return add_distances(comparison, load_feature_extractor(backbone))


def large_run(opts: dict, name: str, size: int, evaluations: int) -> dict:
    """``name`` (an Adam variant, with its schedule, or an L-BFGS method at one size) for ``evaluations`` steps or
    evaluations at ``size`` px: its time, peak memory and the memory estimate."""
    from dataclasses import replace

    from nst_helpers import LBFGS, StyleTransfer, TransferConfig, load_feature_extractor, load_image
    from nst_helpers.speed.memory import available_bytes, estimate_step_bytes
    from nst_helpers.speed.schedule import compress_schedule

    method = METHOD_OBJECTS[name]
    lbfgs = isinstance(method, LBFGSMethod)
    extractor = load_feature_extractor(opts["backbone"])
    content, style = load_image(opts["content"], size), load_image(opts["style"], size)
    started = time.perf_counter()
    config = TransferConfig(max_dim=size, steps=opts["steps"], snapshots=0, precision=method.precision)
    if not lbfgs:
        config = compress_schedule(config, method.kappa)
    transfer = StyleTransfer(extractor, content, style, replace(config, steps=evaluations))
    result = transfer.run(progress=False, method=LBFGS() if lbfgs else None)
    seconds = time.perf_counter() - started
    history = LBFGS().history_size if lbfgs else 0
    return {
        "size": size,
        "method": name,
        "precision": transfer.precision_choice.used,
        "image_shape": list(content.shape),
        "evaluations": len(result.history["total"]),
        "seconds": seconds,
        "seconds_per_evaluation": seconds / len(result.history["total"]),
        "peak_rss_gib": peak_rss_gib(),
        "estimate_gib": estimate_step_bytes(extractor.model, content.shape, lbfgs_history=history) / 2**30,
        "available_gib": (available_bytes() or 0) / 2**30,
        "early_stop": result.extra["early_stop"],
    }


def too_large_error(backbone: str) -> dict:
    from nst_helpers import load_feature_extractor
    from nst_helpers.errors import InputError
    from nst_helpers.speed.memory import check_memory

    huge = (1, 12000, 16000, 3)
    try:
        check_memory(huge, load_feature_extractor(backbone))
        message = None
    except InputError as exc:
        message = str(exc)
    return {"shape": list(huge), "error": message}


def in_child(function, *args):
    """``function(*args)`` in a fresh process (spawned: TensorFlow does not survive a fork)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=int, default=384, help="S: max_dim of the reference (at least 384 for the targets)"
    )
    parser.add_argument("--steps", type=int, default=300, help="N: Adam steps of the reference")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument(
        "--large-sizes", type=int, nargs="*", default=[1024, 2048], help="time and memory at these sizes"
    )
    parser.add_argument(
        "--large-steps",
        type=int,
        default=40,
        help="Adam steps run at the large sizes, at most: a schedule of more steps is timed from these",
    )
    parser.add_argument(
        "--sweep-kappas",
        type=float,
        nargs="*",
        default=[],
        help="also run compressed-adam-bf16 with each of these kappa (how far the schedule can be compressed)",
    )
    parser.add_argument("--budget", type=float, default=1.5, help="stop a method after this many times T_ref")
    parser.add_argument("--eval-every", type=int, default=10, help="evaluate a bfloat16 run every this many steps")
    parser.add_argument("--coarse-steps", type=int, nargs=2, default=[150, 100], help="Adam steps at S/4 and S/2")
    parser.add_argument("--coarse-evals", type=int, nargs=2, default=[60, 40], help="L-BFGS evaluations at S/4 and S/2")
    parser.add_argument("--backbone", default="vgg16-hed")
    parser.add_argument("--content", default="turtle")
    parser.add_argument("--style", default="great_wave")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks/results/time_to_quality"),
        help="folder for the JSON, the side-by-side images and the loss curves",
    )
    args = parser.parse_args(argv)
    args.sweep = []  # the variants of --sweep-kappas, built (and so checked) before any long run
    for kappa in args.sweep_kappas:
        if kappa <= 1:
            parser.error(f"--sweep-kappas: {kappa:g} compresses nothing; give factors above 1")
        try:
            args.sweep.append(AdamVariant(f"compressed-adam-bf16-kappa{kappa:g}", precision="bfloat16", kappa=kappa))
        except InputError as error:
            parser.error(f"--sweep-kappas: {error}")
    if args.size < 32 or args.steps < 1:
        parser.error("--size must be at least 32 and --steps at least 1")
    return args


def save_figures(results: dict, l_ref: float, out: Path, size: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in results if results[n]["image"] is not None]
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.0))
    for ax, name in zip(np.atleast_1d(axes), names):
        r = results[name]
        ax.imshow(r["image"])
        ax.set_title(f"{name}\nloss {r['best_loss']:.3g}, {r['seconds']:.0f} s", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"Best image of each method at {size} px (offline backbone VGG16-HED)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "images.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in results:
        trace = np.array(results[name]["trace"])
        if len(trace):
            ax.plot(trace[:, 0], np.minimum.accumulate(trace[:, 1]), label=name)
    ax.axhline(l_ref, color="grey", linestyle="--", label="L_ref")
    ax.set(xlabel="wall time (s)", ylabel=f"best loss so far, at {size} px", yscale="log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "loss_vs_time.png", dpi=110)
    plt.close(fig)


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'method':<24} {'time to L_ref':>13} {'T_ref/time':>10} {'pixels':>7} {'features':>8} {'same':>5} "
        f"{'speed-up':>8} {'steps':>6} {'s/step':>7} {'vs L_ref':>8} {'peak GiB':>8} {'precision':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        t = f"{row['time_to_l_ref_s']:.1f} s" if row["time_to_l_ref_s"] else "not reached"
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else "-"
        speedup = f"{row['speedup']:.2f}x" if row["speedup"] else "-"
        print(
            f"{row['method']:<24} {t:>13} {ratio:>10} {row['pixel_distance']:>7.2f} {row['feature_distance']:>8.3f} "
            f"{'yes' if row['same_picture'] else 'no':>5} {speedup:>8} {row['steps']:>6} "
            f"{row['seconds_per_step']:>7.3f} {row['loss_vs_l_ref']:>8.3f} {row['peak_rss_gib']:>8.2f} "
            f"{row['precision'] or 'float32':>9}"
        )


def main(argv=None) -> int:
    args = parse_args(argv)
    opts = {
        "size": args.size,
        "steps": args.steps,
        "eval_every": args.eval_every,
        "backbone": args.backbone,
        "content": args.content,
        "style": args.style,
        "coarse_steps": args.coarse_steps,
        "coarse_evals": args.coarse_evals,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bf16 = cpu_has_bf16()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; bfloat16 instructions: {'yes' if bf16 else 'no'}")
    print(f"reference: Adam lr 5.0, beta_1 0.99, epsilon 0.1, {args.steps} steps at {args.size} px", flush=True)
    results = {}
    for name in ("reference", SPREAD.name):
        results[name] = in_child(with_peak_memory, run_method, name, opts, None, None)
        print(f"  {name}: best loss {results[name]['best_loss']:.6g} in {results[name]['seconds']:.1f} s", flush=True)
    l_ref, t_ref = results["reference"]["best_loss"], results["reference"]["seconds"]
    print(f"  L_ref {l_ref:.6g}, T_ref {t_ref:.1f} s", flush=True)
    for name in args.methods:
        results[name] = in_child(with_peak_memory, run_method, name, opts, l_ref, args.budget * t_ref)
        r = results[name]
        stop = r.get("early_stop")
        print(
            f"  {name}: best loss {r['best_loss']:.6g}; {r['steps']} steps; {r['seconds']:.1f} s"
            + (f"; precision {r['precision']['used']}" if r.get("precision") else "")
            + (f"; L-BFGS stopped early after {stop['evaluations']}: {stop['message']}" if stop else ""),
            flush=True,
        )
    for variant in args.sweep:
        r = results[variant.name] = in_child(with_peak_memory, run_method, variant, opts, l_ref, args.budget * t_ref)
        print(f"  {variant.name}: best loss {r['best_loss']:.6g}; {r['steps']} steps; {r['seconds']:.1f} s", flush=True)
    comparison = in_child(distances, results, args.backbone)
    comparison.update(l_ref=l_ref, t_ref=t_ref)
    spread, limits = comparison["spread"], comparison["limits"]
    rows = summary_rows(comparison)
    print()
    print(
        f"the recipe's own spread (reference against {SPREAD.name}): {spread['pixels']:.2f} grey levels, "
        f"{spread['features']:.3f} in content features; same picture: within {PICTURE_FACTOR:g} times that, "
        f"{limits['pixels']:.2f} and {limits['features']:.3f}"
    )
    print_table(rows)
    target = TARGETS[bf16]
    best = max(
        (r for r in rows if r["method"] in METHOD_OBJECTS and r["speedup"]),  # not the sweep's extra kappas
        key=lambda r: r["speedup"],
        default=None,
    )
    verdict = {
        "cpu": cpu_model(),
        "cpu_has_bf16": bf16,
        "best_method": best and best["method"],
        "best_speedup": best and best["speedup"],
        "speedup_target": target,
        "target_met": bool(best and best["speedup"] >= target),
    }
    print()
    if best:
        print(
            f"fastest to the same loss and picture: {best['method']}, {best['speedup']:.2f}x sooner than the reference "
            f"(target {target:g}x on a CPU {'with' if bf16 else 'without'} bfloat16 instructions: "
            f"{'met' if verdict['target_met'] else 'missed'})"
        )
    else:
        print("no method reached the reference's loss with the same picture")
    # At the large sizes: the fastest method that kept the picture, if it is an Adam variant, for its whole
    # schedule or --large-steps steps (its time per image is then its step's time times its steps), and the
    # fastest L-BFGS method at one size, for as many evaluations as it needed at S (its whole run).
    large = []
    candidates = [r for r in rows if r["method"] in METHOD_OBJECTS]
    kept = [r for r in candidates if r["speedup"] and isinstance(METHOD_OBJECTS[r["method"]], AdamVariant)]
    lbfgs = [r for r in candidates if r["ratio"] and isinstance(METHOD_OBJECTS[r["method"]], LBFGSMethod)]
    chosen = []
    if kept:
        fastest = max(kept, key=lambda r: r["speedup"])["method"]
        schedule = results[fastest].get("steps_needed", results[fastest]["steps"])
        chosen.append((fastest, min(args.large_steps, schedule), schedule))
    if lbfgs:
        fastest = max(lbfgs, key=lambda r: r["ratio"])["method"]
        chosen.append((fastest, results[fastest]["steps"], results[fastest]["steps"]))
    for size in args.large_sizes:
        for name, evaluations, per_image in chosen:
            run = in_child(large_run, opts, name, size, evaluations)
            run["seconds_per_image"] = run["seconds_per_evaluation"] * per_image
            run["per_image_measured"] = per_image == evaluations
            large.append(run)
            error = run["peak_rss_gib"] / run["estimate_gib"] - 1
            print(
                f"{size} px ({run['image_shape'][2]}x{run['image_shape'][1]}), {name} in {run['precision']}, "
                f"{run['evaluations']} evaluations in {run['seconds']:.0f} s ({run['seconds_per_evaluation']:.2f} s "
                f"each); per image ({per_image}): {run['seconds_per_image']:.0f} s "
                f"({'measured' if run['per_image_measured'] else 'from the time per step'}); "
                f"peak memory {run['peak_rss_gib']:.2f} GiB, estimate {run['estimate_gib']:.2f} GiB "
                f"(peak {100 * error:+.0f} % of it)",
                flush=True,
            )
    huge = in_child(too_large_error, args.backbone)
    print(f"an image of {huge['shape'][2]}x{huge['shape'][1]}: {huge['error']}")
    elapsed = time.perf_counter() - started
    print(f"total time {elapsed:.0f} s")

    save_figures(results, l_ref, args.out, args.size)
    np.savez_compressed(
        args.out / "images.npz", **{n: r["image"] for n, r in results.items() if r["image"] is not None}
    )
    report = {
        "date": datetime.date.today().isoformat(),
        "cpu_count": os.cpu_count(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "l_ref": l_ref,
        "t_ref_s": t_ref,
        "spread": spread,
        "limits": limits,
        "rows": rows,
        "verdict": verdict,
        "large": large,
        "too_large": huge,
        "traces": {n: r["trace"] for n, r in results.items()},
        "seconds": elapsed,
    }
    (args.out / "time_to_quality.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}/time_to_quality.json, images.png, images.npz, loss_vs_time.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
