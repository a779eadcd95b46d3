"""Sphinx extension of the book: links to the same page in the other editions, Colab buttons that open
the paired notebook under notebooks/<lang>/ rather than the MyST source, and MathJax served with the book.

MathJax comes from the ``django-static-mathjax`` package (MathJax 3 as static files, no Django needed), so
the math renders without any network access; the pages load ``_static/mathjax/tex-chtml.js``.
"""
from __future__ import annotations

import re

EDITION_NAMES = {"en": "English", "vi": "Tiếng Việt", "zh": "中文"}
_PAGE = re.compile(r"^book/(?P<lang>en|vi|zh)/(?P<stem>.+)$")


def _edition_links(pagename: str) -> str:
    match = _PAGE.match(pagename)
    if not match:
        return ""
    to_root = "../" * (pagename.count("/") + 1)  # from _build/html/<lang>/<pagename>.html up to _build/html/
    links = []
    for lang, name in EDITION_NAMES.items():
        if lang == match["lang"]:
            links.append(f'<strong lang="{lang}">{name}</strong>')
        else:
            href = f"{to_root}{lang}/book/{lang}/{match['stem']}.html"
            links.append(f'<a lang="{lang}" hreflang="{lang}" href="{href}">{name}</a>')
    return '<nav class="nst-editions" aria-label="editions">' + " · ".join(links) + "</nav>\n"


def _point_colab_at_notebooks(context: dict) -> None:
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if isinstance(group, dict) else []:
            if button.get("text") == "Colab":
                button["url"] = re.sub(r"/book/(en|vi|zh)/([^/]+)\.(md|ipynb)$", r"/notebooks/\1/\2.ipynb", button["url"])


def on_page_context(app, pagename, templatename, context, doctree):
    _point_colab_at_notebooks(context)
    if "body" in context:
        context["body"] = _edition_links(pagename) + context["body"]


def setup(app):
    app.connect("html-page-context", on_page_context, priority=900)
    app.add_css_file("nst_book.css")
    app.connect("builder-inited", _add_static)
    app.config.mathjax_path = MATHJAX_ENTRY
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


MATHJAX_ENTRY = "mathjax/tex-chtml.js"
# Of MathJax's es5 folder, what tex-chtml.js loads: itself, the CHTML fonts, and the parts it loads on demand
# (TeX extensions such as \boldsymbol, the menu, the accessibility tools and the speech-rule engine they use).
_MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y", "sre", "adaptors")


def mathjax_source():
    """The es5 folder of the installed MathJax."""
    from pathlib import Path

    try:
        import mathjax
    except ImportError:
        raise RuntimeError("MathJax is not installed: pip install django-static-mathjax (part of the [book] extra).") from None
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def _copy_mathjax(app, exception):
    import shutil
    from pathlib import Path

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


def _add_static(app):
    from pathlib import Path

    app.config.html_static_path.append(str(Path(__file__).parent / "static"))
