"""Every sample downloads from every one of its addresses and passes the checks (needs the internet).

Marked ``network``; skipped, with the reason shown, where Wikimedia Commons cannot be reached. Run it alone with
``pytest -m network -rs tests/test_sample_downloads.py``; with ``NST_REQUIRE_NETWORK=1`` (the weekly workflow) an
unreachable Commons is a failure, not a skip.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from nst_helpers import data

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def online() -> None:
    request = urllib.request.Request("https://commons.wikimedia.org/", method="HEAD")
    request.add_header("User-Agent", data.user_agent())
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except urllib.error.HTTPError:
        return  # it answered: reachable (the downloads below report what it answered to them)
    except (urllib.error.URLError, OSError) as exc:
        reason = f"Wikimedia Commons is not reachable from here ({getattr(exc, 'reason', exc)})"
        if os.environ.get("NST_REQUIRE_NETWORK") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.parametrize(
    "name, which",
    [(name, i) for name, sample in data.SAMPLE_IMAGES.items() for i in range(len(sample.sources))],
)
def test_each_address_of_each_sample_serves_the_sample(online, tmp_path, name, which):
    sample = data.SAMPLE_IMAGES[name]
    source = sample.sources[which]
    data._download(sample, source, tmp_path / sample.filename, timeout=60)
    assert (tmp_path / sample.filename).stat().st_size > 10_000
