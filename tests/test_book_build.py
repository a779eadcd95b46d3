"""The book's build: plain Jupyter Book builds of book/<lang>/ with the shared table of contents, committed
configurations that agree, the language switcher and Colab links, and redirects from the old addresses.
No notebook is executed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from nst_helpers.editions import EDITIONS, LANGS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "book" / "_ext"))
import build_book  # noqa: E402
import nst_book  # noqa: E402
import refresh_notebooks  # noqa: E402

PAGES = build_book.toc_pages()
CHAPTERS = [page for page in PAGES if re.match(r"\d\d_", page)]
NOTEBOOK_PAGES = CHAPTERS + list(refresh_notebooks.NOTEBOOK_PAGES)  # the pages paired with a notebook
REPOSITORY = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["repository"]


def links(page: str) -> set[str]:
    """Every address an HTML page points at: its href attributes and its meta-refresh target."""
    return set(re.findall(r'href="([^"]+)"', page)) | set(re.findall(r'content="0; url=([^"]+)"', page))


def test_toc_entries_are_file_names_without_language():
    assert PAGES[0] == "index" and len(CHAPTERS) == 12
    for page in PAGES:
        assert "/" not in page and not page.startswith(LANGS), page


@pytest.mark.parametrize("lang", LANGS)
def test_every_edition_lists_the_same_pages_with_captions_in_its_language(lang):
    assert build_book.toc_pages(lang) == PAGES
    captions = [part["caption"] for part in yaml.safe_load(build_book.edition_toc(lang).read_text("utf-8"))["parts"]]
    english = [part["caption"] for part in yaml.safe_load((REPO / "_toc.yml").read_text("utf-8"))["parts"]]
    assert (captions == english) == (lang == "en"), f"{lang}: captions {captions}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_edition_folder_has_every_toc_page(lang):
    for page in PAGES:
        assert (REPO / "book" / lang / f"{page}.md").is_file(), f"book/{lang}/{page}.md is missing"


def test_config_has_no_editions_key():
    for lang in LANGS:
        assert "editions" not in yaml.safe_load(build_book.edition_config(lang).read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", LANGS)
def test_edition_config_agrees_with_the_shared_one_and_the_editions(lang):
    assert build_book.config_drift(lang) == []


def test_a_drifted_edition_config_is_reported(tmp_path, monkeypatch):
    config = yaml.safe_load((REPO / "book" / "vi" / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["timeout"] = 5
    config["sphinx"]["local_extensions"]["nst_book"] = str(REPO / "book" / "_ext")
    config["sphinx"]["config"]["language"] = "en"
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(build_book, "edition_config", lambda lang: tmp_path / "_config.yml")
    problems = build_book.config_drift("vi")
    assert len(problems) == 2
    assert "execute.timeout is 5" in problems[0] and "sphinx.config.language is 'en'" in problems[1]


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("lang", LANGS)
def test_jupyter_book_command_builds_the_edition_folder(lang, strict):
    command = build_book.jupyter_book_command(lang, "quick", strict)
    option = {name: command[command.index(name) + 1] for name in ("--config", "--toc", "--path-output")}
    assert command[1:3] == ["build", str(REPO / "book" / lang)]
    assert option["--toc"] == str(REPO / ("_toc.yml" if lang == "en" else f"book/{lang}/_toc.yml"))
    expected_config = REPO / ("_config.yml" if lang == "en" else f"book/{lang}/_config.yml")
    assert option["--config"] == str(expected_config)
    assert option["--path-output"] == str(REPO / "_build" / "editions" / lang / "quick")
    assert ("-W" in command and "-n" in command and "--keep-going" in command) == strict


def test_each_edition_and_mode_builds_in_its_own_folder():
    folders = {build_book.edition_output(lang, mode) for lang in LANGS for mode in ("quick", "full")}
    assert len(folders) == 2 * len(LANGS)


def test_build_writes_no_config_and_publishes_pages_with_redirects(tmp_path, monkeypatch):
    """A build with jupyter-book stubbed: the files it writes are the published pages and the redirects."""
    calls = []

    def fake_run(command, check, env, cwd):
        calls.append((command, env))
        html = Path(command[command.index("--path-output") + 1]) / "_build" / "html"
        html.mkdir(parents=True)
        for page in PAGES:
            (html / f"{page}.html").write_text(page, encoding="utf-8")

    monkeypatch.setattr(build_book, "BUILD", tmp_path / "_build")
    monkeypatch.setattr(build_book, "SITE", tmp_path / "_build" / "html")
    monkeypatch.setattr(build_book.subprocess, "run", fake_run)
    monkeypatch.setenv("NST_RUN_CACHE", str(tmp_path / "runs"))
    before = {
        path: path.stat().st_mtime_ns
        for path in [*map(build_book.edition_toc, LANGS), *map(build_book.edition_config, LANGS)]
    }
    build_book.build_edition("vi", "quick", strict=True)

    ((command, env),) = calls
    assert command == build_book.jupyter_book_command("vi", "quick", strict=True)
    assert env["NST_MODE"] == "quick" and env["NST_RUN_CACHE"] == str(tmp_path / "runs")
    assert {path: path.stat().st_mtime_ns for path in before} == before
    written = {p.relative_to(tmp_path / "_build").as_posix() for p in (tmp_path / "_build").rglob("*") if p.is_file()}
    assert not [name for name in written if name.endswith((".yml", ".yaml", ".py"))]
    assert {f"html/vi/{page}.html" for page in PAGES} | {f"html/vi/book/vi/{page}.html" for page in PAGES} <= written


def test_run_cache_defaults_to_the_build_folder(monkeypatch):
    monkeypatch.delenv("NST_RUN_CACHE", raising=False)
    assert build_book.build_environment("full")["NST_RUN_CACHE"] == str(REPO / "_build" / ".nst_runs")
    assert build_book.build_environment("full")["NST_MODE"] == "full"


def test_redirect_points_at_the_new_location(tmp_path):
    (old,) = build_book.write_redirects(tmp_path, "vi", ["06_optimization"])
    assert old == tmp_path / "vi" / "book" / "vi" / "06_optimization.html"
    page = old.read_text(encoding="utf-8")
    assert 'http-equiv="refresh"' in page and 'rel="canonical"' in page
    targets = links(page)
    assert targets == {"../../06_optimization.html"}
    assert (old.parent / targets.pop()).resolve() == tmp_path / "vi" / "06_optimization.html"


def test_landing_page_links_to_every_edition_home():
    assert links(build_book.landing_page()) == {f"{lang}/index.html" for lang in LANGS}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_switcher_links_point_at_the_same_page_in_every_edition(lang, page):
    links = nst_book.edition_links(REPO / "book", lang, page)
    assert [link["code"] for link in links] == list(LANGS)
    assert [link["code"] for link in links if link["current"]] == [lang]
    for link in links:
        assert link["href"] == f"../{link['code']}/{page}.html" and link["name"] == EDITIONS[link["code"]].name
        assert (REPO / "book" / link["code"] / f"{page}.md").is_file()


def test_the_colab_button_opens_the_release_the_set_up_cells_install(monkeypatch):
    """The page's Colab link uses the tag v<version>, the same release as the set-up cell's PACKAGE."""
    import nst_helpers

    seen = {}
    monkeypatch.setattr(nst_book, "colab_url", lambda url, branch, *rest: seen.setdefault("branch", branch))

    class App:
        srcdir = str(REPO / "book" / "en")
        env = type("Env", (), {"found_docs": {"06_optimization"}})()
        config = type("Config", (), {"html_theme_options": {"repository_url": REPOSITORY["url"]}})()

    nst_book._page_context(App(), "06_optimization", "page.html", {}, None)
    assert seen["branch"] == f"v{nst_helpers.__version__}"


@pytest.mark.parametrize("lang", LANGS)
def test_colab_opens_the_paired_notebook(lang):
    for page in PAGES:
        url = nst_book.colab_url(REPOSITORY["url"], REPOSITORY["branch"], lang, page, REPO)
        if page not in NOTEBOOK_PAGES:
            assert url is None
            continue
        owner_repo = REPOSITORY["url"].removeprefix("https://github.com/")
        notebook = f"notebooks/{lang}/{page}.ipynb"
        assert url == f"https://colab.research.google.com/github/{owner_repo}/blob/{REPOSITORY['branch']}/{notebook}"
        assert (REPO / notebook).is_file()
    assert nst_book.colab_url("https://gitlab.com/a/b", "main", lang, CHAPTERS[0], REPO) is None


def test_switcher_template_is_placed_by_a_theme_option_and_renders_the_links():
    options = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    assert "nst-editions.html" in options["html_theme_options"]["article_header_start"]
    assert "launch_buttons" not in yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    template = jinja2.Environment().from_string((REPO / "book/_ext/templates/nst-editions.html").read_text())
    colab = nst_book.colab_url(REPOSITORY["url"], "main", "zh", "06_optimization", REPO)
    html = template.render(
        nst_editions=nst_book.edition_links(REPO / "book", "zh", "06_optimization"),
        nst_colab_url=colab,
        pagename="06_optimization",
    )
    assert '<strong lang="zh">中文</strong>' in html
    assert 'href="../en/06_optimization.html"' in html and 'href="../vi/06_optimization.html"' in html
    assert f'href="{colab}"' in html


def test_a_build_without_execution_checks_the_sources_and_publishes_nothing(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(build_book, "BUILD", tmp_path / "_build")
    monkeypatch.setattr(build_book, "SITE", tmp_path / "_build" / "html")
    monkeypatch.setattr(build_book.subprocess, "run", lambda command, check, env, cwd: calls.append((command, env)))
    build_book.build_edition("zh", "quick", strict=True, execute=False)
    ((command, env),) = calls
    assert env["NST_BOOK_EXECUTE"] == "off" and command[command.index("--path-output") + 1].endswith("quick-unexecuted")
    assert not (tmp_path / "_build" / "html").exists()


@pytest.mark.parametrize("value, mode", [("off", "off"), ("on", "cache"), ("", "cache")])
def test_the_extension_turns_execution_off_on_request(monkeypatch, value, mode):
    import types

    monkeypatch.setenv(nst_book.EXECUTE_ENV, value)
    config = types.SimpleNamespace(nb_execution_mode="cache")
    nst_book._execution_switch(None, config)
    assert config.nb_execution_mode == mode
