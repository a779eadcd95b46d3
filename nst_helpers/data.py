"""The six tutorial images: where they come from, and where to find them on this machine.

A sample is looked up in three places, in this order:

1. the folder named by the ``NST_DATA_DIR`` environment variable;
2. the local cache (``NST_CACHE_DIR``, else ``$XDG_CACHE_HOME/nst_helpers``, else ``~/.cache/nst_helpers``);
3. a download from Wikimedia Commons into the cache, bounded by a timeout.

Chapter: 01.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import ImageNotFoundError, InputError
from .files import atomic_write
from .words import say

DATA_DIR_ENV = "NST_DATA_DIR"
CACHE_DIR_ENV = "NST_CACHE_DIR"
DOWNLOAD_TIMEOUT_S = 20.0
_USER_AGENT = "nst-helpers/0.1 (Neural Style Transfer book; educational use)"


@dataclass(frozen=True)
class SampleImage:
    """One tutorial image: a short name, its file name, origin and credit."""

    name: str
    filename: str
    url: str
    english_title: str
    english_credit: str
    english_licence: str

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


_COMMONS = "https://upload.wikimedia.org/wikipedia/commons/"

SAMPLE_IMAGES: dict[str, SampleImage] = {
    s.name: s
    for s in [
        SampleImage(
            "turtle",
            "Green_Sea_Turtle_grazing_seagrass.jpg",
            _COMMONS + "d/d7/Green_Sea_Turtle_grazing_seagrass.jpg",
            "Green sea turtle grazing seagrass",
            "P. Lindgren, via Wikimedia Commons",
            "CC BY-SA 3.0",
        ),
        SampleImage(
            "great_wave",
            "The_Great_Wave_off_Kanagawa.jpg",
            _COMMONS + "0/0a/The_Great_Wave_off_Kanagawa.jpg",
            "The Great Wave off Kanagawa (Katsushika Hokusai)",
            "Katsushika Hokusai, via Wikimedia Commons",
            "public domain",
        ),
        SampleImage(
            "kandinsky",
            "Vassily_Kandinsky,_1913_-_Composition_7.jpg",
            _COMMONS + "b/b4/Vassily_Kandinsky%2C_1913_-_Composition_7.jpg",
            "Composition VII (Vassily Kandinsky, 1913)",
            "Vassily Kandinsky, via Wikimedia Commons",
            "public domain",
        ),
        SampleImage(
            "tuebingen",
            "Tuebingen_Neckarfront.jpg",
            _COMMONS + "0/00/Tuebingen_Neckarfront.jpg",
            "Tübingen, Neckarfront",
            "Andreas Praefcke, via Wikimedia Commons",
            "GFDL or CC BY 3.0",
        ),
        SampleImage(
            "pillars",
            "Pillars_of_creation_2014_HST_WFC3-UVIS_full-res_denoised.jpg",
            _COMMONS + "6/68/Pillars_of_creation_2014_HST_WFC3-UVIS_full-res_denoised.jpg",
            "Pillars of Creation (Hubble, 2014)",
            "NASA, ESA and the Hubble Heritage Team (STScI/AURA)",
            "public domain",
        ),
        SampleImage(
            "starry_night",
            "1024px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
            _COMMONS
            + "thumb/e/ea/Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg/"
            + "1024px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
            "The Starry Night (Vincent van Gogh, 1889)",
            "Google Art Project, via Wikimedia Commons",
            "public domain",
        ),
    ]
}


def find_sample(name: str) -> SampleImage:
    """Look a sample up by its short name, its file name or its file stem. Taught in chapter 01."""
    for sample in SAMPLE_IMAGES.values():
        if name in (sample.name, sample.filename, sample.stem):
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


def _download(url: str, target: Path, timeout: float) -> None:
    """Fetch ``url`` into ``target`` atomically: a temporary file, then a rename."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})

    def fetch(tmp: Path) -> None:
        with tmp.open("wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            while chunk := response.read(1 << 16):
                out.write(chunk)

    atomic_write(target, fetch)


def sample_path(name: str, download: bool = True, timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Return a local path of the sample ``name``, downloading it into the cache if needed. Taught in chapter 01."""
    sample = find_sample(name)
    folder = data_dir()
    candidates = ([folder / sample.filename] if folder else []) + [cache_dir() / sample.filename]
    for path in candidates:
        if path.is_file():
            return path
    target = cache_dir() / sample.filename
    problem = "downloads are switched off"
    if download:
        try:
            _download(sample.url, target, timeout)
            return target
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            problem = f"the download failed ({getattr(exc, 'reason', exc)})"
    where = f"{DATA_DIR_ENV}={folder}" if folder else f"{DATA_DIR_ENV} is not set"
    raise ImageNotFoundError(
        f"Sample image {sample.name!r} ({sample.filename}) is not on this machine and {problem}; "
        f"looked in: {where}, and the cache {cache_dir()}. Either put {sample.filename} in a folder and set "
        f"{DATA_DIR_ENV} to that folder, or pass the path of the image file instead of the name "
        f"(the original is at {sample.url})."
    )


_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def resolve_image(source: str | os.PathLike[str]) -> Path:
    """Turn a sample name or a file path into the path of an existing file. Taught in chapter 01."""
    text = os.fspath(source)
    path = Path(text).expanduser()
    if path.exists():
        return path
    is_bare_name = os.sep not in text and "/" not in text
    is_sample = any(text in (s.name, s.filename, s.stem) for s in SAMPLE_IMAGES.values())
    if not is_bare_name or (path.suffix.lower() in _IMAGE_SUFFIXES and not is_sample):
        raise ImageNotFoundError(
            f"Image file not found: {text}. Check the path, or use a sample name ({', '.join(SAMPLE_IMAGES)})."
        )
    return sample_path(text)  # an unknown name raises with the list of known ones
