"""How long nst-grade takes for a class: make 30 submissions (right, wrong and broken) and grade them.

    python benchmarks/grade_class.py                 # 30 submissions, --jobs 2
    python benchmarks/grade_class.py --count 100 --jobs 4 --keep /tmp/class

The submissions are made from the teacher version (assignments/teacher/en/08_assignment.ipynb): a third
are correct, the others carry one typical mistake each, one has a syntax error and one a deleted cell. The
script runs the nst-grade command as a teacher would, prints its wall time, and checks every student got a
row in the gradebook.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from submissions import WRONG_ANSWERS, replace_solution, solution_cell  # noqa: E402

#: One typical mistake per function: the first wrong answer listed for it.
MISTAKES = {function: lines for _, function, lines, _, _ in reversed(WRONG_ANSWERS)}

TEACHER = REPO / "assignments" / "teacher" / "en" / "08_assignment.ipynb"
STUDENT = REPO / "notebooks" / "en" / "08_assignment.ipynb"


def make_class(folder: Path, count: int) -> dict[str, str]:
    """Write ``count`` submissions into ``folder``; return what each one is."""
    teacher = nbformat.read(TEACHER, as_version=4)
    kinds: dict[str, str] = {}
    functions = list(MISTAKES)
    wrong = 0
    for i in range(count):
        name = f"student_{i + 1:03d}"
        if i % 3 == 0:
            notebook, kind = teacher, "correct"
        elif i == 1:
            notebook, kind = nbformat.read(STUDENT, as_version=4), "not started"
        elif i == 2:
            notebook = nbformat.from_dict(json.loads(json.dumps(teacher)))
            cell = solution_cell(notebook, "compute_content_cost")
            cell.source = cell.source.replace("(4.0 * n_H * n_W * n_C)", "(4.0 * n_H * n_W * n_C")
            kind = "syntax error"
        elif i == 4:
            notebook = nbformat.from_dict(json.loads(json.dumps(teacher)))
            notebook.cells.remove(solution_cell(notebook, "compute_style_cost"))
            kind = "deleted cell"
        else:
            function = functions[wrong % len(functions)]
            notebook, kind = replace_solution(teacher, function, MISTAKES[function]), f"mistake in {function}"
            wrong += 1
        nbformat.write(notebook, folder / f"{name}.ipynb")
        kinds[name] = kind
    return kinds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=30, help="number of submissions (default 30)")
    parser.add_argument("--jobs", type=int, default=2, help="nst-grade --jobs (default 2)")
    parser.add_argument("--timeout", type=float, default=300, help="nst-grade --timeout (default 300)")
    parser.add_argument("--keep", type=Path, help="write the submissions and the gradebook here and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="nst-class-") as scratch:
        root = args.keep or Path(scratch)
        submissions, grades = root / "submissions", root / "grades"
        submissions.mkdir(parents=True, exist_ok=True)
        kinds = make_class(submissions, args.count)
        command = [
            str(Path(sys.executable).parent / "nst-grade"),
            str(submissions),
            "--out",
            str(grades),
            "--jobs",
            str(args.jobs),
            "--timeout",
            str(args.timeout),
            "--quiet",
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        seconds = time.perf_counter() - started
        with open(grades / "gradebook.csv", encoding="utf-8-sig", newline="") as f:
            rows = {row["student"]: row for row in csv.DictReader(f)}
    missing = set(kinds) - set(rows)
    by_kind: dict[str, list[int]] = {}
    for name, kind in kinds.items():
        if name in rows:
            by_kind.setdefault(kind, []).append(int(rows[name]["total"]))
    for kind, totals in sorted(by_kind.items()):
        print(f"  {kind:36s} {len(totals):3d} submissions, points {sorted(set(totals))}")
    print(
        f"{args.count} submissions graded with --jobs {args.jobs} in {seconds:.0f} s "
        f"({seconds / args.count:.1f} s per submission)"
    )
    if missing:
        print(f"missing from the gradebook: {sorted(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
