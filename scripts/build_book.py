"""Build the book's editions into _build/html/<lang>/ and the language-choice page _build/html/index.html.

    python scripts/build_book.py                 # full mode, all editions
    python scripts/build_book.py --mode quick    # small images, few steps (what the tests build)
    python scripts/build_book.py --editions en --strict

Each edition is one Jupyter Book build with the shared _config.yml and _toc.yml plus the edition's language.
Every build uses the same execution cache, so the identical code cells of the three editions run once, and
the same run cache (NST_RUN_CACHE), so a long optimisation is computed once for all editions.
"""
from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "_build"
EXCLUDE = [".*", ".venv", "_build", "notebooks", "tests", "benchmarks", "scripts", "nst_helpers", "README.md", "**/.ipynb_checkpoints"]


def edition_files(lang: str, mode: str) -> tuple[Path, Path]:
    """Write this edition's _config.yml and _toc.yml under _build/configs/<lang>/ and return their paths."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    edition = config.pop("editions")[lang]
    config["title"] = edition["title"]
    config["execute"]["cache"] = str(BUILD / f".jupyter_cache-{mode}")
    sphinx = config["sphinx"]
    sphinx["local_extensions"] = {name: str(REPO / path) for name, path in sphinx["local_extensions"].items()}
    sphinx["config"].update(language=edition["language"], html_search_language=edition["search_language"],
                            exclude_patterns=EXCLUDE)
    toc_text = (REPO / "_toc.yml").read_text(encoding="utf-8").replace("book/en/", f"book/{lang}/")
    folder = BUILD / "configs" / lang
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "_toc.yml").write_text(toc_text, encoding="utf-8")
    return folder / "_config.yml", folder / "_toc.yml"


def build_edition(lang: str, mode: str, strict: bool) -> None:
    config, toc = edition_files(lang, mode)
    output = BUILD / "editions" / lang
    env = {**os.environ, "NST_MODE": mode, "NST_RUN_CACHE": os.environ.get("NST_RUN_CACHE", str(BUILD / ".nst_runs")),
           "PYDEVD_DISABLE_FILE_VALIDATION": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "--config", str(config),
               "--toc", str(toc), "--path-output", str(output), "--builder", "html"]
    if strict:
        command += ["-W", "-n", "--keep-going"]
    print(f"== building the {lang} edition ({mode} mode)", flush=True)
    subprocess.run(command, check=True, env=env, cwd=REPO)
    target = BUILD / "html" / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(output / "_build" / "html", target)


def write_landing_page() -> Path:
    """Render book/index.md as _build/html/index.html, the page where a reader picks an edition."""
    source = (REPO / "book" / "index.md").read_text(encoding="utf-8")
    body = MarkdownIt("commonmark").enable("table").render(source)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape("Neural Style Transfer")}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.6}}
a{{color:#2a5db0}} table{{border-collapse:collapse}} td,th{{padding:.3rem .8rem;border-bottom:1px solid #ddd}}</style>
</head><body>
{body}</body></html>
"""
    target = BUILD / "html" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("quick", "full"), default="full")
    parser.add_argument("--editions", nargs="+", choices=("en", "vi", "zh"), default=["en", "vi", "zh"])
    parser.add_argument("--strict", action="store_true", help="turn every warning into an error (-W -n --keep-going)")
    args = parser.parse_args(argv)
    for lang in args.editions:
        build_edition(lang, args.mode, args.strict)
    landing = write_landing_page()
    print(f"The book is in {BUILD / 'html'}: open {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
