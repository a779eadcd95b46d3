"""Build the book's editions into _build/html/<lang>/ and the language-choice page _build/html/index.html.

    python scripts/build_book.py                 # full mode, all editions
    python scripts/build_book.py --mode quick    # small images, few steps (what the tests build)
    python scripts/build_book.py --editions vi --strict
    python scripts/build_book.py --mode quick --strict --no-execute   # what make test builds, after nbval

Each edition is an ordinary Jupyter Book build whose root is book/<lang>/: its table of contents and its
configuration are the _toc.yml and _config.yml Jupyter Book finds from that root (book/<lang>/, or the top-level
ones for English). The tables of contents list the same files (plain file names) with captions in the edition's
language; the configurations must agree with the top-level one except in PER_EDITION_KEYS. Each edition and mode
builds in its own folder _build/editions/<lang>/<mode>/, holding its doctrees and its execution cache: the
editions' notebooks differ in their strings, so each edition executes its own cells. What is computed once for all
editions is the long optimisations, through the run cache NST_RUN_CACHE. The pages are copied to
_build/html/<lang>/<page>.html, and the old addresses _build/html/<lang>/book/<lang>/<page>.html become redirects
to them.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from sphinx_external_toc.parsing import parse_toc_yaml

from nst_helpers.editions import EDITIONS, LANGS

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "_build"
SITE = BUILD / "html"
TOC = REPO / "_toc.yml"
SHARED_CONFIG = REPO / "_config.yml"
#: The settings in which an edition's _config.yml may differ from the top-level one.
PER_EDITION_KEYS = frozenset(
    {
        "title",
        "author",
        "repository.path_to_book",
        "sphinx.config.language",
        "sphinx.config.html_search_language",
        "sphinx.config.html_theme_options.search_bar_text",
    }
)
_PATH_KEYS = ("sphinx.local_extensions.",)  # paths relative to the config file: compared once resolved


def edition_toc(lang: str) -> Path:
    """The table of contents Jupyter Book finds for book/<lang>/: the edition's own _toc.yml, else the top-level one."""
    own = REPO / "book" / lang / "_toc.yml"
    return own if own.is_file() else TOC


def toc_pages(lang: str = "en") -> list[str]:
    """The pages of an edition's table of contents, root first (plain file names)."""
    return list(parse_toc_yaml(edition_toc(lang)).keys())


def edition_config(lang: str) -> Path:
    """The configuration Jupyter Book finds for book/<lang>/: the edition's own _config.yml, else the top-level one."""
    own = REPO / "book" / lang / "_config.yml"
    return own if own.is_file() else SHARED_CONFIG


def _flatten(value: Any, path: Path, prefix: str = "") -> dict[str, Any]:
    """A configuration as {dotted key: value}, with the paths of _PATH_KEYS resolved against its file ``path``."""
    if isinstance(value, dict) and value:
        return {k: v for key, item in value.items() for k, v in _flatten(item, path, f"{prefix}{key}.").items()}
    key = prefix[:-1]
    if key.startswith(_PATH_KEYS):
        value = (path.parent / value).resolve()
    return {key: value}


def config_drift(lang: str) -> list[str]:
    """How the edition's configuration differs from the top-level one beyond PER_EDITION_KEYS, and where its
    per-edition values disagree with nst_helpers.editions; empty when all is well."""
    path, edition = edition_config(lang), EDITIONS[lang]
    name = os.path.relpath(path, REPO)
    own = _flatten(yaml.safe_load(path.read_text(encoding="utf-8")), path)
    shared = _flatten(yaml.safe_load(SHARED_CONFIG.read_text(encoding="utf-8")), SHARED_CONFIG)
    expected = {
        "title": edition.title,
        "author": edition.author,
        "repository.path_to_book": f"book/{lang}",
        "sphinx.config.language": edition.sphinx_language,
        "sphinx.config.html_search_language": edition.search_language,
    }
    return [
        f"{name}: {key} is {own.get(key)!r}, the top-level _config.yml has {shared.get(key)!r}"
        for key in sorted((own.keys() | shared.keys()) - PER_EDITION_KEYS)
        if own.get(key) != shared.get(key)
    ] + [
        f"{name}: {key} is {own.get(key)!r}, should be {value!r}"
        for key, value in expected.items()
        if own.get(key) != value
    ]


