"""The chapter 08 assignment: its two versions, the notebook's public checks, and nst-grade on notebooks.

The expensive part, grading notebooks in child processes, runs in two module-scoped batches that the tests
share: one of normal submissions (the teacher version, the student version and typical wrong answers),
and one of broken submissions under a short time limit. Attacks on the grader are in test_grader_attacks.py.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import make_assignments  # noqa: E402
from nst_grader import cli as grade_cli  # noqa: E402
from nst_grader import mistakes, public, reference  # noqa: E402
from nst_helpers import assignment  # noqa: E402
from nst_helpers.assignment import checks, compare  # noqa: E402
from nst_helpers.assignment.exercises import BY_KEY, EXERCISES, MAX_POINTS  # noqa: E402
from nst_helpers.assignment.messages import LANGS, MESSAGES, text  # noqa: E402
from submissions import WRONG_ANSWERS, replace_solution, solution_cell  # noqa: E402,F401

LANGS_WITH_SOURCE = make_assignments.source_langs()
POINTS = {e.key: e.points for e in EXERCISES}


def grade(folder: Path, out: Path, *extra: str) -> int:
    """nst-grade on ``folder``, in this process, quietly."""
    return grade_cli.main([str(folder), "--out", str(out), "--jobs", "2", "--quiet", *extra])


def rows_of(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", encoding="utf-8-sig", newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


# ---- building submissions -----------------------------------------------------------------------------
def write(notebook: nbformat.NotebookNode, path: Path) -> Path:
    nbformat.write(notebook, path)
    return path


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The student and teacher versions regenerated from the sources, without running them."""
    out = tmp_path_factory.mktemp("generated")
    make_assignments.make_assignments(out=out, execute=False, log=lambda *_: None)
    return out


@pytest.fixture(scope="module")
def teacher(generated) -> nbformat.NotebookNode:
    return nbformat.read(generated / "assignments" / "teacher" / "en" / "08_assignment.ipynb", as_version=4)


@pytest.fixture(scope="module")
def normal_batch(generated, teacher, tmp_path_factory):
    """Teacher version, student version, typical wrong answers and a renamed function, graded at once."""
    folder = tmp_path_factory.mktemp("submissions")
    write(teacher, folder / "teacher.ipynb")
    (folder / "student.ipynb").write_bytes((generated / "notebooks" / "en" / "08_assignment.ipynb").read_bytes())
    for name, function, lines, _, _ in WRONG_ANSWERS:
        write(replace_solution(teacher, function, lines), folder / f"{name}.ipynb")
    renamed = nbformat.from_dict(json.loads(json.dumps(teacher)))
    cell = solution_cell(renamed, "total_cost")
    cell.source = cell.source.replace("def total_cost(", "def total_cost_v2(")
    write(renamed, folder / "renamed.ipynb")
    hard_coded = replace_solution(teacher, "gram_matrix", ["GA = tf.matmul(A[:3], tf.transpose(A[:3]))"])
    write(hard_coded, folder / "gram_three_channels.ipynb")
    fixed_shape = replace_solution(
        teacher,
        "compute_layer_style_cost",
        [
            "GS = gram_matrix(tf.transpose(tf.reshape(a_S, (24, 3))))",
            "GG = gram_matrix(tf.transpose(tf.reshape(a_G, (24, 3))))",
            "J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4.0 * 9 * 24**2)",
        ],
    )
    write(fixed_shape, folder / "layer_fixed_shape.ipynb")
    write(
        replace_solution(teacher, "gram_matrix", ["GA = tf.matmul(A, tf.transpose(A)) / A.shape[0]"]),
        folder / "gram_over_channels.ipynb",
    )
    before = digests(folder)
    out = tmp_path_factory.mktemp("normal-grades")
    assert grade(folder, out, "--timeout", "120", "--seed", "11") == 0
    report = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    results = {entry["student"]: entry for entry in report["submissions"]}
    return folder, before, results, out


