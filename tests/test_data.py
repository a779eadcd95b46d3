"""The sample registry: lookup order, the download into the cache, and the error when nothing works."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
import urllib.error

import pytest

from nst_helpers import data
from nst_helpers.errors import ImageNotFoundError, InputError


def test_registry_has_the_six_images_with_credits():
    assert sorted(data.SAMPLE_IMAGES) == sorted(
        ["turtle", "great_wave", "kandinsky", "tuebingen", "pillars", "starry_night"]
    )
    for sample in data.SAMPLE_IMAGES.values():
        assert sample.url.startswith("https://upload.wikimedia.org/") and sample.licence and sample.credit


@pytest.mark.parametrize("name", ["great_wave", "The_Great_Wave_off_Kanagawa", "The_Great_Wave_off_Kanagawa.jpg"])
def test_find_by_name_stem_or_filename(name):
    assert data.find_sample(name).name == "great_wave"


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


def test_download_goes_to_the_cache_atomically(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    (served / "pillars.jpg").write_bytes(b"fake jpeg bytes")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sample = data.SAMPLE_IMAGES["pillars"]
        local = dataclasses.replace(sample, url=f"http://127.0.0.1:{server.server_address[1]}/pillars.jpg")
        monkeypatch.setitem(data.SAMPLE_IMAGES, "pillars", local)
        monkeypatch.delenv("NST_DATA_DIR", raising=False)
        monkeypatch.setenv("NST_CACHE_DIR", str(tmp_path / "cache"))
        path = data.sample_path("pillars")
        assert path == tmp_path / "cache" / sample.filename and path.read_bytes() == b"fake jpeg bytes"
        assert [p.name for p in (tmp_path / "cache").iterdir()] == [sample.filename]
        assert data.sample_path("pillars", download=False) == path  # now found in the cache
    finally:
        server.shutdown()


def test_resolve_image_paths_and_names(tmp_path):
    with pytest.raises(ImageNotFoundError, match="Image file not found"):
        data.resolve_image(tmp_path / "nope.png")
    with pytest.raises(ImageNotFoundError, match="Image file not found"):
        data.resolve_image("holiday.jpg")
    with pytest.raises(InputError, match="Unknown sample image 'mona'"):
        data.resolve_image("mona")


def test_sample_names_resolve_to_their_files(samples):
    assert data.resolve_image("turtle") == samples / "Green_Sea_Turtle_grazing_seagrass.jpg"
