"""Checks and grading of the chapter 08 assignment.

In the notebook, each exercise is followed by a check cell, for example
``grading.check_gram_matrix(gram_matrix, lang="en")``: it runs the function on fixed inputs, compares the
result with the reference, and for a typical mistake says which one, in English, Vietnamese or Chinese.
The ``nst-grade`` command runs the same checks on a folder of submitted notebooks (see ``nst_helpers.grading.cli``).
"""

from .checks import (
    CheckResult,
    ExerciseFailed,
    check_content_cost,
    check_gram_matrix,
    check_layer_style_cost,
    check_style_cost,
    check_total_cost,
    check_train_step,
    evaluate,
)
from .examples import SEED, TinyFeatureModel, example_inputs
from .exercises import EXERCISES, MAX_POINTS, Exercise
from .messages import LANGS, text

__all__ = [
    "CheckResult",
    "ExerciseFailed",
    "EXERCISES",
    "Exercise",
    "LANGS",
    "MAX_POINTS",
    "SEED",
    "TinyFeatureModel",
    "check_content_cost",
    "check_gram_matrix",
    "check_layer_style_cost",
    "check_style_cost",
    "check_total_cost",
    "check_train_step",
    "evaluate",
    "example_inputs",
    "text",
]
