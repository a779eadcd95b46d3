"""A feed-forward stylisation network: a small image-transformation network, trained with the book's content and
style losses, that paints any photograph in one style in a single forward pass.

It follows Johnson, Alahi and Fei-Fei (2016) and Ulyanov, Lebedev, Vedaldi and Lempitsky (2016).

The network: a 9x9 convolution, two stride-2 convolutions down, residual blocks, two upsampling steps (nearest
neighbour, then a convolution, which avoids the checkerboard artefacts of transposed convolutions), and a 9x9
convolution to RGB; every hidden convolution is followed by instance normalisation and ReLU. Only built-in Keras
layers are used, so a saved ``.keras`` file loads without this package's code.

Training optimises the network's weights on random crops of photographs, not the pixels of one image, so it
has its own loop (a compiled Adam step over batches); the loss is the book's (chapters 04-06).

Chapter: 10.
"""

from __future__ import annotations

import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from ._tf import keras, tf
from .control import style_targets
from .engine import TransferResult
from .errors import InputError, OptimizationDivergedError
from .files import atomic_write
from .images import image_batch, to_uint8, vgg_preprocess
from .losses import content_loss, style_loss
from .model import FeatureExtractor
from .validate import finite_number, whole_number

__all__ = [
    "NetworkConfig",
    "TRAINING_PHOTOS",
    "build_network",
    "load_network",
    "network_from_result",
    "save_network",
    "stylize",
    "train_network",
    "training_photos",
]

#: The colour photographs that scikit-image ships in ``skimage.data``, with their licences (from its docs).
TRAINING_PHOTOS = {
    "astronaut": "Eileen Collins, NASA; public domain",
    "chelsea": "Stefan van der Walt; CC0",
    "coffee": "Rachel Michetti; CC0",
    "rocket": "SpaceX; public domain",
    "hubble_deep_field": "NASA; public domain",
}
#: The side of the network's input must be a multiple of this (two stride-2 convolutions).
SIZE_MULTIPLE = 4


@dataclass(frozen=True)
class NetworkConfig:
    """What determines a trained network besides the style image and the loss network. Taught in chapter 10."""

    steps: int = 600
    crop: int = 128  # side of the square training crops
    batch: int = 2
    filters: int = 16  # channels of the first convolution; doubled at each stride-2 step
    residual_blocks: int = 3
    learning_rate: float = 1e-3
    content_weight: float | None = None  # None: the backbone's
    style_weight: float | None = None
    style_max_dim: int | None = None  # long side of the style image; None: the crop size
    seed: int = 0

    def __post_init__(self) -> None:
        whole_number("steps", self.steps, 1)
        whole_number("crop", self.crop, 32)
        if self.crop % SIZE_MULTIPLE:
            raise InputError(f"crop must be a multiple of {SIZE_MULTIPLE}; got {self.crop}.")
        whole_number("batch", self.batch, 1)
        whole_number("filters", self.filters, 1)
        whole_number("residual_blocks", self.residual_blocks, 0)
        finite_number("learning_rate", self.learning_rate, positive=True)
        for name in ("content_weight", "style_weight"):
            if getattr(self, name) is not None:
                finite_number(name, getattr(self, name), positive=True)
        if self.style_max_dim is not None:
            whole_number("style_max_dim", self.style_max_dim, 32)
        whole_number("seed", self.seed, 0)


def _conv(x, filters: int, size: int, stride: int = 1, normalise: bool = True, name: str = ""):
    x = keras.layers.Conv2D(filters, size, strides=stride, padding="same", name=f"{name}_conv")(x)
    if normalise:
        # GroupNormalization with one group per channel is instance normalisation.
        x = keras.layers.GroupNormalization(groups=filters, epsilon=1e-5, name=f"{name}_norm")(x)
        x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return x


