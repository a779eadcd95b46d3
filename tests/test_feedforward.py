"""The chapter 10 stylisation network: training, the run cache, saving and loading, and nst-stylize --model."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from nst_helpers.book.runcache import cached
from nst_helpers.cli import main
from nst_helpers.errors import InputError, OptimizationDivergedError
from nst_helpers.feedforward import (
    NetworkConfig,
    build_network,
    load_network,
    network_from_result,
    save_network,
    stylize,
    train_network,
)

TINY = NetworkConfig(steps=2, crop=48, batch=1, filters=4, residual_blocks=1, style_max_dim=64)


@pytest.fixture(scope="module")
def trained(extractor, samples, tmp_path_factory):
    return train_network("great_wave", extractor, TINY, test_image="turtle", progress=False)


def test_network_keeps_the_size_and_the_range():
    net = build_network(filters=4, residual_blocks=1)
    out = stylize(net, np.full((30, 41, 3), 128, np.uint8))  # padded to a multiple of 4, then cut back
    assert out.shape == (30, 41, 3) and out.dtype == np.uint8


def test_training_changes_the_weights_and_records_the_losses(trained):
    fresh = build_network(filters=4, residual_blocks=1).get_weights()
    assert len(trained.history["total"]) == 2 and set(trained.history) == {"total", "content", "style"}
    assert np.isfinite(trained.history["total"]).all()
    weights = network_from_result(trained).get_weights()
    assert len(weights) == len(fresh) and any(
        w.shape == f.shape and not np.allclose(w, f) for w, f in zip(weights, fresh)
    )


def test_the_run_cache_keeps_the_trained_weights(extractor, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("NST_RUN_CACHE", str(tmp_path))
    first = cached(train_network, "great_wave", extractor=extractor, config=TINY, test_image="turtle", progress=False)
    again = cached(train_network, "great_wave", extractor=extractor, config=TINY, test_image="turtle", progress=False)
    assert again.extra.get("from_cache") and set(again.arrays) == set(first.arrays)
    image = np.full((32, 32, 3), 90, np.uint8)
    assert np.array_equal(stylize(network_from_result(again), image), stylize(network_from_result(first), image))


def test_a_nan_loss_stops_training_with_advice(extractor, samples):
    with pytest.raises(OptimizationDivergedError, match="Lower the learning rate"):
        train_network(
            "great_wave",
            extractor,
            NetworkConfig(
                steps=1,
                crop=48,
                batch=1,
                filters=4,
                residual_blocks=0,
                style_max_dim=64,
                content_weight=float("1e38"),
                style_weight=float("1e38"),
            ),
            progress=False,
        )


def test_bad_configurations_are_refused():
    with pytest.raises(InputError, match="multiple of 4"):
        NetworkConfig(crop=50)
    with pytest.raises(InputError, match="steps"):
        NetworkConfig(steps=0)


def test_save_and_load_round_trip_atomically(trained, tmp_path):
    net = network_from_result(trained)
    path = save_network(net, tmp_path / "style.keras")
    assert [p.name for p in tmp_path.iterdir()] == ["style.keras"]
    image = np.full((24, 24, 3), 200, np.uint8)
    assert np.array_equal(stylize(load_network(path), image), stylize(net, image))
    with pytest.raises(InputError, match="suffix .keras"):
        save_network(net, tmp_path / "style.h5")


def test_damaged_or_wrong_model_files_give_one_clear_error(trained, tmp_path):
    cut = tmp_path / "cut.keras"
    good = save_network(network_from_result(trained), tmp_path / "good.keras")
    cut.write_bytes(good.read_bytes()[:500])
    text = tmp_path / "text.keras"
    text.write_text("not a model")
    empty_zip = tmp_path / "empty.keras"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    for path in (cut, text, empty_zip, tmp_path / "missing.keras"):
        with pytest.raises(InputError, match=str(path.name)):
            load_network(path)


def test_a_model_that_does_not_map_rgb_to_rgb_is_refused(tmp_path):
    import keras

    inputs = keras.Input((None, None, 3))
    other = keras.Model(inputs, keras.layers.Conv2D(1, 1)(inputs))
    path = tmp_path / "grey.keras"
    other.save(path)
    with pytest.raises(InputError, match="RGB"):
        load_network(path)


def test_cli_paints_with_a_saved_model(trained, tmp_path, capsys, samples):
    model = save_network(network_from_result(trained), tmp_path / "wave.keras")
    out = tmp_path / "out.png"
    assert main(["turtle", "-o", str(out), "--model", str(model), "--size", "64"]) == 0
    assert Image.open(out).size == (64, 48)
    assert "wrote" in capsys.readouterr().out


def test_cli_model_errors_are_one_line_and_leave_no_file(tmp_path, capsys, samples):
    bad = tmp_path / "bad.keras"
    bad.write_text("garbage")
    out = tmp_path / "out.png"
    assert main(["turtle", "-o", str(out), "--model", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.keras" in err and "Traceback" not in err and not out.exists()
    with pytest.raises(SystemExit):
        main(["turtle", "great_wave", "-o", str(out), "--model", str(bad)])
    with pytest.raises(SystemExit):
        main(["turtle", "-o", str(out)])
