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
