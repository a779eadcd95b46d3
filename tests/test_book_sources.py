"""The book's sources: every chapter in every edition, .md and .ipynb in sync, the same code everywhere."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from nst_helpers.editions import LANGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from refresh_notebooks import NOTEBOOK_PAGES  # noqa: E402

from make_assignments import code_skeleton  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHECK_TAG = "nbval-check-output"


def chapter_stems() -> list[str]:
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"file: (\d\d_\w+)", toc)


def notebook_stems() -> list[str]:
    """The pages that are paired notebooks: the chapters and the answers to their exercises."""
    return chapter_stems() + list(NOTEBOOK_PAGES)


def code_cells(path: Path) -> list[tuple[str, list[str]]]:
    notebook = jupytext.read(path)
    return [(c.source, sorted(c.metadata.get("tags", []))) for c in notebook.cells if c.cell_type == "code"]


def test_toc_lists_the_twelve_chapters():
    assert [s[:2] for s in chapter_stems()] == [f"{i:02d}" for i in range(12)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_edition_has_every_chapter_and_page(lang):
    for stem in notebook_stems() + ["index", "glossary", "teacher_guide"]:
        assert (REPO / "book" / lang / f"{stem}.md").is_file(), f"book/{lang}/{stem}.md is missing"
    for stem in notebook_stems():
        assert (REPO / "notebooks" / lang / f"{stem}.ipynb").is_file(), f"notebooks/{lang}/{stem}.ipynb is missing"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stem", notebook_stems())
def test_markdown_and_notebook_are_in_sync(lang, stem):
    """The committed .ipynb holds exactly the cells of the .md (run scripts/refresh_notebooks.py after an edit)."""
    md = jupytext.read(REPO / "book" / lang / f"{stem}.md")
    ipynb = nbformat.read(REPO / "notebooks" / lang / f"{stem}.ipynb", as_version=4)
    as_cells = lambda nb: [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]  # noqa: E731
    assert as_cells(md) == as_cells(ipynb), f"book/{lang}/{stem}.md and its .ipynb have drifted apart"


@pytest.mark.parametrize("stem", notebook_stems())
def test_editions_share_the_same_code(stem):
    reference = code_cells(REPO / "book" / "en" / f"{stem}.md")
    for lang in LANGS[1:]:
        other = code_cells(REPO / "book" / lang / f"{stem}.md")
        assert len(other) == len(reference), f"{lang}/{stem}: {len(other)} code cells, en has {len(reference)}"
        for i, ((src_en, tags_en), (src, tags)) in enumerate(zip(reference, other)):
            assert tags == tags_en, f"{lang}/{stem} code cell {i}: tags {tags} differ from en {tags_en}"
            assert code_skeleton(src) == code_skeleton(src_en), (
                f"{lang}/{stem} code cell {i} differs from en beyond strings and comments"
            )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stem", notebook_stems())
def test_notebooks_carry_only_checked_outputs(lang, stem):
    notebook = nbformat.read(REPO / "notebooks" / lang / f"{stem}.ipynb", as_version=4)
    checked = [c for c in notebook.cells if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])]
    assert len(checked) >= 2, f"{lang}/{stem} needs at least two cells whose numbers nbval compares"
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_TAG in cell.metadata.get("tags", []):
            assert cell.outputs, f"{lang}/{stem}: a checked cell has no stored output"
            assert all(
                o.output_type in ("stream", "execute_result") and "image/png" not in o.get("data", {})
                for o in cell.outputs
            )
        else:
            assert not cell.outputs, f"{lang}/{stem}: an unchecked cell has stored outputs"


def test_first_cell_installs_the_release_from_the_configured_repository():
    """Every set-up cell pins the current release (scripts/release.py writes them) and folds its output away."""
    sys.path.insert(0, str(REPO / "scripts"))
    import release

    url = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"]
    assert release.problems() == []
    pinned = f'PACKAGE = "git+{url}@v{release.current_version()}"'
    for lang in LANGS:
        for stem in notebook_stems():
            first, tags = code_cells(REPO / "book" / lang / f"{stem}.md")[0]
            assert pinned in first and f'setup("{lang}")' in first, f"{lang}/{stem}: not the set-up cell"
            assert "hide-output" in tags, f"{lang}/{stem}: the set-up cell's output is not folded away"
            notebook = nbformat.read(REPO / "notebooks" / lang / f"{stem}.ipynb", as_version=4)
            badge = notebook.cells[1].source
            assert notebook.cells[1].metadata.get("tags") == ["remove-cell"] and "colab-badge.svg" in badge
            assert f"/blob/v{release.current_version()}/notebooks/{lang}/{stem}.ipynb" in badge


def test_a_release_rewrites_every_install_line_and_badge():
    sys.path.insert(0, str(REPO / "scripts"))
    import release

    page = REPO / "book" / "vi" / "06_optimization.md"
    text = page.read_text(encoding="utf-8")
    newer = release.rewrite_page(text, page, "9.8.7")
    assert newer.count("@v9.8.7") == 1 and newer.count("/blob/v9.8.7/notebooks/vi/06_optimization.ipynb") == 1
    assert release.rewrite_page(newer, page, release.current_version()) == text  # and back, nothing else touched
    assert release.problems("9.8.7")  # the files are not at 9.8.7: reported


def test_chapters_that_optimise_ask_colab_for_a_gpu():
    for lang in LANGS:
        for stem in (
            "00_introduction",
            "06_optimization",
            "07_experiments",
            "09_layers",
            "10_beyond",
            "11_performance",
            "answers",
        ):
            for notebook in (
                nbformat.read(REPO / "notebooks" / lang / f"{stem}.ipynb", as_version=4),
                jupytext.read(REPO / "book" / lang / f"{stem}.md"),
            ):
                assert notebook.metadata.get("accelerator") == "GPU", f"{lang}/{stem}"


def test_the_readme_has_no_placeholder_left():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"[A-Z]+_PLACEHOLDER|\bTODO\b|\bTBD\b", text)
