"""``nst-grade``: grade submitted notebooks of the chapter 08 assignment and write the gradebook.

    nst-grade submissions/                                  # every .ipynb in the folder
    nst-grade submissions/ --out grades --jobs 4 --timeout 120 --lang vi --seed 12345
    nst-grade submissions/ --out grades --resume            # continue a run that was stopped

Each notebook runs in a contained child process of its own (``--sandbox``), which gets inputs drawn from
the seed and returns what the student's functions computed; this process judges. The results go to
OUT/journal.jsonl as they come, and from there to OUT/gradebook.csv, OUT/gradebook.json, OUT/canvas.csv,
OUT/moodle.csv and one feedback file per student in OUT/feedback/.

Chapter: 08.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from nst_helpers.assignment.exercises import MAX_POINTS
from nst_helpers.editions import LANGS

from . import gradebook, sandbox
from .batch import DEFAULT_JOBS, DEFAULT_TIMEOUT_S, GradedSubmission, Settings, grade_submissions
from .cases import new_seed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nst-grade",
        description="Grade notebooks of the Neural Style Transfer assignment (chapter 08). Each submission runs "
        "contained in its own process; the student id is the notebook's STUDENT_ID field (else the file name).",
    )
    parser.add_argument("submissions", nargs="+", type=Path, help="notebook files (.ipynb) or folders of them")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="folder for the gradebook (default ./grades)")
    parser.add_argument(
        "--jobs", type=int, default=DEFAULT_JOBS, help=f"notebooks graded at once (default {DEFAULT_JOBS})"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help=f"seconds per notebook (default {DEFAULT_TIMEOUT_S:g})"
    )
    parser.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="language of the table (default en); each student's hints follow the edition of their notebook",
    )
    parser.add_argument("--seed", type=int, help="seed of the graded inputs (default: a new random one, recorded)")
    parser.add_argument(
        "--sandbox",
        choices=sandbox.KINDS,
        default="auto",
        help="bwrap: bubblewrap around each submission; none: limits only; auto (default): bwrap where it works",
    )
    parser.add_argument("--memory-gb", type=float, default=6.0, help="address-space limit per submission (default 6)")
    parser.add_argument("--resume", action="store_true", help="continue the run recorded in OUT/journal.jsonl")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, no table")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more; got {args.jobs}.")
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout:g}.")
    if args.memory_gb <= 0:
        parser.error(f"--memory-gb must be positive; got {args.memory_gb:g}.")
    try:
        kind, warning = sandbox.resolve(args.sandbox)
    except sandbox.SandboxError as exc:
        parser.error(str(exc))
    if warning:
        print(warning, file=sys.stderr)
    done: dict[str, GradedSubmission] = {}
    if args.resume:
        try:
            recorded, earlier = gradebook.read_journal(args.out)
        except gradebook.JournalError as exc:
            parser.error(str(exc))
        if args.seed is not None and args.seed != recorded.get("seed"):
            parser.error(f"--seed {args.seed} differs from the seed of the run to resume ({recorded.get('seed')}).")
        seed = int(recorded["seed"])
        done = {f"{g.path}|{g.sha256}": g for g in earlier}
    else:
        seed = args.seed if args.seed is not None else new_seed()
    limits = sandbox.Limits(memory_bytes=int(args.memory_gb * 1024**3), cpu_seconds=int(args.timeout * 4 + 60))
    settings = Settings(seed, args.timeout, args.lang, kind, limits)
    recorded_settings = {"seed": seed, "jobs": args.jobs, "timeout_s": args.timeout, "lang": args.lang, "sandbox": kind}
    journal = args.out / gradebook.JOURNAL
    if not args.resume:
        journal = gradebook.start_journal(args.out, recorded_settings)
    results: list[GradedSubmission] = list(done.values())

    def record(graded: GradedSubmission) -> None:
        gradebook.append(journal, graded)
        results.append(graded)
        gradebook.write_all(results, args.out, recorded_settings)

    def report(finished: int, total: int, graded: GradedSubmission) -> None:
        if not args.quiet:
            print(
                f"[{finished}/{total}] {graded.student}: {graded.total}/{MAX_POINTS} ({graded.status}, "
                f"{graded.seconds:.0f} s)",
                file=sys.stderr,
                flush=True,
            )

    if not args.quiet:
        print(f"seed {seed}, sandbox {kind}", file=sys.stderr)
    started = time.perf_counter()
    try:
        graded = grade_submissions(
            args.submissions, settings, jobs=args.jobs, done=done, progress=report, on_result=record
        )
    except FileNotFoundError as exc:
        parser.error(str(exc))
    if not graded:
        parser.error("no notebooks (.ipynb) found in " + ", ".join(str(p) for p in args.submissions))
    seconds = time.perf_counter() - started
    files = gradebook.write_all(graded, args.out, {**recorded_settings, "wall_s": round(seconds, 1)})
    if not args.quiet:
        print(gradebook.format_table(graded, args.lang))
        print(
            f"\n{len(graded)} notebooks graded in {seconds:.0f} s (seed {seed}, sandbox {kind}); gradebook: "
            f"{files['csv']}, {files['json']}; feedback in {files['feedback']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
