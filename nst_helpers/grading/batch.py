"""Grade many submitted notebooks: each in its own process, a few at a time, with a time limit each.

A submission is copied into a scratch folder before anything runs, so the grader never changes it. Whatever
happens to one submission (unreadable JSON, an exception, an endless loop, a crash) is written down as
its notes, and the batch goes on.

Chapter: 08.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .exercises import EXERCISES, MAX_POINTS
from .messages import text

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_JOBS = 2
KILL_GRACE_S = 5.0

_running: set[subprocess.Popen] = set()  # child processes alive now, stopped if the teacher presses Ctrl-C
_running_lock = threading.Lock()


@dataclass
class GradedSubmission:
    """The grade of one notebook: points and hint per exercise, and notes on what happened."""

    student: str
    path: str
    status: str  # "graded", "timeout", "crashed" or "invalid"
    exercises: dict[str, dict]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(int(e.get("points", 0)) for e in self.exercises.values())

    def to_dict(self) -> dict:
        return {
            "student": self.student,
            "path": self.path,
            "status": self.status,
            "total": self.total,
            "max_total": MAX_POINTS,
            "exercises": self.exercises,
            "notes": self.notes,
            "seconds": round(self.seconds, 2),
        }


def find_notebooks(paths: list[Path]) -> list[Path]:
    """The .ipynb files given, and those directly inside the folders given (checkpoints left out)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.ipynb") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist: give notebook files (.ipynb) or folders that hold them.")
    return list(dict.fromkeys(p.resolve() for p in found))


def student_ids(notebooks: list[Path]) -> list[str]:
    """The file stem of each notebook; the parent folder is added where two stems are the same."""
    stems = [p.stem for p in notebooks]
    return [f"{p.parent.name}/{p.stem}" if stems.count(p.stem) > 1 else p.stem for p in notebooks]


def _empty_exercises(hint: str, lang: str) -> dict[str, dict]:
    return {
        e.key: {
            "exercise": e.key,
            "function": e.function,
            "number": e.number,
            "max_points": e.points,
            "passed": False,
            "points": 0,
            "mistake": "not_graded",
            "hint": hint,
            "lang": lang,
        }
        for e in EXERCISES
    }


def _read_notebook_error(path: Path, lang: str) -> str | None:
    """Why ``path`` is not a notebook the grader can run, or ``None`` when it is one."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return text("invalid_notebook", lang, error=f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return text("invalid_notebook", lang, error=f"bad JSON, line {exc.lineno} column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return text("invalid_notebook", lang, error="no list of cells")
    return None


def _log_tail(log: Path, lines: int = 3) -> str:
    try:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return " | ".join(line.strip()[:160] for line in tail)


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    env.setdefault("NST_MODE", "quick")
    return env


def _kill(process: subprocess.Popen) -> None:
    """Stop a grading process and whatever the graded code started (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def grade_notebook(
    notebook: Path, student: str, scratch: Path, timeout: float = DEFAULT_TIMEOUT_S, lang: str = "en"
) -> GradedSubmission:
    """Grade one notebook in a child process; ``scratch`` is an empty folder of its own."""
    started = time.time()
    copy = scratch / "submission.ipynb"
    shutil.copyfile(notebook, copy)
    problem = _read_notebook_error(copy, lang)
    if problem:
        return GradedSubmission(
            student, str(notebook), "invalid", _empty_exercises("", lang), [problem], time.time() - started
        )
    result_file, log = scratch / "result.json", scratch / "output.log"
    deadline = started + timeout
    command = [
        sys.executable,
        "-m",
        "nst_helpers.grading.worker",
        str(copy),
        str(result_file),
        "--deadline",
        repr(deadline),
        "--lang",
        lang,
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=scratch,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_worker_env(),
            start_new_session=True,
        )
        with _running_lock:
            _running.add(process)
        try:
            code = process.wait(timeout=max(deadline - time.time(), 0) + KILL_GRACE_S)
        except subprocess.TimeoutExpired:
            _kill(process)
            code = None
        finally:
            with _running_lock:
                _running.discard(process)
    try:
        data = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        data = {"notes": [], "exercises": {}, "finished": False}
    notes = list(data.get("notes", []))
    if code is None:
        status, reason = "timeout", text("notebook_timeout", lang, seconds=timeout)
    elif code != 0 or not data.get("finished"):
        status, reason = "crashed", text("crashed", lang, code=code, detail=_log_tail(log) or "-")
    else:
        status, reason = "graded", ""
    if reason:
        notes.append(reason)
    missing = text("not_reached", lang) + (f" ({reason})" if reason else "")
    exercises = {**_empty_exercises(missing, lang), **data.get("exercises", {})}
    return GradedSubmission(student, str(notebook), status, exercises, notes, time.time() - started)


def _grade_safely(notebook: Path, student: str, scratch: Path, timeout: float, lang: str) -> GradedSubmission:
    """:func:`grade_notebook`, with any failure of the grader itself (an unreadable file ...) as the result."""
    try:
        return grade_notebook(notebook, student, scratch, timeout, lang)
    except Exception as exc:
        note = text("crashed", lang, code="-", detail=f"{type(exc).__name__}: {exc}")
        return GradedSubmission(student, str(notebook), "crashed", _empty_exercises("", lang), [note])


def grade_submissions(
    paths: list[Path],
    jobs: int = DEFAULT_JOBS,
    timeout: float = DEFAULT_TIMEOUT_S,
    lang: str = "en",
    progress: Callable[[int, int, GradedSubmission], None] | None = None,
) -> list[GradedSubmission]:
    """Grade every notebook in ``paths`` (files or folders), ``jobs`` at a time; results in input order."""
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more; got {jobs}.")
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout}.")
    notebooks = find_notebooks(paths)
    ids = student_ids(notebooks)
    results: list[GradedSubmission | None] = [None] * len(notebooks)
    with tempfile.TemporaryDirectory(prefix="nst-grade-") as scratch_root:
        pool = ThreadPoolExecutor(jobs)
        try:
            futures = {}
            for index, (notebook, student) in enumerate(zip(notebooks, ids)):
                scratch = Path(scratch_root) / f"{index:04d}"
                scratch.mkdir()
                futures[pool.submit(_grade_safely, notebook, student, scratch, timeout, lang)] = index
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = graded = future.result()
                if progress:
                    progress(done, len(notebooks), graded)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            with _running_lock:
                for process in list(_running):
                    _kill(process)
            raise
        pool.shutdown()
    return [r for r in results if r is not None]
