"""Submissions that attack nst-grade, graded in one batch beside two honest ones.

Each attack asserts its own grade, and the batch asserts that the honest students' rows are right, that the
gradebook files are what the grader wrote (also after the batch, when a detached process would strike),
and that no process of any submission outlives the run. Tests that need bubblewrap skip, with the reason,
where it does not work; CI installs it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from nst_grader import cli as grade_cli  # noqa: E402
from nst_grader import gradebook, sandbox, scan  # noqa: E402
from nst_helpers.assignment import wire  # noqa: E402
from nst_helpers.assignment.exercises import EXERCISES, MAX_POINTS  # noqa: E402
from submissions import replace_solution, solution_cell  # noqa: E402

POINTS = {e.key: e.points for e in EXERCISES}
TEACHER = REPO / "assignments" / "teacher" / "en" / "08_assignment.ipynb"
BWRAP = sandbox.bwrap_works()
needs_bwrap = pytest.mark.skipif(BWRAP is not None, reason=f"bubblewrap is not usable here: {BWRAP}")
DETACHED_DELAY_S = 4
STUDENT = REPO / "notebooks" / "en" / "08_assignment.ipynb"
#: A process that leaves its session and the cgroup if it can, and changes its pid every few milliseconds.
HOPPER = (
    "HOPPER_MARK = 1\n"
    "import os, time\n"
    "try:\n"
    "    open('/sys/fs/cgroup/pids/cgroup.procs', 'w').write(str(os.getpid()))\n"
    "except OSError:\n"
    "    pass\n"
    "end = time.time() + 300\n"
    "while time.time() < end:\n"
    "    if os.fork():\n"
    "        os._exit(0)\n"
    "    time.sleep(0.005)\n"
)


def _copy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.from_dict(json.loads(json.dumps(notebook)))


def _with_cell(notebook: nbformat.NotebookNode, source: str, before: str | None = None) -> nbformat.NotebookNode:
    """A copy with a code cell added at the end, or before the solution cell of ``before``."""
    notebook = _copy(notebook)
    cell = nbformat.v4.new_code_cell(source)
    if before:
        notebook.cells.insert(notebook.cells.index(solution_cell(notebook, before)), cell)
    else:
        notebook.cells.append(cell)
    return notebook


def _with_id(notebook: nbformat.NotebookNode, student: str) -> nbformat.NotebookNode:
    notebook = _copy(notebook)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    first.source = first.source.replace('STUDENT_ID = ""', f'STUDENT_ID = "{student}"')
    return notebook


def attack_notebooks(
    teacher: nbformat.NotebookNode, student: nbformat.NotebookNode, out: Path
) -> dict[str, nbformat.NotebookNode]:
    """Every attack (by file name), each a teacher (or student) version with one change."""
    gradebook_csv = out / "gradebook.csv"
    detached = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        time.sleep({DETACHED_DELAY_S})\n"
        f"        for target in ({str(gradebook_csv)!r}, {str(out / 'journal.jsonl')!r}):\n"
        "            try:\n"
        "                open(target, 'w').write('student,total\\nhonest_a,0\\n')\n"
        "            except OSError:\n"
        "                pass\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
    )
    forged = (
        "import json, os\n"
        "line = (json.dumps({'exercise': 'gram_matrix', 'status': 'called', 'points': 'all', 'cases': []}) + '\\n')\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        os.write(fd, line.encode() * 3)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    patch_checks = (
        "try:\n"
        "    import nst_grader.judge as judge\n"
        "    judge.judge = lambda *args, **kwargs: {'points': 100, 'passed': True}\n"
        "except ImportError:\n"
        "    pass\n"
        "import nst_helpers.assignment.checks as checks\n"
        "checks.evaluate = lambda *args, **kwargs: None\n"
    )
    solution_source = (
        "import nst_helpers, pathlib\n"
        "for md in (pathlib.Path(nst_helpers.__file__).resolve().parent.parent / 'assignments').glob('*/08_*.md'):\n"
        "    blocks = [b.split('```', 1)[0] for b in md.read_text().split('```{code-cell} ipython3')[1:]]\n"
        "    exec('\\n\\n'.join(b for b in blocks if 'BEGIN SOLUTION' in b), globals())\n"
        "    break\n"
    )
    hang = (
        "import fcntl, time\n"
        "from nst_helpers.assignment import wire\n"
        "args = open('/proc/self/cmdline', 'rb').read().split(b'\\0')\n"
        "fd = int(args[args.index(b'--request-fd') + 1])\n"
        "fcntl.fcntl(fd, 1031, 4096)\n"
        "read, calls = wire.read_frame, []\n"
        "def read_once(stream, *a, **k):\n"
        "    calls.append(1)\n"
        "    if len(calls) > 1:\n"
        "        while True:\n"
        "            time.sleep(3600)\n"
        "    return read(stream, *a, **k)\n"
        "wire.read_frame = read_once\n"
    )
    hopper = (
        "import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    os.execv(sys.executable, [sys.executable, '-c', " + repr(HOPPER) + "])\n"
    )
    reference_file = REPO / "grader" / "nst_grader" / "reference.py"
    class_body = f"class Boot:\n    exec(open({str(reference_file)!r}).read(), globals())\n"
    return {
        "class_body_exec": _with_cell(student, class_body),
        "solution_source": _with_cell(student, solution_source),
        "hang_requests": _with_cell(teacher, hang),
        "pid_hopper": _with_cell(teacher, hopper),
        "deep_expression": _with_cell(teacher, "x = " + "+".join(["1"] * 200000), before="gram_matrix"),
        "reference_import": replace_solution(
            teacher, "gram_matrix", ["from nst_grader.reference import gram_matrix as answer", "GA = answer(A)"]
        ),
        "library_costs": replace_solution(
            teacher,
            "compute_content_cost",
            ["from nst_helpers import losses", "J_content = losses.content_loss(a_G, a_C, 'coursera')"],
        ),
        "dynamic_import": replace_solution(
            teacher,
            "compute_content_cost",
            ["J_content = __import__('nst_helpers.losses', fromlist=['x']).content_loss(a_G, a_C, 'coursera')"],
        ),
        "patch_checks": _with_cell(teacher, patch_checks),
        "detached": _with_cell(teacher, detached),
        "forged_reply": _with_cell(teacher, forged),
        "output_flood": _with_cell(teacher, "while True:\n    print('x' * 1000)", before="total_cost"),
        "os_exit": _with_cell(teacher, "import os\nos._exit(3)", before="make_train_step"),
        "file_bomb": _with_cell(
            teacher,
            "with open('bomb.bin', 'wb') as f:\n    for _ in range(400):\n        f.write(b'0' * 1024 * 1024)",
        ),
        "fork_loop": _with_cell(
            teacher,
            "import os, time\n"
            "for _ in range(5000):\n"
            "    if os.fork() == 0:\n"
            "        time.sleep(600)\n"
            "        os._exit(0)\n",
        ),
        "read_others": _with_cell(
            teacher,
            "import glob\nstolen = [open(p).read()[:10] for p in glob.glob('/tmp/**/*.ipynb', recursive=True)]\n"
            "assert not stolen, 'read another notebook'",
        ),
    }


@pytest.fixture(scope="module")
def attack_batch(tmp_path_factory):
    teacher = nbformat.read(TEACHER, as_version=4)
    folder = tmp_path_factory.mktemp("attacks")
    out = tmp_path_factory.mktemp("attack-grades")
    for name, notebook in attack_notebooks(teacher, nbformat.read(STUDENT, as_version=4), out).items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    nbformat.write(teacher, os.fsdecode(bytes(folder) + b"/odd_name_\xff.ipynb"))
    deep = "[" * 100000 + "]" * 100000
    (folder / "deep_json.ipynb").write_text('{"cells": ' + deep + "}", encoding="utf-8")
    nbformat.write(_with_id(teacher, "honest_a"), folder / "08_assignment.ipynb")
    second = folder / "other"
    second.mkdir()
    nbformat.write(_with_id(teacher, "honest_b"), second / "08_assignment.ipynb")
    code = grade_cli.main(
        [str(folder), str(second), "--out", str(out), "--jobs", "2", "--timeout", "60", "--quiet", "--seed", "5"]
    )
    written = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    time.sleep(DETACHED_DELAY_S + 2)  # the detached process would have struck by now
    report = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    return code, out, written, {s["student"]: s for s in report["submissions"]}


def _missing(result: dict, exercise: str) -> int:
    return MAX_POINTS - POINTS[exercise]


@pytest.mark.slow
def test_the_batch_finishes_and_honest_students_get_full_marks(attack_batch):
    code, _, _, results = attack_batch
    assert code == 0
    for student in ("honest_a", "honest_b"):
        assert results[student]["total"] == MAX_POINTS and results[student]["status"] == "graded", results[student]


@pytest.mark.slow
def test_nothing_changes_the_gradebook_after_the_run(attack_batch):
    _, out, written, _ = attack_batch
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == written
    with open(out / "gradebook.csv", encoding="utf-8-sig", newline="") as f:
        assert int({r["student"]: r for r in csv.DictReader(f)}["honest_a"]["total"]) == MAX_POINTS


@pytest.mark.slow
def test_no_process_of_a_submission_survives(attack_batch):
    me = os.getpid()
    table = sandbox._process_table()
    # the test process was the grader, and a subreaper: anything a submission left would be its descendant
    leftovers = [
        pid for pid in sandbox.descendants(me, table) if "nst_helpers" in _cmdline(pid) or "bwrap" in _cmdline(pid)
    ]
    assert not leftovers, [_cmdline(pid) for pid in leftovers]


def _hoppers() -> list[int]:
    return [pid for pid in sandbox._process_table() if "HOPPER_MARK" in _cmdline(pid)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, exercise",
    [("reference_import", "gram_matrix"), ("library_costs", "content_cost"), ("dynamic_import", "content_cost")],
)
def test_reaching_for_the_answers_scores_zero_and_is_flagged(attack_batch, name, exercise):
    _, _, _, results = attack_batch
    graded = results[name]
    assert graded["total"] == _missing(graded, exercise), graded
    assert graded["exercises"][exercise]["mistake"] == "forbidden"
    assert graded["flags"][exercise]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["patch_checks", "forged_reply"])
def test_code_that_patches_or_forges_cannot_raise_its_grade(attack_batch, name):
    _, _, _, results = attack_batch
    graded = results[name]
    assert graded["total"] <= MAX_POINTS
    for entry in graded["exercises"].values():
        assert entry["points"] in (0, entry["max_points"])
    if name == "forged_reply":  # the forged frames break the conversation: the rest is not graded
        assert graded["status"] in ("crashed", "graded")


@pytest.mark.slow
def test_an_output_flood_is_capped(attack_batch):
    _, _, _, results = attack_batch
    graded = results["output_flood"]
    assert any("printed too much" in note for note in graded["notes"]), graded["notes"]
    assert graded["total"] == MAX_POINTS  # the endless cell is stopped; the functions still work


@pytest.mark.slow
def test_os_exit_costs_only_what_was_not_graded(attack_batch):
    _, _, _, results = attack_batch
    graded = results["os_exit"]
    assert graded["status"] == "crashed" and graded["total"] == 0


@pytest.mark.slow
def test_a_file_size_bomb_fails_its_own_cell(attack_batch):
    _, _, _, results = attack_batch
    graded = results["file_bomb"]
    assert graded["total"] == MAX_POINTS and any("code cell" in n for n in graded["notes"]), graded


@pytest.mark.slow
def test_a_fork_loop_is_bounded(attack_batch):
    _, _, _, results = attack_batch
    graded = results["fork_loop"]
    assert graded["status"] in ("graded", "crashed")
    assert any("code cell" in n for n in graded["notes"]) or graded["status"] == "crashed", graded


@pytest.mark.slow
@needs_bwrap
def test_in_bubblewrap_other_submissions_and_the_library_costs_are_out_of_reach(attack_batch):
    _, _, _, results = attack_batch
    assert not any("read another notebook" in n for n in results["read_others"]["notes"])


@pytest.mark.slow
def test_resume_keeps_finished_students_and_grades_the_rest(tmp_path):
    teacher = nbformat.read(TEACHER, as_version=4)
    folder = tmp_path / "class"
    folder.mkdir()
    nbformat.write(_with_id(teacher, "first"), folder / "a.ipynb")
    nbformat.write(_with_id(teacher, "second"), folder / "b.ipynb")
    out = tmp_path / "grades"
    assert grade_cli.main([str(folder / "a.ipynb"), "--out", str(out), "--quiet", "--seed", "3"]) == 0
    journal = (out / gradebook.JOURNAL).read_text(encoding="utf-8")
    with open(out / gradebook.JOURNAL, "a", encoding="utf-8") as f:
        f.write('{"submission": {"student": "forged", "points": "lots"}}\n{not json\n')
    assert grade_cli.main([str(folder), "--out", str(out), "--quiet", "--resume"]) == 0
    lines = (out / gradebook.JOURNAL).read_text(encoding="utf-8").splitlines()
    assert lines[: len(journal.splitlines())] == journal.splitlines()
    report = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert report["settings"]["seed"] == 3
    assert sorted(s["student"] for s in report["submissions"]) == ["first", "second"]
    assert all(s["total"] == MAX_POINTS for s in report["submissions"])
    with pytest.raises(SystemExit):
        grade_cli.main([str(folder), "--out", str(out), "--quiet", "--resume", "--seed", "4"])


# ---- fast checks of the pieces ---------------------------------------------------------------------------
def test_replies_with_pickles_or_huge_arrays_are_refused():
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(wire.WireError):
        wire.decode_arrays(buffer.getvalue())
    with pytest.raises(wire.WireError):
        wire.decode_arrays(wire.encode_arrays({"x": np.zeros(10)}), max_elements=5)
    compressed = io.BytesIO()
    np.savez_compressed(compressed, x=np.zeros(10))
    with pytest.raises(wire.WireError):
        wire.decode_arrays(compressed.getvalue())
    with pytest.raises(wire.WireError):
        wire.read_frame(io.BytesIO(b'{"payload": -1}\n'))
    with pytest.raises(wire.WireError):
        wire.read_frame(io.BytesIO(b"x" * (wire.MAX_HEADER + 10)))


def test_the_static_scan_flags_what_a_solution_may_not_use(tmp_path):
    teacher = nbformat.read(TEACHER, as_version=4)
    path = tmp_path / "t.ipynb"
    nbformat.write(teacher, path)
    assert scan.scan(path).flags == {}
    helper = "def helper(A):\n    from nst_helpers import losses as L\n    return L.gram_matrix(A)"
    aliased = replace_solution(teacher, "gram_matrix", ["GA = helper(A)"])
    aliased = _with_cell(aliased, helper, before="gram_matrix")
    nbformat.write(aliased, path)
    flags = scan.scan(path).flags
    assert set(flags) == {"gram_matrix"} and "imports nst_helpers.losses" in flags["gram_matrix"], flags
    assert "layer_style_cost" not in flags  # it calls gram_matrix, which the grader replaces by its own


def test_the_student_id_and_edition_are_read_from_the_first_cell(tmp_path):
    path = tmp_path / "x.ipynb"
    nbformat.write(_with_id(nbformat.read(TEACHER, as_version=4), "s 42/../x"), path)
    submission = scan.scan(path)
    assert submission.student_id == "s_42_.._x" and submission.lang == "en"


@pytest.mark.slow
def test_without_bubblewrap_limits_and_the_clean_up_still_hold(tmp_path):
    """--sandbox none: a detached process is killed with its submission, a fork loop is bounded, and the
    gradebook is rewritten from the grader's own records at the end."""
    teacher = nbformat.read(TEACHER, as_version=4)
    folder, out = tmp_path / "class", tmp_path / "grades"
    folder.mkdir()
    attacks = attack_notebooks(teacher, nbformat.read(STUDENT, as_version=4), out)
    for name in ("detached", "fork_loop", "pid_hopper"):
        nbformat.write(attacks[name], folder / f"{name}.ipynb")
    nbformat.write(_with_id(teacher, "honest"), folder / "honest.ipynb")
    args = [str(folder), "--out", str(out), "--quiet", "--sandbox", "none", "--timeout", "60", "--seed", "9"]
    assert grade_cli.main(args) == 0
    written = (out / "gradebook.csv").read_bytes()
    time.sleep(DETACHED_DELAY_S + 2)
    assert (out / "gradebook.csv").read_bytes() == written
    with open(out / "gradebook.csv", encoding="utf-8-sig", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert int(rows["honest"]["total"]) == MAX_POINTS
    assert not sandbox.descendants(os.getpid(), sandbox._process_table())
    assert not _hoppers()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["solution_source", "class_body_exec"])
