"""Shared fixtures: the data folder, a small feature extractor, and small image files of every awkward kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from helpers import SHARED_IMAGES, gradient_image


@pytest.fixture(scope="session", autouse=True)
def data_dir_and_offline_cache(tmp_path_factory):
    """Point the sample lookup at the offline images when nothing else is set; never use the user's cache."""
    if not os.environ.get("NST_DATA_DIR") and SHARED_IMAGES.is_dir():
        os.environ["NST_DATA_DIR"] = str(SHARED_IMAGES)
    os.environ["NST_CACHE_DIR"] = str(tmp_path_factory.mktemp("nst-cache"))
    yield


@pytest.fixture(scope="session")
def samples() -> Path:
    """The folder of the six sample images; the test is skipped (and fails under CI) when they are missing."""
    folder = os.environ.get("NST_DATA_DIR")
    if folder and (Path(folder) / "Green_Sea_Turtle_grazing_seagrass.jpg").is_file():
        return Path(folder)
    if os.environ.get("CI"):
        pytest.fail("CI must provide the sample images: set NST_DATA_DIR (see .ci/run).")
    pytest.skip("the sample images are not available here (set NST_DATA_DIR)")


@pytest.fixture(scope="session")
def extractor():
    from nst_helpers.model import load_feature_extractor

    return load_feature_extractor("vgg16-hed")


@pytest.fixture
def make_image(tmp_path):
    """Write ``gradient_image(w, h)`` to ``tmp_path/name`` (format from the suffix) and return its path."""

    def make(name: str = "img.png", width: int = 96, height: int = 64, **save_args) -> Path:
        path = tmp_path / name
        Image.fromarray(gradient_image(width, height)).save(path, **save_args)
        return path

    return make
