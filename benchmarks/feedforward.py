"""A feed-forward stylisation network against the optimisation, in one run on one clock (chapter 10).

Trains ``nst_helpers.feedforward``'s network on the scikit-image photographs for ``--train-steps`` steps, then
paints the held-out turtle photograph three ways at ``--size`` px: the TF blog post's recipe (Adam, ``--steps``
steps), L-BFGS with the same number of loss evaluations, and one forward pass of the network (the fastest of
``--repeats`` passes after a warm-up). Every picture is judged by the same loss function, the book's loss at
``--size`` px for the turtle and the Great Wave; the photograph itself is listed as the optimisation's start.

Run from the repository root::

    NST_DATA_DIR=/path/to/images .venv/bin/python benchmarks/feedforward.py --out benchmarks/results/feedforward
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import cpu_has_bf16, cpu_model, peak_rss_gib  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=256, help="long side of the judged pictures (default 256)")
    parser.add_argument("--steps", type=int, default=200, help="Adam steps and L-BFGS evaluations (default 200)")
    parser.add_argument("--train-steps", type=int, default=800, help="training steps of the network (default 800)")
    parser.add_argument("--crop", type=int, default=128, help="side of the training crops (default 128)")
    parser.add_argument("--batch", type=int, default=2, help="crops per training step (default 2)")
    parser.add_argument("--repeats", type=int, default=7, help="timed forward passes; the fastest counts")
    parser.add_argument("--backbone", default="vgg16-hed", help="vgg16-hed (offline) or vgg19")
    parser.add_argument("--out", type=Path, default=None, help="folder for feedforward.json, the pictures, the .keras")
    args = parser.parse_args(argv)

    import keras

    from nst_helpers import StyleTransfer, TransferConfig, load_feature_extractor, load_image, vgg_preprocess
    from nst_helpers.feedforward import NetworkConfig, network_from_result, save_network, stylize, train_network
    from nst_helpers.images import save_image
    from nst_helpers.optimize import run_style_transfer
    from nst_helpers.recipes import run_lbfgs

    load_before = os.getloadavg()
    extractor = load_feature_extractor(args.backbone)
    config = TransferConfig(steps=args.steps, max_dim=args.size, snapshots=0)
    judge = StyleTransfer(extractor, "turtle", "great_wave", config)

    def book_loss(picture) -> float:
        return float(judge.loss_terms(vgg_preprocess(np.asarray(picture, np.float32)[np.newaxis]))["total"])

    recipe = NetworkConfig(
        steps=args.train_steps, crop=args.crop, batch=args.batch, style_max_dim=args.size, learning_rate=2e-3
    )
    trained = train_network("great_wave", extractor, recipe, test_image="turtle")
    net = network_from_result(trained)
    keras.utils.set_random_seed(0)
    adam = run_style_transfer("turtle", "great_wave", config, extractor=extractor)
    lbfgs = run_lbfgs("turtle", "great_wave", config, extractor=extractor, progress=True)
    stylize(net, "turtle", args.size)  # warm-up (tracing)
    timings = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        painted = stylize(net, "turtle", args.size)
        timings.append(time.perf_counter() - started)
    photo = load_image("turtle", args.size)[0]
    rows = [
        {"picture": "photograph (the start)", "seconds": None, "loss": book_loss(photo)},
        {
            "picture": f"Adam, {args.steps} steps (TF blog recipe)",
            "seconds": adam.seconds,
            "loss": book_loss(adam.image),
        },
        {"picture": f"L-BFGS, {args.steps} evaluations", "seconds": lbfgs.seconds, "loss": book_loss(lbfgs.image)},
        {"picture": "network, one forward pass", "seconds": min(timings), "loss": book_loss(painted)},
    ]
    report = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "cpu_bf16": cpu_has_bf16(),
        "backbone": extractor.backbone.name,
        "size": args.size,
        "image_shape": list(photo.shape),
        "training": {"steps": args.train_steps, "crop": args.crop, "batch": args.batch, "seconds": trained.seconds},
        "forward_pass_seconds": timings,
        "rows": rows,
        "peak_rss_gib": peak_rss_gib(),
        "load_average_before_after": [load_before[0], os.getloadavg()[0]],
    }
    print(
        f"\n{report['cpu']} (bfloat16 instructions: {report['cpu_bf16']}), {extractor.backbone.label}, "
        f"{photo.shape[1]}x{photo.shape[0]} px"
    )
    print(
        f"training: {args.train_steps} steps of {args.batch} crops of {args.crop} px in {trained.seconds:.0f} s "
        f"({1000 * trained.seconds / args.train_steps:.0f} ms per step)"
    )
    print(f"{'picture':<34} {'time per picture':>18} {'book loss':>12} {'x photo':>8}")
    for row in rows:
        cost = (
            "-"
            if row["seconds"] is None
            else (f"{1000 * row['seconds']:.0f} ms" if row["seconds"] < 1 else f"{row['seconds']:.1f} s")
        )
        print(f"{row['picture']:<34} {cost:>18} {row['loss']:>12.4g} {row['loss'] / rows[0]['loss']:>8.3f}")
    print(f"optimisation (Adam) / network: {adam.seconds / min(timings):.0f}x the time per picture")
    print(
        f"load average (1 min) before and after: {load_before[0]:.2f}, {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores (other programs running make every figure slower)"
    )
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "feedforward.json").write_text(json.dumps(report, indent=2) + "\n")
        for name, image in (("adam", adam.image), ("lbfgs", lbfgs.image), ("network", painted)):
            save_image(image, args.out / f"turtle_{name}.png")
        save_network(net, args.out / "great_wave.keras")
    return 0


if __name__ == "__main__":
    sys.exit(main())