def test_running_answers_read_from_files_earns_nothing(attack_batch, name):
    _, _, _, results = attack_batch
    graded = results[name]
    assert graded["total"] == 0 and set(graded["flags"]) == {e.key for e in EXERCISES}, graded


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_gets_its_row(attack_batch):
    _, _, _, results = attack_batch
    odd = [s for s in results.values() if "odd_name_" in s["path"]]
    assert len(odd) == 1 and odd[0]["total"] == MAX_POINTS and "\\xff" in odd[0]["path"], odd


@pytest.mark.slow
def test_a_child_that_stops_reading_cannot_hang_the_batch(attack_batch):
    _, _, _, results = attack_batch
    # its imports are flagged, so no exercise is sent; the mechanism itself is tested below
    assert results["hang_requests"]["status"] in ("timeout", "graded"), results["hang_requests"]


def test_a_request_the_child_does_not_read_times_out():
    from nst_grader.batch import _pipe, _Requests

    read_end, write_end = _pipe()
    os.set_blocking(write_end, False)
    requests = _Requests(write_end)
    started = time.time()
    with pytest.raises(TimeoutError):
        requests.send({"cells": ["x" * 1024] * 1024}, None, time.time() + 0.5)
    assert time.time() - started < 5
    requests.close()
    os.close(read_end)


