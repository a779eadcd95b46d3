"""Regenerate notebooks/<lang>/*.ipynb from the MyST sources in book/<lang>/, with the checked outputs.

    python scripts/refresh_notebooks.py            # every chapter of every edition
    python scripts/refresh_notebooks.py book/en/04_content_loss.md
    python scripts/refresh_notebooks.py --keep-outputs book/*/06_optimization.md

Each notebook is executed in quick mode (NST_MODE=quick); only the outputs of cells tagged
``nbval-check-output`` are kept (the numbers nbval compares), so no image lands in git. With
``--keep-outputs`` nothing is executed: the code of the cells is taken from the source and the checked outputs
from the existing notebook, cell by cell (the cells must be the same in number and kind); nbval then checks
that the new code still produces them.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
CHECK_TAG = "nbval-check-output"
TIMEOUT_S = 1200


#: The notebook metadata kept: the kernel, jupytext's, and Colab's request for a GPU runtime (chapters that optimise).
NOTEBOOK_METADATA = ("kernelspec", "jupytext", "accelerator", "colab")
#: The pages that are notebooks besides the chapters: the answers to the chapters' exercises.
NOTEBOOK_PAGES = ("answers",)


def chapter_sources() -> list[Path]:
    """The MyST notebooks of every edition: the chapters and the answers page."""
    return sorted(p for p in (REPO / "book").glob("*/*.md") if re.match(r"\d\d_", p.stem) or p.stem in NOTEBOOK_PAGES)


def notebook_path(source: Path) -> Path:
    lang = source.parent.name
    return REPO / "notebooks" / lang / (source.stem + ".ipynb")


def keep_checked_outputs(notebook, executed: bool = True) -> None:
    """Strip every output but those of ``nbval-check-output`` cells (all of them when not ``executed``),
    number the kept cells so nbval compares them, and keep only the notebook metadata in NOTEBOOK_METADATA."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        cell.metadata = {"tags": tags} if tags else {}
        if CHECK_TAG not in tags or not executed:
            cell.outputs, cell.execution_count = [], None
            continue
        count += 1  # nbval compares only cells that look executed
        cell.execution_count = count
        for output in cell.outputs:
            if "execution_count" in output:
                output["execution_count"] = count
    notebook.metadata = {key: notebook.metadata[key] for key in NOTEBOOK_METADATA if key in notebook.metadata}


def refresh(source: Path) -> Path:
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    os.environ["NST_MODE"] = "quick"
    client = NotebookClient(
        notebook, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    )
    client.execute()
    keep_checked_outputs(notebook)
    target = notebook_path(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = jupytext.writes(notebook, fmt="ipynb")
    target.write_text(text, encoding="utf-8")
    return target


def resync(source: Path) -> Path:
    """Rewrite the notebook of ``source`` with the source's cells and the existing notebook's checked outputs."""
    target = notebook_path(source)
    notebook, old = jupytext.read(source), nbformat.read(target, as_version=4)
    code, old_code = ([c for c in nb.cells if c.cell_type == "code"] for nb in (notebook, old))
    if len(code) != len(old_code):
        raise SystemExit(f"{source}: the code cells changed in number; run without --keep-outputs to execute it.")
    if [c.cell_type for c in notebook.cells] == [c.cell_type for c in old.cells]:
        for cell, before in zip(notebook.cells, old.cells):
            if "id" in before:
                cell.id = before.id
    for cell, before in zip(code, old_code):  # text cells may come and go; each code cell keeps its outputs
        cell.outputs, cell.execution_count = before.outputs, before.execution_count
    notebook.metadata["kernelspec"] = old.metadata.get("kernelspec", {})
    keep_checked_outputs(notebook)
    target.write_text(jupytext.writes(notebook, fmt="ipynb"), encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path, help="MyST chapters (default: every chapter and page)")
    parser.add_argument("--keep-outputs", action="store_true", help="resync from the source without executing")
    args = parser.parse_args(argv)
    sources = [p.resolve() for p in args.sources] or chapter_sources()
    known = set(chapter_sources())
    for source in sources:
        if source not in known:
            parser.error(f"{source} is not a notebook's source; give files like book/en/06_optimization.md")
    keep = args.keep_outputs
    for source in sources:
        print(f"{'resyncing' if keep else 'refreshing'} {notebook_path(source).relative_to(REPO)}", flush=True)
        (resync if keep else refresh)(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
