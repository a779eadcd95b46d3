"""How long ``nst-stylize --help`` takes, against two baselines measured in the same run.

    .venv/bin/python benchmarks/cli_startup.py [--repeats 7] [--json benchmarks/results/cli_startup.json]

The baselines: a bare Python start (``python -c pass``), the floor of any command, and importing TensorFlow
and Keras (what every ``--help`` paid while the package imported them on import). Each command runs
``--repeats`` times in a fresh process; the median wall time is reported, with the machine's CPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model  # noqa: E402

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "nst-stylize --help": [sys.executable, "-m", "nst_helpers.cli", "--help"],
    "import tensorflow, keras": [sys.executable, "-c", "import tensorflow, keras"],
}


def median_seconds(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, timeout=300)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    results = {name: median_seconds(command, args.repeats) for name, command in COMMANDS.items()}
    for name, seconds in results.items():
        print(f"{name:<26} {seconds * 1000:8.0f} ms (median of {args.repeats})")
    verdict = "under" if results["nst-stylize --help"] < 1.0 else "over"
    print(f"nst-stylize --help: {verdict} one second; {cpu_model()}")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_model(), "repeats": args.repeats, "median_s": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
