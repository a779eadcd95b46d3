"""Make a release: one version number, and every page's set-up cell and Colab badge pointing at that release.

    python scripts/release.py --check        # list what disagrees with the current version (the tests run this)
    python scripts/release.py --print-install  # what the set-up cells pip-install (the weekly workflow tries it)
    python scripts/release.py 0.3.0          # write 0.3.0 everywhere, regenerate the notebooks, commit
    python scripts/release.py 0.3.0 --tag    # ... and tag the commit v0.3.0 (then: git push --tags)
    make release VERSION=0.3.0               # the same as --tag

The version lives in nst_helpers/__init__.py (pyproject.toml reads it from there). A release writes it into
grader/pyproject.toml (the grader's version and its pin of nst-helpers), rewrites the set-up cell of every
chapter, of the answers page and of the assignment sources from the one template per edition below (so that
Colab installs exactly the tagged release, ``git+<repository>@v<version>``), points each page's "Open in Colab"
badge at the notebook of that tag, updates the release named in README.md and the teachers' guides, and
regenerates the paired notebooks. The repository's address is the one
in _config.yml.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from refresh_notebooks import chapter_sources  # noqa: E402

VERSION_FILE = REPO / "nst_helpers" / "__init__.py"
GRADER_PROJECT = REPO / "grader" / "pyproject.toml"
_VERSION = re.compile(r'^__version__ = "([^"]+)"', re.M)
_SEMVER = re.compile(r"\d+\.\d+\.\d+")

#: Per edition: the comment that opens the set-up cell, and the message when the install fails.
SETUP_WORDS = {
    "en": (
        "# Set-up: on Colab, install the book's helper package, the release this page was written for; then seeds,\n"
        "# figure defaults and a line on the hardware. In a fork, put your repository's address in PACKAGE.\n",
        '"pip could not install {PACKAGE}. Check the internet connection, "\n'
        '                           "or set PACKAGE to the address of your copy of the repository."',
        "Open in Colab",
    ),
    "vi": (
        "# Chuẩn bị: trên Colab, cài gói trợ giúp của sách, đúng bản phát hành dành cho trang này; sau đó đặt seed,\n"
        "# thiết lập hình vẽ và in một dòng về phần cứng. Nếu bạn dùng bản fork, hãy ghi địa chỉ kho mã của bạn vào PACKAGE.\n",
        '"pip không cài được {PACKAGE}. Hãy kiểm tra kết nối mạng, "\n'
        '                           "hoặc ghi vào PACKAGE địa chỉ bản sao kho mã của bạn."',
        "Mở trong Colab",
    ),
    "zh": (
        "# 准备工作：在 Colab 上安装本书的辅助包（即本页所对应的发布版本）；然后设置随机种子和绘图默认值，并打印一行硬件信息。\n"
        "# 如果使用的是分叉（fork）仓库，请把 PACKAGE 改为你的仓库地址。\n",
        '"pip 无法安装 {PACKAGE}。请检查网络连接，"\n'
        '                           "或把 PACKAGE 改为你自己那份仓库的地址。"',
        "在 Colab 中打开",
    ),
}

# The set-up block: its opening comment lines, then everything up to the import of ``setup``.
_SETUP_BLOCK = re.compile(
    r"(?:# [^\n]*\n){1,2}import importlib\.util, subprocess, sys\n.*?(?=from nst_helpers\.book\.notebook import setup\n)",
    re.S,
)
_BADGE_CELL = re.compile(r'\+\+\+ \{"tags": \["remove-cell"\]\}\n\n\[!\[[^\]]*\]\(https://colab[^\n]*\n\n\+\+\+\n\n')
#: Release numbers written in prose (install lines and Colab links), which a release updates too.
_MENTION = re.compile(r"(@v|/blob/v)(\d+\.\d+\.\d+)")
_CELL = "```{code-cell} ipython3\n"
_HIDE_OUTPUT = ":tags: [hide-output]\n"
_TITLE = re.compile(r"^---\n.*?\n---\n\n# [^\n]*\n\n", re.S)


def repository_url() -> str:
    """The repository's address, from _config.yml (the one place it is written)."""
    return yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["repository"]["url"].rstrip("/")


def current_version() -> str:
    return _VERSION.search(VERSION_FILE.read_text(encoding="utf-8")).group(1)


def install_spec(version: str) -> str:
    """What pip installs in the set-up cells: the repository at the release's tag."""
    return f"git+{repository_url()}@v{version}"


def colab_url(page: Path, version: str) -> str:
    """The Colab address of the notebook paired with the MyST page ``page`` (book/<lang>/ or assignments/<lang>/)."""
    owner_repo = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/v{version}/notebooks/{page.parent.name}/{page.stem}.ipynb"


def setup_block(lang: str, version: str) -> str:
    comment, message, _ = SETUP_WORDS[lang]
    return (
        f"{comment}import importlib.util, subprocess, sys\n"
        f'PACKAGE = "{install_spec(version)}"\n'
        'if importlib.util.find_spec("nst_helpers") is None:\n'
        '    if subprocess.run([sys.executable, "-m", "pip", "install", "-q", PACKAGE]).returncode != 0:\n'
        f"        raise RuntimeError(f{message})\n"
    )


def badge_cell(page: Path, version: str) -> str:
    """A markdown cell with the "Open in Colab" badge; removed from the rendered book, shown in the notebook."""
    words = SETUP_WORDS[page.parent.name][2]
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    return f'+++ {{"tags": ["remove-cell"]}}\n\n[![{words}]({badge})]({colab_url(page, version)})\n\n+++\n\n'


