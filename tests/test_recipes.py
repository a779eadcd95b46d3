"""nst_helpers.recipes: colour preservation, other optimisers, and the PyTorch and Coursera recipes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import toy_extractor
from nst_helpers import FeatureExtractor, TransferConfig, run_style_transfer
from nst_helpers.book.runcache import cached
from nst_helpers.colour import luminance_image, preserve_colors, rgb_to_yiq, yiq_to_rgb
from nst_helpers.errors import InputError
from nst_helpers.images import resize_like, vgg_preprocess
from nst_helpers.losses import content_loss, gram_matrix, style_loss
from nst_helpers.recipes import (
    CourseraRecipe,
    PyTorchRecipe,
    coursera_start,
    imagenet_normalize,
    run_lbfgs,
    run_recipe,
    run_with_optimizer,
    unit_to_vgg_input,
)


@pytest.fixture(scope="module")
def toy() -> FeatureExtractor:
    return toy_extractor()


@pytest.fixture
def images():
    rng = np.random.default_rng(1)
    return rng.uniform(0, 255, (1, 16, 16, 3)).astype(np.float32), rng.uniform(0, 255, (1, 12, 20, 3)).astype(
        np.float32
    )


@pytest.fixture(autouse=True)
def private_run_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_RUN_CACHE", str(tmp_path / "runs"))


# -- colour ------------------------------------------------------------------------------------------------------


def test_yiq_of_grey_and_red():
    assert np.allclose(rgb_to_yiq(np.full((1, 1, 3), 100.0)), [[[100.0, 0.0, 0.0]]], atol=1e-9)
    # 0.299 * 255, 0.595716 * 255, 0.211456 * 255
    assert np.allclose(rgb_to_yiq(np.array([[[255.0, 0.0, 0.0]]])), [[[76.245, 151.90758, 53.92128]]], atol=1e-6)


def test_yiq_round_trip():
    rgb = np.random.default_rng(2).uniform(0, 255, (5, 7, 3))
    assert np.allclose(yiq_to_rgb(rgb_to_yiq(rgb)), rgb, atol=1e-9)


def test_preserve_colors_keeps_content_colour_and_stylised_luminance():
    content = np.tile(np.array([200.0, 100.0, 50.0]), (4, 4, 1))  # Y = 0.299*200 + 0.587*100 + 0.114*50 = 124.2
    grey = np.full((4, 4, 3), 128.0)
    # Replacing Y by 128 adds 128 - 124.2 = 3.8 to every channel: (203.8, 103.8, 53.8) -> rounded.
    result = preserve_colors(grey, content)
    assert result.dtype == np.uint8 and result.shape == (4, 4, 3)
    assert np.array_equal(result, np.tile(np.array([204, 104, 54], np.uint8), (4, 4, 1)))


def test_preserve_colors_resizes_the_content_image():
    content = np.full((1, 10, 20, 3), 90.0, np.float32)
    assert preserve_colors(np.zeros((6, 12, 3), np.uint8), content).shape == (6, 12, 3)


def test_luminance_image_is_grey_and_matches_statistics():
    rng = np.random.default_rng(3)
    style, content = rng.uniform(0, 255, (8, 8, 3)), rng.uniform(60, 120, (6, 9, 3))
    grey = luminance_image(style)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 0], grey[..., 2])
    matched = luminance_image(style, match=content)[..., 0]
    target = rgb_to_yiq(content)[..., 0]
    assert matched.mean() == pytest.approx(target.mean(), abs=1e-6)
    assert matched.std() == pytest.approx(target.std(), rel=1e-6)


def test_colour_functions_reject_other_shapes():
    with pytest.raises(InputError, match="RGB image"):
        rgb_to_yiq(np.zeros((4, 4)))


# -- input conventions ---------------------------------------------------------------------------------------------


def test_imagenet_normalisation_is_caffe_preprocessing_up_to_scale():
    x = np.random.default_rng(4).uniform(0, 1, (1, 3, 3, 3)).astype(np.float32)
    assert np.allclose(unit_to_vgg_input(x), vgg_preprocess(255.0 * x))
    # torchvision's (x - mean) / std, times 255 * std and in BGR order, is Caffe's input but for the means:
    # 255 * (0.485, 0.456, 0.406) = (123.675, 116.28, 103.53) against (123.68, 116.779, 103.939).
    rescaled = (imagenet_normalize(x) * 255.0 * np.array([0.229, 0.224, 0.225]))[..., ::-1]
    assert np.max(np.abs(rescaled - vgg_preprocess(255.0 * x))) < 0.51


def test_coursera_start_is_content_plus_bounded_noise():
    content = np.full((1, 20, 30, 3), 0.5, np.float32)
    start = coursera_start(content, noise=0.25, seed=272)
    assert start.dtype == np.float32 and start.shape == content.shape
    assert 0.25 <= start.min() and start.max() <= 0.75
    assert np.array_equal(start, coursera_start(content, noise=0.25, seed=272))
    assert np.all(coursera_start(np.ones_like(content), 0.25, 0) <= 1.0)


def test_resize_like():
    assert resize_like(np.zeros((1, 40, 50, 3)), np.zeros((1, 10, 12, 3))).shape == (1, 10, 12, 3)


# -- other optimisers ----------------------------------------------------------------------------------------------


def test_run_with_adam_reproduces_the_book_loop(toy, images):
    content, style = images
    config = TransferConfig(steps=4, snapshots=0)
    adam = keras.optimizers.Adam(learning_rate=5.0, beta_1=0.99, epsilon=0.1)
    ours = run_with_optimizer(content, style, config, adam, extractor=toy)
    book = run_style_transfer(content, style, config, extractor=toy, progress=False)
    assert np.allclose(ours.history["total"], book.history["total"], rtol=1e-6)
    assert np.array_equal(ours.image, book.image)


def test_run_with_rmsprop_lowers_the_loss_and_uses_a_fresh_optimizer(toy, images):
    content, style = images
    rmsprop = keras.optimizers.RMSprop(learning_rate=2.0)
    first = run_with_optimizer(content, style, TransferConfig(steps=6, snapshots=2), rmsprop, extractor=toy)
    again = run_with_optimizer(content, style, TransferConfig(steps=6, snapshots=2), rmsprop, extractor=toy)
    assert len(first.history["total"]) == 6 and [s for s, _ in first.snapshots] == [0, 3]
    assert first.best_loss < first.history["total"][0]
    assert np.allclose(first.history["total"], again.history["total"])  # no state carried over between runs


def test_run_with_optimizer_refuses_other_objects(toy, images):
    with pytest.raises(InputError, match="Keras optimizer"):
        run_with_optimizer(*images, TransferConfig(steps=1), "rmsprop", extractor=toy)


def test_lbfgs_uses_exactly_its_budget_and_lowers_the_loss(toy, images):
    content, style = images
    result = run_lbfgs(content, style, TransferConfig(steps=7, snapshots=0), extractor=toy)
    assert len(result.history["total"]) == 7
    assert result.best_loss == min(result.history["total"]) < result.history["total"][0]
    assert result.image.shape == (16, 16, 3) and result.image.dtype == np.uint8


def test_runs_are_cached(toy, images):
    content, style = images
    config = TransferConfig(steps=3, snapshots=0)
    first = cached(run_lbfgs, content, style, config, extractor=toy)
    second = cached(run_lbfgs, content, style, config, extractor=toy)
    assert second.extra.get("from_cache") and not first.extra.get("from_cache")
    assert np.array_equal(first.image, second.image) and first.history["total"] == second.history["total"]
    other = cached(run_lbfgs, content, style, config, extractor=toy, history_size=3)
    assert not other.extra.get("from_cache")


# -- the two recipes, on the offline backbone and tiny images ------------------------------------------------------


@pytest.fixture(scope="module")
def small_pair():
    rng = np.random.default_rng(5)
    return rng.uniform(0, 255, (1, 32, 40, 3)).astype(np.float32), rng.uniform(0, 255, (1, 36, 36, 3)).astype(
        np.float32
    )


def test_pytorch_recipe_starts_from_content_with_its_style_loss(extractor, small_pair):
    content, style = small_pair
    recipe = PyTorchRecipe(steps=2, max_dim=40)
    result = run_recipe(content, style, recipe, extractor=extractor)
    # The first loss is that of the content image itself: no content loss, and the summed PyTorch style loss.
    reader = FeatureExtractor(
        extractor.model, extractor.backbone.with_layers(recipe.content_layers, recipe.style_layers)
    )
    mine = reader(unit_to_vgg_input(content / 255.0)).style
    targets = {n: gram_matrix(f, "pytorch") for n, f in reader(unit_to_vgg_input(style / 255.0)).style.items()}
    expected = 1e6 * float(style_loss(mine, targets, {n: 1.0 for n in recipe.style_layers}, "pytorch"))
    assert result.history["content"][0] == 0.0
    assert result.history["style"][0] == pytest.approx(expected, rel=1e-4)
    assert result.image.shape == (32, 40, 3)


def test_coursera_recipe_starts_from_noisy_content(extractor, small_pair):
    content, style = small_pair
    recipe = CourseraRecipe(steps=2, max_dim=40)
    result = run_recipe(content, style, recipe, extractor=extractor)
    reader = FeatureExtractor(extractor.model, extractor.backbone.with_layers(None, recipe.style_layers))
    start = coursera_start(content / 255.0, 0.25, 272)
    features = reader(unit_to_vgg_input(start))
    target = reader(unit_to_vgg_input(content / 255.0)).content
    style_same_size = resize_like(style, content) / 255.0
    grams = {n: gram_matrix(f, "coursera") for n, f in reader(unit_to_vgg_input(style_same_size)).style.items()}
    expected_content = 10.0 * sum(float(content_loss(features.content[n], target[n], "coursera")) for n in target)
    expected_style = 40.0 * float(style_loss(features.style, grams, [0.2] * 5, "coursera"))
    assert result.history["content"][0] == pytest.approx(expected_content, rel=1e-4)
    assert result.history["style"][0] == pytest.approx(expected_style, rel=1e-4)
    assert 0 <= result.image.min() and result.image.max() <= 255 and result.image.shape == (32, 40, 3)


def test_recipes_check_their_settings():
    with pytest.raises(InputError, match="PyTorchRecipe.steps must be a whole number"):
        PyTorchRecipe(steps=0)
    with pytest.raises(InputError, match="CourseraRecipe.learning_rate must be a finite number"):
        CourseraRecipe(learning_rate=float("nan"))
    with pytest.raises(InputError, match="layer weights"):
        CourseraRecipe(layer_weights=(0.5, 0.5))
