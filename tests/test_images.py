"""Image loading: every awkward file either loads correctly or fails with one clear nst_helpers error."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from helpers import gradient_image
from nst_helpers.errors import ImageNotFoundError, InputError
from nst_helpers.images import (
    MIN_SIDE,
    VGG_MEAN_BGR,
    load_image,
    save_image,
    vgg_deprocess,
    vgg_preprocess,
)


def test_load_resizes_long_side_and_adds_batch_axis(make_image):
    image = load_image(make_image("wide.png", 200, 100), max_dim=64)
    assert image.shape == (1, 32, 64, 3)
    assert image.dtype == np.float32
    assert 0 <= image.min() and image.max() <= 255


def test_small_image_is_scaled_up_to_max_dim(make_image):
    assert load_image(make_image("small.png", 40, 40), max_dim=80).shape == (1, 80, 80, 3)


def test_missing_file(tmp_path):
    with pytest.raises(ImageNotFoundError, match="not found.*missing.jpg"):
        load_image(tmp_path / "missing.jpg")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(path)


def test_text_file_named_jpg(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture\n")
    with pytest.raises(InputError, match="not an image"):
        load_image(path)


def test_truncated_jpeg(make_image):
    path = make_image("cut.jpg", 256, 256, quality=95)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match="damaged or truncated"):
        load_image(path)


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(gradient_image(64, 64)).convert("CMYK").save(path, quality=95)
    assert Image.open(path).mode == "CMYK"
    image = load_image(path, max_dim=64)[0]
    assert image.shape == (64, 64, 3)
    # Close to the RGB original: a JPEG round trip through CMYK moves values a little.
    assert np.abs(image - gradient_image(64, 64)).mean() < 12


def test_16_bit_grayscale_png_keeps_its_range(tmp_path):
    path = tmp_path / "deep.png"
    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    image = load_image(path, max_dim=64)[0]
    assert image.shape == (64, 64, 3)
    assert image.min() <= 1 and image.max() >= 254  # not clipped to white, not crushed to black
    assert np.allclose(image[..., 0], image[..., 2])


def test_palette_png_with_transparency_is_composited_on_white(tmp_path):
    path = tmp_path / "palette.png"
    img = Image.new("P", (64, 64))
    img.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    img.paste(1, (0, 0, 32, 64))
    img.info["transparency"] = 1
    img.save(path, transparency=1)
    image = load_image(path, max_dim=64)[0]
    assert image[10, 10].tolist() == [255, 255, 255]  # transparent half is white
    assert image[10, 50].tolist() == [255, 0, 0]


def test_grayscale_becomes_three_equal_channels(tmp_path):
    path = tmp_path / "gray.png"
    Image.fromarray(gradient_image(64, 48)[..., 0]).save(path)
    image = load_image(path, max_dim=64)[0]
    assert image.shape == (48, 64, 3)
    assert np.array_equal(image[..., 0], image[..., 1])


def test_exif_rotated_photo_comes_out_upright(tmp_path):
    upright = gradient_image(80, 40)  # wide
    stored = np.rot90(upright, k=1)  # stored tall, turned left; orientation 6 asks viewers to turn it right
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.ascontiguousarray(stored)).save(path, exif=exif, quality=95)
    image = load_image(path, max_dim=80)[0]
    assert image.shape == (40, 80, 3)
    assert np.abs(image - upright).mean() < 6


def test_tiny_image_is_refused(make_image):
    with pytest.raises(InputError, match=f"8x8 px.*at least {MIN_SIDE}"):
        load_image(make_image("tiny.png", 8, 8))


def test_extreme_panorama_is_refused_with_the_reason(make_image):
    with pytest.raises(InputError, match=r"10000x100 px.*512x5 px.*less extreme"):
        load_image(make_image("pano.png", 10000, 100))


@pytest.mark.parametrize("size", [0, -5, 10, 2.5, True])
def test_bad_max_dim(make_image, size):
    with pytest.raises(InputError, match="max_dim"):
        load_image(make_image(), max_dim=size)


def test_unknown_sample_name():
    with pytest.raises(InputError, match="Unknown sample image 'mona_lisa'.*turtle"):
        load_image("mona_lisa")


def test_preprocess_round_trip_is_exact_on_integers():
    rgb = np.random.default_rng(0).integers(0, 256, size=(1, 7, 5, 3)).astype(np.float32)
    bgr = vgg_preprocess(rgb)
    assert np.allclose(bgr[0, 0, 0], rgb[0, 0, 0, ::-1] - VGG_MEAN_BGR)
    assert np.array_equal(vgg_deprocess(bgr), rgb[0].astype(np.uint8))


def test_deprocess_clips_to_the_pixel_range():
    bgr = np.array([[[[-500.0, 0.0, 500.0]]]], dtype=np.float32)
    assert vgg_deprocess(bgr).tolist() == [[[255, 117, 0]]]


def test_save_image_is_atomic_and_leaves_nothing_on_failure(tmp_path):
    pixels = gradient_image(32, 32)
    out = save_image(pixels, tmp_path / "out.png")
    assert np.array_equal(np.asarray(Image.open(out)), pixels)
    with pytest.raises(InputError, match="cannot write"):
        save_image(pixels, tmp_path / "out.unknownext")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]
