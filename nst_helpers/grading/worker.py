"""Grade one notebook in this process: run its code cells, then the checks; write the results as JSON.

    python -m nst_helpers.grading.worker NOTEBOOK RESULT_JSON --deadline EPOCH_SECONDS --lang en

``nst-grade`` starts one such process per submission, in a fresh interpreter and a scratch folder, and kills
it if it outlives the deadline. Inside, each cell and each check has its own time limit, so an endless loop
costs the exercise it is in and the rest still gets graded. The result file is rewritten after each step,
so whatever was graded before a crash is kept.

Cells tagged ``grader-skip`` (the long demonstration runs) and the check cells are not run; the checks are
called here instead, on the functions the notebook defined, looked up by name.

Chapter: 08.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..editions import LANGS

SKIP_TAG = "grader-skip"
_CHECK_CALL = re.compile(r"\bcheck_\w+\s*\(")
_SHELL_LINE = re.compile(r"^(\s*)[%!]")
CELL_SHARE = 0.4  # one cell may use at most this share of the time limit
CELLS_SHARE = 0.6  # all cells together: the rest is kept for the checks
CHECK_SHARE = 0.15  # one check (at least MIN_CHECK_S)
MIN_CHECK_S = 10.0


class TimeLimit(BaseException):
    """Raised in the graded code when its time is up; a BaseException, so ``except Exception`` lets it pass."""


@dataclass(frozen=True)
class CodeCell:
    number: int  # 1-based, counting code cells only (what a teacher counts when reading the notebook)
    source: str
    tags: tuple[str, ...]


def code_cells(notebook: dict) -> list[CodeCell]:
    """The code cells of a notebook read as plain JSON (``source`` is a string or a list of lines)."""
    cells = [c for c in notebook.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]
    result = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        tags = (cell.get("metadata") or {}).get("tags") or []
        result.append(CodeCell(number, source, tuple(str(t) for t in tags)))
    return result


def is_check_cell(cell: CodeCell) -> bool:
    return bool(_CHECK_CALL.search(cell.source))


def plain_python(source: str) -> tuple[str, bool]:
    """The cell with IPython-only lines (``%magic``, ``!shell``) replaced by ``pass``; and whether any were."""
    if source.lstrip().startswith("%%"):
        return "", True
    lines, changed = [], False
    for line in source.splitlines():
        match = _SHELL_LINE.match(line)
        if match:
            line, changed = match.group(1) + "pass", True
        lines.append(line)
    return "\n".join(lines), changed


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the main thread after ``seconds``."""

    def expire(signum, frame):
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _error(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[-1][:160]}" if lines else type(exc).__name__


class Grader:
    """Runs one notebook's cells in a namespace of its own, then the checks, recording as it goes."""

    def __init__(self, notebook_path: Path, result_path: Path, deadline: float, lang: str):
        self.notebook_path, self.result_path = notebook_path, result_path
        self.deadline, self.lang = deadline, lang
        self.budget = max(deadline - time.time(), 1.0)
        self.namespace: dict[str, Any] = {
            "__name__": "__main__",
            "__builtins__": builtins,
            "display": lambda *args, **kwargs: None,
        }
        self.notes: list[str] = []
        self.exercises: dict[str, dict] = {}

    def save(self, finished: bool = False) -> None:
        data = {"notes": self.notes, "exercises": self.exercises, "finished": finished}
        partial = self.result_path.with_suffix(".partial")
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(partial, self.result_path)

    def run_cells(self, cells: list[CodeCell]) -> None:
        from .messages import text

        cells_deadline = time.time() + CELLS_SHARE * (self.deadline - time.time())
        for cell in cells:
            if SKIP_TAG in cell.tags or is_check_cell(cell) or not cell.source.strip():
                continue
            source, had_shell = plain_python(cell.source)
            if had_shell:
                self.notes.append(text("shell_lines", self.lang, cell=cell.number))
            try:
                code = compile(source, f"<code cell {cell.number}>", "exec")
            except SyntaxError as exc:
                self.notes.append(text("cell_syntax", self.lang, cell=cell.number, line=exc.lineno, error=exc.msg))
                continue
            seconds = min(CELL_SHARE * self.budget, cells_deadline - time.time())
            try:
                with time_limit(seconds):
                    exec(code, self.namespace)
            except TimeLimit:
                self.notes.append(text("cell_timeout", self.lang, cell=cell.number, seconds=round(seconds)))
            except (Exception, SystemExit, KeyboardInterrupt) as exc:
                self.notes.append(text("cell_error", self.lang, cell=cell.number, error=_error(exc)))
            self.save()

    def run_checks(self) -> None:
        from .checks import evaluate
        from .exercises import EXERCISES
        from .messages import text

        for exercise in EXERCISES:
            base = {
                "exercise": exercise.key,
                "function": exercise.function,
                "number": exercise.number,
                "max_points": exercise.points,
                "passed": False,
                "points": 0,
                "lang": self.lang,
            }
            if exercise.function not in self.namespace:
                self.exercises[exercise.key] = {
                    **base,
                    "mistake": "missing",
                    "hint": text("missing", self.lang, function=exercise.function),
                }
                self.save()
                continue
            seconds = min(max(CHECK_SHARE * self.budget, MIN_CHECK_S), self.deadline - time.time())
            try:
                with time_limit(seconds):
                    self.exercises[exercise.key] = evaluate(
                        exercise.key, self.namespace[exercise.function], self.lang
                    ).to_dict()
            except TimeLimit:
                self.exercises[exercise.key] = {
                    **base,
                    "mistake": "timeout",
                    "hint": text("timeout", self.lang, seconds=round(seconds)),
                }
            except (Exception, SystemExit, KeyboardInterrupt) as exc:  # a bug in the checks must not stop the batch
                self.exercises[exercise.key] = {
                    **base,
                    "mistake": "raised",
                    "hint": text("raised", self.lang, error=_error(exc)),
                }
            self.save()

    def run(self) -> None:
        notebook = json.loads(self.notebook_path.read_text(encoding="utf-8"))
        self.save()
        self.run_cells(code_cells(notebook))
        self.run_checks()
        self.save(finished=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grade one notebook (used by nst-grade).")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--deadline", type=float, required=True, help="seconds since the epoch")
    parser.add_argument("--lang", default="en", choices=LANGS)
    args = parser.parse_args(argv)
    import nst_helpers  # noqa: F401  (TensorFlow's quiet import, before the notebook imports it)

    sys.argv = [str(args.notebook)]
    Grader(args.notebook, args.result, args.deadline, args.lang).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
