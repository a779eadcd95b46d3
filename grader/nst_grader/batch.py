"""Grade many submitted notebooks: each in a contained child process, a few at a time, judged here.

For one notebook (:func:`grade_notebook`): read it without running it (:mod:`scan`), start the child
(:mod:`sandbox`), send it the cells, then one exercise at a time the inputs drawn from the seed
(:mod:`cases`); judge each reply against this process's own values (:mod:`judge`); stop the child and
everything it started. Whatever a submission does (bad JSON, an exception, an endless loop, a flood of
output, forged replies, a crash) becomes its own notes and zeros, and the batch goes on.

For a class (:func:`grade_submissions`): each finished submission is appended to the journal in the
output folder and the gradebooks are rewritten from the journal (:mod:`gradebook`), so a run that is
killed loses nothing, and ``--resume`` continues it.

Chapter: 08.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import queue
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from nst_helpers.assignment import wire
from nst_helpers.assignment.compare import clean_text
from nst_helpers.assignment.exercises import EXERCISES, MAX_POINTS
from nst_helpers.assignment.messages import text

from . import cases as cases_module
from . import reference, sandbox, scan
from .judge import exercise_result, judge

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_JOBS = 2
EXERCISE_SHARE = 0.2  # one exercise may use at most this share of the time limit (at least MIN_EXERCISE_S)
MIN_EXERCISE_S = 20.0
REPLY_GRACE_S = 5.0
NOTE_KINDS = {"shell_lines", "cell_syntax", "cell_error", "cell_timeout"}
MAX_NOTES = 50

_running: dict[int, subprocess.Popen] = {}  # child processes alive now, by pid
_running_lock = threading.Lock()


@dataclass
class Settings:
    """How a class is graded: recorded in the gradebook."""

    seed: int
    timeout: float = DEFAULT_TIMEOUT_S
    lang: str = "en"
    sandbox_kind: str = "none"  # "bwrap" or "none" (see sandbox.resolve)
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)


@dataclass
class GradedSubmission:
    """The grade of one notebook: points and hint per exercise, and notes on what happened."""

    student: str
    path: str
    status: str  # "graded", "timeout", "crashed" or "invalid"
    exercises: dict[str, dict]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lang: str = "en"
    sha256: str = ""
    flags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(int(e["points"]) for e in self.exercises.values() if e.get("passed"))

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
            "lang": self.lang,
            "sha256": self.sha256,
            "flags": self.flags,
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


def printable_path(path: Path | str) -> str:
    """A path as text that any file and terminal accept (bytes that are not UTF-8 written as escapes)."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def student_ids(notebooks: list[Path]) -> tuple[list[str], dict[int, str]]:
    """Each notebook's id (its ``STUDENT_ID`` field, else the file name) and notes on duplicated ids."""
    wanted = []
    for path in notebooks:
        try:
            wanted.append(scan.student_id(scan.read_notebook(path)) or "")
        except Exception:  # whatever is wrong with the file is reported when it is graded
            wanted.append("")
    stems = [p.stem for p in notebooks]
    fallback = [printable_path(f"{p.parent.name}/{p.stem}" if stems.count(p.stem) > 1 else p.stem) for p in notebooks]
    ids = [w or f for w, f in zip(wanted, fallback)]
    notes: dict[int, str] = {}
    unique = list(ids)
    for i, student in enumerate(ids):
        same = [j for j, other in enumerate(ids) if other == student]
        if len(same) > 1:
            notes[i] = student
            unique[i] = f"{student}#{same.index(i) + 1}"
    return unique, notes


def _empty_exercises(key: str, lang: str, **fields: Any) -> dict[str, dict]:
    return {e.key: exercise_result(e.key, lang, key, **fields) for e in EXERCISES}


def _note(entry: Any, lang: str) -> str | None:
    """A note from the child (a dict of known kind and fields), as text; ``None`` for anything else."""
    if not isinstance(entry, dict) or entry.get("kind") not in NOTE_KINDS:
        return None
    fields = {}
    for name in ("cell", "line", "seconds"):
        value = entry.get(name, 0)
        fields[name] = value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0
    fields["error"] = clean_text(entry.get("error", ""))
    return text(entry["kind"], lang, **fields)


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are not among fds 0-2 (which the child's stdin and output replace, and which a test
    runner may have closed, so that os.pipe() would hand them out)."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]


