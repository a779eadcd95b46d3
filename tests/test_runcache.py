"""The run cache: the same inputs are read back, any change to them computes anew."""
from __future__ import annotations

import numpy as np

from conftest import gradient_image
from nst_helpers.optimize import TransferConfig
from nst_helpers.runcache import cached_style_transfer, run_key

CONTENT = gradient_image(64, 48).astype(np.float32)
STYLE = np.random.default_rng(5).integers(0, 256, size=(48, 64, 3)).astype(np.float32)


def test_second_run_comes_from_disk(extractor, tmp_path, monkeypatch):
    monkeypatch.setenv("NST_RUN_CACHE", str(tmp_path))
    config = TransferConfig(steps=3, max_dim=64, snapshots=2)
    first = cached_style_transfer(CONTENT, STYLE, config, extractor=extractor, progress=False)
    second = cached_style_transfer(CONTENT, STYLE, config, extractor=extractor, progress=False)
    assert "from_cache" not in first.extra and second.extra["from_cache"]
    assert np.array_equal(first.image, second.image)
    assert first.history == second.history and first.best_step == second.best_step
    assert [s for s, _ in second.snapshots] == [s for s, _ in first.snapshots]
    assert len(list(tmp_path.glob("*.npz"))) == 1


def test_key_depends_on_everything_that_determines_the_run(extractor):
    config = TransferConfig(steps=3, max_dim=64)
    key = run_key(CONTENT, STYLE, config, extractor)
    assert key == run_key(CONTENT.copy(), STYLE, config, extractor)
    assert key != run_key(CONTENT, STYLE, TransferConfig(steps=4, max_dim=64), extractor)
    assert key != run_key(CONTENT, STYLE, TransferConfig(steps=3, max_dim=64, seed=1), extractor)
    assert key != run_key(STYLE, CONTENT, config, extractor)
