"""Shared fixtures: the data folder, a small feature extractor, and small image files of every awkward kind."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SHARED_IMAGES = REPO.parent / "shared" / "nst-data" / "images"


@pytest.fixture(scope="session", autouse=True)
def data_dir_and_offline_cache(tmp_path_factory):
    """Point the sample lookup at the offline images when nothing else is set; never use the user's cache."""
    if not os.environ.get("NST_DATA_DIR") and SHARED_IMAGES.is_dir():
        os.environ["NST_DATA_DIR"] = str(SHARED_IMAGES)
    os.environ["NST_CACHE_DIR"] = str(tmp_path_factory.mktemp("nst-cache"))
    yield


@pytest.fixture(scope="session")
def samples_available() -> bool:
    folder = os.environ.get("NST_DATA_DIR")
    return bool(folder) and (Path(folder) / "Green_Sea_Turtle_grazing_seagrass.jpg").is_file()


@pytest.fixture(scope="session")
def extractor():
    from nst_helpers.model import load_feature_extractor

    return load_feature_extractor("vgg16-hed")


def gradient_image(width: int, height: int) -> np.ndarray:
    """An RGB test picture whose three channels differ, so channel swaps and flips are visible."""
    x = np.linspace(0, 255, width)[np.newaxis, :].repeat(height, 0)
    y = np.linspace(0, 255, height)[:, np.newaxis].repeat(width, 1)
    return np.stack([x, y, np.full_like(x, 60.0)], axis=-1).astype(np.uint8)


@pytest.fixture
def make_image(tmp_path):
    """Write ``gradient_image(w, h)`` to ``tmp_path/name`` (format from the suffix) and return its path."""

    def make(name: str = "img.png", width: int = 96, height: int = 64, **save_args) -> Path:
        path = tmp_path / name
        Image.fromarray(gradient_image(width, height)).save(path, **save_args)
        return path

    return make