class _Requests:
    """The pipe to the child, written with a deadline: a child that stops reading cannot block the grader."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, header: dict, arrays: dict | None, until: float) -> None:
        """Write one frame before ``until``; ``OSError`` (a ``TimeoutError``) when the child does not read it."""
        data = memoryview(wire.frame_bytes(header, arrays))
        while data:
            left = until - time.time()
            if left <= 0 or not select.select([], [self.fd], [], left)[1]:
                raise TimeoutError("the child does not read its requests")
            try:
                data = data[os.write(self.fd, data[: 1 << 16]) :]
            except BlockingIOError:
                continue

    def close(self) -> None:
        os.close(self.fd)


class _Replies:
    """Frames from the child, read in a thread; :meth:`next` waits for one until a time."""

    def __init__(self, stream):
        self.queue: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        try:
            while True:
                frame = wire.read_frame(stream)
                self.queue.put(frame)
                if frame is None:
                    return
        except (wire.WireError, EOFError, OSError, ValueError) as exc:
            self.queue.put(exc)

    def next(self, until: float) -> tuple[dict, dict] | str:
        """The next frame, or ``"timeout"``, ``"closed"`` or ``"malformed"``."""
        try:
            item = self.queue.get(timeout=max(until - time.time(), 0.0))
        except queue.Empty:
            return "timeout"
        if item is None:
            return "closed"
        if isinstance(item, Exception):
            return "malformed"
        return item


def grade_notebook(
    notebook: Path, student: str, scratch: Path, settings: Settings, content: bytes | None = None
) -> GradedSubmission:
    """Grade one notebook in a contained child process; ``scratch`` is an empty folder of its own. ``content``
    is the file as read when the batch began (what a submission graded earlier writes to disk changes nothing)."""
    started = time.time()
    content = notebook.read_bytes() if content is None else content
    digest = hashlib.sha256(content).hexdigest()
    try:
        submission = scan.scan(notebook, content)
    except Exception as exc:  # NotebookError, or anything else a crafted file provokes
        error = str(exc) if isinstance(exc, scan.NotebookError) else type(exc).__name__
        note = text("invalid_notebook", settings.lang, error=error)
        empty = _empty_exercises("not_graded", settings.lang)
        return GradedSubmission(student, printable_path(notebook), "invalid", empty, [note], 0.0, settings.lang, digest)
    lang = submission.lang or settings.lang
    deadline = started + settings.timeout
    request_r, request_w = _pipe()
    reply_r, reply_w = _pipe()
    runner = [
        sys.executable,
        "-I",  # isolated: nothing in the working folder or the environment changes what Python imports
        "-m",
        "nst_helpers.assignment.runner",
        "--deadline",
        repr(deadline),
        "--request-fd",
        str(request_r),
        "--reply-fd",
        str(reply_w),
    ]
    command = sandbox.child_command(settings.sandbox_kind, scratch, runner, settings.limits)
    notes: list[str] = []
    exercises: dict[str, dict] = {}
    status = "graded"
    with _running_lock:  # no other job's clean-up may run while this child is not yet registered
        process = subprocess.Popen(
            command.argv,
            cwd=command.cwd,
            env=command.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(request_r, reply_w),
            start_new_session=True,
        )
        _running[process.pid] = process
    os.close(request_r)
    os.close(reply_w)
    output = sandbox.OutputCapture(process.stdout)
    os.set_blocking(request_w, False)
    requests = _Requests(request_w)
    replies = _Replies(os.fdopen(reply_r, "rb"))
    try:
        status = _converse(submission, settings, lang, deadline, requests, replies, notes, exercises)
    finally:
        with _running_lock:
            _running.pop(process.pid, None)
        try:
            requests.close()
        except OSError:
            pass
        code = _stop(process, deadline if status == "graded" else time.time() + 1.0)
        with _running_lock:
            survivors = sandbox.kill_tree(process.pid, command.group, keep=set(_running))
        process.wait()
        sandbox.remove_cgroup(command.group)
        sandbox.remove_cgroup(command.memory_group)
        output.finish()
    if survivors:
        notes.append(text("survivors", settings.lang, pids=", ".join(map(str, survivors))))
    if output.dropped:
        notes.append(text("output_truncated", lang, kept=len(output.kept), dropped=output.dropped))
    if status == "timeout":
        notes.append(text("notebook_timeout", lang, seconds=settings.timeout))
    elif status == "crashed":
        notes.append(text("crashed", lang, code=code, detail=output.tail_text() or "-"))
    elif status == "malformed":
        status = "crashed"
        notes.append(text("malformed", lang))
    missing = text("not_reached", lang) + (f" ({notes[-1]})" if status != "graded" and notes else "")
    for exercise in EXERCISES:
        if exercise.key not in exercises:
            entry = exercise_result(exercise.key, lang, "not_graded")
            entry["hint"] = missing
            exercises[exercise.key] = entry
    return GradedSubmission(
        student,
        printable_path(notebook),
        status,
        exercises,
        notes,
        time.time() - started,
        lang,
        digest,
        submission.flags,
    )


def _converse(
    submission: scan.Submission,
    settings: Settings,
    lang: str,
    deadline: float,
    requests: _Requests,
    replies: _Replies,
    notes: list[str],
    exercises: dict[str, dict],
) -> str:
    """Send the cells, then the exercises; judge the replies. Return the status of the submission."""
    cells = [{"number": c.number, "source": c.source, "tags": c.tags} for c in submission.cells]
    try:
        requests.send({"cells": cells}, None, deadline)
    except TimeoutError:
        return "timeout"
    except OSError:
        return "crashed"
    ready = replies.next(deadline + REPLY_GRACE_S)
    if isinstance(ready, str):
        return {"timeout": "timeout", "closed": "crashed"}.get(ready, "malformed")
    header = ready[0]
    if header.get("ready") is not True or not isinstance(header.get("notes", []), list):
        return "malformed"
    notes.extend(n for n in (_note(e, lang) for e in header.get("notes", [])[:MAX_NOTES]) if n)
    graded_cases = cases_module.graded_cases(settings.seed)
    for exercise in EXERCISES:
        if exercise.key in submission.flags:
            exercises[exercise.key] = exercise_result(
                exercise.key, lang, "forbidden", reason="; ".join(submission.flags[exercise.key])
            )
            continue
        seconds = max(EXERCISE_SHARE * settings.timeout, MIN_EXERCISE_S)
        seconds = min(seconds, deadline - time.time())
        if seconds <= 0:
            return "timeout"
        specs, arrays = cases_module.request(exercise.key, graded_cases[exercise.key])
        helpers, names = reference.helper_source(exercise.key)
        request = {
            "exercise": exercise.key,
            "function": exercise.function,
            "cases": specs,
            "helpers": helpers,
            "names": names,
            "time_limit": seconds,
        }
        try:
            requests.send(request, arrays, time.time() + seconds)
        except TimeoutError:
            exercises[exercise.key] = exercise_result(exercise.key, lang, "timeout", seconds=round(seconds))
            return "timeout"
        except OSError:
            return "crashed"
        reply = replies.next(time.time() + seconds + REPLY_GRACE_S)
        if reply == "timeout":
            exercises[exercise.key] = exercise_result(exercise.key, lang, "timeout", seconds=round(seconds))
            return "timeout"
        if isinstance(reply, str):
            return "crashed" if reply == "closed" else "malformed"
        exercises[exercise.key] = judge(exercise.key, graded_cases[exercise.key], reply[0], reply[1], lang)
    try:
        requests.send({"done": True}, None, time.time() + REPLY_GRACE_S)
    except OSError:
        pass
    return "graded"


def _stop(process: subprocess.Popen, until: float) -> int | None:
    """Wait for the child to leave by itself until ``until`` (a few seconds at most), then kill it."""
    try:
        return process.wait(timeout=min(max(until - time.time(), 0.0), REPLY_GRACE_S))
    except subprocess.TimeoutExpired:
        return None


def grade_submissions(
    paths: list[Path],
    settings: Settings,
    jobs: int = DEFAULT_JOBS,
    done: dict[str, GradedSubmission] | None = None,
    progress: Callable[[int, int, GradedSubmission], None] | None = None,
    on_result: Callable[[GradedSubmission], None] | None = None,
) -> list[GradedSubmission]:
    """Grade every notebook in ``paths`` (files or folders), ``jobs`` at a time; results in input order.

    ``done`` maps a notebook's path and digest (``path|sha256``) to a result from an earlier run that is kept
    (``--resume``); ``on_result`` is called in this thread after each new result (the journal)."""
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more; got {jobs}.")
    if settings.timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds; got {settings.timeout}.")
    notebooks = find_notebooks(paths)
    contents = [p.read_bytes() if p.stat().st_size <= scan.MAX_NOTEBOOK_BYTES else b"" for p in notebooks]
    ids, duplicates = student_ids(notebooks)
    sandbox.become_subreaper()
    sandbox.remove_stale_cgroups()
    results: list[GradedSubmission | None] = [None] * len(notebooks)

    def one(index: int, scratch: Path) -> GradedSubmission:
        try:
            scratch.mkdir(mode=0o700)  # made when its child starts, not before: no child sees another's
            graded = grade_notebook(notebooks[index], ids[index], scratch, settings, contents[index] or None)
        except Exception as exc:  # a failure of the grader itself must not stop the batch
            note = text("crashed", settings.lang, code="-", detail=f"{type(exc).__name__}: {exc}")
            graded = GradedSubmission(
                ids[index],
                printable_path(notebooks[index]),
                "crashed",
                _empty_exercises("not_graded", settings.lang),
                [note],
            )
        if index in duplicates:
            graded.notes.append(text("duplicate_id", graded.lang, student=duplicates[index]))
        return graded

    import tempfile

    with tempfile.TemporaryDirectory(prefix="nst-grade-") as scratch_root:
        os.chmod(scratch_root, 0o711)
        pool = ThreadPoolExecutor(jobs)
        try:
            futures = {}
            finished = 0
            for index, notebook in enumerate(notebooks):
                key = f"{printable_path(notebook)}|{hashlib.sha256(contents[index]).hexdigest()}"
                if done and key in done:
                    results[index] = done[key]
                    finished += 1
                    continue
                futures[pool.submit(one, index, Path(scratch_root) / f"{index:04d}")] = index
            for future in as_completed(futures):
                results[futures[future]] = graded = future.result()
                finished += 1
                if on_result:
                    on_result(graded)
                if progress:
                    progress(finished, len(notebooks), graded)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            with _running_lock:
                for process in list(_running.values()):
                    sandbox.kill_tree(process.pid, None)
            raise
        pool.shutdown()
    return [r for r in results if r is not None]
