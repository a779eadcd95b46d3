"""The chapter 08 assignment on the student's side: exercises, public test inputs, checks and their hints.

In the notebook, each exercise is followed by a check cell, for example
``assignment.check_gram_matrix(gram_matrix, lang="en")``: it runs the function on the public inputs and
compares the result with values stored for those inputs; for a typical mistake it says which one, in
English, Vietnamese or Chinese. The grader that teachers run, ``nst-grade``, is a separate package
(``grader/`` in the repository) that students do not install: it grades on inputs drawn when it runs.

Chapter: 08.
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
from .exercises import ALLOWED_IMPORTS, EXERCISES, MAX_POINTS, Exercise
from .messages import LANGS, text

__all__ = [
    "ALLOWED_IMPORTS",
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
