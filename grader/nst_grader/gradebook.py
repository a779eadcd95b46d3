"""The gradebook: the journal of a run, a table for a person, CSV and JSON files, feedback per student,
and exports in the column layouts that Canvas and Moodle import.

The journal (``journal.jsonl`` in the output folder) is the record: its first line holds the settings
(the seed ...), then one line per graded submission, appended as one write and flushed to disk. Every other
file is written from the journal's records, atomically, after each submission and at the end; a line
that cannot be read back is skipped (that submission is graded again by ``--resume``).

Chapter: 08.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any, Sequence

from nst_helpers.assignment.exercises import BY_KEY, EXERCISES, MAX_POINTS
from nst_helpers.assignment.messages import text
from nst_helpers.files import atomic_write_text

from .batch import GradedSubmission

JOURNAL = "journal.jsonl"
ASSIGNMENT_TITLE = "NST assignment (chapter 08)"


class JournalError(ValueError):
    """The journal of an earlier run cannot be continued (other settings, not a journal ...)."""


# ---- the journal ---------------------------------------------------------------------------------------
def _append_line(path: Path, record: dict) -> None:
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def start_journal(out: Path, settings: dict) -> Path:
    """A new journal in ``out`` whose first line is ``settings``."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / JOURNAL
    atomic_write_text(path, json.dumps({"journal": 1, "settings": settings}, ensure_ascii=False) + "\n")
    return path


def append(journal: Path, graded: GradedSubmission) -> None:
    _append_line(journal, {"submission": graded.to_dict()})