@pytest.fixture(scope="module")
def broken_batch(teacher, tmp_path_factory):
    """A syntax error, three kinds of endless loop, a deleted cell and bad JSON, through the nst-grade command."""
    folder = tmp_path_factory.mktemp("broken")
    syntax = nbformat.from_dict(json.loads(json.dumps(teacher)))
    cell = solution_cell(syntax, "compute_content_cost")
    cell.source = cell.source.replace("(4.0 * n_H * n_W * n_C)", "(4.0 * n_H * n_W * n_C")
    write(syntax, folder / "syntax_error.ipynb")
    deleted = nbformat.from_dict(json.loads(json.dumps(teacher)))
    deleted.cells.remove(solution_cell(deleted, "compute_style_cost"))
    write(deleted, folder / "deleted_cell.ipynb")
    loop_cell = nbformat.from_dict(json.loads(json.dumps(teacher)))
    loop_cell.cells.insert(
        loop_cell.cells.index(solution_cell(loop_cell, "total_cost")),
        nbformat.v4.new_code_cell("while True:\n    pass"),
    )
    write(loop_cell, folder / "loop_in_cell.ipynb")
    write(replace_solution(teacher, "gram_matrix", ["while True:", "    pass"]), folder / "loop_in_function.ipynb")
    stubborn = nbformat.from_dict(json.loads(json.dumps(teacher)))
    stubborn.cells.append(
        nbformat.v4.new_code_cell(
            "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n    except BaseException:\n        pass"
        )
    )
    write(stubborn, folder / "loop_ignores_interrupts.ipynb")
    (folder / "bad_json.ipynb").write_text('{"cells": [{"cell_type": "code", "source": "x = 1"', encoding="utf-8")
    before = digests(folder)
    out = tmp_path_factory.mktemp("gradebook")
    code = grade(folder, out, "--timeout", "40")
    return folder, before, out, code


# ---- the generated versions ------------------------------------------------------------------------------
def _cells(path: Path) -> list[tuple]:
    notebook = nbformat.read(path, as_version=4)
    return [(c.get("id"), c.cell_type, c.source, c.metadata.get("tags", [])) for c in notebook.cells]


@pytest.mark.parametrize("lang", LANGS_WITH_SOURCE)
def test_repository_holds_what_the_generator_makes(generated, lang):
    """Regenerated into a temporary folder, the student and teacher versions equal the committed ones."""
    md = f"book/{lang}/08_assignment.md"
    assert (generated / md).read_text(encoding="utf-8") == (REPO / md).read_text(encoding="utf-8"), (
        f"{md} differs from its source: run scripts/make_assignments.py"
    )
    for path in (f"notebooks/{lang}/08_assignment.ipynb", f"assignments/teacher/{lang}/08_assignment.ipynb"):
        assert _cells(generated / path) == _cells(REPO / path), (
            f"{path} differs from its source: run scripts/make_assignments.py"
        )


@pytest.mark.parametrize("lang", LANGS_WITH_SOURCE)
def test_student_version_has_placeholders_and_tags(generated, lang):
    student = nbformat.read(generated / "notebooks" / lang / "08_assignment.ipynb", as_version=4)
    code = [c for c in student.cells if c.cell_type == "code"]
    assert f'setup("{lang}")' in code[0].source and 'STUDENT_ID = ""' in code[0].source
    assert not any(make_assignments.BEGIN in c.source for c in code), "a solution reached the student version"
    placeholders = [c for c in code if "raise NotImplementedError(" in c.source]
    assert len(placeholders) == len(EXERCISES)
    assert all(make_assignments.YOUR_CODE in c.source for c in placeholders)
    tagged = [c for c in code if "raises-exception" in c.metadata.get("tags", [])]
    assert all("check_" in c.source or "grader-skip" in c.metadata.get("tags", []) for c in tagged)
    assert sum("check_" in c.source for c in tagged) == len(EXERCISES)
    assert sum("nbval-check-output" in c.metadata.get("tags", []) for c in code) >= 2


def test_teacher_version_keeps_solutions_and_raises_nowhere(teacher):
    code = [c for c in teacher.cells if c.cell_type == "code"]
    assert sum(make_assignments.BEGIN in c.source for c in code) == len(EXERCISES)
    assert not any(
        "raises-exception" in c.metadata.get("tags", []) or "needs-solution" in c.metadata.get("tags", []) for c in code
    )


def test_generator_rejects_unbalanced_markers():
    with pytest.raises(make_assignments.AssignmentSourceError, match="never closed"):
        make_assignments.solution_blocks("x = 1\n    ### BEGIN SOLUTION\ny = 2", "cell 3")
    with pytest.raises(make_assignments.AssignmentSourceError, match="without"):
        make_assignments.solution_blocks("### END SOLUTION", "cell 3")


def test_strip_solutions_keeps_indentation():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    ### END SOLUTION\n    return y"
    assert make_assignments.strip_solutions(source, "vi").split("\n")[1:3] == [
        "    # YOUR CODE HERE",
        '    raise NotImplementedError("Hãy thay dòng này bằng mã của bạn.")',
    ]


# ---- the notebook's checks, in this process -------------------------------------------------------------
def test_every_message_exists_in_every_language():
    for key, versions in MESSAGES.items():
        assert set(versions) == set(LANGS), f"message {key!r} lacks {set(LANGS) - set(versions)}"
        assert all(v.strip() for v in versions.values())
    for variants in mistakes.VARIANTS.values():
        for key, _ in variants:
            assert key in MESSAGES, f"mistake {key!r} has no hint"
    for _, _, key in compare.ERROR_MISTAKES:
        assert key in MESSAGES


