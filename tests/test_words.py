"""The package's reader-facing words follow the edition that setup() chose (chapter 00)."""

from __future__ import annotations

import numpy as np
import pytest

from nst_helpers import SAMPLE_IMAGES
from nst_helpers.editions import LANGS
from nst_helpers.engine import TransferResult
from nst_helpers.model import BACKBONES
from nst_helpers.words import TEXTS, current_edition, say, use_edition


@pytest.fixture(autouse=True)
def back_to_english():
    yield
    use_edition("en")


def test_every_text_exists_in_every_edition_and_takes_the_same_fields():
    for key, texts in TEXTS.items():
        assert set(texts) == set(LANGS), key
        fields = {lang: sorted(part.split("}")[0] for part in text.split("{")[1:]) for lang, text in texts.items()}
        assert len({tuple(f) for f in fields.values()}) == 1, f"{key}: fields differ between editions {fields}"


@pytest.mark.parametrize("lang", LANGS)
def test_backbone_sample_and_caption_follow_the_edition(lang):
    use_edition(lang)
    hed = BACKBONES["vgg16-hed"]
    result = TransferResult(np.zeros((4, 6, 3), np.uint8), 1.0, 0, {"total": [1.0, 0.5]}, [], 0.0, hed)
    assert current_edition() == lang
    assert hed.label == TEXTS["backbone.vgg16-hed"][lang]
    assert hed.note == TEXTS["note.vgg16-hed"][lang]
    assert SAMPLE_IMAGES["starry_night"].title == TEXTS["sample.starry_night"][lang]
    assert SAMPLE_IMAGES["great_wave"].licence == TEXTS["licence.public domain"][lang]
    assert SAMPLE_IMAGES["turtle"].credit == TEXTS["credit.via"][lang].format(
        who="P. Lindgren", where="Wikimedia Commons"
    )
    assert result.caption.startswith(hed.label) and hed.note in result.caption and "6x4" in result.caption
    assert BACKBONES["vgg19"].note == ""


def test_an_unknown_edition_is_refused_and_an_unknown_key_falls_back():
    with pytest.raises(ValueError, match="edition must be one of"):
        use_edition("fr")
    assert current_edition() == "en"
    assert say("no.such.key", "fallback") == "fallback"