def _from_record(record: Any) -> GradedSubmission | None:
    """A submission from a journal line, or ``None`` when the line is not one the grader wrote."""
    try:
        data = record["submission"]
        exercises = {}
        for exercise in EXERCISES:
            entry = data["exercises"][exercise.key]
            points = entry["points"]
            if not isinstance(points, int) or isinstance(points, bool) or points not in (0, exercise.points):
                return None
            if bool(entry["passed"]) != (points == exercise.points):
                return None
            exercises[exercise.key] = {**entry, "max_points": exercise.points}
        return GradedSubmission(
            str(data["student"]),
            str(data["path"]),
            str(data["status"]),
            exercises,
            [str(n) for n in data["notes"]],
            float(data["seconds"]),
            str(data["lang"]),
            str(data["sha256"]),
            {str(k): [str(r) for r in v] for k, v in data.get("flags", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def read_journal(out: Path) -> tuple[dict, list[GradedSubmission]]:
    """The settings and the submissions recorded in ``out``'s journal (unreadable lines left out)."""
    path = out / JOURNAL
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalError(f"{path} cannot be read ({exc}); grade without --resume.") from None
    try:
        head = json.loads(lines[0]) if lines else None
        settings = head["settings"]
        if head.get("journal") != 1 or not isinstance(settings, dict):
            raise TypeError
    except (json.JSONDecodeError, TypeError, KeyError):
        raise JournalError(f"{path} is not a journal of nst-grade; grade without --resume.") from None
    graded: dict[str, GradedSubmission] = {}
    for line in lines[1:]:
        try:
            submission = _from_record(json.loads(line))
        except json.JSONDecodeError:
            submission = None
        if submission is not None:
            graded[f"{submission.path}|{submission.sha256}"] = submission
    return settings, list(graded.values())


# ---- the table -----------------------------------------------------------------------------------------
def _width(s: str) -> int:
    """Columns a string takes in a terminal (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    fill = " " * max(width - _width(s), 0)
    return fill + s if right else s + fill


def notes_of(graded: GradedSubmission) -> list[str]:
    """The reasons behind lost points (exercises with the same reason on one line), then the notes on the run."""
    by_hint: dict[str, list[dict]] = {}
    for e in sorted(graded.exercises.values(), key=lambda e: e["number"]):
        if not e.get("passed") and e.get("hint"):
            by_hint.setdefault(e["hint"], []).append(e)
    reasons = [
        (
            f"Ex{group[0]['number']} {group[0]['function']}"
            if len(group) == 1
            else ", ".join(f"Ex{e['number']}" for e in group)
        )
        + f": {hint}"
        for hint, group in by_hint.items()
    ]
    return reasons + [note for note in graded.notes if not any(note in hint for hint in by_hint)]


def format_table(results: Sequence[GradedSubmission], lang: str = "en") -> str:
    """A plain-text table: one row per student, points per exercise, the total; then the hints."""
    headers = ["student"] + [f"Ex{e.number}/{e.points}" for e in EXERCISES] + [f"total/{MAX_POINTS}", "status"]
    rows = [
        [r.student] + [str(r.exercises[e.key]["points"]) for e in EXERCISES] + [str(r.total), r.status] for r in results
    ]
    widths = [max(_width(h), *(_width(row[i]) for row in rows)) if rows else _width(h) for i, h in enumerate(headers)]
    lines = ["  ".join(_pad(h, w, right=0 < i < len(headers) - 1) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w, right=0 < i < len(row) - 1) for i, (c, w) in enumerate(zip(row, widths))))
    details = [(r.student, note) for r in results for note in notes_of(r)]
    if details:
        lines += ["", text("why_lost", lang)]
        lines += [f"  {_pad(student, widths[0])}  {note}" for student, note in details]
    return "\n".join(lines)


# ---- files ---------------------------------------------------------------------------------------------
def _csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()  # a BOM, so spreadsheets read UTF-8


def write_csv(results: Sequence[GradedSubmission], path: Path) -> Path:
    """One row per student: id, points per exercise, total, status, notes (UTF-8 with BOM for spreadsheets)."""
    rows: list[list[Any]] = [["student"] + [e.function for e in EXERCISES] + ["total", "max_total", "status", "notes"]]
    for r in results:
        rows.append(
            [r.student]
            + [r.exercises[e.key]["points"] for e in EXERCISES]
            + [r.total, MAX_POINTS, r.status, " | ".join(notes_of(r))]
        )
    return atomic_write_text(path, _csv_text(rows))


def write_json(results: Sequence[GradedSubmission], path: Path, settings: dict | None = None) -> Path:
    """Everything: the exercises and their points, the settings of the run, and each submission in full."""
    data = {
        "max_total": MAX_POINTS,
        "exercises": [
            {"key": e.key, "number": e.number, "function": e.function, "points": e.points} for e in EXERCISES
        ],
        "settings": settings or {},
        "submissions": [r.to_dict() for r in results],
    }
    return atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2))


def write_lms_exports(results: Sequence[GradedSubmission], out: Path) -> list[Path]:
    """``canvas.csv`` (Canvas's gradebook-import columns, the id as SIS User ID) and ``moodle.csv`` (an
    "ID number" column, the grade and a feedback column, as Moodle's CSV grade import maps them)."""
    canvas: list[list[Any]] = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT_TITLE]]
    canvas.append(["Points Possible", "", "", "", "", MAX_POINTS])
    canvas += [[r.student, "", r.student, "", "", r.total] for r in results]
    moodle: list[list[Any]] = [["ID number", ASSIGNMENT_TITLE, "Feedback"]]
    moodle += [[r.student, r.total, " | ".join(notes_of(r))] for r in results]
    return [
        atomic_write_text(out / "canvas.csv", _csv_text(canvas)),
        atomic_write_text(out / "moodle.csv", _csv_text(moodle)),
    ]


def feedback_markdown(graded: GradedSubmission) -> str:
    """The feedback a student gets: points and the hint per exercise, the notes on the run, in their language."""
    lang = graded.lang
    lines = [
        f"# {text('feedback_title', lang, student=graded.student)}",
        "",
        text("feedback_total", lang, total=graded.total, max_total=MAX_POINTS),
        "",
        f"| {text('feedback_columns', lang)} |",
        "| --- | --- | ---: | --- |",
    ]
    for exercise in EXERCISES:
        entry = graded.exercises[exercise.key]
        hint = str(entry.get("hint", "")).replace("|", "\\|").replace("\n", " ") or "✓"
        lines.append(
            f"| {exercise.number} | `{BY_KEY[exercise.key].function}` | {entry['points']}/{exercise.points} | {hint} |"
        )
    if graded.notes:
        lines += ["", f"## {text('feedback_notes', lang)}", ""] + [f"- {note}" for note in graded.notes]
    return "\n".join(lines) + "\n"


def _file_name(student: str) -> str:
    return re.sub(r"[^\w.@-]+", "_", student).strip("._") or "student"


def write_feedback(results: Sequence[GradedSubmission], folder: Path) -> list[Path]:
    """One Markdown file per student in ``folder``."""
    return [atomic_write_text(folder / f"{_file_name(r.student)}.md", feedback_markdown(r)) for r in results]


def write_all(results: Sequence[GradedSubmission], out: Path, settings: dict) -> dict[str, Path]:
    """Every gradebook file, from ``results``."""
    return {
        "csv": write_csv(results, out / "gradebook.csv"),
        "json": write_json(results, out / "gradebook.json", settings),
        "lms": write_lms_exports(results, out)[0].parent,
        "feedback": write_feedback(results, out / "feedback")[0].parent if results else out / "feedback",
    }
