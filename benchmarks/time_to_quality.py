"""Time to quality: how soon does each speed option reach the loss of the TF blog post's recipe?

The reference is the blog post's recipe as the book runs it: Adam (learning rate 5.0, beta_1 0.99,
epsilon 0.1), clipping after every step, float32, ``--steps`` N steps at ``--size`` S px. Its best loss is
L_ref and its wall time T_ref. Every other method runs until its loss, evaluated at S px in float32 with
the same loss function and weights, first reaches L_ref (or until it has used ``--budget`` times T_ref);
the table gives that time and T_ref / time. The evaluations that only measure (a bfloat16 run's loss in
float32, a coarse stage's image upscaled to S px) are not counted in a method's time; everything the
method itself does is: building the targets, tracing and compiling, every step.

Methods: ``adam-bf16`` (the network in bfloat16, losses in float32), ``adam-xla`` (the step compiled with
XLA), ``coarse-to-fine`` (Adam at S/4, S/2, then S), ``lbfgs`` (SciPy's L-BFGS-B at S),
``coarse-to-fine+lbfgs``. The two Adam variants run the full N steps, so their final loss can be compared
with L_ref. Each method runs in its own process, so its peak memory (resident set) is its own. With
``--check-size 1024`` a few steps at that size report the peak memory against the estimate of
``nst_helpers.speed.memory``, and the error for an image too large for this machine is shown.

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

from machine import cpu_has_bf16, peak_rss_gib, with_peak_memory  # noqa: E402
from nst_helpers.speed.time_to_quality import METHODS, run_method, summary_rows, time_to  # noqa: E402

TARGET_RATIO = 4.0
BF16_TARGET = 1.5


def memory_check(opts: dict, check_size: int) -> dict:
    """A few steps at ``check_size`` px: the measured peak memory against the estimate; then the too-large error."""
    from nst_helpers import StyleTransfer, TransferConfig, load_feature_extractor, load_image
    from nst_helpers.errors import InputError
    from nst_helpers.speed.memory import available_bytes, check_memory, estimate_step_bytes

    extractor = load_feature_extractor(opts["backbone"])
    content, style = load_image(opts["content"], check_size), load_image(opts["style"], check_size)
    transfer = StyleTransfer(extractor, content, style, TransferConfig(max_dim=check_size, steps=3, snapshots=0))
    started = time.perf_counter()
    for _ in range(3):
        transfer.train_step()
    step_s = (time.perf_counter() - started) / 3
    huge = (1, 12000, 16000, 3)
    try:
        check_memory(huge, extractor)
        message = None
    except InputError as exc:
        message = str(exc)
    return {
        "size": check_size,
        "image_shape": list(content.shape),
        "seconds_per_step": step_s,
        "peak_rss_gib": peak_rss_gib(),
        "estimate_gib": estimate_step_bytes(extractor.model, content.shape) / 2**30,
        "available_gib": (available_bytes() or 0) / 2**30,
        "too_large_shape": list(huge),
        "too_large_error": message,
    }


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
    parser.add_argument("--budget", type=float, default=1.5, help="stop a method after this many times T_ref")
    parser.add_argument("--eval-every", type=int, default=10, help="evaluate a bfloat16 run every this many steps")
    parser.add_argument("--coarse-steps", type=int, nargs=2, default=[150, 100], help="Adam steps at S/4 and S/2")
    parser.add_argument("--coarse-evals", type=int, nargs=2, default=[60, 40], help="L-BFGS evaluations at S/4 and S/2")
    parser.add_argument("--check-size", type=int, default=1024, help="memory check at this size (0: skip)")
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
    print(f"reference: Adam lr 5.0, beta_1 0.99, epsilon 0.1, {args.steps} steps at {args.size} px", flush=True)
    results = {"reference": in_child(with_peak_memory, run_method, "reference", opts, None, None)}
    ref = results["reference"]
    l_ref, t_ref = ref["best_loss"], ref["seconds"]
    print(f"  L_ref {l_ref:.6g}, T_ref {t_ref:.1f} s, peak memory {ref['peak_rss_gib']:.2f} GiB", flush=True)
    for name in args.methods:
        results[name] = in_child(with_peak_memory, run_method, name, opts, l_ref, args.budget * t_ref)
        r = results[name]
        reached = time_to(r["trace"], l_ref)
        print(
            f"  {name}: "
            + (f"L_ref after {reached:.1f} s ({t_ref / reached:.2f}x)" if reached else "did not reach L_ref")
            + f"; best loss {r['best_loss']:.6g}; {r['steps']} steps; {r['seconds']:.1f} s; "
            + f"peak {r['peak_rss_gib']:.2f} GiB",
            flush=True,
        )
    memory = in_child(memory_check, opts, args.check_size) if args.check_size else None

    rows = summary_rows({"l_ref": l_ref, "t_ref": t_ref, "results": results})
    print()
    header = (
        f"{'method':<22} {'time to L_ref':>13} {'T_ref/time':>10} {'steps':>6} {'s/step':>7} {'best loss':>11} "
        f"{'vs L_ref':>8} {'peak GiB':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        t = f"{row['time_to_l_ref_s']:.1f} s" if row["time_to_l_ref_s"] else "not reached"
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] else "-"
        print(
            f"{row['method']:<22} {t:>13} {ratio:>10} {row['steps']:>6} {row['seconds_per_step']:>7.3f} "
            f"{row['best_loss']:>11.5g} {row['loss_vs_l_ref']:>8.3f} {row['peak_rss_gib']:>8.2f}"
        )
    best = max((r for r in rows if r["method"] != "reference" and r["ratio"]), key=lambda r: r["ratio"], default=None)
    by_name = {r["method"]: r for r in rows}
    verdict = {
        "best_method": best and best["method"],
        "best_ratio": best and best["ratio"],
        "ratio_target": TARGET_RATIO,
        "ratio_met": bool(best and best["ratio"] >= TARGET_RATIO),
        "cpu_has_bf16": cpu_has_bf16(),
    }
    if "adam-bf16" in by_name:
        bf = by_name["adam-bf16"]
        verdict["bf16_step_speedup"] = by_name["reference"]["seconds_per_step"] / bf["seconds_per_step"]
        verdict["bf16_final_loss_vs_ref"] = bf["loss_vs_l_ref"]
    print()
    if best:
        print(
            f"best: {best['method']} reaches L_ref {best['ratio']:.2f}x sooner than the reference "
            f"(target {TARGET_RATIO}x: {'met' if verdict['ratio_met'] else 'missed'})"
        )
    if "bf16_step_speedup" in verdict:
        print(
            f"bfloat16 step {verdict['bf16_step_speedup']:.2f}x the float32 step, final loss "
            f"{100 * (verdict['bf16_final_loss_vs_ref'] - 1):+.1f} % vs float32; this CPU "
            f"{'has' if verdict['cpu_has_bf16'] else 'has no'} bfloat16 instructions "
            f"(target {BF16_TARGET}x applies where it has)"
        )
    if memory:
        print(
            f"{memory['size']} px ({memory['image_shape'][2]}x{memory['image_shape'][1]}): "
            f"{memory['seconds_per_step']:.2f} s/step, "
            f"peak memory {memory['peak_rss_gib']:.2f} GiB (estimate {memory['estimate_gib']:.2f} GiB, "
            f"{memory['available_gib']:.1f} GiB available)"
        )
        print(f"an image of {memory['too_large_shape'][2]}x{memory['too_large_shape'][1]}: {memory['too_large_error']}")
    elapsed = time.perf_counter() - started
    print(f"total time {elapsed:.0f} s")

    save_figures(results, l_ref, args.out, args.size)
    report = {
        "date": datetime.date.today().isoformat(),
        "cpu_count": os.cpu_count(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "l_ref": l_ref,
        "t_ref_s": t_ref,
        "rows": rows,
        "verdict": verdict,
        "memory": memory,
        "traces": {n: r["trace"] for n, r in results.items()},
        "seconds": elapsed,
    }
    (args.out / "time_to_quality.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}/time_to_quality.json, images.png, loss_vs_time.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
