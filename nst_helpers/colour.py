"""Keeping the content image's colours (chapters 07 and 10): the YIQ colour space, grey images made from the
luminance, a stylised image given back the colours of the content image, and colour histogram matching.

Chapters: 07, 10.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .errors import InputError
from .images import to_uint8

__all__ = [
    "RGB_TO_YIQ",
    "YIQ_TO_RGB",
    "luminance_image",
    "match_colour_histogram",
    "preserve_colors",
    "rgb_to_yiq",
    "yiq_to_rgb",
]

#: RGB to YIQ (the NTSC colour space): Y is the luminance, I and Q carry the colour.
RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]],
    dtype=np.float64,
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def _pixels(image) -> np.ndarray:
    """An RGB image (uint8 or float in [0, 255], with or without a batch axis of one) as float64 (h, w, 3)."""
    x = np.asarray(image, dtype=np.float64)
    x = x[0] if x.ndim == 4 and x.shape[0] == 1 else x
    if x.ndim != 3 or x.shape[-1] != 3:
        raise InputError(f"Expected an RGB image of shape (h, w, 3) or (1, h, w, 3); got {np.shape(image)}.")
    return x


def rgb_to_yiq(rgb) -> np.ndarray:
    """RGB values (0-255) to YIQ, shape (h, w, 3); Y stays in [0, 255]. Taught in chapter 07."""
    return _pixels(rgb) @ RGB_TO_YIQ.T


def yiq_to_rgb(yiq) -> np.ndarray:
    """Inverse of :func:`rgb_to_yiq` (not clipped). Taught in chapter 07."""
    return _pixels(yiq) @ YIQ_TO_RGB.T


def luminance_image(rgb, match=None) -> np.ndarray:
    """The luminance Y of ``rgb`` repeated in three channels: a grey RGB image (float, 0-255), shape (h, w, 3).

    With ``match`` (another RGB image) the luminance is shifted and scaled to that image's mean and standard
    deviation, as in luminance-only transfer, where the style's luminance is matched to the content's.

    Taught in chapter 07.
    """
    y = rgb_to_yiq(rgb)[..., 0]
    if match is not None:
        target = rgb_to_yiq(match)[..., 0]
        y = (y - y.mean()) * (target.std() / max(y.std(), 1e-6)) + target.mean()
    return np.repeat(np.clip(y, 0.0, 255.0)[..., np.newaxis], 3, axis=-1)


def preserve_colors(stylised, content) -> np.ndarray:
    """The luminance of ``stylised`` with the colour (I and Q) of ``content``, as uint8 RGB (h, w, 3).

    ``content`` is resized to the stylised image's size when the two differ.

    Taught in chapter 07.
    """
    stylised = _pixels(stylised)
    content = _pixels(content)
    if content.shape != stylised.shape:
        size = (stylised.shape[1], stylised.shape[0])
        content = np.asarray(Image.fromarray(to_uint8(content)).resize(size, Image.Resampling.LANCZOS), np.float64)
    yiq = rgb_to_yiq(content)
    yiq[..., 0] = rgb_to_yiq(stylised)[..., 0]
    return to_uint8(yiq_to_rgb(yiq))


def _symmetric_power(matrix: np.ndarray, power: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.maximum(values, 1e-6) ** power) @ vectors.T


def match_colour_histogram(style, content) -> np.ndarray:
    """``style`` recoloured so that its RGB pixels have the mean and covariance of ``content``'s: float RGB
    (0-255, clipped), shape (h, w, 3) of ``style``. x' = C_c^(1/2) C_s^(-1/2) (x - mu_s) + mu_c, with
    symmetric square roots (Gatys et al. 2016, *Preserving Color in Neural Artistic Style Transfer*).

    Taught in chapter 10.
    """
    s, c = _pixels(style), _pixels(content)
    xs, xc = s.reshape(-1, 3), c.reshape(-1, 3)
    mu_s, mu_c = xs.mean(axis=0), xc.mean(axis=0)
    transform = _symmetric_power(np.cov(xc.T), 0.5) @ _symmetric_power(np.cov(xs.T), -0.5)
    matched = (xs - mu_s) @ transform.T + mu_c
    return np.clip(matched, 0.0, 255.0).reshape(s.shape)
