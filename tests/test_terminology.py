"""One term per concept in each edition: the variants listed in book/terminology.yml appear nowhere in the
edition's pages and assignment, and the glossary states every preferred term."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from nst_helpers.editions import LANGS

REPO = Path(__file__).resolve().parents[1]
TERMS = yaml.safe_load((REPO / "book" / "terminology.yml").read_text(encoding="utf-8"))


def edition_files(lang: str) -> list[Path]:
    return sorted((REPO / "book" / lang).glob("*.md")) + sorted((REPO / "assignments" / lang).glob("*.md"))


def variants_found(lang: str) -> list[str]:
    found = []
    for entry in TERMS[lang]:
        patterns = [re.compile(v, re.IGNORECASE) for v in entry["not"]]
        for path in edition_files(lang):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for pattern in patterns:
                    if match := pattern.search(line):
                        where = path.relative_to(REPO).as_posix()
                        found.append(f"{where}:{number}: {match.group(0)!r} -> use {entry['use']!r}")
    return found


def test_every_edition_has_a_list():
    assert set(TERMS) == set(LANGS)
    for lang in LANGS:
        for entry in TERMS[lang]:
            assert set(entry) == {"use", "not"} and entry["not"], f"{lang}: malformed entry {entry}"
            for variant in entry["not"]:
                assert not re.search(variant, entry["use"], re.IGNORECASE), f"{lang}: {variant!r} matches its own term"


@pytest.mark.parametrize("lang", LANGS)
def test_no_variant_of_a_preferred_term(lang):
    found = variants_found(lang)
    assert not found, "variants of preferred terms:\n" + "\n".join(found)


@pytest.mark.parametrize("lang", LANGS)
def test_the_glossary_states_every_preferred_term(lang):
    glossary = (REPO / "book" / lang / "glossary.md").read_text(encoding="utf-8").lower()
    missing = [entry["use"] for entry in TERMS[lang] if entry["use"].lower() not in glossary]
    assert not missing, f"book/{lang}/glossary.md does not state: {missing}"


def test_a_variant_is_reported_with_file_and_line(tmp_path, monkeypatch):
    page = tmp_path / "book" / "en" / "page.md"
    page.parent.mkdir(parents=True)
    page.write_text("fine\nAs the TensorFlow tutorial says\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    assert variants_found("en") == ["book/en/page.md:2: 'the TensorFlow tutorial' -> use 'the TF blog post'"]
