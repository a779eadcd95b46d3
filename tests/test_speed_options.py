"""The speed options: mixed precision, XLA, a given start, coarse to fine, L-BFGS, the memory check, time to quality."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import gradient_image
from nst_helpers.engine import LBFGS
from nst_helpers.errors import InputError
from nst_helpers.images import PREPROCESSED_MAX, PREPROCESSED_MIN, vgg_preprocess
from nst_helpers.optimize import StyleTransfer, TransferConfig, adam_method
from nst_helpers.speed import memory
from nst_helpers.speed.coarse_to_fine import run_coarse_to_fine, stage_sizes, upscale
from nst_helpers.speed.schedule import compress_schedule
from nst_helpers.speed.time_to_quality import (
    PICTURE_FACTOR,
    AdamVariant,
    add_distances,
    picture_distances,
    run_method,
    same_picture_limits,
    summary_rows,
    time_to,
)

CONTENT = gradient_image(64, 48).astype(np.float32)
STYLE = np.random.default_rng(7).integers(0, 256, size=(48, 64, 3)).astype(np.float32)


def test_bfloat16_and_xla_steps_give_float32_losses_close_to_the_plain_step(extractor):
    plain = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64))
    xla = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, jit_compile=True))
    half = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, precision="bfloat16"))
    assert half.extractor.compute_dtype == "bfloat16" and plain.extractor.compute_dtype == "float32"
    losses = [float(t.train_step()["total"]) for t in (plain, xla, half)]
    assert losses[1] == pytest.approx(losses[0], rel=1e-4)
    assert losses[2] == pytest.approx(losses[0], rel=0.05) and losses[2] != losses[0]


def test_bad_speed_settings_are_named():
    with pytest.raises(InputError, match="precision"):
        TransferConfig(precision="half")
    with pytest.raises(InputError, match="jit_compile"):
        TransferConfig(jit_compile="yes")


def test_a_given_start_is_used_and_must_fit(extractor):
    start = vgg_preprocess(np.full((1, 48, 64, 3), 128.0, np.float32))
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64), start=start)
    np.testing.assert_allclose(transfer.image.numpy(), start)
    with pytest.raises(InputError, match="start has shape"):
        StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64), start=start[:, :10])


def test_upscale_keeps_the_valid_range():
    rng = np.random.default_rng(0)
    image = rng.uniform(PREPROCESSED_MIN, PREPROCESSED_MAX, size=(1, 12, 16, 3)).astype(np.float32)
    big = upscale(image, 24, 32)
    assert big.shape == (1, 24, 32, 3)
    assert np.all(big >= PREPROCESSED_MIN - 1e-4) and np.all(big <= PREPROCESSED_MAX + 1e-4)


def test_stage_sizes():
    assert stage_sizes(384, (0.25, 0.5, 1.0)) == [96, 192, 384]
    assert stage_sizes(64, (0.25, 1.0)) == [32, 64]
    for bad in [(), (0.5, 0.25), (0.0, 1.0), (1.5,)]:
        with pytest.raises(InputError, match="scales"):
            stage_sizes(256, bad)


@pytest.mark.parametrize("method", [None, LBFGS()])
def test_coarse_to_fine_runs_each_stage_and_ends_at_full_size(extractor, method):
    seen = []
    result = run_coarse_to_fine(
        CONTENT,
        STYLE,
        TransferConfig(max_dim=64, steps=6),
        scales=(0.5, 1.0),
        stage_steps=(3, 3),
        extractor=extractor,
        method=method,
        on_step=lambda stage, e, transfer: seen.append((stage, e.image.shape[1:3])),
        progress=False,
    )
    assert result.image.shape == (48, 64, 3)
    assert [s[0] for s in result.extra["stages"]] == [32, 64]
    assert {shape for stage, shape in seen if stage == 0} == {(24, 32)}
    assert {shape for stage, shape in seen if stage == 1} == {(48, 64)}
    assert len(result.history["total"]) == 6
    assert [stage["precision"]["used"] for stage in result.extra["per_stage"]] == ["float32", "float32"]
    with pytest.raises(InputError, match="scales"):
        run_coarse_to_fine(CONTENT, STYLE, TransferConfig(max_dim=64), extractor=extractor, scales=(1.0, 0.5))


def test_coarse_to_fine_with_one_optimizer_per_stage(extractor):
    adam_then_lbfgs = [None, LBFGS()]
    result = run_coarse_to_fine(
        CONTENT,
        STYLE,
        TransferConfig(max_dim=64, steps=6),
        scales=(0.5, 1.0),
        stage_steps=(2, 4),
        extractor=extractor,
        method=adam_then_lbfgs,
        progress=False,
    )
    assert result.extra["method"][0] == "L-BFGS-B" and [s[1] for s in result.extra["stages"]][0] == 2
    with pytest.raises(InputError, match="one entry per scale"):
        run_coarse_to_fine(
            CONTENT, STYLE, TransferConfig(max_dim=64), extractor=extractor, scales=(0.5, 1.0), method=[None]
        )


def test_lbfgs_lowers_the_loss_within_its_budget_and_bounds(extractor):
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, steps=8, snapshots=0))
    result = transfer.run(method=LBFGS(), progress=False)
    history = result.history
    assert len(history["total"]) <= 8
    assert min(history["total"]) < 0.9 * history["total"][0] and result.best_loss == min(history["total"])
    best = transfer.image.numpy()  # L-BFGS leaves the best point in the variable
    assert np.all(best >= PREPROCESSED_MIN - 1e-3) and np.all(best <= PREPROCESSED_MAX + 1e-3)
    stopped = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, steps=8)).run(
        method=LBFGS(), progress=False, callback=lambda e: e.step == 1
    )
    assert len(stopped.history["total"]) == 2


def test_memory_estimate_grows_with_pixels_and_a_too_large_image_is_refused(extractor, monkeypatch):
    small = memory.estimate_step_bytes(extractor.model, (1, 256, 256, 3))
    large = memory.estimate_step_bytes(extractor.model, (1, 512, 512, 3))
    assert large - memory.FIXED_BYTES == pytest.approx(4 * (small - memory.FIXED_BYTES), rel=0.02)
    with_lbfgs = memory.estimate_step_bytes(extractor.model, (1, 512, 512, 3), lbfgs_history=10)
    assert with_lbfgs - large == pytest.approx(8 * 3 * 512 * 512 * 54, abs=1)  # 54 float64 copies of the image
    # L-BFGS is checked again when it starts, with its arrays: a run that fits with Adam may not with L-BFGS.
    shape = (1, 48, 64, 3)
    adam, lbfgs = (memory.estimate_step_bytes(extractor.model, shape, h) for h in (0, 10))
    between = memory.MARGIN * (adam + lbfgs) / 2  # the check compares MARGIN times the estimate
    monkeypatch.setattr(memory, "available_bytes", lambda: between)
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, steps=2))
    with pytest.raises(InputError, match="needs about"):
        transfer.run(method=LBFGS(), progress=False)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**29)
    with pytest.raises(InputError, match="needs about .* GiB .* smaller max_dim"):
        StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64))
    monkeypatch.setenv("NST_SKIP_MEMORY_CHECK", "1")
    StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64))


def test_on_a_gpu_the_memory_check_reads_the_gpus_memory(extractor, monkeypatch):
    monkeypatch.setattr(memory, "_gpu_present", lambda: True)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**30)  # the host's memory is not what counts
    monkeypatch.setattr(memory, "_gpu_total_bytes", lambda: 16 * 2**30)  # a T4
    monkeypatch.setattr(memory, "_gpu_used_bytes", lambda: 2**30)
    assert memory.available_gpu_bytes() == 15 * 2**30
    memory.check_memory((1, 1024, 1024, 3), extractor)
    monkeypatch.setattr(memory, "_gpu_total_bytes", lambda: 2 * 2**30)
    with pytest.raises(InputError, match=r"GiB of GPU memory \(.* margin\), but only"):
        memory.check_memory((1, 1024, 1024, 3), extractor)
    monkeypatch.setattr(memory, "_gpu_total_bytes", lambda: 80 * 2**30)  # an A100: the step fits on the GPU,
    memory.check_memory((1, 2048, 2048, 3), extractor)
    with pytest.raises(
        InputError, match=r"GiB of memory \(.* margin\), but only"
    ):  # but L-BFGS's arrays stay on the host
        memory.check_memory((1, 2048, 2048, 3), extractor, lbfgs_history=10)
    monkeypatch.setattr(memory, "_gpu_total_bytes", lambda: None)  # TensorFlow reports no limit: no check
    memory.check_memory((1, 4096, 4096, 3), extractor)


def test_the_gpu_memory_reader_works_here_and_finds_no_gpu_on_a_cpu():
    """The real reader, not a stub: TensorFlow's device list is importable, and a CPU machine has no GPU limit."""
    from tensorflow.python.client import device_lib

    devices = device_lib.list_local_devices()
    has_gpu = any(d.device_type == "GPU" for d in devices)
    memory._gpu_total_bytes.cache_clear()
    assert (memory._gpu_total_bytes() is not None) == has_gpu


