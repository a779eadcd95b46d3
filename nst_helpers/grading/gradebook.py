"""The gradebook: a table for a person, a CSV file (one row per student) and a JSON file with every detail.

Chapter: 08.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path
from typing import Sequence

from .batch import GradedSubmission
from .exercises import EXERCISES, MAX_POINTS
from .messages import text


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


def write_csv(results: Sequence[GradedSubmission], path: Path) -> Path:
    """One row per student: id, points per exercise, total, status, notes (UTF-8 with BOM for spreadsheets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(["student"] + [e.function for e in EXERCISES] + ["total", "max_total", "status", "notes"])
        for r in results:
            writer.writerow(
                [r.student]
                + [r.exercises[e.key]["points"] for e in EXERCISES]
                + [r.total, MAX_POINTS, r.status, " | ".join(notes_of(r))]
            )
    return path


def write_json(results: Sequence[GradedSubmission], path: Path, settings: dict | None = None) -> Path:
    """Everything: the exercises and their points, the settings of the run, and each submission in full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "max_total": MAX_POINTS,
        "exercises": [
            {"key": e.key, "number": e.number, "function": e.function, "points": e.points} for e in EXERCISES
        ],
        "settings": settings or {},
        "submissions": [r.to_dict() for r in results],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
