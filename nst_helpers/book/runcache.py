"""A disk cache of finished runs, so a long optimisation is computed once for the three editions, the tests
and the book build (chapters 00, 06, 07, 09, 10 and 11 call it).

``cached(run, *args, **kwargs)`` returns ``run(*args, **kwargs)``, or the stored result of an identical earlier
call. The key covers everything that determines the result:

* the function's name and every argument: an image by its bytes (a sample name or path) or its values (an
  array), a feature extractor by its backbone, layers, precision and a digest of its weights' values, a
  dataclass by its fields, a Keras optimiser by its class and settings (``progress`` does not count);
* the versions of Python, TensorFlow, Keras, NumPy, SciPy, Pillow and scikit-image (chapter 10's photographs);
* a digest of the whole ``nst_helpers`` source, and of the function's own module when it lives elsewhere.

Entries are ``.npz`` files (no pickle) in ``NST_RUN_CACHE`` (default: ``runs/`` in the sample cache folder);
past ``NST_RUN_CACHE_MAX_MB`` megabytes (default 1024) the least recently used are removed.

Chapters: 00, 06, 07, 09, 10, 11.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import io
import json
import os
import platform
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..data import cache_dir, resolve_image
from ..engine import TransferResult
from ..errors import ImageNotFoundError, InputError
from ..files import atomic_write_bytes
from ..model import Backbone, FeatureExtractor

__all__ = ["RUN_CACHE_ENV", "RUN_CACHE_MAX_MB_ENV", "cache_key", "cached", "prune", "run_cache_dir", "source_digest"]

RUN_CACHE_ENV = "NST_RUN_CACHE"
RUN_CACHE_MAX_MB_ENV = "NST_RUN_CACHE_MAX_MB"
DEFAULT_MAX_MB = 1024
#: Arguments that change how a run looks while it runs, not what it returns.
NOT_IN_KEY = ("progress",)
PACKAGE_DIR = Path(__file__).resolve().parents[1]
PACKAGE_NAME = __name__.split(".")[0]


def run_cache_dir() -> Path:
    """``NST_RUN_CACHE`` if set, else ``runs/`` inside the sample cache folder."""
    value = os.environ.get(RUN_CACHE_ENV)
    return Path(value).expanduser() if value else cache_dir() / "runs"


def source_digest() -> str:
    """SHA-256 of every Python file of the installed ``nst_helpers`` package, with its path."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _versions() -> dict[str, Any]:
    """The libraries and devices that compute a run (a GPU's arithmetic differs from a CPU's)."""
    import PIL
    import scipy

    from .._tf import keras, tf

    gpus = [
        tf.config.experimental.get_device_details(g).get("device_name", g.name)
        for g in tf.config.list_physical_devices("GPU")
    ]
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pillow": PIL.__version__,
        "scikit-image": _version_of("skimage"),  # the chapter 10 network's training photographs
        "gpus": gpus,
    }


def _version_of(module: str) -> str | None:
    try:
        return importlib.import_module(module).__version__
    except ImportError:
        return None


def _array_digest(value) -> str:
    array = np.ascontiguousarray(np.asarray(value))
    return hashlib.sha256(f"{array.dtype}:{array.shape}:".encode() + array.tobytes()).hexdigest()


def _canonical(value: Any) -> Any:
    """``value`` as JSON-able data that determines the run (see the module's docstring)."""
    from .._tf import keras

    if isinstance(value, FeatureExtractor):
        words = ("english_label", "english_note")  # what a reader sees, not what the run computes
        backbone = {k: v for k, v in dataclasses.asdict(value.backbone).items() if k not in words}
        return {
            "extractor": _canonical(backbone),
            "run": [value.fast_gradients, value.compute_dtype],
            "network": value.network_digest(),
        }
    if callable(getattr(value, "settings", None)) and hasattr(value, "minimize"):  # an engine method
        return {"method": _canonical(value.settings())}
    if isinstance(value, keras.optimizers.Optimizer):
        return {
            "optimizer": type(value).__name__,
            "settings": _canonical({k: v for k, v in value.get_config().items() if k != "name"}),
        }
    if isinstance(value, (str, os.PathLike)):
        try:
            path = resolve_image(value)
        except (ImageNotFoundError, InputError):
            return os.fspath(value)
        return {"image": hashlib.sha256(path.read_bytes()).hexdigest()} if path.is_file() else os.fspath(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {type(value).__name__: _canonical(dataclasses.asdict(value))}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (np.generic,)):
        return value.item()
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return {"array": _array_digest(value)}
    raise TypeError(
        f"cached() cannot key an argument of type {type(value).__name__}; pass plain values, "
        "images, arrays, dataclasses, Keras optimisers or a FeatureExtractor."
    )


def _function_name(run: Callable) -> str:
    """``run``'s full name; only module-level functions of nst_helpers can be keyed (their source is in the key)."""
    module, name = getattr(run, "__module__", None) or "", getattr(run, "__qualname__", None) or ""
    if module.split(".")[0] != PACKAGE_NAME or not inspect.isfunction(run) or "." in name:
        raise InputError(
            f"cached() runs functions of nst_helpers only (such as run_style_transfer); got {run!r}. A function "
            "defined elsewhere may read values that the cache key cannot see: call it without cached()."
        )
    return f"{module}.{name}"