def test_the_gpu_profile_is_full_mode_with_larger_pictures_and_quick_mode_stays_quick():
    from nst_helpers.book.modes import run_settings

    cpu, gpu = run_settings("full"), run_settings("full", gpu=True)
    assert gpu.mode == "full" and gpu.max_dim > cpu.max_dim and gpu.network_steps > cpu.network_steps
    assert run_settings("quick", gpu=True) == run_settings("quick")


def tiny_comparison(steps: int) -> dict:
    """Options of a time-to-quality comparison small enough for a test."""
    return {
        "size": 48,
        "steps": steps,
        "eval_every": 2,
        "backbone": "vgg16-hed",
        "content": "turtle",
        "style": "great_wave",
        "coarse_steps": [2, 2],
        "coarse_evals": [2, 2],
    }


def test_time_to_quality_reference_spread_and_a_method(samples, extractor):
    opts = tiny_comparison(steps=4)
    reference = run_method("reference", opts, None, None, extractor)
    assert len(reference["trace"]) == 5 and reference["steps"] == 4  # each step's start, and the last image
    l_ref = reference["best_loss"]
    assert l_ref == min(loss for _, loss in reference["trace"])
    spread = run_method("reference-spread", opts, None, None, extractor)
    lbfgs = run_method("lbfgs-bf16", opts, l_ref, 60.0, extractor)
    assert lbfgs["precision"]["used"] == "bfloat16"
    assert time_to(lbfgs["trace"], l_ref) is not None and lbfgs["trace"][-1][1] <= l_ref
    results = {"reference": reference, "reference-spread": spread, "lbfgs-bf16": lbfgs}
    comparison = add_distances({"l_ref": l_ref, "t_ref": reference["seconds"], "results": results}, extractor)
    assert 0 < comparison["spread"]["pixels"] < 5  # half a grey level at the start moves the picture a little
    assert comparison["limits"]["pixels"] == PICTURE_FACTOR * comparison["spread"]["pixels"]
    rows = {row["method"]: row for row in summary_rows(comparison)}
    assert rows["reference"]["ratio"] == 1.0 and rows["reference"]["pixel_distance"] == 0
    row = rows["lbfgs-bf16"]
    assert row["ratio"] > 0 and row["precision"] == "bfloat16"
    assert row["same_picture"] == (
        row["pixel_distance"] <= comparison["limits"]["pixels"]
        and row["feature_distance"] <= comparison["limits"]["features"]
    )
    assert (row["speedup"] is not None) == row["same_picture"]
    assert time_to([(1.0, 5.0), (2.0, 3.0)], 4.0) == 2.0 and time_to([(1.0, 5.0)], 4.0) is None


