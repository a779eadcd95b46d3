"""Open a page of the built book in headless Chromium, served on localhost, and report what it rendered.

    python scripts/check_page.py en/06_optimization.html --screenshot /tmp/ch06.png

Serves ``_build/html`` on a free localhost port, lets Chromium run the page's scripts (MathJax included) and
prints: how many formulas MathJax typeset, how many are left as raw TeX, how many figures (images) the page
has, and its headings. The exit status is 1 when formulas were left untypeset or the page has no figure.
Needs Chromium (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "_build" / "html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the report readable
        pass


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("Chromium is not installed (Debian/Ubuntu: apt-get install chromium).")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="path under _build/html, e.g. en/06_optimization.html (<lang>/<chapter>.html)")
    parser.add_argument("--screenshot", type=Path, help="also save a full-page screenshot (PNG) here")
    parser.add_argument("--height", type=int, default=6000, help="screenshot height in pixels")
    args = parser.parse_args(argv)
    if not (ROOT / args.page).is_file():
        sys.exit(f"{ROOT / args.page} does not exist: build the book first (make book).")
    handler = functools.partial(QuietHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/{args.page}"
    flags = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=20000",
        "--hide-scrollbars",
    ]
    try:
        dom = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
        if args.screenshot:
            subprocess.run(
                flags + [f"--screenshot={args.screenshot}", f"--window-size=1280,{args.height}", url],
                capture_output=True,
                timeout=120,
                check=True,
            )
    finally:
        server.shutdown()
    typeset = len(re.findall(r"<mjx-container", dom))
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", dom, flags=re.S)
    raw = len(re.findall(r"\\\(|\\\[|\$\$", re.sub(r"<mjx-container.*?</mjx-container>", "", body, flags=re.S)))
    images = len(re.findall(r"<img[^>]+src=\"(?:data:image|[^\"]+\.(?:png|jpg|jpeg|svg))", dom))
    headings = [
        re.sub(r"<[^>]+>|#|¶", "", h).strip() for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", dom, flags=re.S)
    ]
    mathjax = re.search(r"<script[^>]+src=\"([^\"]*tex-chtml[^\"]*)\"", dom)
    print(f"page: {url}")
    print(f"MathJax script: {mathjax.group(1) if mathjax else 'none'}")
    print(f"formulas typeset by MathJax: {typeset}; raw TeX delimiters left: {raw}")
    print(f"figures (img elements): {images}")
    print("headings: " + " | ".join(h for h in headings if h))
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    return 0 if typeset and not raw and images else 1


if __name__ == "__main__":
    sys.exit(main())
