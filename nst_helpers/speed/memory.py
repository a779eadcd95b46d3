"""Will a run fit in memory? An estimate of a run's peak memory, checked before the run starts.

The estimate counts the feature maps of every layer a step runs through (kept for the backward pass, plus
their gradients and the temporaries of the convolutions), a fixed part (the runtime, the network's weights),
and the optimiser's own copies of the image (L-BFGS keeps its history in float64). Its factors were fitted
to peaks measured with ``benchmarks/time_to_quality.py``, which reports the estimate beside the peak.

Chapter: 11.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import InputError

#: Bytes of peak memory per activation value of a step, and the fixed part: fitted to the peaks that
#: ``benchmarks/time_to_quality.py`` measured with the offline backbone on a 2-core CPU (its README): 2.24 and
#: 6.34 GiB for Adam at 1024x768 and 2048x1536, 3.13 and 10.26 GiB for L-BFGS. A bfloat16 network did not lower
#: the peak there (the gradients flow back in float32), so one figure serves every precision.
BYTES_PER_ACTIVATION = 6.0
#: What a process held once the network was loaded (the TensorFlow runtime, the weights, the images): 0.95 to
#: 0.98 GiB on that machine.
FIXED_BYTES = 0.97 * 2**30
#: The check refuses a run when 1.1 times the estimate is more than the memory free.
MARGIN = 1.1


def lbfgs_vectors(history_size: int) -> int:
    """Float64 image-sized arrays that an L-BFGS run holds with ``history_size`` correction pairs: two per pair,
    and 34 more, fitted to the same peaks (SciPy's work space, and the copies of the point and the gradient that
    each evaluation makes)."""
    return 2 * history_size + 34 if history_size else 0


def activation_values(model, image_shape: tuple[int, ...]) -> int:
    """How many values the layers of a VGG-style ``model`` (convs and 2x2 poolings) produce for one image."""
    height, width = int(image_shape[-3]), int(image_shape[-2])
    total = 3 * height * width
    for layer in model.layers:
        if type(layer).__name__ == "MaxPooling2D":
            height, width = max(1, height // 2), max(1, width // 2)
            total += height * width * int(layer.output.shape[-1])
        elif hasattr(layer, "filters"):
            total += height * width * int(layer.filters)
    return total


def estimate_step_bytes(model, image_shape: tuple[int, ...], lbfgs_history: int = 0) -> int:
    """Estimated peak memory of a run on an image of ``image_shape`` (``(1, h, w, 3)`` or ``(h, w, 3)``);
    ``lbfgs_history`` > 0 adds the float64 arrays of L-BFGS with that history."""
    activations = BYTES_PER_ACTIVATION * activation_values(model, image_shape)
    lbfgs = 8 * 3 * int(image_shape[-3]) * int(image_shape[-2]) * lbfgs_vectors(lbfgs_history)
    return int(FIXED_BYTES + activations + lbfgs)


def available_bytes() -> int | None:
    """Memory this process can still take: the cgroup's limit or MemAvailable, the smaller; None if unknown."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            if limit.isdigit() and int(limit) < 2**60:
                found.append(int(limit) - int(Path(usage_file).read_text().strip()))
        except (OSError, ValueError):
            continue
    return min(found) if found else None


def _gpu_present() -> bool:
    from .._tf import tf

    return bool(tf.config.list_physical_devices("GPU"))


@functools.cache
def _gpu_total_bytes() -> int | None:
    """What TensorFlow's allocator may use on ``GPU:0``: the GPU TensorFlow sees (after CUDA_VISIBLE_DEVICES, or a
    MIG slice), less what the CUDA context and other processes held when TensorFlow started; None if unknown."""
    try:
        import importlib

        from .._tf import tf  # noqa: F401  (TensorFlow's quiet import first)

        device_lib = importlib.import_module("tensorflow.python.client.device_lib")
        for device in device_lib.list_local_devices():
            if device.device_type == "GPU":
                return int(device.memory_limit) or None
    except Exception:  # an internal TensorFlow module: if it moves, the check is skipped, never the run
        return None
    return None


def _gpu_used_bytes() -> int:
    """What TensorFlow's tensors hold on the first GPU now."""
    from .._tf import tf

    try:
        return int(tf.config.experimental.get_memory_info("GPU:0")["current"])
    except (ValueError, RuntimeError):
        return 0


def available_gpu_bytes() -> int | None:
    """Memory TensorFlow may still use on its first GPU for this run's tensors; None if unknown."""
    total = _gpu_total_bytes()
    return None if total is None else total - _gpu_used_bytes()


def check_memory(image_shape: tuple[int, ...], extractor, lbfgs_history: int = 0) -> None:
    """Raise :class:`InputError` before a run that would not fit in the memory left: the GPU's on a machine
    with a GPU, else the host's (see :func:`estimate_step_bytes` for the arguments). L-BFGS's float64 arrays
    live in the host's memory on either. The estimate is compared with :data:`MARGIN` times itself, since it
    was fitted to peaks it misses by a few percent either way.

    ``NST_SKIP_MEMORY_CHECK=1`` turns the check off (for machines where the estimate is wrong).
    """
    if os.environ.get("NST_SKIP_MEMORY_CHECK") == "1":
        return
    on_gpu = _gpu_present()
    total = estimate_step_bytes(extractor.model, image_shape, lbfgs_history)
    step = estimate_step_bytes(extractor.model, image_shape) if on_gpu else total
    needs = [(step, available_gpu_bytes() if on_gpu else available_bytes(), "GPU memory" if on_gpu else "memory")]
    if on_gpu and total > step:
        needs.append((total - step, available_bytes(), "memory"))
    height, width = int(image_shape[-3]), int(image_shape[-2])
    gib = 2**30
    for need, free, where in needs:
        if free is not None and MARGIN * need > free:
            raise InputError(
                f"A {width}x{height} image needs about {need / gib:.1f} GiB of {where} "
                f"({MARGIN * need / gib:.1f} GiB with a {100 * (MARGIN - 1):.0f} % margin), but only "
                f"{free / gib:.1f} GiB is free. Use a smaller max_dim (the memory grows with the number of pixels), "
                f"close other programs, or set NST_SKIP_MEMORY_CHECK=1 if you know it fits."
            )
