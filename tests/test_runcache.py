"""The run cache: the same call is read back; anything that determines the run computes anew."""

from __future__ import annotations

import os

import numpy as np
import pytest

from helpers import gradient_image
from nst_helpers import run_style_transfer
from nst_helpers.book import runcache
from nst_helpers.book.runcache import cache_key, cached
from nst_helpers.errors import InputError
from nst_helpers.optimize import TransferConfig
from nst_helpers.recipes import run_lbfgs

CONTENT = gradient_image(64, 48).astype(np.float32)
STYLE = np.random.default_rng(5).integers(0, 256, size=(48, 64, 3)).astype(np.float32)
CONFIG = TransferConfig(steps=3, max_dim=64, snapshots=2)


@pytest.fixture(autouse=True)
def private_run_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_RUN_CACHE", str(tmp_path))


def test_second_run_comes_from_disk(extractor, tmp_path):
    first = cached(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor, progress=False)
    second = cached(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor, progress=True)
    assert "from_cache" not in first.extra and second.extra["from_cache"]
    assert np.array_equal(first.image, second.image)
    assert first.history == second.history and first.best_step == second.best_step
    assert [s for s, _ in second.snapshots] == [s for s, _ in first.snapshots]
    assert second.config == CONFIG and second.backbone == first.backbone and second.caption == first.caption
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_key_depends_on_everything_that_determines_the_run(extractor):
    key = cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor)
    assert key == cache_key(run_style_transfer, CONTENT.copy(), STYLE, CONFIG, extractor=extractor, progress=False)
    assert key != cache_key(
        run_style_transfer, CONTENT, STYLE, TransferConfig(steps=4, max_dim=64, snapshots=2), extractor=extractor
    )
    assert key != cache_key(run_style_transfer, STYLE, CONTENT, CONFIG, extractor=extractor)
    assert key != cache_key(run_lbfgs, CONTENT, STYLE, CONFIG, extractor=extractor)
    assert key != cache_key(
        run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor.variant(compute_dtype="bfloat16")
    )


def test_other_weights_under_the_same_name_change_the_key(extractor):
    other = extractor.variant()
    key = cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=other)
    assert key == cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor)
    kernel = other.model.get_layer("block1_conv1").kernel
    saved = kernel.numpy()
    try:
        kernel.assign(saved * 1.01)  # the same network, its weights changed in place
        assert cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=other) != key
    finally:
        kernel.assign(saved)


def test_versions_and_package_source_are_in_the_key(extractor, monkeypatch):
    key = cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor)
    versions = runcache._versions()
    monkeypatch.setattr(runcache, "_versions", lambda: {**versions, "tensorflow": "0.0.1"})
    assert cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor) != key
    monkeypatch.undo()
    monkeypatch.setattr(runcache, "source_digest", lambda: "another package source")
    assert cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor) != key


def test_source_digest_covers_every_module(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    monkeypatch.setattr(runcache, "PACKAGE_DIR", package)
    before = runcache.source_digest()
    (package / "sub" / "b.py").write_text("y = 3\n")
    assert runcache.source_digest() != before


def test_a_call_without_the_extractor_is_refused():
    with pytest.raises(InputError, match="extractor"):
        cache_key(run_style_transfer, CONTENT, STYLE, CONFIG)


def test_oldest_entries_are_pruned_past_the_size_bound(tmp_path):
    for index, name in enumerate(["old", "middle", "new"]):
        path = tmp_path / f"{name}.npz"
        path.write_bytes(b"x" * 1000)
        os.utime(path, (1_000_000 + index, 1_000_000 + index))
    removed = runcache.prune(tmp_path, max_bytes=2000)
    assert [p.name for p in removed] == ["old.npz"]
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["middle.npz", "new.npz"]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_entry_is_computed_again(extractor, tmp_path, damage):
    first = cached(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor, progress=False)
    (entry,) = tmp_path.glob("*.npz")
    data = entry.read_bytes()
    entry.write_bytes({"garbage": b"not a zip file", "truncated": data[: len(data) // 2], "empty": b""}[damage])
    again = cached(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor, progress=False)
    assert "from_cache" not in again.extra and np.array_equal(first.image, again.image)


def test_the_config_read_back_has_its_type_also_when_built_from_overrides(extractor):
    first = cached(run_style_transfer, CONTENT, STYLE, extractor=extractor, steps=2, max_dim=64, progress=False)
    second = cached(run_style_transfer, CONTENT, STYLE, extractor=extractor, steps=2, max_dim=64, progress=False)
    assert second.extra["from_cache"] and type(second.config) is TransferConfig and second.config == first.config


def test_the_backbone_defaults_are_in_the_key(extractor):
    from dataclasses import replace

    from nst_helpers import FeatureExtractor

    heavier = FeatureExtractor(extractor.model, replace(extractor.backbone, style_weight=1000.0))
    assert cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=heavier) != cache_key(
        run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor
    )


def test_only_functions_of_the_package_are_run(extractor):
    import functools

    def mine(content, style, extractor):
        return run_style_transfer(content, style, CONFIG, extractor=extractor)

    for run in (mine, functools.partial(run_style_transfer, config=CONFIG)):
        with pytest.raises(InputError, match="functions of nst_helpers only"):
            cached(run, CONTENT, STYLE, extractor=extractor)


def test_a_string_naming_a_folder_is_a_plain_string(extractor, tmp_path):
    assert cache_key(run_style_transfer, CONTENT, STYLE, CONFIG, extractor=extractor, backbone=str(tmp_path))


def test_plain_data_with_arrays_round_trips(tmp_path):
    """Chapter 11 keeps its comparison (dicts, lists, numbers, None and images) in the run cache."""
    from nst_helpers.book.runcache import _decode, _encode

    data = {
        "l_ref": 1.5,
        "results": {
            "lbfgs": {"trace": [(0.1, 3.0), (0.2, 2.0)], "image": np.arange(12, dtype=np.uint8).reshape(2, 2, 3)}
        },
        "missing": None,
        "name": "x",
        "count": np.int64(3),
    }
    path = tmp_path / "entry.npz"
    path.write_bytes(_encode(data))
    back = _decode(path)
    assert back["l_ref"] == 1.5 and back["missing"] is None and back["name"] == "x" and back["count"] == 3
    assert back["results"]["lbfgs"]["trace"] == [[0.1, 3.0], [0.2, 2.0]]
    assert np.array_equal(back["results"]["lbfgs"]["image"], data["results"]["lbfgs"]["image"])
    with pytest.raises(TypeError, match="plain data and arrays only"):
        _encode({"bad": object()})