def edition_output(lang: str, mode: str, execute: bool = True) -> Path:
    """The folder Jupyter Book builds the edition in (its _build/ holds html/, .doctrees/ and .jupyter_cache/)."""
    return BUILD / "editions" / lang / (mode if execute else f"{mode}-unexecuted")


def jupyter_book_command(lang: str, mode: str, strict: bool, execute: bool = True) -> list[str]:
    """The jupyter-book command line that builds one edition."""
    command = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(REPO / "book" / lang),
        "--config",
        str(edition_config(lang)),
        "--toc",
        str(edition_toc(lang)),
        "--path-output",
        str(edition_output(lang, mode, execute)),
        "--builder",
        "html",
    ]
    return command + (["-W", "-n", "--keep-going"] if strict else [])


def build_environment(mode: str, execute: bool = True) -> dict[str, str]:
    """The environment of a build: the chapters' mode, whether they run, and the run cache shared by every edition."""
    return {
        **os.environ,
        "NST_MODE": mode,
        "NST_BOOK_EXECUTE": "on" if execute else "off",
        "NST_RUN_CACHE": os.environ.get("NST_RUN_CACHE", str(BUILD / ".nst_runs")),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }


def redirect_page(target: str) -> str:
    """A page that sends the reader to ``target`` (a relative address)."""
    url = html.escape(target)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Moved</title>\n'
        f'<link rel="canonical" href="{url}">\n<meta http-equiv="refresh" content="0; url={url}">\n'
        f'</head><body><p>This page has moved to <a href="{url}">{url}</a>.</p></body></html>\n'
    )


def write_redirects(site: Path, lang: str, pages: list[str]) -> list[Path]:
    """Redirect the old addresses <lang>/book/<lang>/<page>.html under ``site`` to <lang>/<page>.html."""
    written = []
    for page in pages:
        old = site / lang / "book" / lang / f"{page}.html"
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text(redirect_page(f"../../{page}.html"), encoding="utf-8")
        written.append(old)
    return written


def build_edition(lang: str, mode: str, strict: bool, execute: bool = True) -> None:
    """Build one edition with Jupyter Book and publish it under _build/html/<lang>/.

    Without ``execute`` the pages are built without running their code, as a check of the sources (syntax,
    references, warnings); nothing is published.
    """
    if problems := config_drift(lang):
        sys.exit("The editions' configurations have drifted apart:\n  " + "\n  ".join(problems))
    print(f"== building the {lang} edition ({mode} mode{'' if execute else ', code not run'})", flush=True)
    command = jupyter_book_command(lang, mode, strict, execute)
    subprocess.run(command, check=True, env=build_environment(mode, execute), cwd=REPO)
    if not execute:
        return
    target = SITE / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(edition_output(lang, mode) / "_build" / "html", target)
    write_redirects(SITE, lang, toc_pages(lang))


def landing_page() -> str:
    """book/index.md rendered as the page where a reader picks an edition."""
    body = MarkdownIt("commonmark").enable("table").render((REPO / "book" / "index.md").read_text(encoding="utf-8"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(EDITIONS["en"].title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.6}}
a{{color:#2a5db0}} table{{border-collapse:collapse}} td,th{{padding:.3rem .8rem;border-bottom:1px solid #ddd}}</style>
</head><body>
{body}</body></html>
"""


def write_landing_page() -> Path:
    """Write the landing page as _build/html/index.html."""
    target = SITE / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(landing_page(), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("quick", "full"), default="full")
    parser.add_argument("--editions", nargs="+", choices=LANGS, default=list(LANGS))
    parser.add_argument("--strict", action="store_true", help="turn every warning into an error (-W -n --keep-going)")
    parser.add_argument(
        "--no-execute", action="store_true", help="check the sources without running the code; publish nothing"
    )
    args = parser.parse_args(argv)
    for lang in args.editions:
        build_edition(lang, args.mode, args.strict, execute=not args.no_execute)
    if args.no_execute:
        print("The sources of the editions build without warnings (code not run; nothing published).")
        return 0
    landing = write_landing_page()
    print(f"The book is in {SITE}: open {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
