"""Security headers (``serve.py``): read from real responses of the app started with ``streamlit run serve.py``,
and the map still drawn behind them in a real browser (its frames are the app's own)."""

from __future__ import annotations

import urllib.request

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
