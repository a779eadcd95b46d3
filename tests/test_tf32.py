"""TensorFloat-32, emulated on the CPU: the Coursera example, the assignment's public checks, and setup()."""

from __future__ import annotations

import numpy as np
import pytest

from nst_grader import reference
from nst_helpers import assignment
from nst_helpers._tf import tf
from nst_helpers.speed.tf32 import round_to_tf32, tf32_matmul


def test_rounding_keeps_ten_mantissa_bits_ties_to_even():
    x = tf.constant([1.0, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-10, -(1 + 2**-10 + 2**-12), 3.0e-30])
    got = round_to_tf32(x).numpy()
    assert list(got[:5]) == [1.0, 1.0, 1 + 2**-9, 1 + 2**-10, -(1 + 2**-10)]
    assert got[5] == pytest.approx(3.0e-30, rel=2**-10)
    odd = tf.bitcast(tf.constant([0x7F800001, 0xFFFFFFFF], tf.uint32), tf.float32)  # NaNs with low payload bits
    assert np.all(np.isnan(round_to_tf32(odd).numpy()))


def test_coursera_public_gram_value_is_the_tf32_product():
    """Coursera's public test expects 63.193256 for G[0, 0]: that is the TF32 product; float32 gives 63.188801."""
    tf.random.set_seed(1)
    A = tf.random.normal([3, 2], mean=1, stddev=4)
    exact = tf.matmul(A, A, transpose_b=True).numpy()
    tf32 = tf32_matmul(A, A, transpose_b=True).numpy()
    assert exact[0, 0] == pytest.approx(63.188801, abs=2e-6)
    assert tf32[0, 0] == pytest.approx(63.193256, abs=2e-6)
    assert tf32[0, 1] == pytest.approx(-26.729713, abs=2e-6) and tf32[0, 2] == pytest.approx(-7.732155, abs=2e-6)
    assert abs(tf32[0, 0] / exact[0, 0] - 1) > 5e-5  # a difference the eye would not see, a strict check would


@pytest.mark.parametrize("exercise, passes", [("gram_matrix", False), ("layer_style_cost", True), ("style_cost", True)])
def test_tf32_would_move_the_public_gram_check_outside_its_tolerance(exercise, passes, monkeypatch):
    """Why the checks and setup() turn TF32 off: with every matmul in TF32 the reference Gram matrix misses the
    public check's tolerance (relative 1e-4); the costs, averaged over many products, stay inside it."""
    answer = reference.ANSWERS[exercise]
    assert assignment.evaluate(exercise, answer, "en").passed
    exact_matmul, calls = tf.matmul, []

    def matmul_as_tf32(a, b, **options):
        calls.append(1)
        return exact_matmul(round_to_tf32(a), round_to_tf32(b), **options)

    monkeypatch.setattr(tf, "matmul", matmul_as_tf32)
    assert assignment.evaluate(exercise, answer, "en").passed is passes
    assert calls  # the answer's matmuls did go through TF32


def test_the_checks_compute_in_full_float32_even_with_tf32_on():
    seen = []

    def gram_matrix(A):
        seen.append(tf.config.experimental.tensor_float_32_execution_enabled())
        return reference.gram_matrix(A)

    tf.config.experimental.enable_tensor_float_32_execution(True)
    try:
        assert assignment.evaluate("gram_matrix", gram_matrix, "en").passed
        assert seen and not any(seen)
        assert tf.config.experimental.tensor_float_32_execution_enabled()  # restored afterwards
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(False)


def test_setup_turns_tf32_off():
    from nst_helpers.book.notebook import setup

    tf.config.experimental.enable_tensor_float_32_execution(True)
    setup("en")
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False
    assert np.isfinite(float(tf.reduce_sum(tf.ones((2, 2)))))
