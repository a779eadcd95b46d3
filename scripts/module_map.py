"""Generate the README's table of nst_helpers and nst_grader modules and the chapters that teach them.

    python scripts/module_map.py           # rewrite the table in README.md
    python scripts/module_map.py --check   # exit 1 when README.md's table is out of date

Each module's docstring gives its summary (the first sentence) and a line ``Chapter: NN.`` or
``Chapters: NN, MM.``; modules without one (private helpers) are left out. Nothing is imported.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "nst_helpers"
#: The packages in the table, and the folder their module names are counted from.
PACKAGES = ((PACKAGE, REPO), (REPO / "grader" / "nst_grader", REPO / "grader"))
README = REPO / "README.md"
START, END = "<!-- module-map:start -->", "<!-- module-map:end -->"
_CHAPTERS = re.compile(r"^Chapters?: ([\d, ]+)\.$", re.M)


def module_rows() -> list[tuple[str, str, str]]:
    """(module, chapters, summary) for every module whose docstring names its chapters."""
    rows = []
    for path, base in ((p, base) for package, base in PACKAGES for p in sorted(package.rglob("*.py"))):
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        found = _CHAPTERS.search(docstring)
        if not found:
            continue
        parts = path.relative_to(base).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        summary = " ".join(docstring.split("\n\n")[0].split())
        summary = re.split(r"(?<=\.)\s", summary.replace("``", "`"))[0].rstrip(".")
        rows.append((module, found.group(1).strip(), summary))
    return rows


def table() -> str:
    lines = ["| module | chapters | what it holds |", "| --- | --- | --- |"]
    lines += [f"| `{module}` | {chapters} | {summary} |" for module, chapters, summary in module_rows()]
    return "\n".join(lines)


def with_table(readme: str) -> str:
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md lacks the markers {START} and {END}.")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    updated = with_table(readme)
    if "--check" in argv:
        if updated != readme:
            print("README.md's module table is out of date: run python scripts/module_map.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
