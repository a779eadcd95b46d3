"""The sample registry: lookup order, the download into the cache, and the error when nothing works."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import io
import os
import threading
import urllib.error

import numpy as np
import pytest
from PIL import Image

from nst_helpers import data
from nst_helpers.errors import ImageNotFoundError, InputError


def test_registry_has_the_six_images_with_credits():
    assert sorted(data.SAMPLE_IMAGES) == sorted(
        ["turtle", "great_wave", "kandinsky", "tuebingen", "pillars", "starry_night"]
    )
    for sample in data.SAMPLE_IMAGES.values():
        assert len(sample.sources) >= 2 and sample.licence and sample.credit
        for source in sample.sources:
            # the original file, or Special:FilePath at one of Wikimedia's standard widths; never a thumbnail path
            assert source.url.startswith(("https://upload.wikimedia.org/", "https://commons.wikimedia.org/"))
            assert "/thumb/" not in source.url
            width = source.url.partition("?width=")[2]
            assert width in ("", "960", "1280"), source.url
            assert source.sha256 is None or source.url.startswith("https://upload.wikimedia.org/")


def test_the_offline_copies_pass_the_download_checks(samples):
    """The files in NST_DATA_DIR are what a download must look like: the checks accept them."""
    for sample in data.SAMPLE_IMAGES.values():
        path = data.sample_path(sample.name, download=False)
        data.check_download(path, sample, sample.sources[0])  # the SHA-256 where the source has one
        data.check_download(path, sample, data.Source("any"))  # the shape checks


@pytest.mark.parametrize("name", ["great_wave", "The_Great_Wave_off_Kanagawa", "The_Great_Wave_off_Kanagawa.jpg"])
def test_find_by_name_stem_or_filename(name):
    assert data.find_sample(name).name == "great_wave"


def test_an_older_file_name_in_the_data_dir_is_found(tmp_path, monkeypatch):
    (tmp_path / "1024px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg").write_bytes(b"x")
    monkeypatch.setenv("NST_DATA_DIR", str(tmp_path))
    assert data.sample_path("starry_night").name.startswith("1024px-")


def test_data_dir_comes_first(tmp_path, monkeypatch):
    (tmp_path / "Tuebingen_Neckarfront.jpg").write_bytes(b"x")
    monkeypatch.setenv("NST_DATA_DIR", str(tmp_path))
    assert data.sample_path("tuebingen") == tmp_path / "Tuebingen_Neckarfront.jpg"


def test_offline_and_missing_names_the_image_and_both_remedies(tmp_path, monkeypatch):
    monkeypatch.setenv("NST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NST_CACHE_DIR", str(tmp_path / "cache"))

    class Broken:
        """A response that sends some bytes, then loses the connection."""

        sent = False
        headers: dict = {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, size):
            if not Broken.sent:
                Broken.sent = True
                return b"half a jpeg"
            raise urllib.error.URLError("no network")

    monkeypatch.setattr(data.urllib.request, "urlopen", lambda *args, **kwargs: Broken())
    with pytest.raises(ImageNotFoundError) as info:
        data.sample_path("kandinsky")
    message = str(info.value)
    assert Broken.sent and "'kandinsky'" in message and "no network" in message
    assert "set NST_DATA_DIR" in message and "pass the path" in message
    assert list((tmp_path / "cache").iterdir()) == []  # the half-written file is gone


def _jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def server(tmp_path):
    """A local web server for the folder tmp_path/served; yields (folder, base address)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _serve_pillars(monkeypatch, tmp_path, sources):
    local = dataclasses.replace(data.SAMPLE_IMAGES["pillars"], sources=tuple(sources))
    monkeypatch.setitem(data.SAMPLE_IMAGES, "pillars", local)
    monkeypatch.delenv("NST_DATA_DIR", raising=False)
    monkeypatch.setenv("NST_CACHE_DIR", str(tmp_path / "cache"))
    return local


def test_download_goes_to_the_cache_atomically(tmp_path, monkeypatch, server):
    served, base = server
    picture = _jpeg(1024, 1068)
    (served / "pillars.jpg").write_bytes(picture)
    sample = _serve_pillars(monkeypatch, tmp_path, [data.Source(base + "pillars.jpg")])
    path = data.sample_path("pillars")
    assert path == tmp_path / "cache" / sample.filename and path.read_bytes() == picture
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [sample.filename]
    assert data.sample_path("pillars", download=False) == path  # now found in the cache


def test_a_download_that_fails_its_check_is_not_kept_and_the_fallback_is_tried(tmp_path, monkeypatch, server):
    served, base = server
    good = _jpeg(960, 1001)  # a standard-width thumbnail: height rounded
    (served / "changed.jpg").write_bytes(_jpeg(1024, 1068))
    (served / "thumb.jpg").write_bytes(good)
    sources = [data.Source(base + "changed.jpg", sha256="0" * 64), data.Source(base + "thumb.jpg")]
    _serve_pillars(monkeypatch, tmp_path, sources)
    assert data.sample_path("pillars").read_bytes() == good