def test_picture_distances_and_the_same_picture_rule(extractor):
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 256, size=(32, 48, 3)).astype(np.float32)
    assert picture_distances(picture, picture, extractor) == {"pixels": 0.0, "features": 0.0}
    brighter = picture_distances(np.clip(picture + 4, 0, 255), picture, extractor)
    assert brighter["pixels"] == pytest.approx(np.mean(np.clip(picture + 4, 0, 255) - picture))
    other = picture_distances(rng.integers(0, 256, size=(32, 48, 3)).astype(np.float32), picture, extractor)
    assert other["pixels"] > 50 and other["features"] > brighter["features"] > 0
    assert same_picture_limits({"pixels": 1.5, "features": 0.01}) == {"pixels": 3.0, "features": 0.02}
    with pytest.raises(InputError, match="differ in size"):
        picture_distances(picture, picture[:16], extractor)
    limits = {"pixels": 3.0, "features": 0.02}
    results = {
        name: {"trace": [(1.0, 10.0)], "steps": 1, "seconds": 1.0, "best_loss": 10.0, "distances": d}
        for name, d in {
            "reference": {"pixels": 0.0, "features": 0.0},
            "close": {"pixels": 2.9, "features": 0.019},
            "far in pixels": {"pixels": 3.1, "features": 0.001},
            "far in features": {"pixels": 0.1, "features": 0.03},
        }.items()
    }
    rows = summary_rows({"l_ref": 10.0, "t_ref": 2.0, "limits": limits, "results": results})
    assert [r["same_picture"] for r in rows] == [True, True, False, False]
    assert [r["speedup"] for r in rows] == [1.0, 2.0, None, None] and rows[2]["ratio"] == 2.0


