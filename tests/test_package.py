"""How the package is laid out: a cheap import, explicit exports that name their chapter, one engine."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nst_helpers
from helpers import REPO

sys.path.insert(0, str(REPO / "scripts"))
import module_map  # noqa: E402

PACKAGE = REPO / "nst_helpers"


@pytest.mark.slow
@pytest.mark.parametrize(
    "code",
    [
        "import nst_helpers",
        "from nst_helpers import InputError, SAMPLE_IMAGES",
        "from nst_helpers import cli; cli.build_parser().format_help()",
        "import nst_helpers.editions, nst_helpers.book, nst_helpers.speed",
    ],
)
def test_importing_the_package_or_the_cli_does_not_import_tensorflow(code):
    probe = f"import sys; {code}; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert answer.stdout.split() == ["False", "False"]


def test_every_export_resolves_and_names_its_chapter():
    for name in nst_helpers.__all__:
        value = getattr(nst_helpers, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert "Taught in chapter" in (value.__doc__ or ""), f"{name}'s docstring does not name its chapter"
    assert sorted(dir(nst_helpers)) == sorted(set(dir(nst_helpers)))
    with pytest.raises(AttributeError):
        nst_helpers.no_such_helper  # noqa: B018


def test_the_loop_lives_in_one_engine_module():
    """GradientTape appears in the engine, which optimises images, and in chapter 10's training of a network's
    weights on batches of photographs, which is not an image optimisation (the grader's reference answer, in
    grader/, is not the package)."""
    users = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if "GradientTape" in p.read_text()}
    assert users == {"engine.py", "feedforward.py"}


def test_readme_module_table_is_up_to_date():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert module_map.with_table(readme) == readme, "run python scripts/module_map.py"
    listed = {row[0] for row in module_map.module_rows()}
    public = {
        ".".join(p.relative_to(REPO).with_suffix("").parts) for p in PACKAGE.rglob("*.py") if not p.name.startswith("_")
    }
    assert public <= listed, f"modules without a 'Chapter: NN.' line: {sorted(public - listed)}"


def test_packaging_lists_every_subpackage():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {".".join(p.parent.relative_to(REPO).parts) for p in PACKAGE.rglob("__init__.py")}
    assert set(project["tool"]["setuptools"]["packages"]) == packages
    assert Path(nst_helpers.__file__).parent == PACKAGE


def test_tensorflow_and_keras_come_from_the_quiet_import():
    """Only _tf imports TensorFlow or Keras directly; the others take them from it, so no start-up log shows."""
    direct = re.compile(r"^\s*(import (tensorflow|keras)\b|from (tensorflow|keras)\b)", re.M)
    offenders = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if direct.search(p.read_text())]
    assert offenders == ["_tf.py"]


@pytest.mark.slow
def test_importing_a_module_that_needs_tensorflow_prints_nothing():
    answer = subprocess.run(
        [sys.executable, "-c", "import nst_helpers.model"], capture_output=True, text=True, timeout=120, check=True
    )
    assert answer.stdout == answer.stderr == ""
