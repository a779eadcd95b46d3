"""The messages between ``nst-grade`` and the process that runs a submission: a JSON line, then arrays.

A frame is one line of JSON (at most ``MAX_HEADER`` bytes) and, when the header says ``"payload": N``,
N bytes of an uncompressed ``.npz`` archive. Arrays are read with ``allow_pickle=False`` after checking,
entry by entry, that each holds a plain numeric array of bounded size; anything else is a
:class:`WireError`, which the grader turns into that student's error row.

Chapter: 08.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import IO, Any, Mapping

import numpy as np

MAX_HEADER = 256 * 1024  # what the grader reads from a child
MAX_REQUEST_HEADER = 64 * 1024 * 1024  # what a child reads from the grader (the notebook's cells)
MAX_PAYLOAD = 64 * 1024 * 1024
MAX_ELEMENTS = 4_000_000  # all arrays of one frame together
NUMERIC_KINDS = "fiub"


class WireError(ValueError):
    """A frame that is not what the protocol allows (too long, not JSON, a bad archive ...)."""


def encode_arrays(arrays: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.asarray(value) for name, value in arrays.items()})
    return buffer.getvalue()


def decode_arrays(data: bytes, max_elements: int = MAX_ELEMENTS) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive, after checking each one's type and size before reading it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WireError(f"not an npz archive ({exc})") from None
    total = 0
    arrays: dict[str, np.ndarray] = {}
    for entry in entries:
        if not entry.filename.endswith(".npy") or entry.compress_type != zipfile.ZIP_STORED:
            raise WireError(f"unexpected archive entry {entry.filename[:60]!r}")
        if entry.file_size > MAX_PAYLOAD:
            raise WireError(f"archive entry {entry.filename[:60]!r} is too large")
        try:
            with archive.open(entry) as stream:
                version = np.lib.format.read_magic(stream)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise WireError(f"unsupported npy version {version}")
                if dtype.hasobject or dtype.kind not in NUMERIC_KINDS:
                    raise WireError(f"array {entry.filename[:60]!r} has dtype {dtype}, not a number type")
                count = int(np.prod(shape, dtype=np.int64))
                total += count
                if total > max_elements:
                    raise WireError("the arrays hold more values than allowed")
                array = np.lib.format.read_array(
                    io.BytesIO(archive.read(entry)), allow_pickle=False, max_header_size=10_000
                )
        except WireError:
            raise
        except Exception as exc:  # a damaged entry, whatever the error
            raise WireError(f"unreadable array {entry.filename[:60]!r} ({type(exc).__name__})") from None
        arrays[entry.filename[:-4]] = array
    return arrays


def frame_bytes(header: Mapping[str, Any], arrays: Mapping[str, np.ndarray] | None = None) -> bytes:
    """One frame: the header line (with the payload's size) and the archive of ``arrays``."""
    payload = encode_arrays(arrays) if arrays else b""
    line = json.dumps({**header, "payload": len(payload)}, ensure_ascii=True).encode("ascii") + b"\n"
    return line + payload


def write_frame(stream: IO[bytes], header: Mapping[str, Any], arrays: Mapping[str, np.ndarray] | None = None) -> None:
    stream.write(frame_bytes(header, arrays))
    stream.flush()


def _read_exactly(stream: IO[bytes], count: int) -> bytes:
    chunks, left = [], count
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the stream ended inside a frame")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(
    stream: IO[bytes], max_payload: int = MAX_PAYLOAD, max_header: int = MAX_HEADER
) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The next frame's header and arrays; ``None`` at the end of the stream."""
    line = stream.readline(max_header + 1)
    if not line:
        return None
    if len(line) > max_header or not line.endswith(b"\n"):
        raise WireError("header line too long or cut off")
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WireError("header is not JSON") from None
    if not isinstance(header, dict):
        raise WireError("header is not a JSON object")
    size = header.get("payload", 0)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= max_payload:
        raise WireError("bad payload size")
    arrays = decode_arrays(_read_exactly(stream, size)) if size else {}
    return header, arrays
