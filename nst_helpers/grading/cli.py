"""``nst-grade``: grade submitted notebooks of the chapter 08 assignment and write the gradebook.

    nst-grade submissions/                       # every .ipynb in the folder
    nst-grade alice.ipynb bob.ipynb --out grades --jobs 4 --timeout 120 --lang vi

Each notebook runs in a fresh Python process of its own, in a scratch copy, with a time limit. The result is
printed as a table and written to OUT/gradebook.csv (one row per student) and OUT/gradebook.json.

Chapter: 08.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..editions import LANGS
from .batch import DEFAULT_JOBS, DEFAULT_TIMEOUT_S, GradedSubmission, grade_submissions
from .exercises import MAX_POINTS
from .gradebook import format_table, write_csv, write_json


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst-grade",
        description="Grade notebooks of the Neural Style Transfer assignment (chapter 08). Each submission runs "
        "in its own process on a copy; the file's name (without .ipynb) is the student id.",
    )
    parser.add_argument("submissions", nargs="+", type=Path, help="notebook files (.ipynb) or folders of them")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("grades"),
        help="folder for gradebook.csv and gradebook.json (default: ./grades)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"notebooks graded at the same time (default {DEFAULT_JOBS}; about one per CPU core)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds allowed per notebook (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument("--lang", choices=LANGS, default="en", help="language of the hints (default en)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, no table")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more; got {args.jobs}.")
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout:g}.")

    def report(done: int, total: int, graded: GradedSubmission) -> None:
        if not args.quiet:
            print(
                f"[{done}/{total}] {graded.student}: {graded.total}/{MAX_POINTS} ({graded.status}, "
                f"{graded.seconds:.0f} s)",
                file=sys.stderr,
                flush=True,
            )

    started = time.perf_counter()
    try:
        results = grade_submissions(
            args.submissions, jobs=args.jobs, timeout=args.timeout, lang=args.lang, progress=report
        )
    except FileNotFoundError as exc:
        parser.error(str(exc))
    if not results:
        parser.error("no notebooks (.ipynb) found in " + ", ".join(str(p) for p in args.submissions))
    seconds = time.perf_counter() - started
    settings = {"jobs": args.jobs, "timeout_s": args.timeout, "lang": args.lang, "wall_s": round(seconds, 1)}
    csv_path = write_csv(results, args.out / "gradebook.csv")
    json_path = write_json(results, args.out / "gradebook.json", settings)
    if not args.quiet:
        print(format_table(results, args.lang))
        print(f"\n{len(results)} notebooks graded in {seconds:.0f} s; gradebook: {csv_path} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
