"""Read a submission without running it: its cells, the student's id and edition, and forbidden imports.

Everything here works on the notebook's JSON and on the syntax tree of its cells, in the grader's process;
nothing of the submission runs. Graded cells may import only ``tensorflow``, ``keras``, ``numpy``,
``math`` and the names of ``nst_helpers`` in ``nst_helpers.assignment.exercises.ALLOWED_IMPORTS`` (the set-up
cell also what the template's imports). Anything else, and code that loads or builds code (``exec``,
``getattr``, ``x.__class__``, ``allow_pickle=`` ...), is flagged: in an exercise's function (or a helper it
calls) it costs that exercise, outside function bodies every exercise. This reading is a second line: the
sandbox is what keeps the answers out of reach, since no list of forbidden routes can be complete.

Chapter: 08.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from nst_helpers.assignment.exercises import ALLOWED_IMPORTS, EXERCISES
from nst_helpers.assignment.runner import SKIP_TAG, is_check_cell, plain_python
from nst_helpers.editions import LANGS

ID_FIELD = "STUDENT_ID"
_SETUP_CALL = re.compile(r"""\bsetup\(\s*["'](\w+)["']""")
_MAX_ID = 64
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
MAX_CODE_CHARS = 2 * 1024 * 1024  # the assignment's code is some 20 kB; reading code takes time linear in it
#: The modules a graded cell may import (with the names of nst_helpers in ``ALLOWED_IMPORTS``); anything
#: else (``pydoc``, ``typing``, ``pickle``, ``os`` ...) can reach code or files by routes a reading of the
#: code cannot follow, so it is flagged.
ALLOWED_MODULES = ("tensorflow", "keras", "numpy", "math")
#: What the template's set-up cell (the first code cell) imports and uses, to install the package on Colab.
SETUP_MODULES = ("importlib", "importlib.util", "subprocess", "sys")
SETUP_USES = ("importlib.util.find_spec", "sys.executable", "subprocess.run")
#: Names that build or load code, or reach the interpreter's internals, as names or as attributes.
CODE_NAMES = (
    "exec",
    "eval",
    "compile",
    "__import__",
    "breakpoint",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "vars",
    "locals",
    "__builtins__",
    "builtins",
    "importlib",
    "sys",
    "subprocess",
)
#: Inside an exercise's function, reading files counts too.
DYNAMIC_NAMES = CODE_NAMES + ("open",)
#: Keyword arguments that load code (np.load(..., allow_pickle=True)).
CODE_KEYWORDS = ("allow_pickle",)


class NotebookError(ValueError):
    """The file is not a notebook the grader can read."""


@dataclass
class Cell:
    number: int  # 1-based, counting code cells only (what a teacher counts when reading the notebook)
    source: str
    tags: list[str]


@dataclass
class Submission:
    """What the grader reads from a notebook before running it."""

    cells: list[Cell]
    student_id: str | None
    lang: str | None
    flags: dict[str, list[str]] = field(default_factory=dict)  # exercise key -> reasons


def read_notebook(path: Path, content: bytes | None = None) -> list[Cell]:
    """The code cells of a notebook file (or of its ``content`` read before); :class:`NotebookError` for
    anything that is not one."""
    size = len(content) if content is not None else path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MiB")
    try:
        data = json.loads((content if content is not None else path.read_bytes()).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"bad JSON, line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise NotebookError("JSON nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("no list of cells")
    cells = [c for c in data["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    result = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        source = "".join(str(s) for s in source) if isinstance(source, list) else str(source)
        tags = (cell.get("metadata") or {}).get("tags") or []
        result.append(Cell(number, source, [str(t) for t in tags] if isinstance(tags, list) else []))
    if sum(len(c.source) for c in result) > MAX_CODE_CHARS:
        raise NotebookError(f"its code cells hold more than {MAX_CODE_CHARS // 2**20} MiB of code")
    return result


def _parse(cell: Cell) -> ast.Module | None:
    try:
        return ast.parse(plain_python(cell.source)[0])
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # Python could not compile it either
        return None


def student_id(cells: list[Cell]) -> str | None:
    """The string assigned to ``STUDENT_ID`` in the first code cell, if it is a sensible id."""
    tree = _parse(cells[0]) if cells else None
    for node in tree.body if tree else []:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == ID_FIELD for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            value = re.sub(r"[^\w.@-]+", "_", node.value.value.strip())[:_MAX_ID].strip("_.")
            return value or None
    return None


def edition(cells: list[Cell]) -> str | None:
    """The edition the notebook came from, read from its ``setup("vi")`` call."""
    for cell in cells[:3]:
        match = _SETUP_CALL.search(cell.source)
        if match and match.group(1) in LANGS:
            return match.group(1)
    return None


def _import_bindings(node: ast.AST) -> list[tuple[str, str]]:
    """(bound name, what it refers to, dotted) for an import statement."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0]) for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names]
    return []


def forbidden_target(dotted: str, setup_cell: bool = False) -> bool:
    """Whether an imported module or name (``nst_helpers.losses.gram_matrix``) is outside what graded cells
    may import; the set-up cell may also import what the template's does."""
    root = dotted.split(".")[0]
    if root in ALLOWED_MODULES:
        return False
    if setup_cell and any(dotted == m or dotted.startswith(m + ".") for m in SETUP_MODULES):
        return False
    if root != "nst_helpers":
        return True
    if dotted == "nst_helpers":
        return False
    for module, names in ALLOWED_IMPORTS.items():
        if dotted == module:
            return False
        if dotted.startswith(module + "."):
            rest = dotted[len(module) + 1 :].split(".")[0]
            if "*" in names or rest in names:
                return False
    return True


def _imported(node: ast.AST) -> list[str]:
    """Every module or name an import statement reaches, dotted."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return [f"{module}.{a.name}" for a in node.names]
    return []


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id] + parts[::-1]) if isinstance(node, ast.Name) else ""


def _reasons(tree: ast.AST, tainted: dict[str, str], top_level: bool = False, setup_cell: bool = False) -> list[str]:
    reasons = []
    allowed: set[int] = set()
    if top_level:  # the template's own set-up lines
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _dotted(node) in SETUP_USES:
                allowed |= {id(n) for n in ast.walk(node)}
    names = CODE_NAMES if top_level else DYNAMIC_NAMES
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            reasons += [f"imports {target}" for target in _imported(node) if forbidden_target(target, setup_cell)]
        elif isinstance(node, ast.Name) and node.id in tainted:
            reasons.append(tainted[node.id])
        elif isinstance(node, ast.Name) and node.id in names:
            reasons.append(f"uses {node.id}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "nst_helpers":
            if forbidden_target(f"nst_helpers.{node.attr}"):
                reasons.append(f"uses nst_helpers.{node.attr}")
        elif isinstance(node, ast.Attribute) and (node.attr in names or node.attr.startswith("__")):
            reasons.append(f"uses .{node.attr}")  # x.exec, pydoc.builtins, __class__, __globals__ ...
        elif isinstance(node, ast.keyword) and node.arg in CODE_KEYWORDS:
            reasons.append(f"uses {node.arg}=")
    return list(dict.fromkeys(reasons))


def _runs_on_definition(node: ast.AST) -> list[ast.AST]:
    """The parts of a top-level statement that run when the cell runs: all of it, except a function's body
    (its decorators and default values do run)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        return list(node.decorator_list) + list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    return [node]  # an import, a class body ... run too


def forbidden_uses(cells: list[Cell]) -> dict[str, list[str]]:
    """For each exercise whose function (or a function it calls) uses something a graded cell may not, why."""
    graded = [c for c in cells if SKIP_TAG not in c.tags and not is_check_cell(c.source)]
    tainted: dict[str, str] = {}  # name bound at top level -> the reason using it is forbidden
    definitions: dict[str, ast.AST] = {}
    parsed = [(c.number == 1, _parse(c)) for c in graded]  # (whether it is the set-up cell, its tree)
    trees = [(first, t) for first, t in parsed if t is not None]
    for first, tree in trees:
        for node in tree.body:
            for name, target in _import_bindings(node):
                if forbidden_target(target, setup_cell=first):
                    tainted[name] = f"uses {target}"
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                definitions[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for name in (n.id for n in ast.walk(target) if isinstance(n, ast.Name)):
                        definitions[name] = node
    # a function is flagged for what it uses and for what the functions it calls use (following the calls
    # once, through a worklist); not through another exercise's function, which the grader replaces by its
    # own while it grades this one
    own = {name: _reasons(node, tainted) for name, node in definitions.items()}
    exercise_functions = {e.function for e in EXERCISES}
    callable_names = set(definitions) - exercise_functions
    calls = {
        name: ({n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & callable_names) - {name}
        for name, node in definitions.items()
    }

    def reached(start: str) -> list[str]:
        seen, todo, found = {start}, [start], []
        while todo:
            name = todo.pop()
            found += own.get(name, [])
            for callee in calls.get(name, ()):
                if callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
        return found

    # code that runs when a cell runs, outside any function body (a statement in an if, a try, a loop, a
    # class body, a decorator, a default value) can define the exercises in ways this reading cannot follow:
    # what it reaches for counts against every exercise
    loose = []
    for first, tree in trees:
        for node in tree.body:
            for part in _runs_on_definition(node):
                loose += _reasons(part, tainted, top_level=True, setup_cell=first)
    loose = list(dict.fromkeys(loose))
    flags = {}
    for exercise in EXERCISES:
        found = list(dict.fromkeys(reached(exercise.function) + loose))
        if found:
            flags[exercise.key] = found
    return flags


def scan(path: Path, content: bytes | None = None) -> Submission:
    """Read ``path`` (or its ``content``); :class:`NotebookError` when it is not a notebook."""
    cells = read_notebook(path, content)
    return Submission(cells, student_id(cells), edition(cells), forbidden_uses(cells))
