"""Presentation mode and the saved HTML map in a real browser, offline."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from conftest import MAP_IFRAME as IFRAME

from gis.files.io import load_dataset
from layers.catalogue import prepare
from layers.render_present import standalone_html

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000


#: The presentation's map, not the one left from the page before (marked before leaving it): drawn, full size.
NEW_MAP = f"""[...document.querySelectorAll('{IFRAME}')].find(f => !f.dataset.lpOld
    && f.getBoundingClientRect().height > 300 && f.contentWindow.lpmap && f.contentWindow.lpmap.layers.parcels)"""


def _open_presentation(app, record):
    page = record.page
    # open the app and follow the sidebar link (a deep URL makes Streamlit probe /presentation/_stcore/...)
    page.goto(app.url, wait_until="domcontentloaded")
    link = page.get_by_role("link", name="Trình chiếu")
    page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS)  # the first page's map, then marked
    page.evaluate(f"document.querySelectorAll('{IFRAME}').forEach(f => f.dataset.lpOld = '1')")
    link.click(timeout=TIMEOUT_MS)
    page.locator(".st-key-lp-presentation h1").first.wait_for(timeout=TIMEOUT_MS)
    handle = page.wait_for_function(NEW_MAP, timeout=TIMEOUT_MS).as_element()
    page.wait_for_selector(f"{IFRAME}[data-lp-old]", state="detached", timeout=TIMEOUT_MS)  # the old one gone
    return page, handle.content_frame()


def test_the_arrow_keys_step_through_the_views(streamlit_app, offline_page):
    page, frame = _open_presentation(streamlit_app, offline_page)
    first = page.locator(".st-key-lp-presentation h1").inner_text()
    zoom_before = frame.evaluate("map.getZoom()")
    page.locator(".st-key-lp-presentation h1").click()  # focus the page, not the map
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Cụm công nghiệp Đoan Bái - Lương Phong").wait_for(timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    frame.wait_for_function(f"map.getZoom() > {zoom_before}", timeout=TIMEOUT_MS)  # zoomed on the cluster
    assert frame.evaluate("getComputedStyle(document.querySelector('.lp-label span')).fontSize") == "22px"
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name=first).wait_for(timeout=TIMEOUT_MS)
    assert offline_page.problems() == []


def test_the_keys_still_step_after_a_click_on_the_map(streamlit_app, offline_page):
    page, frame = _open_presentation(streamlit_app, offline_page)
    first = page.locator(".st-key-lp-presentation h1").inner_text()
    box = page.query_selector(IFRAME).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the map takes the focus
    assert page.evaluate(f"document.activeElement === document.querySelector('{IFRAME}')")
    center = frame.evaluate("[map.getCenter().lat, map.getCenter().lng]")
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Cụm công nghiệp Đoan Bái - Lương Phong").wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("PageUp")  # a presenter remote's "back"
    page.get_by_role("heading", name=first).wait_for(timeout=TIMEOUT_MS)
    page.keyboard.press("PageDown")  # and "next"
    page.get_by_role("heading", name="Cụm công nghiệp Đoan Bái - Lương Phong").wait_for(timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    frame.wait_for_function(f"map.getCenter().lat !== {center[0]} || map.getCenter().lng !== {center[1]}",
                            timeout=TIMEOUT_MS)  # and the map moved on to the cluster
    assert offline_page.problems() == []


def test_the_saved_html_map_draws_the_parcels_offline(tmp_path: Path, offline_page):
    data = load_dataset()
    path = tmp_path / "ban_do.html"
    path.write_text(standalone_html(prepare(data), lang="vi", title="Bản đồ", note="Dữ liệu minh họa"),
                    encoding="utf-8")
    # served from 127.0.0.1 (the offline page aborts every other address, file:// included)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    page = offline_page.page
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/ban_do.html", wait_until="load")
        page.wait_for_function("window.lpmap && lpmap.layers.parcels", timeout=TIMEOUT_MS)
        assert page.evaluate("lpmap.layers.parcels.all.length") == len(data.parcels)
        assert page.locator(".lp-legend").is_visible()
        requested = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
        assert requested == []  # everything was inside the file
    finally:
        server.shutdown()
        server.server_close()
    assert offline_page.problems() == []