def test_full_length_methods_ignore_the_time_budget_and_the_others_stop(samples):
    opts = tiny_comparison(steps=3)
    bf16 = run_method("adam-bf16", opts, l_ref=1.0, t_budget=0.0)
    assert bf16["steps"] == 3 and len(bf16["trace"]) == 2  # evaluated every 2 steps and at the end
    lbfgs = run_method("lbfgs", opts, l_ref=0.0, t_budget=0.0)
    assert lbfgs["steps"] == 1  # the budget stops the others at once
    # a compressed schedule stops at L_ref, else after 1.5 N / kappa steps: ceil(24 / 10)
    compressed = run_method("compressed-adam", tiny_comparison(steps=16), l_ref=1.0, t_budget=None)
    assert compressed["steps"] == 3 and len(compressed["trace"]) == 4  # each step's start, then the last image
    at_once = run_method("compressed-adam-bf16", tiny_comparison(steps=16), l_ref=1e30, t_budget=None)
    assert at_once["steps"] == 1 and at_once["steps_needed"] == 1  # measured after its first step
    start = run_method("compressed-adam", tiny_comparison(steps=16), l_ref=1e30, t_budget=None)
    assert start["steps"] == 1 and start["steps_needed"] == 0  # the start image's own loss already reached it
    with pytest.raises(InputError, match="at least 1"):
        AdamVariant("slower", kappa=0.5)
    custom = run_method(AdamVariant("kappa-4", kappa=4), tiny_comparison(steps=8), l_ref=1.0, t_budget=None)
    assert custom["name"] == "kappa-4" and custom["steps"] == 3  # ceil(12 / 4)
    with pytest.raises(ValueError, match="unknown method"):
        run_method("adam-sideways", tiny_comparison(steps=8), l_ref=1.0, t_budget=None)


def test_a_compressed_schedule_scales_the_step_and_the_memory():
    config = TransferConfig(steps=300, learning_rate=5.0, beta_1=0.99, beta_2=0.999)
    short = compress_schedule(config, 8)
    assert short.steps == 38 and short.learning_rate == 40.0
    assert short.beta_1 == pytest.approx(0.92) and short.beta_2 == pytest.approx(0.992)
    assert compress_schedule(config, 1) is config
    assert compress_schedule(TransferConfig(beta_1=0.0), 1).beta_1 == 0.0
    odd = compress_schedule(config, 2.5)
    assert odd.steps == 120 and odd.learning_rate == 12.5 and odd.beta_1 == pytest.approx(0.975)
    assert compress_schedule(config, 100).beta_1 == 0.0  # the largest kappa this beta_1 allows
    for kappa, message in ((0.5, "at least 1"), (101, "at most 100"), (float("nan"), "kappa")):
        with pytest.raises(InputError, match=message):
            compress_schedule(config, kappa)
    assert adam_method(short).template.get_config()["beta_2"] == pytest.approx(0.992)  # it reaches Keras' Adam


def adam_end_point(config: TransferConfig, start: np.ndarray, target: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Where Adam with ``config``'s settings ends on a quartic bowl with very different scales per coordinate."""
    import tensorflow as tf
    from tensorflow import keras

    x = tf.Variable(start)
    adam = keras.optimizers.Adam(config.learning_rate, config.beta_1, config.beta_2, config.epsilon)
    for _ in range(config.steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(scales * (x - target) ** 4)
        adam.apply_gradients([(tape.gradient(loss, x), x)])
    return x.numpy()


def test_a_compressed_schedule_ends_near_the_original_and_the_learning_rate_alone_does_not():
    rng = np.random.default_rng(3)
    start, target = rng.normal(0, 30, 64), rng.normal(0, 30, 64)
    scales = 10.0 ** rng.uniform(-6, -2, 64)
    config = TransferConfig(steps=300, learning_rate=0.5, beta_1=0.99, epsilon=1e-8)
    original = adam_end_point(config, start, target, scales)
    compressed = adam_end_point(compress_schedule(config, 4), start, target, scales)
    rate_only_config = TransferConfig(steps=75, learning_rate=2.0, beta_1=0.99, epsilon=1e-8)
    rate_only = adam_end_point(rate_only_config, start, target, scales)
    travelled = np.abs(original - start).mean()
    assert np.abs(compressed - original).mean() < 0.05 * travelled
    assert np.abs(rate_only - original).mean() > 5 * np.abs(compressed - original).mean()