def build_network(filters: int = 16, residual_blocks: int = 3) -> keras.Model:
    """The image-transformation network: RGB (0-255) in, RGB (0-255) out, any size divisible by 4.

    Taught in chapter 10.
    """
    rgb = keras.Input((None, None, 3), name="photo")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="to_unit")(rgb)
    x = _conv(x, filters, 9, name="in")
    x = _conv(x, 2 * filters, 3, stride=2, name="down1")
    x = _conv(x, 4 * filters, 3, stride=2, name="down2")
    for i in range(residual_blocks):
        y = _conv(x, 4 * filters, 3, name=f"res{i}a")
        y = keras.layers.Conv2D(4 * filters, 3, padding="same", name=f"res{i}b_conv")(y)
        y = keras.layers.GroupNormalization(groups=4 * filters, epsilon=1e-5, name=f"res{i}b_norm")(y)
        x = keras.layers.Add(name=f"res{i}_add")([x, y])
    for i, channels in enumerate((2 * filters, filters), start=1):
        x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{i}_resize")(x)
        x = _conv(x, channels, 3, name=f"up{i}")
    x = keras.layers.Conv2D(3, 9, padding="same", activation="sigmoid", name="out_conv")(x)
    out = keras.layers.Rescaling(255.0, name="to_rgb")(x)
    return keras.Model(rgb, out, name="stylisation_network")


def training_photos() -> dict[str, np.ndarray]:
    """The photographs of :data:`TRAINING_PHOTOS` as uint8 RGB arrays, read from scikit-image's bundled data."""
    try:
        from skimage import data
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise InputError("The training photographs come from scikit-image: pip install scikit-image") from exc
    return {name: np.asarray(getattr(data, name)(), np.uint8) for name in TRAINING_PHOTOS}


