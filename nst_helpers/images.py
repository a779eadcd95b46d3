"""Loading, checking and resizing images; VGG's pre-processing and its inverse; atomic saving.

Chapters: 01, 02.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .data import resolve_image
from .errors import InputError
from .files import atomic_write
from .validate import whole_number

#: Per-channel means (B, G, R) that the Caffe-trained VGG networks subtract.
VGG_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)
#: Smallest short side, in pixels, that still leaves a 2x2 map after VGG's four poolings.
MIN_SIDE = 32
#: Pixel range of a pre-processed image: the clipping bounds used after every optimisation step.
PREPROCESSED_MIN = -VGG_MEAN_BGR
PREPROCESSED_MAX = 255.0 - VGG_MEAN_BGR


def _check_max_dim(max_dim: int) -> None:
    whole_number("max_dim (pixels)", max_dim, MIN_SIDE)


def _to_rgb(img: Image.Image, source: str) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB; transparent pixels become white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or values.max() > 255 else 255.0
        gray = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    if img.mode == "P" and "transparency" in img.info or img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    try:
        return img.convert("RGB")
    except (ValueError, OSError) as exc:
        raise InputError(
            f"Cannot convert image {source} (mode {img.mode}) to RGB: {exc}. Save it as an 8-bit RGB JPEG or PNG."
        ) from None


def read_image(source: str | os.PathLike[str]) -> Image.Image:
    """Open a sample name or an image file as an upright RGB Pillow image, with clear errors. Taught in chapter 01."""
    path = resolve_image(source)
    label = str(path)
    if path.is_dir():
        raise InputError(f"{label} is a folder, not an image file. Pass the path of a JPEG or PNG file.")
    if path.stat().st_size == 0:
        raise InputError(f"Image file {label} is empty (0 bytes). Copy or download the image again.")
    try:
        with Image.open(path) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            return _to_rgb(upright, label)
    except UnidentifiedImageError:
        raise InputError(
            f"{label} is not an image that Pillow can read (is it a JPEG or PNG?). Pass a real image file."
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"Image file {label} is damaged or truncated ({exc}). Download or export it again.") from None


def resize_to_max_dim(img: Image.Image, max_dim: int) -> Image.Image:
    """Scale so that the longer side is ``max_dim`` pixels (LANCZOS), keeping the aspect ratio.

    Images smaller than ``max_dim`` are scaled up too (as the TF blog post does), so the content and
    style images meet at comparable scales; an image under ``MIN_SIDE`` pixels on a side is refused.
    """
    _check_max_dim(max_dim)
    scale = max_dim / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    if min(size) < MIN_SIDE:
        raise InputError(
            f"The image is {img.width}x{img.height} px; scaled to a long side of {max_dim} px it would be "
            f"{size[0]}x{size[1]} px, and the network needs at least {MIN_SIDE} px on the short side. "
            f"Crop it to a less extreme shape, or raise max_dim."
        )
    if min(img.size) < MIN_SIDE:
        raise InputError(
            f"The image is only {img.width}x{img.height} px; at least {MIN_SIDE} px on each side is needed. "
            f"Use a larger image."
        )
    return img.resize(size, Image.Resampling.LANCZOS) if size != img.size else img.copy()


def load_image(source: str | os.PathLike[str], max_dim: int = 512) -> np.ndarray:
    """Load an image as float32 RGB values in [0, 255], shape ``(1, height, width, 3)``. Taught in chapter 01."""
    _check_max_dim(max_dim)
    img = resize_to_max_dim(read_image(source), max_dim)
    return np.asarray(img, dtype=np.float32)[np.newaxis]


def vgg_preprocess(rgb):
    """RGB in [0, 255] to VGG's input: channels reversed to BGR, ImageNet means subtracted.

    Works on NumPy arrays and on tensors (the arithmetic broadcasts over the last axis).

    Taught in chapter 02.
    """
    return rgb[..., ::-1] - VGG_MEAN_BGR


def vgg_deprocess(bgr) -> np.ndarray:
    """Inverse of :func:`vgg_preprocess`, clipped to [0, 255] and returned as ``uint8`` (batch axis dropped).

    Taught in chapter 02.
    """
    x = np.asarray(bgr, dtype=np.float32)
    if x.ndim == 4:
        if x.shape[0] != 1:
            raise InputError(f"vgg_deprocess takes one image; got a batch of {x.shape[0]}.")
        x = x[0]
    if x.ndim != 3 or x.shape[-1] != 3:
        raise InputError(f"vgg_deprocess expects shape (1, h, w, 3) or (h, w, 3); got {x.shape}.")
    rgb = (x + VGG_MEAN_BGR)[..., ::-1]
    return np.clip(rgb, 0, 255).round().astype(np.uint8)


def to_uint8(rgb) -> np.ndarray:
    """RGB float values in [0, 255] (with or without batch axis) as a ``uint8`` array ``(h, w, 3)``."""
    x = np.asarray(rgb, dtype=np.float32)
    x = x[0] if x.ndim == 4 else x
    return np.clip(x, 0, 255).round().astype(np.uint8)


def resize_like(rgb, like) -> np.ndarray:
    """``rgb`` (0-255, with or without batch axis) resized (Lanczos) to the size of ``like``: (1, h, w, 3)."""
    height, width = np.shape(like)[-3:-1]
    img = Image.fromarray(to_uint8(rgb)).resize((int(width), int(height)), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.float32)[np.newaxis]


def save_image(image, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None) -> Path:
    """Write an RGB image (uint8 or float in [0, 255]) atomically: a temporary file, then a rename.

    ``metadata`` (text keys and values) goes into PNG text chunks, or into a JPEG's comment as ``key: value``
    lines; ``nst-stylize`` records its settings there.

    Taught in chapter 01.
    """
    target = Path(path)
    if target.suffix.lower() not in Image.registered_extensions():
        raise InputError(
            f"Pillow cannot write {target.suffix or 'extension-less'!r} files; use .png or .jpg for {target}."
        )
    pixels = Image.fromarray(to_uint8(image))
    options: dict = {}
    if metadata and target.suffix.lower() == ".png":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in metadata.items():
            info.add_itxt(key, value)
        options["pnginfo"] = info
    elif metadata and target.suffix.lower() in (".jpg", ".jpeg"):
        options["comment"] = "\n".join(f"{k}: {v}" for k, v in metadata.items()).encode("utf-8")
    return atomic_write(
        target, lambda tmp: pixels.save(tmp, format=Image.registered_extensions()[target.suffix.lower()], **options)
    )


def image_batch(image, max_dim: int | None = None) -> np.ndarray:
    """Any image input as a float32 RGB batch of one, values 0-255, shape (1, h, w, 3).

    ``image`` is a sample name or a path (loaded with :func:`load_image` at ``max_dim``), or an array or tensor
    of shape (h, w, 3) or (1, h, w, 3), which is resized (area averaging) when its long side exceeds ``max_dim``.

    Taught in chapter 01.
    """
    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        return load_image(image, 512 if max_dim is None else max_dim)
    if max_dim is not None:
        _check_max_dim(max_dim)
    array = np.asarray(image, dtype=np.float32)
    array = array[np.newaxis] if array.ndim == 3 else array
    if array.ndim != 4 or array.shape[0] != 1 or array.shape[-1] != 3:
        raise InputError(f"An image array must have shape (h, w, 3) or (1, h, w, 3); got {np.shape(image)}.")
    if not np.all(np.isfinite(array)):
        raise InputError("The image array contains NaN or infinite values; pass RGB values in [0, 255].")
    height, width = array.shape[1:3]
    if max_dim is None or max(height, width) <= max_dim:
        return array
    from ._tf import import_tensorflow

    scale = max_dim / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    return import_tensorflow().image.resize(array, size, method="area").numpy().astype(np.float32)
