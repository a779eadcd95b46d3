"""Make the student and teacher versions of the assignment from its source, for every language.

    python scripts/make_assignments.py                  # every language under assignments/
    python scripts/make_assignments.py --langs vi       # one language
    python scripts/make_assignments.py --no-execute     # skip running the notebooks (no stored outputs)

The source ``assignments/<lang>/08_assignment.md`` is a MyST notebook whose solution code sits between the
lines ``### BEGIN SOLUTION`` and ``### END SOLUTION``. From it come

* the STUDENT version, ``book/<lang>/08_assignment.md`` and its paired ``notebooks/<lang>/08_assignment.ipynb``:
  each solution block becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError(...)``, and cells tagged
  ``needs-solution`` (the checks, the final run) are tagged ``raises-exception``. This is what the book
  shows and what Colab opens;
* the TEACHER version, ``assignments/teacher/<lang>/08_assignment.ipynb``: solutions kept, nothing raises.

Each notebook is executed as scripts/refresh_notebooks.py does it (quick mode, only the outputs of cells
tagged ``nbval-check-output`` kept), which also proves that the student version raises only where tagged
and that the teacher version passes every check. Cell ids are derived from the position, so regenerating
an unchanged source gives identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tokenize
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from refresh_notebooks import TIMEOUT_S, keep_checked_outputs  # noqa: E402  (the same settings as every chapter)

STEM = "08_assignment"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NEEDS_SOLUTION_TAG = "needs-solution"
RAISES_TAG = "raises-exception"
YOUR_CODE = "# YOUR CODE HERE"
PLACEHOLDER = {
    "en": "Replace this line with your code.",
    "vi": "Hãy thay dòng này bằng mã của bạn.",
    "zh": "请把这一行换成你的代码",
}
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


class AssignmentSourceError(ValueError):
    """The assignment source breaks a rule; the message names the file and the cell."""


# ---- reading and checking the source ------------------------------------------------------------------
def source_path(lang: str, root: Path = REPO) -> Path:
    return root / "assignments" / lang / f"{STEM}.md"


def source_langs(root: Path = REPO) -> list[str]:
    """Languages with an assignment source, English first."""
    found = sorted(p.parent.name for p in (root / "assignments").glob(f"*/{STEM}.md") if p.parent.name in PLACEHOLDER)
    return sorted(found, key=lambda lang: (lang != "en", lang))


def solution_blocks(source: str, where: str) -> list[tuple[int, int]]:
    """(begin, end) line numbers of each solution block of one cell; raises on unbalanced markers."""
    blocks, begin = [], None
    for number, line in enumerate(source.split("\n")):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise AssignmentSourceError(f"{where}: '{BEGIN}' at line {number + 1} inside another solution block.")
            begin = number
        elif marker == END:
            if begin is None:
                raise AssignmentSourceError(f"{where}: '{END}' at line {number + 1} without a '{BEGIN}' before it.")
            blocks.append((begin, number))
            begin = None
    if begin is not None:
        raise AssignmentSourceError(f"{where}: '{BEGIN}' at line {begin + 1} is never closed by '{END}'.")
    return blocks


def code_skeleton(source: str) -> str:
    """Code without comments and with string literals blanked: what every language must share."""
    tokens = []
    string_types = {tokenize.STRING} | {
        getattr(tokenize, n) for n in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)
    }
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            if tok.string.strip() in (BEGIN, END):
                tokens.append(tok.string.strip())
            continue
        if tok.type in string_types:
            tokens.append("<str>")
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            tokens.append(tok.string)
    return " ".join(tokens)


def read_source(lang: str, root: Path = REPO) -> nbformat.NotebookNode:
    """The source notebook of ``lang``, checked: balanced markers, the set-up cell first, solutions present."""
    path = source_path(lang, root)
    if not path.is_file():
        raise AssignmentSourceError(f"{path} does not exist.")
    notebook = jupytext.read(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    if not code or f'setup("{lang}")' not in code[0].source:
        raise AssignmentSourceError(f'{path}: the first code cell must be the set-up cell calling setup("{lang}").')
    count = 0
    for number, cell in enumerate(code, start=1):
        count += len(solution_blocks(cell.source, f"{path}, code cell {number}"))
    if count == 0:
        raise AssignmentSourceError(f"{path}: no solution block ('{BEGIN}' ... '{END}') found.")
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (BEGIN in cell.source or END in cell.source):
            raise AssignmentSourceError(f"{path}: solution markers belong in code cells, not in text.")
    return notebook


def check_same_code(notebooks: dict[str, nbformat.NotebookNode]) -> None:
    """Every language must have the code cells and tags of English; only strings and comments may differ."""
    if "en" not in notebooks:
        return
    reference = [
        (code_skeleton(c.source), sorted(c.metadata.get("tags", [])))
        for c in notebooks["en"].cells
        if c.cell_type == "code"
    ]
    for lang, notebook in notebooks.items():
        cells = [
            (code_skeleton(c.source), sorted(c.metadata.get("tags", [])))
            for c in notebook.cells
            if c.cell_type == "code"
        ]
        if len(cells) != len(reference):
            raise AssignmentSourceError(f"assignments/{lang}: {len(cells)} code cells, English has {len(reference)}.")
        for number, (mine, theirs) in enumerate(zip(cells, reference), start=1):
            if mine[1] != theirs[1]:
                raise AssignmentSourceError(
                    f"assignments/{lang}, code cell {number}: tags {mine[1]}, English has {theirs[1]}."
                )
            if mine[0] != theirs[0]:
                raise AssignmentSourceError(
                    f"assignments/{lang}, code cell {number}: the code differs from English "
                    "beyond strings and comments."
                )


# ---- the two versions ----------------------------------------------------------------------------------
def strip_solutions(source: str, lang: str) -> str:
    """Each solution block replaced by ``# YOUR CODE HERE`` and a ``raise NotImplementedError(...)`` line."""
    lines = source.split("\n")
    blocks = solution_blocks(source, "cell")
    for begin, end in reversed(blocks):
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        message = json.dumps(PLACEHOLDER[lang], ensure_ascii=False)
        lines[begin : end + 1] = [indent + YOUR_CODE, f"{indent}raise NotImplementedError({message})"]
    return "\n".join(lines)