def test_stored_expected_values_are_current():
    """expected.json holds what the grader's reference gives on the public inputs (python -m nst_grader.public)."""
    assert public.main(["--check"]) == 0


def test_the_reference_agrees_with_the_books_costs():
    from nst_helpers import losses

    inputs = assignment.example_inputs("layer_style_cost")
    a_S, a_G = inputs["a_S"], inputs["a_G"]
    book = losses.layer_style_loss(a_G, losses.gram_matrix(a_S, "coursera"), "coursera")
    assert np.isclose(float(reference.compute_layer_style_cost(a_S, a_G)), float(book), rtol=1e-6)
    content = assignment.example_inputs("content_cost")
    book = losses.content_loss(content["a_G"], content["a_C"], "coursera")
    assert np.isclose(float(reference.compute_content_cost(content["a_C"], content["a_G"])), float(book), rtol=1e-6)


@pytest.mark.parametrize(
    "exercise, key, variant", [(ex, key, fn) for ex, variants in mistakes.VARIANTS.items() for key, fn in variants]
)
def test_each_known_mistake_is_recognised_by_the_public_check(exercise, key, variant):
    result = assignment.evaluate(exercise, variant, "en")
    assert not result.passed and result.mistake == key, result.line()


@pytest.mark.parametrize("exercise", [e.key for e in EXERCISES])
def test_reference_passes_and_wrong_answers_fail_in_each_language(exercise):
    assert assignment.evaluate(exercise, reference.ANSWERS[exercise], "en").passed
    _, variant = mistakes.VARIANTS[exercise][0]
    lines = {lang: assignment.evaluate(exercise, variant, lang).line() for lang in LANGS}
    assert lines["en"].startswith("✗ Exercise") and lines["vi"].startswith("✗ Bài") and lines["zh"].startswith("✗ 练习")
    assert len(set(lines.values())) == 3


def test_check_prints_on_success_and_raises_with_the_hint(capsys):
    assignment.check_total_cost(lambda J_content, J_style, alpha=10, beta=40: alpha * J_content + beta * J_style)
    assert "✓ Exercise 5" in capsys.readouterr().out
    with pytest.raises(assignment.ExerciseFailed) as failure:
        assignment.check_total_cost(lambda J_content, J_style, alpha=10, beta=40: J_content + J_style, lang="zh")
    line = text("failed", "zh", number=5, function="total_cost", points=10, hint=text("total.no_weights", "zh"))
    assert failure.value._render_traceback_() == [f"ExerciseFailed: {line}"]


def test_a_result_off_by_a_simple_factor_is_named():
    tf = checks.tf
    result = assignment.evaluate("gram_matrix", lambda A: tf.matmul(A, A, transpose_b=True) / A.shape[0], "en")
    assert result.mistake == "scaled" and "exactly 1/n_C times" in result.hint, result.hint
    scaled = assignment.evaluate(
        "content_cost", lambda a_C, a_G: a_G.shape[3] * reference.compute_content_cost(a_C, a_G), "en"
    )
    assert scaled.mistake == "scaled" and "exactly n_C times" in scaled.hint, scaled.hint


def test_other_failures_are_explained():
    tf = checks.tf
    assert assignment.evaluate("gram_matrix", 42).mistake == "not_callable"
    assert assignment.evaluate("content_cost", lambda a_C, a_G: None).mistake == "not_a_tensor"
    assert assignment.evaluate("content_cost", lambda a_C, a_G: 1 / 0).hint.startswith(
        "Calling it on the test inputs raised ZeroDivisionError"
    )
    assert assignment.evaluate("gram_matrix", lambda A: tf.matmul(A, A)).mistake == "gram.no_transpose"
    assert (
        assignment.evaluate(
            "total_cost", lambda J_content, J_style, alpha=1, beta=1: alpha * J_content + beta * J_style
        ).mistake
        == "total.defaults"
    )
    namespace: dict = {"compute_layer_style_cost": reference.compute_layer_style_cost}
    exec(
        "STYLE_LAYERS = [('block1_conv1', 1.0)]\n"
        "def compute_style_cost(a_S, a_G, style_layers=STYLE_LAYERS):\n"
        "    return sum(w * compute_layer_style_cost(a_S[n], a_G[n]) for n, w in STYLE_LAYERS)\n",
        namespace,
    )
    assert assignment.evaluate("style_cost", namespace["compute_style_cost"]).mistake == "style.uses_global"


def test_the_students_package_holds_no_answers():
    """No module of nst_helpers computes the exercises for the checks: the answers are in grader/ only."""
    package = REPO / "nst_helpers" / "assignment"
    names = {p.stem for p in package.glob("*.py")}
    assert not names & {"reference", "mistakes", "batch", "judge"}
    for path in package.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "nst_grader" not in source.replace("``nst_grader", "").replace('"nst_grader"', ""), path
        assert "losses" not in source.replace("nst_helpers.losses", "").replace("``losses", ""), path


