"""Sphinx extension of the book: the language switcher and the Colab link, and MathJax served with the book.

An edition is a Jupyter Book whose root is ``book/<lang>/``; the extension knows which one it builds from that
folder's name and the editions from :mod:`nst_helpers.editions`. For every page it adds two template variables,
``nst_editions`` (links to the same page in each edition) and ``nst_colab_url`` (the paired notebook
``notebooks/<lang>/<page>.ipynb`` on Colab, for chapters, at the tag of the release the set-up cells install),
which ``templates/nst-editions.html`` renders; the ``_config.yml`` files place that template in the article header
through the theme option ``article_header_start``.

MathJax comes from the ``django-static-mathjax`` package (MathJax 3 as static files, no Django needed), so
the math renders without any network access; the pages load ``_static/mathjax/tex-chtml.js``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from nst_helpers import __version__
from nst_helpers.editions import EDITIONS

HERE = Path(__file__).resolve().parent
EXECUTE_ENV = "NST_BOOK_EXECUTE"

COLAB = "https://colab.research.google.com/github"
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
# Of MathJax's es5 folder, what tex-chtml.js loads: itself, the CHTML fonts, and the parts it loads on demand
# (TeX extensions such as \boldsymbol, the menu, the accessibility tools and the speech-rule engine they use).
_MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y", "sre", "adaptors")


def edition_links(book: Path, lang: str, pagename: str) -> list[dict[str, Any]]:
    """Links from page ``pagename`` of edition ``lang`` to the same page in every edition, relative to that page.

    ``book`` is the folder holding the editions' sources (``book/``); an edition without the page gets a link
    to its home page instead.
    """
    up = "../" * (pagename.count("/") + 1)
    links = []
    for code, edition in EDITIONS.items():
        page = pagename if any((book / code).glob(f"{pagename}.*")) else "index"
        links.append({"code": code, "name": edition.name, "href": f"{up}{code}/{page}.html", "current": code == lang})
    return links


def colab_url(repository_url: str, branch: str, lang: str, pagename: str, root: Path) -> str | None:
    """The Colab address of ``notebooks/<lang>/<pagename>.ipynb`` in the GitHub repository, if ``root`` has it."""
    url = urlparse(repository_url)
    owner_repo = url.path.strip("/").removesuffix(".git")
    notebook = f"notebooks/{lang}/{pagename}.ipynb"
    if url.netloc != "github.com" or owner_repo.count("/") != 1 or not (root / notebook).is_file():
        return None
    return f"{COLAB}/{owner_repo}/blob/{branch or 'main'}/{notebook}"


def _page_context(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    srcdir = Path(app.srcdir)
    lang = srcdir.name
    if lang not in EDITIONS or pagename not in app.env.found_docs:
        return
    options = app.config.html_theme_options
    context["nst_editions"] = edition_links(srcdir.parent, lang, pagename)
    # The notebook of the release that the set-up cells install (scripts/release.py), not of the moving branch.
    context["nst_colab_url"] = colab_url(
        options.get("repository_url", ""), f"v{__version__}", lang, pagename, srcdir.parents[1]
    )


def _add_templates(app, config) -> None:
    if str(HERE / "templates") not in config.templates_path:
        config.templates_path.append(str(HERE / "templates"))


def _execution_switch(app, config) -> None:
    """``NST_BOOK_EXECUTE=off`` builds the pages without running their code (the structure check of make test,
    after nbval has run every notebook); anything else keeps the configuration's execution mode."""
    if os.environ.get(EXECUTE_ENV, "").strip().lower() == "off":
        config.nb_execution_mode = "off"


def _add_static(app) -> None:
    app.config.html_static_path.append(str(HERE / "static"))


def mathjax_source() -> Path:
    """The es5 folder of the installed MathJax."""
    try:
        import mathjax
    except ImportError:
        raise RuntimeError(
            "MathJax is not installed: pip install django-static-mathjax (part of the [book] extra)."
        ) from None
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in _MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)
    shutil.copy2(source.parent / "LICENSE", target / "LICENSE")


def setup(app) -> dict[str, bool]:
    app.connect("config-inited", _add_templates)
    app.connect("config-inited", _execution_switch)
    app.connect("builder-inited", _add_static)
    app.connect("html-page-context", _page_context)
    app.connect("build-finished", _copy_mathjax)
    app.add_css_file("nst_book.css")
    app.config.mathjax_path = MATHJAX_ENTRY
    return {"parallel_read_safe": True, "parallel_write_safe": True}