@pytest.mark.slow
def test_files_that_break_parsers_get_their_own_row(attack_batch):
    _, _, _, results = attack_batch
    assert results["deep_json"]["status"] == "invalid"
    deep = results["deep_expression"]
    assert deep["total"] == MAX_POINTS and any("syntax error" in n for n in deep["notes"]), deep


@pytest.mark.parametrize(
    "cell",
    [
        "class Boot:\n    exec(open('/r.py').read(), globals())",
        "@(lambda f: exec(open('/r.py').read(), globals()) or f)\ndef helper():\n    pass",
        "def helper(_=[__builtins__.exec(open(p).read(), globals()) for p in ['/r.py']]):\n    pass",
        "getattr(__builtins__, 'ex' + 'ec')(open('/r.py').read(), globals())",
        "import operator\nrun = operator.attrgetter('exec')",
        "subclasses = ().__class__.__base__.__subclasses__()",
        "class Holder:\n    from nst_helpers import losses",
        "import sys\nsys.modules['builtins'].exec('1')",
        "import pydoc\npydoc.builtins.exec('1')",
        "import typing\nhints = typing.get_type_hints",
        "run = np.load('x.npy', allow_pickle=True)",
    ],
)
def test_code_that_runs_outside_function_bodies_is_read_too(tmp_path, cell):
    path = tmp_path / "x.ipynb"
    nbformat.write(_with_cell(nbformat.read(TEACHER, as_version=4), cell), path)
    assert set(scan.scan(path).flags) == {e.key for e in EXERCISES}


def test_a_long_chain_of_helpers_is_followed_and_too_much_code_refused(tmp_path):
    chain = (
        "".join(f"def f{i}():\n    return f{i + 1}()\n" for i in range(3000)) + "def f3000():\n    return eval('1')\n"
    )
    teacher = nbformat.read(TEACHER, as_version=4)
    notebook = replace_solution(_with_cell(teacher, chain, before="gram_matrix"), "gram_matrix", ["GA = f0()"])
    path = tmp_path / "chain.ipynb"
    nbformat.write(notebook, path)
    assert set(scan.scan(path).flags) == {"gram_matrix"}
    nbformat.write(_with_cell(teacher, "x = 1\n" * (scan.MAX_CODE_CHARS // 6 + 1)), path)
    with pytest.raises(scan.NotebookError, match="MiB of code"):
        scan.scan(path)
