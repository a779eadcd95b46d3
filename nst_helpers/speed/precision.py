"""Choosing the network's precision: bfloat16 where the hardware computes it, float32 elsewhere.

``TransferConfig(precision="auto")`` (the command line's default and :func:`~nst_helpers.recipes.run_lbfgs`'s)
asks :func:`reduced_precision_candidate` whether this machine has reduced-precision arithmetic: a GPU of
compute capability 8.0 or more (bfloat16), an older GPU of 7.0 or more (float16), or a CPU that reports the
AVX-512 BF16 or AMX bfloat16 instructions. If it has, the first evaluation is made twice, in float32 and in
the candidate precision, and the candidate is kept only when the two losses agree within
:data:`AGREEMENT` (0.5 %) and the two gradients point the same way (cosine at least
:data:`GRADIENT_AGREEMENT`, every value finite): that catches an infinite or NaN gradient, one that is all zero,
and one that points elsewhere; single small values that underflow to zero hardly move the cosine. The
decision and its numbers are kept as a :class:`PrecisionChoice`.

Chapter: 11.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path

from .fastgrad import COMPUTE_DTYPES

__all__ = ["AGREEMENT", "PRECISIONS", "PrecisionChoice", "cpu_has_bf16", "reduced_precision_candidate"]

#: What ``TransferConfig.precision`` accepts: the network's compute types and "auto".
PRECISIONS = ("auto", *COMPUTE_DTYPES)
#: The largest relative difference between the float32 loss and the reduced-precision loss of the first
#: evaluation for which "auto" keeps the reduced precision.
AGREEMENT = 0.005
#: The smallest cosine between the float32 and the reduced-precision gradient of the first evaluation.
GRADIENT_AGREEMENT = 0.99


def _read_cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: no flags to read, so no claim
        return ""


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU reports bfloat16 instructions (``avx512_bf16`` or ``amx_bf16`` in /proc/cpuinfo)."""
    flags = set((_read_cpuinfo() if cpuinfo is None else cpuinfo).split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def _gpu_details() -> dict | None:
    """TensorFlow's details of the first GPU (None without a GPU); ``compute_capability`` may be missing."""
    from .._tf import tf

    gpus = tf.config.list_physical_devices("GPU")
    return dict(tf.config.experimental.get_device_details(gpus[0])) if gpus else None


@functools.cache
def reduced_precision_candidate() -> tuple[str | None, str]:
    """(the reduced precision this machine computes natively, or None; the reason, in words)."""
    gpu = _gpu_details()
    if gpu is not None:
        capability = gpu.get("compute_capability")
        if capability is None:  # e.g. a GPU whose driver does not say: nothing is assumed
            return None, "GPU of unknown compute capability"
        name = f"GPU with compute capability {capability[0]}.{capability[1]}"
        if tuple(capability) >= (8, 0):
            return "bfloat16", f"{name} (bfloat16 tensor cores)"
        if tuple(capability) >= (7, 0):
            return "float16", f"{name} (float16 tensor cores)"
        return None, f"{name} (no reduced-precision tensor cores)"
    if cpu_has_bf16():
        return "bfloat16", "CPU with bfloat16 instructions (avx512_bf16 or amx_bf16)"
    return None, "CPU without bfloat16 instructions"


@dataclass(frozen=True)
class PrecisionChoice:
    """What ``precision="auto"`` decided, and why: the losses of the first evaluation in both precisions."""

    asked: str
    used: str
    reason: str
    float32_loss: float | None = None
    reduced_loss: float | None = None
    gradient_cosine: float | None = None

    @property
    def difference(self) -> float | None:
        """The relative difference of the two first losses (None when only one was computed)."""
        if self.float32_loss is None or self.reduced_loss is None:
            return None
        return abs(self.reduced_loss - self.float32_loss) / max(abs(self.float32_loss), 1e-30)

    def summary(self) -> dict:
        """The choice as plain data (for results and the PNG's metadata)."""
        return {**asdict(self), "difference": self.difference}

    @classmethod
    def from_summary(cls, summary: dict) -> PrecisionChoice:
        """The choice back from :meth:`summary`'s data."""
        return cls(**{k: v for k, v in summary.items() if k != "difference"})

    def describe(self) -> str:
        """One line for people: what was chosen and why."""
        if self.asked != "auto":
            return f"precision {self.used} (as asked)"
        text = f"precision auto -> {self.used}: {self.reason}"
        if self.difference is not None:
            text += f"; first loss {self.reduced_loss:.6g} against {self.float32_loss:.6g} in float32"
            text += f" ({100 * self.difference:.3f} %, limit {100 * AGREEMENT:g} %)"
        if self.gradient_cosine is not None:
            text += f"; gradients' cosine {self.gradient_cosine:.4f} (at least {GRADIENT_AGREEMENT:g})"
        return text


def gradient_cosine(a, b) -> float:
    """The cosine between two gradients (NaN if either has a value that is not finite, or is zero)."""
    import numpy as np

    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("nan")
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm > 0 else float("nan")


def precision_check(
    asked: str,
    candidate: str,
    reason: str,
    float32_loss: float,
    reduced_loss: float,
    cosine: float | None = None,
) -> PrecisionChoice:
    """The choice after the first evaluation in both precisions: the candidate if the losses agree (and the
    gradients, when their ``cosine`` is given), else float32."""
    choice = PrecisionChoice(asked, candidate, reason, float(float32_loss), float(reduced_loss), cosine)
    losses_agree = choice.difference is not None and choice.difference <= AGREEMENT  # a NaN fails too
    gradients_agree = cosine is None or cosine >= GRADIENT_AGREEMENT
    if not (losses_agree and gradients_agree):
        reason += "; the losses disagree" if not losses_agree else "; the gradients disagree"
        return PrecisionChoice(asked, "float32", reason, choice.float32_loss, choice.reduced_loss, cosine)
    return choice