# ---- nst-grade on notebooks ----------------------------------------------------------------------------------
@pytest.mark.slow
def test_teacher_version_scores_full_marks(normal_batch):
    _, _, results, _ = normal_batch
    teacher = results["teacher"]
    assert teacher["status"] == "graded" and teacher["total"] == MAX_POINTS, teacher


@pytest.mark.slow
def test_unmodified_student_version_scores_zero(normal_batch):
    _, _, results, _ = normal_batch
    student = results["student"]
    assert student["status"] == "graded" and student["total"] == 0
    assert {e["mistake"] for e in student["exercises"].values()} == {"not_done"}


@pytest.mark.slow
@pytest.mark.parametrize("name, exercise, hint", [(n, ex, h) for n, _, _, ex, h in WRONG_ANSWERS])
def test_a_wrong_answer_loses_exactly_its_exercise(normal_batch, name, exercise, hint):
    _, _, results, _ = normal_batch
    graded = results[name]
    assert graded["total"] == MAX_POINTS - POINTS[exercise], graded
    assert graded["exercises"][exercise]["mistake"] == hint
    assert graded["exercises"][exercise]["hint"] == text(hint, "en", function=BY_KEY[exercise].function)


@pytest.mark.slow
def test_a_renamed_function_gets_zero_with_the_reason(normal_batch):
    _, _, results, _ = normal_batch
    renamed = results["renamed"]
    assert renamed["total"] == MAX_POINTS - POINTS["total_cost"]
    assert renamed["exercises"]["total_cost"]["hint"] == "function total_cost not found (renamed or deleted?)"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, exercise", [("gram_three_channels", "gram_matrix"), ("layer_fixed_shape", "layer_style_cost")]
)
def test_a_solution_that_only_fits_the_public_shape_loses_the_points(normal_batch, name, exercise):
    _, _, results, _ = normal_batch
    graded = results[name]
    assert graded["total"] == MAX_POINTS - POINTS[exercise], graded
    assert graded["exercises"][exercise]["mistake"] in ("shape_only_public", "shape_only_public_error"), graded


@pytest.mark.slow
def test_a_gram_matrix_divided_by_n_C_is_named(normal_batch):
    _, _, results, _ = normal_batch
    entry = results["gram_over_channels"]["exercises"]["gram_matrix"]
    assert entry["mistake"] == "scaled" and "exactly 1/n_C times" in entry["hint"], entry


@pytest.mark.slow
def test_the_gradebook_records_the_seed_and_gives_each_student_feedback(normal_batch):
    _, _, results, out = normal_batch
    report = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert report["settings"]["seed"] == 11
    assert {p.stem for p in (out / "feedback").glob("*.md")} == set(results)
    feedback = (out / "feedback" / "content_mean.md").read_text(encoding="utf-8")
    assert f"**Total: {MAX_POINTS - POINTS['content_cost']}/{MAX_POINTS} points.**" in feedback
    with open(out / "canvas.csv", encoding="utf-8-sig", newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible" and len(canvas) == 2 + len(results)


@pytest.mark.slow
def test_grading_leaves_submissions_untouched(normal_batch, broken_batch):
    for folder, before, *_ in (normal_batch, broken_batch):
        assert digests(folder) == before


@pytest.mark.slow
def test_broken_submissions_do_not_stop_the_batch(broken_batch):
    folder, _, out, code = broken_batch
    assert code == 0
    rows = rows_of(out)
    assert set(rows) == {p.stem for p in folder.glob("*.ipynb")}
    total = {name: int(row["total"]) for name, row in rows.items()}
    assert total["syntax_error"] == MAX_POINTS - POINTS["content_cost"]
    assert "syntax error" in rows["syntax_error"]["notes"]
    assert total["deleted_cell"] == MAX_POINTS - POINTS["style_cost"]
    assert "compute_style_cost not found" in rows["deleted_cell"]["notes"]
    assert total["loop_in_cell"] == MAX_POINTS and "did not finish" in rows["loop_in_cell"]["notes"]
    assert total["loop_in_function"] == MAX_POINTS - POINTS["gram_matrix"]
    assert "did not finish" in rows["loop_in_function"]["notes"]
    assert rows["loop_ignores_interrupts"]["status"] == "timeout"
    assert rows["bad_json"]["status"] == "invalid" and total["bad_json"] == 0
    assert "bad JSON" in rows["bad_json"]["notes"]
    report = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert len(report["submissions"]) == len(rows) and report["max_total"] == MAX_POINTS
