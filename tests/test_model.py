"""Backbones: the ImageNet VGG19 loading code (with a weights file written here), the offline backbone, "auto"."""

from __future__ import annotations

import threading

import h5py
import keras
import numpy as np
import pytest

from nst_helpers import model
from nst_helpers.errors import InputError, WeightsError
from nst_helpers.model import BACKBONES, load_feature_extractor


def write_keras_notop_file(path, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """Write random VGG19 weights in the layout of Keras' ``vgg19_..._notop.h5`` download; return them."""
    network = keras.applications.VGG19(include_top=False, weights=None)
    rng = np.random.default_rng(seed)
    written: dict[str, list[np.ndarray]] = {}
    with h5py.File(path, "w") as f:
        names = [layer.name for layer in network.layers]
        f.attrs["layer_names"] = [n.encode() for n in names]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in network.layers:
            group = f.create_group(layer.name)
            values = [rng.normal(scale=0.05, size=w.shape).astype(np.float32) for w in layer.weights]
            weight_names = [f"{layer.name}_{'W' if v.ndim > 1 else 'b'}_1:0" for v in values]
            group.attrs["weight_names"] = [n.encode() for n in weight_names]
            for name, value in zip(weight_names, values):
                group.create_dataset(name, data=value)
            if values:
                written[layer.name] = values
    return written


@pytest.fixture(scope="module")
def vgg19_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / model.VGG19_WEIGHTS_FILE
    return path, write_keras_notop_file(path)


def test_vgg19_loads_a_local_weights_file(vgg19_file):
    path, written = vgg19_file
    extractor = load_feature_extractor("vgg19", weights=path)
    assert extractor.backbone is BACKBONES["vgg19"] or extractor.backbone == BACKBONES["vgg19"]
    inner = extractor.model.get_layer("block3_conv1")
    np.testing.assert_array_equal(inner.get_weights()[0], written["block3_conv1"][0])
    features = extractor(np.zeros((1, 64, 48, 3), np.float32))
    assert tuple(features.content["block5_conv2"].shape) == (1, 4, 3, 512)
    assert [tuple(f.shape)[-1] for f in features.style.values()] == [64, 128, 256, 512, 512]


def test_auto_takes_vgg19_from_the_environment_without_the_network(vgg19_file, monkeypatch):
    monkeypatch.setenv(model.VGG19_WEIGHTS_ENV, str(vgg19_file[0]))
    monkeypatch.setattr(model, "_url_reachable", lambda *a, **k: pytest.fail("must not probe the network"))
    assert load_feature_extractor("auto").backbone.name == "vgg19"


def test_auto_falls_back_to_the_offline_backbone_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.delenv(model.VGG19_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(model, "_url_reachable", lambda *a, **k: False)
    with pytest.warns(UserWarning, match="offline backbone"):
        extractor = load_feature_extractor("auto")
    assert extractor.backbone.offline and "offline backbone" in extractor.backbone.note


def test_reachability_check_is_bounded_by_its_timeout(monkeypatch):
    release = threading.Event()

    def never_answers(*args, **kwargs):
        release.wait()  # a server that accepts and never replies, name look-up included
        raise OSError("released")

    monkeypatch.setattr(model.urllib.request, "urlopen", never_answers)
    try:
        assert model._url_reachable("http://example.invalid/w.h5", timeout=0.2) is False
    finally:
        release.set()


def test_corrupt_weights_file(tmp_path):
    path = tmp_path / "broken.h5"
    path.write_bytes(b"\x89HDF\r\n" + b"garbage" * 100)
    with pytest.raises(WeightsError, match="corrupt or of another layout"):
        load_feature_extractor("vgg19", weights=path)


def test_missing_weights_file(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_feature_extractor("vgg19", weights=tmp_path / "nothing.h5")


def test_offline_backbone_has_pretrained_not_random_features(extractor):
    random_vgg16 = keras.applications.VGG16(include_top=False, weights=None)
    hed_kernel = extractor.model.get_layer("block1_conv1").get_weights()[0]
    assert not np.allclose(hed_kernel, random_vgg16.get_layer("block1_conv1").get_weights()[0])
    # Pretrained first-layer filters respond to colour/edges: many kernels are far from zero-mean noise.
    assert np.abs(hed_kernel).max() > 0.3


def test_unknown_backbone_and_layer():
    with pytest.raises(InputError, match="Unknown backbone 'resnet'"):
        load_feature_extractor("resnet")
    with pytest.raises(InputError, match="no layer block9_conv1"):
        load_feature_extractor("vgg16-hed", style_layers=["block9_conv1"])
