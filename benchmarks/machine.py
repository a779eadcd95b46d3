"""What the benchmarks say about the machine they ran on: the CPU model, bfloat16 support, peak memory."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from nst_helpers.speed.precision import cpu_has_bf16  # noqa: E402,F401  (one reading of the flags, re-exported)


def cpu_flags_text() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    for line in cpu_flags_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def peak_rss_gib() -> float:
    """This process's peak resident memory in GiB (NaN where the platform does not report it)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**30 if sys.platform == "darwin" else peak / 2**20  # bytes on macOS, KiB on Linux


def with_peak_memory(function, *args) -> dict:
    """``function(*args)`` (a dict) with this process's peak memory added as ``peak_rss_gib``."""
    return {**function(*args), "peak_rss_gib": peak_rss_gib()}
