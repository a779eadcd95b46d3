"""The optimisation loop: the loss goes down, pixels stay in range, bad settings and NaNs stop cleanly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import gradient_image
from nst_helpers.errors import InputError, OptimizationDivergedError
from nst_helpers.images import PREPROCESSED_MAX, PREPROCESSED_MIN
from nst_helpers.optimize import StyleTransfer, TransferConfig, run_style_transfer

CONTENT = gradient_image(64, 48).astype(np.float32)
STYLE = np.random.default_rng(3).integers(0, 256, size=(48, 64, 3)).astype(np.float32)


def test_a_few_steps_lower_the_loss(extractor):
    result = run_style_transfer(CONTENT, STYLE, extractor=extractor, steps=8, max_dim=64, progress=False)
    total = result.history["total"]
    assert len(total) == 8 and total[-1] < 0.9 * total[0]
    assert result.best_loss == pytest.approx(min(total), rel=1e-6)
    assert result.best_step == int(np.argmin(total))
    assert result.image.shape == (48, 64, 3) and result.image.dtype == np.uint8
    assert all(
        math.isclose(t, s + c + v, rel_tol=1e-5)
        for t, s, c, v in zip(total, result.history["style"], result.history["content"], result.history["tv"])
    )
    assert "offline backbone" in result.caption


def test_pixels_are_clipped_after_every_step(extractor):
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(steps=1, max_dim=64, learning_rate=500.0))
    for _ in range(2):
        transfer.train_step()
        pixels = transfer.image.numpy()
        assert np.all(pixels >= PREPROCESSED_MIN - 1e-4) and np.all(pixels <= PREPROCESSED_MAX + 1e-4)
    # With so large a step many pixels hit the bounds: the clip is what keeps them in range.
    assert np.mean(np.isclose(pixels, PREPROCESSED_MIN) | np.isclose(pixels, PREPROCESSED_MAX)) > 0.05


def test_initialisations(extractor):
    for init in ("content", "noise", "content+noise"):
        transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(steps=1, max_dim=64, init=init))
        start = transfer.image.numpy()
        from_content = np.abs(start - (CONTENT[..., ::-1] - [103.939, 116.779, 123.68])).mean()
        assert (from_content < 1e-3) == (init == "content")
        assert np.all(start >= PREPROCESSED_MIN - 1e-4) and np.all(start <= PREPROCESSED_MAX + 1e-4)


def test_an_infinite_loss_stops_with_a_clear_error(extractor):
    with pytest.raises(OptimizationDivergedError, match="loss became inf at step 0.*Lower the learning rate"):
        run_style_transfer(CONTENT, STYLE, extractor=extractor, steps=3, max_dim=64, progress=False, style_weight=3e38)


def test_nan_pixels_are_refused(extractor):
    broken = CONTENT.copy()
    broken[0, 0, 0] = np.nan
    with pytest.raises(InputError, match="NaN or infinite"):
        run_style_transfer(broken, STYLE, extractor=extractor, steps=3, max_dim=64, progress=False)


def test_ctrl_c_returns_the_best_image_so_far(extractor):
    def interrupt(evaluation):
        if evaluation.step == 2:
            raise KeyboardInterrupt

    result = run_style_transfer(
        CONTENT, STYLE, extractor=extractor, steps=50, max_dim=64, progress=False, callback=interrupt
    )
    assert result.interrupted and len(result.history["total"]) == 3
    assert result.image.shape == (48, 64, 3)


def test_callback_can_stop_early(extractor):
    result = run_style_transfer(
        CONTENT,
        STYLE,
        extractor=extractor,
        steps=50,
        max_dim=64,
        progress=False,
        callback=lambda evaluation: evaluation.step == 1,
    )
    assert len(result.history["total"]) == 2 and not result.interrupted


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"steps": 0}, "steps must be a whole number, at least 1"),
        ({"steps": -3}, "steps must be"),
        ({"max_dim": 0}, "max_dim"),
        ({"max_dim": -64}, "max_dim"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number above 0; got nan"),
        ({"learning_rate": 0.0}, "learning_rate must be a finite number above 0"),
        ({"style_weight": float("inf")}, "style_weight must be"),
        ({"init": "zeros"}, "init must be one of"),
        ({"normalization": "l2"}, "normalization must be one of"),
        ({"beta_1": 1.0}, "beta_1 must be in"),
        ({"beta_2": -0.1}, "beta_2 must be"),
    ],
)
def test_bad_settings_are_refused_before_any_work(settings, message):
    with pytest.raises(InputError, match=message):
        TransferConfig(**settings)


def test_bad_image_array(extractor):
    with pytest.raises(InputError, match=r"shape \(h, w, 3\)"):
        run_style_transfer(np.zeros((8, 8)), STYLE, extractor=extractor, steps=1, progress=False)


def test_coursera_normalisation_compares_grams_at_the_content_size(extractor):
    from nst_helpers.images import resize_like, vgg_preprocess
    from nst_helpers.losses import gram_matrix

    wide_style = np.random.default_rng(4).integers(0, 256, size=(40, 120, 3)).astype(np.float32)
    config = TransferConfig(steps=1, max_dim=128, normalization="coursera")
    transfer = StyleTransfer(extractor, CONTENT, wide_style, config)
    resized = vgg_preprocess(resize_like(wide_style, CONTENT[np.newaxis]))
    for name, target in transfer.style_targets.items():
        expected = gram_matrix(extractor(resized).style[name], "coursera")
        np.testing.assert_allclose(target.numpy(), expected.numpy(), rtol=1e-5)
    # The blog's normalisation divides by the positions, so it keeps the style image at its own size.
    blog = StyleTransfer(extractor, CONTENT, wide_style, TransferConfig(steps=1, max_dim=128))
    own = gram_matrix(extractor(vgg_preprocess(wide_style[np.newaxis])).style["block1_conv1"])
    np.testing.assert_allclose(blog.style_targets["block1_conv1"].numpy(), own.numpy(), rtol=1e-5)
