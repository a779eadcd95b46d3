"""TensorFloat-32: what the matrix units of Ampere and newer GPUs do to float32 inputs, emulated on any CPU.

TF32 keeps float32's 8 exponent bits and rounds the 23-bit mantissa to the nearest 10-bit one before multiplying;
the products are summed in float32. This emulation breaks exact ties to even; the hardware's tie-breaking may
differ, and ties are rare in real data. TensorFlow uses it by default for float32 matmuls and
convolutions on such GPUs; ``nst_helpers.book.notebook.setup`` turns it off so the books' checked numbers hold.

Chapter: 11.
"""

from __future__ import annotations

from .._tf import tf

#: Mantissa bits float32 has and TF32 keeps.
FLOAT32_MANTISSA_BITS, TF32_MANTISSA_BITS = 23, 10


def round_to_tf32(x) -> tf.Tensor:
    """``x`` (float32) with each value rounded to TF32's 10 mantissa bits, as a float32 tensor."""
    drop = FLOAT32_MANTISSA_BITS - TF32_MANTISSA_BITS
    bits = tf.cast(tf.bitcast(tf.cast(x, tf.float32), tf.uint32), tf.int64)
    half = (1 << (drop - 1)) - 1 + tf.bitwise.bitwise_and(tf.bitwise.right_shift(bits, drop), 1)  # ties to even
    rounded = tf.bitwise.bitwise_and(bits + half, ~((1 << drop) - 1) & 0xFFFFFFFF)
    values = tf.bitcast(tf.cast(rounded, tf.uint32), tf.float32)
    return tf.where(tf.math.is_nan(x), tf.cast(x, tf.float32), values)  # a NaN's payload must not round to inf


def tf32_matmul(a, b, **options) -> tf.Tensor:
    """``tf.matmul`` as a GPU with TF32 computes it: inputs rounded to TF32, products summed in float32."""
    return tf.matmul(round_to_tf32(a), round_to_tf32(b), **options)