def pages() -> list[Path]:
    """The MyST pages with a set-up cell: the chapters and answers of every edition, and the assignment sources
    (the book's chapter 08 is generated from them)."""
    chapters = [p for p in chapter_sources() if p.stem != "08_assignment"]
    return chapters + sorted((REPO / "assignments").glob("*/08_assignment.md"))


def rewrite_page(text: str, page: Path, version: str) -> str:
    """``text`` with its set-up block and its Colab badge cell made those of ``version``."""
    lang = page.parent.name
    found = _SETUP_BLOCK.search(text)
    if found is None:
        raise SystemExit(f"{page}: no set-up cell found (the comment, then 'import importlib.util, subprocess, sys').")
    text = text[: found.start()] + setup_block(lang, version) + text[found.end() :]
    # The set-up cell's output (pip, the hardware line) is folded away in the rendered book.
    header = text.rindex(_CELL, 0, found.start()) + len(_CELL)
    if not text.startswith(_HIDE_OUTPUT, header):
        text = text[:header] + _HIDE_OUTPUT + "\n" + text[header:]
    text = _BADGE_CELL.sub("", text, count=1)
    title = _TITLE.match(text)
    if title is None:
        raise SystemExit(f"{page}: no front matter followed by a '# ' title.")
    return text[: title.end()] + badge_cell(page, version) + text[title.end() :]


def prose_files() -> list[Path]:
    """Files whose prose names the release: the README and the teachers' guides."""
    return [REPO / "README.md", *sorted((REPO / "book").glob("*/teacher_guide.md"))]


def problems(version: str | None = None) -> list[str]:
    """Where the files disagree with ``version`` (default: the current one); empty when all is consistent."""
    version = version or current_version()
    found = []
    grader = GRADER_PROJECT.read_text(encoding="utf-8")
    if f'version = "{version}"' not in grader or f'"nst-helpers=={version}"' not in grader:
        found.append(f"{GRADER_PROJECT.relative_to(REPO)}: not at version {version}")
    for page in pages():
        text = page.read_text(encoding="utf-8")
        if rewrite_page(text, page, version) != text:
            found.append(f"{page.relative_to(REPO)}: the set-up cell or the Colab badge is not that of {version}")
    for path in prose_files():
        stale = {m.group(2) for m in _MENTION.finditer(path.read_text(encoding="utf-8"))} - {version}
        if stale:
            found.append(f"{path.relative_to(REPO)}: names release(s) {', '.join(sorted(stale))}, not {version}")
    return found


def write_version(version: str) -> None:
    """Write ``version`` into every file that names it. Every new text is made first, then all are written, so a
    page that cannot be rewritten stops the release before any file changes."""
    texts = {VERSION_FILE: _VERSION.sub(f'__version__ = "{version}"', VERSION_FILE.read_text(encoding="utf-8"))}
    grader = GRADER_PROJECT.read_text(encoding="utf-8")
    grader = re.sub(r'^version = "[^"]+"', f'version = "{version}"', grader, flags=re.M)
    texts[GRADER_PROJECT] = re.sub(r'"nst-helpers==[^"]+"', f'"nst-helpers=={version}"', grader)
    for page in pages():
        texts[page] = rewrite_page(page.read_text(encoding="utf-8"), page, version)
    for path in prose_files():
        texts[path] = _MENTION.sub(lambda m: m.group(1) + version, path.read_text(encoding="utf-8"))
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")


def run(*command: str) -> None:
    subprocess.run(command, check=True, cwd=REPO)


def release(version: str, tag: bool) -> None:
    if not _SEMVER.fullmatch(version):
        raise SystemExit(f"{version!r} is not a version like 0.3.0.")
    if subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=REPO).stdout.strip():
        raise SystemExit("The working tree has uncommitted changes; commit or stash them first.")
    exists = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/v{version}"], capture_output=True, cwd=REPO
    )
    if tag and exists.returncode == 0:
        raise SystemExit(f"The tag v{version} exists already; choose another version.")
    try:
        write_version(version)
        book_pages = [str(p) for p in pages() if p.parent.parent.name == "book"]
        run(sys.executable, "scripts/refresh_notebooks.py", "--keep-outputs", *book_pages)
        if not os.environ.get("NST_DATA_DIR"):
            print("note: NST_DATA_DIR is not set; the assignment's notebooks download the sample images.")
        run(sys.executable, "scripts/make_assignments.py")
        found = problems(version)
        if found:
            raise SystemExit("After the release the files still disagree:\n" + "\n".join(found))
    except BaseException:
        print(
            "The release stopped half-way; `git checkout -- . && git clean -fd book notebooks assignments` undoes it."
        )
        raise
    run("git", "add", "-A", "nst_helpers", "grader", "book", "notebooks", "assignments", "README.md")
    if subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=REPO).returncode != 0:  # else: tag what is there
        run("git", "commit", "-qm", f"Release {version}: set-up cells install v{version}")
    if tag:
        run("git", "tag", "-a", f"v{version}", "-m", f"Release {version}")
        print(f"tagged v{version}; publish it with: git push origin main v{version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", nargs="?", help="the new version, like 0.3.0")
    parser.add_argument("--tag", action="store_true", help="tag the release commit v<version>")
    parser.add_argument("--check", action="store_true", help="only report what disagrees with the current version")
    parser.add_argument("--print-install", action="store_true", help="print what the set-up cells install")
    args = parser.parse_args(argv)
    if args.print_install:
        print(install_spec(current_version()))
        return 0
    if args.check or not args.version:
        found = problems()
        print("\n".join(found) or f"every set-up cell and the grader install release {current_version()}")
        return 1 if found else 0
    release(args.version, args.tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
