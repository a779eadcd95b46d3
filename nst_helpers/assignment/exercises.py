"""The graded exercises of chapter 08: their order, the function each one asks for, and its points.

Chapter: 08.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``key`` names its check (``check_<key>``), ``function`` the name the student defines."""

    key: str
    number: int
    function: str
    points: int


EXERCISES: tuple[Exercise, ...] = (
    Exercise("gram_matrix", 1, "gram_matrix", 15),
    Exercise("content_cost", 2, "compute_content_cost", 15),
    Exercise("layer_style_cost", 3, "compute_layer_style_cost", 20),
    Exercise("style_cost", 4, "compute_style_cost", 15),
    Exercise("total_cost", 5, "total_cost", 10),
    Exercise("train_step", 6, "make_train_step", 25),
)
BY_KEY: dict[str, Exercise] = {e.key: e for e in EXERCISES}
MAX_POINTS = sum(e.points for e in EXERCISES)

#: What a graded cell may import from ``nst_helpers``: the set-up, the valid pixel range and these checks.
#: Anything else of the package (``nst_helpers.losses`` holds the book's own costs) is the exercise's answer
#: written by someone else: ``nst-grade`` flags it and gives that exercise 0 points.
ALLOWED_IMPORTS: dict[str, tuple[str, ...]] = {
    "nst_helpers": ("PREPROCESSED_MIN", "PREPROCESSED_MAX", "assignment"),
    "nst_helpers.book.notebook": ("setup",),
    "nst_helpers.assignment": ("*",),
}
