"""Security headers (``serve.py``): read from real responses of the app started with ``streamlit run serve.py``,
and the map still drawn behind them in a real browser (its frames are the app's own)."""

from __future__ import annotations

import gzip
import re
import urllib.request
from email.message import Message

import pytest
from conftest import MAP_IFRAME, open_offline_page, start_app, stop_app, wait_parcels_drawn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    workspace_file = str(tmp_path_factory.mktemp("serve_ws") / "workspace.gpkg")
    app = start_app(tmp_path_factory.mktemp("serve_app") / "streamlit.log", script="serve.py", env={"LUONGPHONG_WORKSPACE": workspace_file})
    try:
        yield app
    finally:
        stop_app(app)


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/app/static/vendor/lpmap/lpmap.js", "/map"])
def test_every_response_carries_the_security_headers(served, path):
    with urllib.request.urlopen(served.url + path, timeout=30) as response:
        assert response.status == 200
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_the_map_is_drawn_behind_the_headers(served, chromium):
    context, record = open_offline_page(chromium)
    try:
        page = record.page
        page.goto(served.url, wait_until="domcontentloaded")
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=90_000).content_frame()
        wait_parcels_drawn(frame, timeout_ms=90_000)
        assert record.problems() == []
    finally:
        context.close()


def _get(url: str, gzip_ok: bool) -> tuple[bytes, Message]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read(), response.headers


def test_scripts_go_compressed_and_unchanged(served):
    # Streamlit's own frontend (its largest script, named in the page) and the map's script: gzip when the
    # client accepts it, the same bytes once decompressed, the security headers kept; as they are otherwise
    page, _ = _get(served.url + "/", gzip_ok=False)
    scripts = re.findall(rb'src="\.?(/static/js/[^"]+\.js)"', page)
    assert scripts, page[:500]
    for path in [scripts[0].decode(), "/app/static/vendor/lpmap/lpmap.js"]:
        plain, plain_headers = _get(served.url + path, gzip_ok=False)
        for _ in range(2):  # the second answer comes from the compressed copy kept
            packed, headers = _get(served.url + path, gzip_ok=True)
            assert headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in headers["Vary"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert int(headers["Content-Length"]) == len(packed) < len(plain) / 2
            assert gzip.decompress(packed) == plain
        assert plain_headers["Content-Encoding"] is None


def test_small_answers_go_as_they_are(served):
    body, headers = _get(served.url + "/_stcore/health", gzip_ok=True)
    assert body == b"ok" and headers["Content-Encoding"] is None