def _random_crops(photos: Sequence[np.ndarray], size: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` square crops of side ``size``: a random photo, rescaled so its short side is 1-2 crops long,
    a random position, a random horizontal flip. Float32 RGB, shape (count, size, size, 3)."""
    crops = []
    for _ in range(count):
        photo = photos[rng.integers(len(photos))]
        short = int(size * rng.uniform(1.0, 2.0))
        scale = short / min(photo.shape[:2])
        shape = (max(size, round(photo.shape[0] * scale)), max(size, round(photo.shape[1] * scale)))
        resized = tf.image.resize(photo[np.newaxis].astype(np.float32), shape, method="area").numpy()[0]
        top, left = rng.integers(shape[0] - size + 1), rng.integers(shape[1] - size + 1)
        crop = resized[top : top + size, left : left + size]
        crops.append(crop[:, ::-1] if rng.random() < 0.5 else crop)
    return np.stack(crops).astype(np.float32)


def train_network(
    style,
    extractor: FeatureExtractor,
    config: NetworkConfig = NetworkConfig(),
    photos: Sequence[np.ndarray] | None = None,
    test_image=None,
    progress: bool = True,
) -> TransferResult:
    """Train :func:`build_network` to paint photographs in the style of ``style`` with the book's loss.

    ``photos`` (uint8 RGB arrays) default to :func:`training_photos`. The result's ``arrays`` hold the trained
    weights (:func:`network_from_result` rebuilds the network), its history the loss of every step, and its
    image the network's picture of ``test_image`` (a photograph it was not trained on; default: the first
    training photo). A NaN loss stops with advice; Ctrl-C returns the weights so far (``interrupted=True``).

    Taught in chapter 10.
    """
    keras.utils.set_random_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    photos = list(training_photos().values()) if photos is None else [np.asarray(p) for p in photos]
    if not photos:
        raise InputError("photos is empty; pass at least one RGB photograph (or None for the bundled ones).")
    net = build_network(config.filters, config.residual_blocks)
    alpha = extractor.backbone.content_weight if config.content_weight is None else config.content_weight
    beta = extractor.backbone.style_weight if config.style_weight is None else config.style_weight
    targets = style_targets(extractor, style, config.style_max_dim or config.crop)
    optimizer = keras.optimizers.Adam(learning_rate=float(config.learning_rate))

    @tf.function
    def step(batch):
        wanted = extractor(vgg_preprocess(batch)).content
        with tf.GradientTape() as tape:
            features = extractor(vgg_preprocess(net(batch, training=True)))
            content = tf.add_n([content_loss(features.content[n], t) for n, t in wanted.items()]) / len(wanted)
            terms = {"content": alpha * content, "style": beta * style_loss(features.style, targets)}
            terms["total"] = terms["content"] + terms["style"]
        optimizer.apply_gradients(zip(tape.gradient(terms["total"], net.trainable_variables), net.trainable_variables))
        return terms

    history: dict[str, list[float]] = {"total": [], "style": [], "content": []}
    started, interrupted = time.perf_counter(), False
    bar = tqdm(total=config.steps, desc="training", disable=not progress, leave=False)
    try:
        for index in range(config.steps):
            terms = {
                k: float(v) for k, v in step(tf.constant(_random_crops(photos, config.crop, config.batch, rng))).items()
            }
            if not np.isfinite(terms["total"]):
                raise OptimizationDivergedError(
                    f"The training loss became {terms['total']} at step {index}. Lower the learning rate "
                    f"(now {config.learning_rate:g}) or the loss weights."
                )
            for key in history:
                history[key].append(terms[key])
            bar.update(1)
            bar.set_postfix(loss=f"{terms['total']:.4g}", refresh=False)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if not history["total"]:
        raise OptimizationDivergedError("Training stopped before its first step finished; nothing to return.")
    seconds = time.perf_counter() - started
    picture = stylize(net, photos[0] if test_image is None else test_image)
    return TransferResult(
        image=picture,
        best_loss=history["total"][-1],
        best_step=len(history["total"]) - 1,
        history=history,
        snapshots=[],
        seconds=seconds,
        backbone=extractor.backbone,
        config=config,
        interrupted=interrupted,
        extra={"network": {"filters": config.filters, "residual_blocks": config.residual_blocks}},
        arrays={f"weight_{i:03d}": np.asarray(w) for i, w in enumerate(net.get_weights())},
    )


def network_from_result(result: TransferResult) -> keras.Model:
    """The trained network of a :func:`train_network` result (also one read back from the run cache)."""
    spec = result.extra.get("network")
    if not spec or not result.arrays:
        raise InputError("This result holds no trained network; pass the result of train_network(...).")
    net = build_network(spec["filters"], spec["residual_blocks"])
    net.set_weights([result.arrays[k] for k in sorted(result.arrays)])
    return net


def stylize(net: keras.Model, image, max_dim: int | None = None) -> np.ndarray:
    """Paint ``image`` (a sample name, path or RGB array) with a trained network in one forward pass: uint8 RGB.

    The image is padded by reflection to a multiple of 4 on each side and the padding cut off again.

    Taught in chapter 10.
    """
    rgb = image_batch(image, max_dim)
    h, w = rgb.shape[1:3]
    pad_h, pad_w = (-h) % SIZE_MULTIPLE, (-w) % SIZE_MULTIPLE
    if pad_h or pad_w:
        mode = "reflect" if h > pad_h and w > pad_w else "edge"
        rgb = np.pad(rgb, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode=mode)
    out = net(tf.constant(rgb), training=False)
    return to_uint8(np.asarray(out)[0, :h, :w])


def save_network(net: keras.Model, path) -> Path:
    """Save the network as a ``.keras`` file, atomically. Taught in chapter 10."""
    path = Path(path)
    if path.suffix != ".keras":
        raise InputError(f"{path}: a network is saved in Keras' format; give the file name the suffix .keras.")
    return atomic_write(path, lambda tmp: net.save(tmp))


def load_network(path) -> keras.Model:
    """Load a network saved by :func:`save_network`, checking that it maps an RGB image to an RGB image.

    Raises :class:`~nst_helpers.errors.InputError` naming the file for a missing, damaged or unsuitable file.

    Taught in chapter 10.
    """
    path = Path(path)
    hint = "train one in chapter 10 and save it with save_network(net, 'name.keras')"
    if not path.is_file():
        raise InputError(f"{path}: no such file; {hint}.")
    if path.suffix != ".keras" or not zipfile.is_zipfile(path):
        raise InputError(f"{path} is not a Keras .keras file (a zip archive); {hint}.")
    try:
        net = keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        raise InputError(f"{path} could not be loaded as a Keras model ({type(exc).__name__}); {hint}.") from exc
    shapes = (tuple(net.input_shape), tuple(net.output_shape)) if isinstance(net, keras.Model) else None
    if shapes is None or len(shapes[0]) != 4 or shapes[0][-1] != 3 or len(shapes[1]) != 4 or shapes[1][-1] != 3:
        raise InputError(
            f"{path} holds a model with input and output shapes {shapes}; it must map RGB images "
            f"(batch, height, width, 3) to RGB images; {hint}."
        )
    return net
