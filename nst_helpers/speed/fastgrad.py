"""Running a frozen VGG convolution stack whose input gradients are taken as forward convolutions.

Style transfer differentiates the loss with respect to the image only: the network is frozen. For a
stride-1 convolution with an odd square kernel and 'same' padding, the gradient with respect to the input
is the convolution of the output gradient with the same kernel flipped in space and with its channel axes
swapped. Computing it that way uses the fast forward-convolution kernels instead of the slower
input-backpropagation kernels that automatic differentiation picks, and skips the kernel gradients nobody
needs. On the 2-core AVX2 machine of ``benchmarks/README.md`` (offline backbone, 256 px) this made the compiled
train step 1.21 to 1.28 times as fast as the same step with Keras' automatic gradients, in two runs.

The runner can also compute in ``bfloat16`` or ``float16`` (mixed precision): the kernels are cast once, and
every returned feature map is cast back to ``float32`` so the losses stay in ``float32``. The first
convolution stays in float32: it reads the image itself, and bfloat16 would round pixel values between 128
and 255 to whole grey levels and hide steps smaller than that from the optimiser. On the book's turtle and
Great Wave at 384 px (offline backbone) that one layer cut the style loss's bfloat16 error from 0.62 % to
0.10 %, for about one percent of the network's multiplications.

Chapter: 11.
"""

from __future__ import annotations

from .._tf import keras, tf

COMPUTE_DTYPES = ("float32", "bfloat16", "float16")


def flip_kernel(kernel: tf.Tensor) -> tf.Tensor:
    """A (kh, kw, C_in, C_out) kernel reversed in both spatial axes, as (kh, kw, C_out, C_in)."""
    return tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])


def conv2d_same(inputs: tf.Tensor, kernel: tf.Tensor, flipped_kernel: tf.Tensor) -> tf.Tensor:
    """``conv2d(inputs, kernel)`` with stride 1 and 'same' padding; its input gradient uses ``flipped_kernel``.

    No gradient flows to the kernels (they belong to a frozen network).
    """

    @tf.custom_gradient
    def conv(x, k, k_flipped):
        def grad(upstream):
            return tf.nn.conv2d(upstream, k_flipped, strides=1, padding="SAME"), None, None

        return tf.nn.conv2d(x, k, strides=1, padding="SAME"), grad

    return conv(inputs, kernel, flipped_kernel)


def supports_fast_gradients(model: keras.Model) -> bool:
    """True when every layer is an input, a max-pooling layer, or a stride-1 'same' ReLU conv with an odd square
    kernel."""
    for layer in model.layers:
        if isinstance(layer, (keras.layers.InputLayer, keras.layers.MaxPooling2D)):
            continue
        if not isinstance(layer, keras.layers.Conv2D):
            return False
        size = tuple(layer.kernel_size)
        if (
            tuple(layer.strides) != (1, 1)
            or layer.padding != "same"
            or tuple(layer.dilation_rate) != (1, 1)
            or size[0] != size[1]
            or size[0] % 2 == 0
            or layer.activation is not keras.activations.relu
            or not layer.use_bias
            or layer.groups != 1
        ):
            return False
    return True


class FrozenConvStack:
    """Runs the layers of a frozen VGG-style Keras model (a chain of convs and poolings) by hand.

    Returns the same dict of named outputs as ``model(image)``; the input gradient goes through
    :func:`conv2d_same`, and the work is done in ``compute_dtype``.
    """

    def __init__(self, model: keras.Model, compute_dtype: str = "float32"):
        if not supports_fast_gradients(model):
            raise ValueError(
                f"{model.name}: only chains of stride-1 'same' ReLU convolutions and max pooling are handled."
            )
        if compute_dtype not in COMPUTE_DTYPES:
            raise ValueError(f"compute_dtype must be one of {', '.join(COMPUTE_DTYPES)}; got {compute_dtype!r}.")
        self.dtype = tf.as_dtype(compute_dtype)
        self.layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        self.output_names = list(model.output_names)
        self.params: dict[str, tuple[tf.Tensor, tf.Tensor, tf.Tensor]] = {}
        for layer in self.layers:
            if isinstance(layer, keras.layers.Conv2D):
                dtype = tf.float32 if not self.params else self.dtype  # the first convolution reads the image
                kernel = tf.cast(tf.convert_to_tensor(layer.kernel), dtype)
                bias = tf.cast(tf.convert_to_tensor(layer.bias), dtype)
                self.params[layer.name] = (kernel, flip_kernel(kernel), bias)

    def __call__(self, image: tf.Tensor) -> dict[str, tf.Tensor]:
        x = tf.cast(image, tf.float32)
        maps = {}
        for layer in self.layers:
            if layer.name in self.params:
                kernel, flipped, bias = self.params[layer.name]
                x = tf.nn.relu(tf.nn.bias_add(conv2d_same(tf.cast(x, kernel.dtype), kernel, flipped), bias))
            else:
                x = tf.nn.max_pool2d(x, layer.pool_size, layer.strides, layer.padding.upper())
            maps[layer.name] = x
        return {name: tf.cast(maps[name], tf.float32) for name in self.output_names}
