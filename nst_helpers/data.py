"""The six tutorial images: where they come from, and where to find them on this machine.

A sample is looked up in three places, in this order:

1. the folder named by the ``NST_DATA_DIR`` environment variable;
2. the local cache (``NST_CACHE_DIR``, else ``$XDG_CACHE_HOME/nst_helpers``, else ``~/.cache/nst_helpers``);
3. a download from Wikimedia Commons into the cache, bounded by a timeout: each sample has a stable address
   (the original file where it is small, else ``Special:FilePath`` at one of Wikimedia's standard thumbnail
   widths) and a second address to fall back on. A downloaded file is kept only if it passes the checks of
   :func:`check_download`: the exact bytes where they are known, else a real image of the expected shape.

``nst-fetch-samples FOLDER`` downloads all six into a folder, for a classroom or a machine without internet.

Chapter: 01.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from .errors import ImageNotFoundError, InputError
from .files import atomic_write
from .words import say

DATA_DIR_ENV = "NST_DATA_DIR"
CACHE_DIR_ENV = "NST_CACHE_DIR"
DOWNLOAD_TIMEOUT_S = 20.0
#: A download larger than this is refused (the largest sample, the turtle's original, is 3.2 MB).
MAX_DOWNLOAD_BYTES = 40 << 20
#: Every sample is at least this many pixels on its shorter side (the smallest, Kandinsky's, has 657): a smaller file
#: is a thumbnail or an error page, not the sample.
MIN_SIDE_PX = 500
#: How far (relative) a download's width/height may be from the sample's; thumbnails round their height.
ASPECT_TOLERANCE = 0.01
# Wikimedia asks automated clients to name themselves and say where to learn more
# (https://meta.wikimedia.org/wiki/User-Agent_policy).
_USER_AGENT = (
    "nst-helpers/{version} (Neural Style Transfer book; https://github.com/nst-book/neural-style-transfer) "
    "python-urllib"
)


def user_agent() -> str:
    """The User-Agent of every download: the package, its version and where it comes from."""
    from . import __version__

    return _USER_AGENT.format(version=__version__)


@dataclass(frozen=True)
class Source:
    """One address of a sample, and the SHA-256 of its bytes where the file is a fixed original."""

    url: str
    sha256: str | None = None


@dataclass(frozen=True)
class SampleImage:
    """One tutorial image: a short name, its file name, where to download it, its shape, origin and credit.

    ``aspect`` is width / height of the original; ``also_named`` lists other file names under which the image
    may sit in ``NST_DATA_DIR`` (for instance the name of an older download).
    """

    name: str
    filename: str
    sources: tuple[Source, ...]
    aspect: float
    english_title: str
    english_credit: str
    english_licence: str
    also_named: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """The first address the sample is downloaded from."""
        return self.sources[0].url

    @property
    def title(self) -> str:
        """The image's title in the language of the edition ``setup`` chose."""
        return say(f"sample.{self.name}", self.english_title)

    @property
    def credit(self) -> str:
        """Who made the image and where it comes from, in the edition's language."""
        who, via, where = self.english_credit.rpartition(", via ")
        return say("credit.via", who=who, where=where) if via else self.english_credit

    @property
    def licence(self) -> str:
        """The image's licence, in the edition's language (licence names stay as they are)."""
        return say(f"licence.{self.english_licence}", self.english_licence)

    @property
    def stem(self) -> str:
        return Path(self.filename).stem

    @property
    def filenames(self) -> tuple[str, ...]:
        return (self.filename, *self.also_named)

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` is this sample's short name, one of its file names, or one of their stems."""
        return name == self.name or any(name in (f, Path(f).stem) for f in self.filenames)


def _original(commons_name: str) -> str:
    """Where Commons keeps the original file: its folders are the first one and two hex digits of the name's MD5."""
    digest = hashlib.md5(commons_name.encode("utf-8")).hexdigest()
    return f"https://upload.wikimedia.org/wikipedia/commons/{digest[0]}/{digest[:2]}/{urllib.parse.quote(commons_name)}"


def _file_path(commons_name: str, width: int | None = None) -> str:
    """Commons' stable address of a file, scaled to ``width`` (one of Wikimedia's standard widths) if given."""
    url = "https://commons.wikimedia.org/wiki/Special:FilePath/" + urllib.parse.quote(commons_name)
    return url + (f"?width={width}" if width else "")


def _from_original(commons_name: str, sha256: str, fallback_width: int | None = None) -> tuple[Source, ...]:
    """A small original, checked by its SHA-256, then Special:FilePath (at ``fallback_width`` if given)."""
    return Source(_original(commons_name), sha256), Source(_file_path(commons_name, fallback_width))


def _from_thumbnails(commons_name: str) -> tuple[Source, ...]:
    """A large original: Special:FilePath at two standard thumbnail widths."""
    return Source(_file_path(commons_name, 1280)), Source(_file_path(commons_name, 960))


SAMPLE_IMAGES: dict[str, SampleImage] = {
    s.name: s
    for s in [
        SampleImage(
            name="turtle",
            filename="Green_Sea_Turtle_grazing_seagrass.jpg",
            sources=_from_original(
                "Green_Sea_Turtle_grazing_seagrass.jpg",
                "94f936ca3890dd8c17148e92bdef643dfa5c22f864a67a48d349572f54fe2d65",
                fallback_width=1280,
            ),
            aspect=3367 / 2525,
            english_title="Green sea turtle grazing seagrass",
            english_credit="P. Lindgren, via Wikimedia Commons",
            english_licence="CC BY-SA 3.0",
        ),
        SampleImage(
            name="great_wave",
            filename="The_Great_Wave_off_Kanagawa.jpg",
            sources=_from_original(
                "The_Great_Wave_off_Kanagawa.jpg",
                "44a8486abdf0330a3fe6b586e407506e738fe075fe0b5dfc43961e358fda7206",
                fallback_width=1280,
            ),
            aspect=4335 / 2990,
            english_title="The Great Wave off Kanagawa (Katsushika Hokusai)",
            english_credit="Katsushika Hokusai, via Wikimedia Commons",
            english_licence="public domain",
        ),
        SampleImage(
            name="kandinsky",
            filename="Vassily_Kandinsky,_1913_-_Composition_7.jpg",
            sources=_from_original(
                "Vassily_Kandinsky,_1913_-_Composition_7.jpg",
                "a291314b5dc7bafd293cbbfc70baf0b003e479a9be61d13579032acd44fac784",
            ),
            aspect=1000 / 657,
            english_title="Composition VII (Vassily Kandinsky, 1913)",
            english_credit="Vassily Kandinsky, via Wikimedia Commons",
            english_licence="public domain",
        ),
        SampleImage(
            name="tuebingen",
            filename="Tuebingen_Neckarfront.jpg",
            sources=_from_original(
                "Tuebingen_Neckarfront.jpg", "e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506"
            ),
            aspect=1024 / 768,
            english_title="Tübingen, Neckarfront",
            english_credit="Andreas Praefcke, via Wikimedia Commons",
            english_licence="GFDL or CC BY 3.0",
        ),
        SampleImage(
            name="pillars",
            filename="Pillars_of_creation_2014_HST_WFC3-UVIS_full-res_denoised.jpg",
            # The original is a full-resolution scan; a standard-width thumbnail is plenty for the book.
            sources=_from_thumbnails("Pillars_of_creation_2014_HST_WFC3-UVIS_full-res_denoised.jpg"),
            aspect=1024 / 1068,
            english_title="Pillars of Creation (Hubble, 2014)",
            english_credit="NASA, ESA and the Hubble Heritage Team (STScI/AURA)",
            english_licence="public domain",
        ),
        SampleImage(
            name="starry_night",
            filename="Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
            # The original is a gigapixel scan: Special:FilePath at two standard thumbnail widths.
            sources=_from_thumbnails("Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg"),
            aspect=1024 / 811,
            english_title="The Starry Night (Vincent van Gogh, 1889)",
            english_credit="Google Art Project, via Wikimedia Commons",
            english_licence="public domain",
            also_named=("1024px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",),
        ),
    ]
}


def find_sample(name: str) -> SampleImage:
    """Look a sample up by its short name, its file name or its file stem. Taught in chapter 01."""
    for sample in SAMPLE_IMAGES.values():
        if sample.answers_to(name):
            return sample
    known = ", ".join(SAMPLE_IMAGES)
    raise InputError(f"Unknown sample image {name!r}. Known names: {known}; or pass the path of an image file.")


def cache_dir() -> Path:
    """The folder where downloaded samples are kept."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nst_helpers"


def data_dir() -> Path | None:
    """The folder named by ``NST_DATA_DIR``, if that variable is set."""
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


class DownloadCheckError(OSError):
    """A downloaded file is not the sample it should be (wrong bytes, not an image, wrong shape)."""


def check_download(path: Path, sample: SampleImage, source: Source) -> None:
    """Raise :class:`DownloadCheckError` unless ``path`` holds ``sample`` as served by ``source``.

    A source with a SHA-256 must match it exactly. Any other must decode as an image at least
    ``MIN_SIDE_PX`` on its shorter side, with the sample's width/height within ``ASPECT_TOLERANCE``.
    """
    if source.sha256 is not None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != source.sha256:
            raise DownloadCheckError(f"its SHA-256 is {digest[:12]}..., not the original's {source.sha256[:12]}...")
        return
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            image.load()  # decodes every pixel: a file cut short fails here
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DownloadCheckError(f"it is not a complete, readable image ({exc})") from None
    if min(width, height) < MIN_SIDE_PX:
        raise DownloadCheckError(f"it is only {width}x{height} pixels (at least {MIN_SIDE_PX} expected)")
    if abs(width / height / sample.aspect - 1) > ASPECT_TOLERANCE:
        raise DownloadCheckError(
            f"it is {width}x{height} pixels, width/height {width / height:.3f}, not the sample's {sample.aspect:.3f}"
        )


def _download(sample: SampleImage, source: Source, target: Path, timeout: float) -> None:
    """Fetch ``source`` into ``target`` atomically, checked before the rename: a failure leaves nothing."""
    request = urllib.request.Request(source.url, headers={"User-Agent": user_agent()})

    def fetch(tmp: Path) -> None:
        size = 0
        with tmp.open("wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise DownloadCheckError(f"it is larger than {MAX_DOWNLOAD_BYTES >> 20} MB")
                out.write(chunk)
        if announced is not None and announced.isdigit() and int(announced) != size:
            raise DownloadCheckError(f"the connection ended after {size} of {announced} bytes")
        check_download(tmp, sample, source)

    atomic_write(target, fetch)


def sample_path(name: str, download: bool = True, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Return a local path of the sample ``name``, downloading it into the cache if needed. Taught in chapter 01."""
    sample = find_sample(name)
    folder = data_dir()
    candidates = ([folder / f for f in sample.filenames] if folder else []) + [cache_dir() / sample.filename]
    for path in candidates:
        if path.is_file():
            return path
    if not download:
        _not_found(sample, [])
    return download_sample(sample, cache_dir() / sample.filename, timeout)


def download_sample(sample: SampleImage, target: Path, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Download ``sample`` to ``target`` from its first source that works and passes :func:`check_download`."""
    problems = _try_sources(sample, target, timeout)
    if problems:
        _not_found(sample, problems)
    return target


def _try_sources(sample: SampleImage, target: Path, timeout: float) -> list[str]:
    """Download ``sample`` to ``target`` from the first source that works; what went wrong with each source tried
    (an empty list: the file is there)."""
    try:  # a local problem (no permission, no space) is not the server's: say so before downloading anything
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImageNotFoundError(f"Cannot create the folder {target.parent} for the sample images: {exc}.") from None
    problems = []
    for source in sample.sources:
        try:
            _download(sample, source, target, timeout)
            return []
        except DownloadCheckError as exc:
            problems.append(f"{source.url} was refused: {exc}")
        except urllib.error.HTTPError as exc:
            problems.append(f"{source.url} answered HTTP {exc.code} ({exc.reason})")
        except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as exc:
            problems.append(f"{source.url} failed ({getattr(exc, 'reason', None) or exc!r})")
    return problems


def _missing(sample: SampleImage, problems: list[str]) -> str:
    """The sentence that says a sample is missing, and why."""
    why = "the download failed: " + "; ".join(problems) if problems else "downloads are switched off"
    return f"Sample image {sample.name!r} ({sample.filename}) is not on this machine and {why}"


def _not_found(sample: SampleImage, problems: list[str]) -> NoReturn:
    folder = data_dir()
    where = f"{DATA_DIR_ENV}={folder}" if folder else f"{DATA_DIR_ENV} is not set"
    raise ImageNotFoundError(
        f"{_missing(sample, problems)}. "
        f"Looked in: {where}, and the cache {cache_dir()}. Either put {sample.filename} in a folder and set "
        f"{DATA_DIR_ENV} to that folder (nst-fetch-samples FOLDER downloads all six on a machine with internet), "
        f"or pass the path of the image file instead of the name."
    )


def fetch_samples(folder: str | os.PathLike[str], timeout: float = DOWNLOAD_TIMEOUT_S) -> list[Path]:
    """Make sure every sample is in ``folder`` (downloading what is missing); return their paths.

    For a classroom: run it once, share the folder, and set ``NST_DATA_DIR`` to it. Taught in the teacher's guide.
    """
    target = Path(folder).expanduser()
    paths, failures = [], []
    for sample in SAMPLE_IMAGES.values():  # try every sample, then report every failure
        present = [target / f for f in sample.filenames if (target / f).is_file()]
        if present:
            paths.append(present[0])
        elif problems := _try_sources(sample, target / sample.filename, timeout):
            failures.append(_missing(sample, problems))
        else:
            paths.append(target / sample.filename)
    if failures:
        raise ImageNotFoundError(
            f"{len(failures)} of {len(SAMPLE_IMAGES)} sample images could not be downloaded into {target}: "
            + " | ".join(failures)
            + ". Try again later, or copy the files from another machine into that folder."
        )
    return paths


def fetch_samples_main(argv: list[str] | None = None) -> int:
    """``nst-fetch-samples [FOLDER]``: download the six samples into FOLDER (default: the cache)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="nst-fetch-samples",
        description="Download the book's six sample images into FOLDER, then point NST_DATA_DIR at it.",
    )
    parser.add_argument("folder", nargs="?", default=None, help=f"where to put them (default: {cache_dir()})")
    args = parser.parse_args(argv)
    folder = Path(args.folder) if args.folder else cache_dir()
    try:
        paths = fetch_samples(folder)
    except InputError as exc:
        print(f"nst-fetch-samples: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    print(f"export {DATA_DIR_ENV}={shlex.quote(str(folder.resolve()))}")
    return 0


_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def resolve_image(source: str | os.PathLike[str]) -> Path:
    """Turn a sample name or a file path into the path of an existing file. Taught in chapter 01."""
    text = os.fspath(source)
    path = Path(text).expanduser()
    if path.exists():
        return path
    is_bare_name = os.sep not in text and "/" not in text
    is_sample = any(s.answers_to(text) for s in SAMPLE_IMAGES.values())
    if not is_bare_name or (path.suffix.lower() in _IMAGE_SUFFIXES and not is_sample):
        raise ImageNotFoundError(
            f"Image file not found: {text}. Check the path, or use a sample name ({', '.join(SAMPLE_IMAGES)})."
        )
    return sample_path(text)  # an unknown name raises with the list of known ones