@pytest.mark.parametrize(
    "served_bytes, reason",
    [
        (b"<html>Too many requests</html>", "not a complete, readable image"),
        (_jpeg(1024, 600), "not the sample's 0.959"),
        (_jpeg(240, 250), "only 240x250 pixels"),
    ],
)
def test_bad_downloads_leave_nothing_and_say_what_to_do(tmp_path, monkeypatch, server, served_bytes, reason):
    served, base = server
    (served / "bad.jpg").write_bytes(served_bytes)
    sources = [data.Source(base + "bad.jpg"), data.Source(base + "missing.jpg")]
    _serve_pillars(monkeypatch, tmp_path, sources)
    with pytest.raises(ImageNotFoundError) as info:
        data.sample_path("pillars")
    message = str(info.value)
    assert reason in message and "missing.jpg answered HTTP 404" in message and "set NST_DATA_DIR" in message
    assert list((tmp_path / "cache").iterdir()) == []


def test_fetch_samples_fills_a_folder_for_a_classroom(tmp_path, monkeypatch, server, capsys):
    served, base = server
    for sample in data.SAMPLE_IMAGES.values():
        width = 1000
        (served / f"{sample.name}.jpg").write_bytes(_jpeg(width, round(width / sample.aspect)))
        local = dataclasses.replace(sample, sources=(data.Source(base + f"{sample.name}.jpg"),))
        monkeypatch.setitem(data.SAMPLE_IMAGES, sample.name, local)
    assert data.fetch_samples_main([str(tmp_path / "class")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 7 and printed[-1] == f"export NST_DATA_DIR={(tmp_path / 'class').resolve()}"
    monkeypatch.setenv("NST_DATA_DIR", str(tmp_path / "class"))
    paths = [data.sample_path(name, download=False) for name in data.SAMPLE_IMAGES]
    assert all(p.parent == tmp_path / "class" for p in paths)
    umask = os.umask(0)
    os.umask(umask)
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~umask for p in paths)  # others in the class can read them


def test_resolve_image_paths_and_names(tmp_path):
    with pytest.raises(ImageNotFoundError, match="Image file not found"):
        data.resolve_image(tmp_path / "nope.png")
    with pytest.raises(ImageNotFoundError, match="Image file not found"):
        data.resolve_image("holiday.jpg")
    with pytest.raises(InputError, match="Unknown sample image 'mona'"):
        data.resolve_image("mona")


def test_sample_names_resolve_to_their_files(samples):
    assert data.resolve_image("turtle") == samples / "Green_Sea_Turtle_grazing_seagrass.jpg"


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Announces a whole JPEG, sends a third of it (with the length) or all but the end (without), then hangs up."""

    body = b""
    announce = True

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if self.announce:
            self.send_header("Content-Length", str(len(self.body)))
            part = self.body[: len(self.body) // 3]
        else:
            part = self.body[: len(self.body) * 2 // 3]
        self.end_headers()
        self.wfile.write(part)
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("announce", [True, False])
def test_a_download_cut_short_is_not_kept(tmp_path, monkeypatch, announce):
    noisy = np.random.default_rng(0).integers(0, 255, (1068, 1024, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, "JPEG", quality=90)
    handler = type("Handler", (_CutShort,), {"body": buffer.getvalue(), "announce": announce})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/pillars.jpg"
        _serve_pillars(monkeypatch, tmp_path, [data.Source(url)])
        with pytest.raises(ImageNotFoundError, match="after .* of .* bytes" if announce else "not a complete"):
            data.sample_path("pillars")
        assert list((tmp_path / "cache").iterdir()) == []
    finally:
        httpd.shutdown()


def test_fetch_samples_tries_every_sample_and_reports_each_failure(tmp_path, monkeypatch, server, capsys):
    served, base = server
    for sample in data.SAMPLE_IMAGES.values():
        local = dataclasses.replace(sample, sources=(data.Source(base + f"{sample.name}-gone.jpg"),))
        monkeypatch.setitem(data.SAMPLE_IMAGES, sample.name, local)
    (served / "turtle-gone.jpg").write_bytes(_jpeg(1000, round(1000 / data.SAMPLE_IMAGES["turtle"].aspect)))
    assert data.fetch_samples_main([str(tmp_path / "class")]) == 1
    err = capsys.readouterr().err
    assert "5 of 6 sample images could not be downloaded" in err and err.count("answered HTTP 404") == 5
    assert "'turtle'" not in err and [p.name for p in (tmp_path / "class").iterdir()] == [
        data.SAMPLE_IMAGES["turtle"].filename
    ]
