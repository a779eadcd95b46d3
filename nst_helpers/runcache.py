"""A disk cache of finished style-transfer runs, so the book's editions compute each long run once.

A run is keyed by everything that determines it: the backbone and its layers, the bytes of both images,
the :class:`TransferConfig`, and the source code of the modules that compute it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from . import coarse_to_fine, fastgrad, images, lbfgs, losses, model, optimize
from .data import cache_dir, resolve_image
from .model import FeatureExtractor, load_feature_extractor
from .optimize import TransferConfig, TransferResult, run_style_transfer

RUN_CACHE_ENV = "NST_RUN_CACHE"


def run_cache_dir() -> Path:
    """``NST_RUN_CACHE`` if set, else ``runs/`` inside the sample cache folder."""
    value = os.environ.get(RUN_CACHE_ENV)
    return Path(value).expanduser() if value else cache_dir() / "runs"


def image_digest(image) -> str:
    """SHA-256 of an image input: the file's bytes for a sample name or path, else the array's values and shape."""
    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        return hashlib.sha256(resolve_image(image).read_bytes()).hexdigest()
    array = np.ascontiguousarray(image, dtype=np.float32)
    return hashlib.sha256(array.tobytes() + str(array.shape).encode()).hexdigest()


def code_digest(*extra_files: str | os.PathLike[str]) -> str:
    """SHA-256 of the source of the modules that compute a run, plus ``extra_files`` (a caller's own module)."""
    files = [Path(m.__file__) for m in (images, losses, fastgrad, model, optimize, lbfgs, coarse_to_fine)] + [Path(f) for f in extra_files]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def entry_key(kind: str, params: dict, content, style, extractor: FeatureExtractor,
              code_files: tuple[str | os.PathLike[str], ...] = ()) -> str:
    """The cache key of a run of ``kind`` with ``params`` (JSON-able), as a hex string.

    ``code_files`` names modules besides nst_helpers' own whose source determines the run.
    """
    spec = extractor.backbone
    payload = {
        "kind": kind,
        "params": params,
        "backbone": [spec.name, spec.content_layers, spec.style_layers, extractor.fast_gradients, extractor.compute_dtype],
        "content": image_digest(content),
        "style": image_digest(style),
        "code": code_digest(*code_files),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def run_key(content, style, config: TransferConfig, extractor: FeatureExtractor) -> str:
    """The cache key of a :func:`run_style_transfer` run."""
    return entry_key("adam", asdict(config), content, style, extractor)

def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save(result: TransferResult, path: Path) -> None:
    steps = np.array([s for s, _ in result.snapshots], dtype=np.int64)
    frames = np.stack([f for _, f in result.snapshots]) if result.snapshots else np.zeros((0,) + result.image.shape, np.uint8)
    meta = {"best_loss": result.best_loss, "best_step": result.best_step, "seconds": result.seconds}
    with tempfile.TemporaryFile() as buffer:
        np.savez_compressed(buffer, image=result.image, snapshot_steps=steps, snapshot_frames=frames,
                            meta=json.dumps(meta), **{f"history_{k}": np.asarray(v) for k, v in result.history.items()})
        buffer.seek(0)
        _atomic_write(path, buffer.read())


def _load(path: Path, config: TransferConfig, extractor: FeatureExtractor) -> TransferResult:
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        history = {k[len("history_"):]: data[k].tolist() for k in data.files if k.startswith("history_")}
        snapshots = list(zip(data["snapshot_steps"].tolist(), data["snapshot_frames"]))
        return TransferResult(image=data["image"], best_loss=meta["best_loss"], best_step=meta["best_step"],
                              history=history, snapshots=snapshots, backbone=extractor.backbone, config=config,
                              seconds=meta["seconds"], extra={"from_cache": True})


def cached_result(kind: str, params: dict, content, style, extractor: FeatureExtractor, config: TransferConfig,
                  compute: Callable[[], TransferResult], code_files: tuple[str | os.PathLike[str], ...] = ()) -> TransferResult:
    """``compute()``, or the stored result of an earlier run with the same :func:`entry_key`.

    ``config`` is attached to a result read back. An interrupted run is not stored.
    """
    key = entry_key(kind, params, content, style, extractor, code_files)
    path = run_cache_dir() / f"{kind}-{extractor.backbone.name}-{key}.npz"
    if path.is_file():
        try:
            return _load(path, config, extractor)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a damaged entry is recomputed
    result = compute()
    if not result.interrupted:
        _save(result, path)
    return result


def cached_style_transfer(content, style, config: TransferConfig, extractor: FeatureExtractor | None = None,
                          backbone: str = "auto", progress: bool = True) -> TransferResult:
    """Like :func:`run_style_transfer`, but a run made before with the same inputs is read from disk."""
    extractor = extractor or load_feature_extractor(backbone)
    return cached_result("adam", asdict(config), content, style, extractor, config,
                         lambda: run_style_transfer(content, style, config, extractor=extractor, progress=progress))
