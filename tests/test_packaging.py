"""Packaging: environment.yml mirrors pyproject.toml, the dependency bounds admit Colab's versions, the licences,
and both packages build and pass twine check."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def test_environment_pip_section_mirrors_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(extra)
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert set(pip_section) == wanted


def test_dependencies_admit_colabs_versions_and_cap_nothing_colab_ships():
    """pip must keep the TensorFlow, Keras and NumPy that Colab has: lower bounds only, and Colab's versions inside."""
    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = {Requirement(r).name: Requirement(r) for r in project["dependencies"]}
    lines = (REPO / "tests" / "colab-versions.txt").read_text(encoding="utf-8").splitlines()
    pins = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    assert {p.name for p in pins} == {"tensorflow", "keras", "numpy"}
    for pin in pins:
        bounds = requirements[pin.name].specifier
        assert not any(s.operator in ("<", "<=", "==", "~=") for s in bounds), f"{pin.name} is capped: {bounds}"
        colab = next(iter(pin.specifier)).version.replace(".*", ".0")
        assert bounds.contains(colab), f"{pin.name} {colab} (Colab's) is outside {bounds}"
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert "CC BY-SA 4.0" in (REPO / "LICENSE-CONTENT").read_text()


@pytest.mark.slow
def test_both_packages_build_and_pass_twine_check(tmp_path):
    """python -m build makes an sdist and a wheel of nst-helpers and of the grader; twine check accepts them.

    --no-isolation: the build uses the test environment's setuptools (>= 77, a test dependency), so it works offline.
    """
    assert (REPO / "grader" / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    for project, name in ((REPO, "nst_helpers"), (REPO / "grader", "nst_grader")):
        out = tmp_path / name
        built = subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(project)],
            capture_output=True,
            text=True,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        files = sorted(out.iterdir(), key=lambda f: f.suffix)
        assert [f.suffix for f in files] == [".gz", ".whl"], files
        checked = subprocess.run(
            [sys.executable, "-m", "twine", "check", "--strict", *map(str, files)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        with zipfile.ZipFile(next(f for f in files if f.suffix == ".whl")) as wheel:
            names = wheel.namelist()
            metadata = wheel.read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
        assert "License-Expression: MIT" in metadata and any(n.endswith("licenses/LICENSE") for n in names)
        if name == "nst_helpers":
            assert f"Version: {__import__('nst_helpers').__version__}" in metadata
            assert "nst_helpers/assignment/expected.json" in names
