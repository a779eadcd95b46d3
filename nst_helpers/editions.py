"""The book's editions: one definition that the build, the Sphinx extension, the chapters' set-up, the grader
and the tests all read (chapter 00 introduces the three editions).

Chapter: 00.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edition:
    """One language edition of the book."""

    code: str  # folder name under book/, notebooks/ and assignments/
    name: str  # the language's own name, shown in the language switcher
    title: str  # the book's title in that language
    author: str  # the author line under the title, in that language
    sphinx_language: str  # Sphinx's ``language`` setting
    search_language: str  # Sphinx's ``html_search_language`` setting


EDITIONS: dict[str, Edition] = {
    "en": Edition("en", "English", "Neural Style Transfer", "The NST book authors", "en", "en"),
    "vi": Edition("vi", "Tiếng Việt", "Chuyển phong cách bằng mạng nơ-ron", "Nhóm tác giả sách NST", "vi", "en"),
    "zh": Edition("zh", "中文", "神经风格迁移", "NST 书作者团队", "zh_CN", "zh"),
}
#: The edition codes in the book's order.
LANGS: tuple[str, ...] = tuple(EDITIONS)


def edition(code: str) -> Edition:
    """The :class:`Edition` called ``code``; a clear error for any other value."""
    if code not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(LANGS)}; got {code!r}.")
    return EDITIONS[code]
