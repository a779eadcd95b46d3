"""precision="auto": which machines get bfloat16, the one-off check against float32, and how the choice is kept;
the first convolution in float32; L-BFGS's early stops."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers import gradient_image
from nst_helpers._tf import tf
from nst_helpers.engine import LBFGS, Problem, minimize
from nst_helpers.optimize import StyleTransfer, TransferConfig
from nst_helpers.speed import precision
from nst_helpers.speed.fastgrad import FrozenConvStack

CONTENT = gradient_image(64, 48).astype(np.float32)
STYLE = np.random.default_rng(7).integers(0, 256, size=(48, 64, 3)).astype(np.float32)


@pytest.fixture
def machine(monkeypatch):
    """Pretend to be a machine: ``machine(gpu=(8, 0))``, ``machine(gpu="unknown")`` (a GPU that does not report
    its compute capability) or ``machine(cpuinfo="flags : avx2 avx512_bf16")``."""

    def pretend(gpu=None, cpuinfo="flags : avx2"):
        precision.reduced_precision_candidate.cache_clear()
        details = None if gpu is None else {} if gpu == "unknown" else {"compute_capability": gpu}
        monkeypatch.setattr(precision, "_gpu_details", lambda: details)
        monkeypatch.setattr(precision, "_read_cpuinfo", lambda: cpuinfo)

    yield pretend
    precision.reduced_precision_candidate.cache_clear()


def test_the_cpu_flags_are_read_as_whole_words():
    assert precision.cpu_has_bf16("flags\t: fpu avx2 avx512f avx512_bf16 sha_ni")
    assert precision.cpu_has_bf16("flags : amx_bf16 amx_tile")
    assert not precision.cpu_has_bf16("flags : fpu avx2 avx512f avx512_vnni")
    assert not precision.cpu_has_bf16("flags : avx512_bf16x")  # a longer name is another flag


def test_each_kind_of_machine_gets_its_candidate(machine):
    machine(gpu=(8, 6))
    assert precision.reduced_precision_candidate()[0] == "bfloat16"
    machine(gpu=(7, 5))  # a T4: float16 tensor cores, no bfloat16
    assert precision.reduced_precision_candidate()[0] == "float16"
    machine(gpu=(6, 0))
    assert precision.reduced_precision_candidate()[0] is None
    machine(gpu="unknown", cpuinfo="flags : avx512_bf16")  # the GPU decides, and says nothing: float32
    assert precision.reduced_precision_candidate() == (None, "GPU of unknown compute capability")
    machine(cpuinfo="flags : avx2 avx512_bf16")
    assert precision.reduced_precision_candidate()[0] == "bfloat16"
    machine(cpuinfo="flags : avx2")
    assert precision.reduced_precision_candidate()[0] is None


def test_the_check_keeps_the_candidate_only_when_the_losses_agree():
    kept = precision.precision_check("auto", "bfloat16", "test", 1000.0, 1004.0)
    assert kept.used == "bfloat16" and kept.difference == pytest.approx(0.004)
    refused = precision.precision_check("auto", "bfloat16", "test", 1000.0, 1006.0)
    assert refused.used == "float32" and "disagree" in refused.reason
    assert precision.precision_check("auto", "float16", "test", 1000.0, float("nan")).used == "float32"
    assert precision.precision_check("auto", "float16", "test", 1000.0, float("inf")).used == "float32"
    turned = precision.precision_check("auto", "float16", "test", 1000.0, 1001.0, cosine=0.9)
    assert turned.used == "float32" and "gradients disagree" in turned.reason
    assert precision.precision_check("auto", "float16", "test", 1000.0, 1001.0, cosine=0.995).used == "float16"
    assert np.isnan(precision.gradient_cosine([1.0, np.nan], [1.0, 1.0]))  # a lost gradient fails the check
    assert precision.gradient_cosine([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    again = precision.PrecisionChoice.from_summary(kept.summary())
    assert again == kept and "0.400 %" in again.describe()


def test_auto_picks_bfloat16_where_the_hardware_has_it_and_records_the_check(machine, extractor):
    machine(cpuinfo="flags : avx512_bf16")
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, steps=2, precision="auto"))
    choice = transfer.precision_choice
    assert choice.used == "bfloat16" and transfer.extractor.compute_dtype == "bfloat16"
    plain = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, steps=2))
    assert choice.float32_loss == pytest.approx(float(plain.loss_terms(plain.image)["total"]), rel=1e-6)
    assert choice.reduced_loss != choice.float32_loss and choice.difference <= precision.AGREEMENT
    assert precision.GRADIENT_AGREEMENT <= choice.gradient_cosine < 1
    result = transfer.run(progress=False)
    assert result.extra["precision"]["used"] == "bfloat16" and result.extra["precision"]["asked"] == "auto"
    assert result.config.precision == "auto"


def test_auto_stays_in_float32_without_the_hardware_or_when_the_losses_disagree(machine, extractor, monkeypatch):
    machine(cpuinfo="flags : avx2")
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, precision="auto"))
    assert transfer.precision_choice.used == "float32" and transfer.precision_choice.float32_loss is None
    assert transfer.extractor.compute_dtype == "float32"
    machine(cpuinfo="flags : avx512_bf16")
    monkeypatch.setattr(precision, "AGREEMENT", 0.0)  # bfloat16 never agrees exactly
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, precision="auto"))
    assert transfer.precision_choice.used == "float32" and transfer.extractor.compute_dtype == "float32"
    assert transfer.precision_choice.reduced_loss is not None


def test_auto_keeps_float32_for_a_backbone_that_is_not_a_vgg_stack(machine, monkeypatch, extractor):
    import nst_helpers.optimize as optimize

    machine(cpuinfo="flags : avx512_bf16")
    monkeypatch.setattr(optimize, "supports_fast_gradients", lambda model: False)
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, precision="auto"))
    assert transfer.precision_choice.used == "float32" and "not a plain VGG" in transfer.precision_choice.reason


def test_a_forced_precision_is_used_without_a_check(extractor):
    transfer = StyleTransfer(extractor, CONTENT, STYLE, TransferConfig(max_dim=64, precision="bfloat16"))
    assert transfer.precision_choice == precision.PrecisionChoice("bfloat16", "bfloat16", "as asked")
    assert transfer.precision_choice.describe() == "precision bfloat16 (as asked)"


def test_the_first_convolution_sees_steps_smaller_than_bfloat16s_spacing(extractor):
    stack = FrozenConvStack(extractor.model, "bfloat16")
    dtypes = [kernel.dtype for kernel, _, _ in stack.params.values()]
    assert dtypes[0] == tf.float32 and set(dtypes[1:]) == {tf.bfloat16}
    # At 200 bfloat16's spacing is 1: an image 0.3 higher would round to the same input.
    image = np.full((1, 16, 16, 3), 200.0, np.float32)
    first = extractor.backbone.style_layers[0]
    a, b = stack(tf.constant(image))[first], stack(tf.constant(image + 0.3))[first]
    assert float(tf.reduce_max(tf.abs(a - b))) > 0
    assert float(tf.cast(tf.constant(200.3), tf.bfloat16)) == float(tf.cast(tf.constant(200.0), tf.bfloat16))


def test_lbfgs_reports_convergence_and_a_failed_line_search():
    target = np.linspace(-1, 1, 12, dtype=np.float32).reshape(1, 2, 2, 3)
    problem = Problem(lambda x: tf.reduce_sum(tf.square(x - target)), np.zeros_like(target))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converging is not worth a warning
        result = minimize(problem, LBFGS(), 50, progress=False)
    stop = result.extra["early_stop"]
    assert stop is not None and not stop["failed"] and stop["evaluations"] < 50

    @tf.custom_gradient
    def misleading(x):  # the gradient points uphill, as a badly wrong one would: no step along it lowers the loss
        return tf.reduce_sum(tf.square(x - target)), lambda upstream: -2.0 * upstream * (x - target)

    with pytest.warns(UserWarning, match="line search failed"):
        result = minimize(Problem(misleading, np.zeros_like(target)), LBFGS(), 50, progress=False)
    assert result.extra["early_stop"]["failed"] and result.extra["early_stop"]["evaluations"] < 50
    full = minimize(Problem(lambda x: tf.reduce_sum(tf.square(x - target)), np.zeros_like(target)), LBFGS(), 2)
    assert full.extra["early_stop"] is None  # it used its whole budget