def _with_tags(cell: nbformat.NotebookNode, tags: list[str]) -> None:
    if tags:
        cell.metadata["tags"] = tags
    else:
        cell.metadata.pop("tags", None)


def student_version(source: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(json.loads(json.dumps(source)))
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source, lang)
        tags = cell.metadata.get("tags", [])
        _with_tags(cell, [RAISES_TAG if t == NEEDS_SOLUTION_TAG else t for t in tags])
    return notebook


def teacher_version(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(json.loads(json.dumps(source)))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            _with_tags(cell, [t for t in cell.metadata.get("tags", []) if t != NEEDS_SOLUTION_TAG])
    return notebook


# ---- the .ipynb files ----------------------------------------------------------------------------------
def paired_notebook(notebook: nbformat.NotebookNode, name: str, execute: bool, cwd: Path) -> nbformat.NotebookNode:
    """The notebook as refresh_notebooks.py stores it: executed in quick mode, only checked outputs kept."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    if execute:
        os.environ["NST_MODE"] = "quick"
        client = NotebookClient(
            notebook, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
        )
        client.execute()
    for index, cell in enumerate(notebook.cells):
        cell["id"] = hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:8]
    keep_checked_outputs(notebook, executed=execute)
    return notebook


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_assignments(
    langs: list[str] | None = None, out: Path = REPO, execute: bool = True, source_root: Path = REPO, log=print
) -> list[Path]:
    """Write the student and teacher versions of each language under ``out``; return the files written."""
    langs = langs or source_langs(source_root)
    if not langs:
        raise AssignmentSourceError(f"No assignment source found under {source_root / 'assignments'}.")
    sources = {lang: read_source(lang, source_root) for lang in langs}
    if "en" not in sources and source_path("en", source_root).is_file():
        sources_all = {"en": read_source("en", source_root), **sources}
    else:
        sources_all = sources
    check_same_code(sources_all)
    written = []
    for lang, source in sources.items():
        student = student_version(source, lang)
        student_md = _write(out / "book" / lang / f"{STEM}.md", jupytext.writes(student, fmt="md:myst"))
        log(f"student version: {student_md.relative_to(out)}")
        student_nb = paired_notebook(jupytext.read(student_md), f"{lang}/student", execute, student_md.parent)
        written += [
            student_md,
            _write(out / "notebooks" / lang / f"{STEM}.ipynb", jupytext.writes(student_nb, fmt="ipynb")),
        ]
        teacher_path = out / "assignments" / "teacher" / lang / f"{STEM}.ipynb"
        log(f"teacher version: {teacher_path.relative_to(out)}")
        teacher_path.parent.mkdir(parents=True, exist_ok=True)
        teacher_nb = paired_notebook(teacher_version(source), f"{lang}/teacher", execute, teacher_path.parent)
        written.append(_write(teacher_path, jupytext.writes(teacher_nb, fmt="ipynb")))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--langs", nargs="+", choices=sorted(PLACEHOLDER), help="default: every language with a source")
    parser.add_argument("--no-execute", action="store_true", help="do not run the notebooks (no outputs are stored)")
    parser.add_argument("--out", type=Path, default=REPO, help="write under this folder instead of the repository")
    args = parser.parse_args(argv)
    try:
        make_assignments(args.langs, out=args.out, execute=not args.no_execute)
    except AssignmentSourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
