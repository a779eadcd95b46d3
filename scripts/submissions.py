"""Synthetic submissions of the chapter 08 assignment, made from the teacher version: the typical wrong answers
that the grader's tests and ``benchmarks/grade_class.py`` both use."""

from __future__ import annotations

import json

import nbformat

import make_assignments

# Typical wrong answers: (name, function whose solution is replaced, new solution lines, exercise broken, hint key)
WRONG_ANSWERS = [
    ("gram_transposed", "gram_matrix", ["GA = tf.matmul(tf.transpose(A), A)"], "gram_matrix", "gram.transpose_first"),
    ("gram_numpy", "gram_matrix", ["GA = np.dot(A, np.transpose(A))"], "gram_matrix", "numpy_in_graph"),
    (
        "content_mean",
        "compute_content_cost",
        ["J_content = tf.reduce_mean(tf.square(a_C - a_G))"],
        "content_cost",
        "content.mean",
    ),
    (
        "content_unnormalised",
        "compute_content_cost",
        ["J_content = tf.reduce_sum(tf.square(a_C - a_G))"],
        "content_cost",
        "content.no_normalisation",
    ),
    (
        "layer_reshape_order",
        "compute_layer_style_cost",
        [
            "_, n_H, n_W, n_C = a_G.shape",
            "GS = gram_matrix(tf.reshape(a_S, (n_C, n_H * n_W)))",
            "GG = gram_matrix(tf.reshape(a_G, (n_C, n_H * n_W)))",
            "J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4.0 * n_C**2 * (n_H * n_W) ** 2)",
        ],
        "layer_style_cost",
        "layer_style.reshape_order",
    ),
    (
        "style_overwrites",
        "compute_style_cost",
        [
            "for name, weight in style_layers:",
            "    J_style = weight * compute_layer_style_cost(a_S[name], a_G[name])",
        ],
        "style_cost",
        "style.last_only",
    ),
    ("total_swapped", "total_cost", ["J = beta * J_content + alpha * J_style"], "total_cost", "total.swapped"),
    (
        "train_no_clip",
        "make_train_step",
        [
            "with tf.GradientTape() as tape:",
            "    a_G_content, a_G_style = model_outputs(generated_image)",
            "    J = total_cost(compute_content_cost(a_C, a_G_content), compute_style_cost(a_S, a_G_style, style_layers), alpha, beta)",
            "optimizer.apply_gradients([(tape.gradient(J, generated_image), generated_image)])",
            "return J",
        ],
        "train_step",
        "train.no_clip",
    ),
    (
        "train_ascent",
        "make_train_step",
        [
            "with tf.GradientTape() as tape:",
            "    a_G_content, a_G_style = model_outputs(generated_image)",
            "    J = total_cost(compute_content_cost(a_C, a_G_content), compute_style_cost(a_S, a_G_style, style_layers), alpha, beta)",
            "optimizer.apply_gradients([(-tape.gradient(J, generated_image), generated_image)])",
            "generated_image.assign(tf.clip_by_value(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX))",
            "return J",
        ],
        "train_step",
        "train.ascent",
    ),
    (
        "train_numpy_clip",
        "make_train_step",
        [
            "with tf.GradientTape() as tape:",
            "    a_G_content, a_G_style = model_outputs(generated_image)",
            "    J = total_cost(compute_content_cost(a_C, a_G_content), compute_style_cost(a_S, a_G_style, style_layers), alpha, beta)",
            "optimizer.apply_gradients([(tape.gradient(J, generated_image), generated_image)])",
            "generated_image.assign(np.clip(generated_image, PREPROCESSED_MIN, PREPROCESSED_MAX))",
            "return J",
        ],
        "train_step",
        "numpy_in_graph",
    ),
]


def solution_cell(notebook: nbformat.NotebookNode, function: str) -> nbformat.NotebookNode:
    for cell in notebook.cells:
        if cell.cell_type == "code" and f"def {function}(" in cell.source and make_assignments.BEGIN in cell.source:
            return cell
    raise LookupError(f"no solution cell defines {function}")


def replace_solution(notebook: nbformat.NotebookNode, function: str, lines: list[str]) -> nbformat.NotebookNode:
    """A copy of ``notebook`` whose solution block in the cell of ``function`` holds ``lines`` instead."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = solution_cell(notebook, function)
    source = cell.source.split("\n")
    ((begin, end),) = make_assignments.solution_blocks(cell.source, function)
    indent = source[begin][: len(source[begin]) - len(source[begin].lstrip())]
    source[begin + 1 : end] = [indent + line for line in lines]
    cell.source = "\n".join(source)
    return notebook