def cache_key(run: Callable, *args, **kwargs) -> str:
    """The key of ``run(*args, **kwargs)`` in the run cache, as a hex string. Taught in chapter 06."""
    if not any(isinstance(v, FeatureExtractor) for v in (*args, *kwargs.values())):
        raise InputError(
            f"cached({run.__name__}, ...) needs the feature extractor as an argument "
            "(extractor=...): the key must know which network's weights computed the run."
        )
    payload = {
        "function": _function_name(run),
        "args": _canonical(list(args)),
        "kwargs": _canonical({k: v for k, v in sorted(kwargs.items()) if k not in NOT_IN_KEY}),
        "versions": _versions(),
        "package": source_digest(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]


def _encode_data(result: Any) -> bytes:
    """Plain data (dicts, lists, numbers, strings, None) holding NumPy arrays: JSON plus one entry per array."""
    arrays: dict[str, np.ndarray] = {}

    def strip(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            key = f"data_{len(arrays)}"
            arrays[key] = value
            return {"__array__": key}
        if isinstance(value, dict):
            return {str(k): strip(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        raise TypeError(f"cached() can keep plain data and arrays only; the result holds a {type(value).__name__}.")

    buffer = io.BytesIO()
    np.savez_compressed(buffer, data=json.dumps(strip(result)), **arrays)
    return buffer.getvalue()


def _decode_data(data) -> Any:
    def rebuild(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"__array__"}:
                return data[value["__array__"]]
            return {k: rebuild(v) for k, v in value.items()}
        if isinstance(value, list):
            return [rebuild(v) for v in value]
        return value

    return rebuild(json.loads(str(data["data"])))


def _encode(result: TransferResult) -> bytes:
    if not isinstance(result, TransferResult):
        return _encode_data(result)
    steps = np.array([s for s, _ in result.snapshots], dtype=np.int64)
    frames = (
        np.stack([f for _, f in result.snapshots])
        if result.snapshots
        else np.zeros((0,) + result.image.shape, np.uint8)
    )
    config = result.config
    meta = {
        "best_loss": result.best_loss,
        "best_step": result.best_step,
        "seconds": result.seconds,
        "backbone": dataclasses.asdict(result.backbone) if isinstance(result.backbone, Backbone) else None,
        "config": [type(config).__module__, type(config).__qualname__, dataclasses.asdict(config)]
        if dataclasses.is_dataclass(config)
        else None,
        "extra": result.extra,
    }
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        image=result.image,
        snapshot_steps=steps,
        snapshot_frames=frames,
        meta=json.dumps(meta, default=str),
        **{f"history_{k}": np.asarray(v) for k, v in result.history.items()},
        **{f"array_{k}": np.asarray(v) for k, v in result.arrays.items()},
    )
    return buffer.getvalue()


def _rebuild(module: str, qualname: str, fields: dict) -> Any:
    """A dataclass of nst_helpers from its stored fields (lists back to tuples, as the config classes hold them)."""
    if module.split(".")[0] != PACKAGE_NAME:
        raise ValueError(f"not a config class of {PACKAGE_NAME}: {module}.{qualname}")
    cls = getattr(importlib.import_module(module), qualname)
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


def _decode(path: Path) -> Any:
    with np.load(path, allow_pickle=False) as data:
        if "data" in data.files:
            return _decode_data(data)
        meta = json.loads(str(data["meta"]))
        history = {k[len("history_") :]: data[k].tolist() for k in data.files if k.startswith("history_")}
        snapshots = list(zip(data["snapshot_steps"].tolist(), data["snapshot_frames"]))
        image = data["image"]
        arrays = {k[len("array_") :]: data[k] for k in data.files if k.startswith("array_")}
    backbone = meta["backbone"]
    if backbone is not None:
        backbone = Backbone(**{k: tuple(v) if isinstance(v, list) else v for k, v in backbone.items()})
    config = None
    if meta["config"] is not None:
        config = _rebuild(*meta["config"])
    return TransferResult(
        image=image,
        best_loss=meta["best_loss"],
        best_step=meta["best_step"],
        history=history,
        snapshots=snapshots,
        seconds=meta["seconds"],
        backbone=backbone,
        config=config,
        extra={**meta["extra"], "from_cache": True},
        arrays=arrays,
    )


def prune(folder: Path | None = None, max_bytes: int | None = None) -> list[Path]:
    """Remove the least recently used entries until the cache holds at most ``max_bytes``; return the removed."""
    folder = folder or run_cache_dir()
    if max_bytes is None:
        max_bytes = int(float(os.environ.get(RUN_CACHE_MAX_MB_ENV, DEFAULT_MAX_MB)) * 2**20)
    entries = []
    for path in folder.glob("[!.]*.npz"):  # not the temporary files of writers still at work
        try:
            info = path.stat()
        except FileNotFoundError:  # removed meanwhile by another process
            continue
        entries.append((info.st_mtime, info.st_size, path))
    total, removed = sum(size for _, size, _ in entries), []
    for _, size, path in sorted(entries):
        if total <= max_bytes:
            break
        total -= size
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def cached(run: Callable[..., Any], *args, **kwargs) -> Any:
    """``run(*args, **kwargs)``, or the stored result of an earlier call with the same :func:`cache_key`.

    ``run`` returns a :class:`~nst_helpers.engine.TransferResult` or plain data (dicts, lists, numbers, strings,
    NumPy arrays), such as chapter 11's comparison.

    An interrupted run is not stored; a damaged entry is computed again.

    Taught in chapter 00.
    """
    folder = run_cache_dir()
    key = cache_key(run, *args, **kwargs)
    path = folder / f"{run.__name__}-{key}.npz"
    if path.is_file():
        try:
            result = _decode(path)
            os.utime(path)  # recently used: pruned last
            return result
        except Exception:  # a damaged entry (truncated zip, bad JSON, ...) is computed again
            path.unlink(missing_ok=True)
    result = run(*args, **kwargs)
    if not getattr(result, "interrupted", False):
        atomic_write_bytes(path, _encode(result))
        prune(folder)
    return result
