"""environment.yml mirrors pyproject.toml, so conda users get the same packages as pip users."""

from __future__ import annotations

from pathlib import Path

import tomllib
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
