"""Screenshots of every page at the sizes a council meeting uses, to look at by eye.

Starts the real app (``streamlit run serve.py`` on a free 127.0.0.1 port, its own process group, the workspace
in a temporary folder), opens each page in headless Debian Chromium (locale vi-VN, every outside request
aborted) by its sidebar link, waits until the page has finished running (and its map has drawn the parcels),
and writes one PNG per page and size into the folder given::

    python3 benchmarks/screenshots.py OUT_FOLDER [--sizes 1600x1000 1366x768] [--lang vi|en]

The files are named ``<page>-<width>x<height>.png``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: (file name, sidebar link in Vietnamese, in English, whether the page has the commune map)
PAGES = [
    ("map", "Bản đồ", "Map", True),
    ("recovery", "Thu hồi đất", "Land recovery", True),
    ("fields", "Cánh đồng tập trung", "Concentrated fields", True),
    ("targets", "Chỉ tiêu kế hoạch", "Plan targets", True),
    ("overview", "Tổng hợp diện tích", "Area summary", False),
    ("data", "Dữ liệu", "Data", False),
    ("ledger", "Biến động đất đai", "Land changes", True),
    ("clearance", "Giải phóng mặt bằng", "Site clearance", True),
    ("presentation", "Trình chiếu", "Presentation", True),  # last: it hides the sidebar and its links
]
TIMEOUT_MS = 90_000
MAP_IFRAME = 'iframe[src*="streamlit_folium"]'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(workspace: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True, env={**os.environ, "LUONGPHONG_WORKSPACE": str(workspace / "workspace.gpkg")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("streamlit did not start")


#: Marks the maps on screen before a navigation, so that the wait is for the next page's map.
MARK_OLD_MAPS = f"document.querySelectorAll('{MAP_IFRAME}').forEach(f => f.dataset.lpOld = '1')"
#: A map of the new page (not marked) whose parcels are drawn.
NEW_MAP_DRAWN = f"""[...document.querySelectorAll('{MAP_IFRAME}')].some(f => !f.dataset.lpOld
    && f.contentWindow && f.contentWindow.lpmap && f.contentWindow.lpmap.layers.parcels)"""


def _settle(page, has_map: bool) -> None:
    """Wait until the script has finished and, on a map page, the new page's parcels are drawn and painted."""
    if has_map:
        page.wait_for_function(NEW_MAP_DRAWN, timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)
    page.evaluate("new Promise(r => setTimeout(r, 800))")  # the last paint of the map's tiles and labels


def take(out: Path, sizes: list[tuple[int, int]], lang: str) -> list[Path]:
    """Screenshots of every page at every size into ``out``; the paths written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as workspace:
        process, url = _start(Path(workspace))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for width, height in sizes:
                    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
                    context.route("**/*", lambda r: r.continue_()
                                  if urlsplit(r.request.url).hostname in (None, "127.0.0.1") else r.abort())
                    page = context.new_page()
                    page.goto(url, wait_until="domcontentloaded")
                    if lang == "en":
                        page.get_by_text("English", exact=True).click(timeout=TIMEOUT_MS)
                    for name, vi, en, has_map in PAGES:
                        page.evaluate(MARK_OLD_MAPS)
                        page.get_by_role("link", name=vi if lang == "vi" else en).click(timeout=TIMEOUT_MS)
                        _settle(page, has_map)
                        path = out / f"{name}-{width}x{height}.png"
                        page.screenshot(path=str(path))
                        written.append(path)
                    context.close()
                browser.close()
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--sizes", nargs="+", default=["1600x1000", "1366x768"])
    parser.add_argument("--lang", choices=["vi", "en"], default="vi")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes]
    for path in take(args.out, sizes, args.lang):  # type: ignore[arg-type]
        print(path)


if __name__ == "__main__":
    main()
