"""nst-stylize's default (L-BFGS) against the Adam default it replaced, in one run on one clock.

Runs the command line twice on the same images and size, each in its own process so neither warms the other:
``--optimizer adam --steps 1000`` (the TF blog post's recipe, the former default) and the current default
(``--optimizer lbfgs``, its default number of evaluations). Both report their best loss under the same loss
function (the book's weights for the backbone at that size), so "the same loss" is read off directly; the PNGs'
settings chunks give the evaluations actually run. The wall time is measured around each process, start-up and
model loading included.

Run from the repository root::

    NST_DATA_DIR=/path/to/images .venv/bin/python benchmarks/cli_default.py --out benchmarks/results/cli_default
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from machine import cpu_has_bf16, cpu_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def run_cli(args: list[str], out: Path) -> dict:
    """Run nst-stylize with ``args`` writing ``out``; return its wall time, best loss and settings."""
    command = [sys.executable, "-m", "nst_helpers.cli", *args, "-o", str(out), "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    best = float(re.search(r"best loss ([0-9.eE+-]+)", done.stdout).group(1))
    settings = json.loads(Image.open(out).text["nst-stylize"])
    return {"command": " ".join(["nst-stylize", *args]), "seconds": seconds, "best_loss": best, "settings": settings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", default="turtle")
    parser.add_argument("--style", default="great_wave")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--adam-steps", type=int, default=1000, help="the former default (1000)")
    parser.add_argument("--backbone", default="vgg16-hed", help="vgg16-hed (offline) or vgg19")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "cli_default")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    common = [args.content, args.style, "--size", str(args.size), "--backbone", args.backbone]
    lbfgs = run_cli(common, args.out / "lbfgs.png")
    adam = run_cli([*common, "--optimizer", "adam", "--steps", str(args.adam_steps)], args.out / "adam.png")
    report = {
        "machine": {"cpu": cpu_model(), "bf16": cpu_has_bf16()},
        "date": datetime.date.today().isoformat(),
        "adam": adam,
        "lbfgs": lbfgs,
        "speedup": adam["seconds"] / lbfgs["seconds"],
        "lbfgs_loss_over_adam_loss": lbfgs["best_loss"] / adam["best_loss"],
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"machine: {report['machine']['cpu']} (bfloat16 instructions: {report['machine']['bf16']})")
    for name in ("adam", "lbfgs"):
        run = report[name]
        print(f"{run['command']:<70} {run['seconds']:8.1f} s   best loss {run['best_loss']:.4g}")
    print(f"L-BFGS default: {report['speedup']:.2f}x sooner, loss {report['lbfgs_loss_over_adam_loss']:.3f} of Adam's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
