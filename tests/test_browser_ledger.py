"""The land changes page in a real browser, offline: pick a parcel, draw a dividing line across it with mouse
clicks, save the split with its decision, see two parcels with new numbers and the history; step the map back
to the day before and see one parcel.

The app runs in its own process with ``$LUONGPHONG_WORKSPACE`` in the test's tmp_path (so its ledger starts
from the built-in data). Every request outside 127.0.0.1 is aborted and recorded
(``conftest.open_offline_page``); the test fails on any of them and on any page error. Screenshots
(``ledger_split.png``, ``ledger_last.png``) go to the test run's temporary folder.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import MAP_IFRAME as IFRAME
from conftest import open_offline_page, rerun_after, settle, start_app, stop_app, wait_parcels_drawn, wait_vertices

from gis.files.io import load_dataset
from gis.jobs.ledger.model import key_text

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: the test run's temporary folder."""
    return tmp_path_factory.mktemp("ledger_shots")


@pytest.fixture(scope="module")
def ledger_app(tmp_path_factory):
    """The real app with a workspace of its own."""
    folder = tmp_path_factory.mktemp("ledger_ws")
    app = start_app(folder / "streamlit.log", env={"LUONGPHONG_WORKSPACE": str(folder / "workspace.gpkg")})
    try:
        yield app
    finally:
        stop_app(app)


@pytest.fixture(scope="module")
def target():
    """The largest rice or pond parcel of the built-in data, its line of division across the middle (two
    points in WGS84, beyond its sides), the next free numbers of its sheet and the count of parcels."""
    data = load_dataset()
    parcels = data.parcels
    candidates = parcels[parcels["group"].isin(["rice", "aquaculture"])]
    row = candidates.loc[candidates.geometry.area.idxmax()]
    geom = row.geometry
    west, south, east, north = geom.bounds
    c = geom.centroid
    if east - west > north - south:
        ends = [(c.x, south - 4), (c.x, north + 4)]
    else:
        ends = [(west - 4, c.y), (east + 4, c.y)]
    points = gpd.GeoSeries(shapely.points(ends), crs=parcels.crs).to_crs(4326)
    sheet = key_text(row["sheet"])
    used = [int(key_text(n)) for n in parcels.loc[parcels["sheet"].map(key_text) == sheet, "parcel_no"]
            if key_text(n).isdigit()]
    return {"ref": f"{sheet}/{key_text(row['parcel_no'])}", "line": [(p.y, p.x) for p in points],
            "new": [f"{sheet}/{max(used) + 1}", f"{sheet}/{max(used) + 2}"], "count": len(parcels)}


def screen_point(page, frame, lat: float, lng: float) -> tuple[float, float]:
    x, y = frame.evaluate("([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);"
                          " const r = map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                          [lat, lng])
    box = page.query_selector(IFRAME).bounding_box()
    return box["x"] + x, box["y"] + y


def map_frame(page):
    handle = page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    wait_parcels_drawn(frame, timeout_ms=TIMEOUT_MS)
    return frame


def parcel_count(page, count: int):
    """Wait until the map draws ``count`` parcels; its frame."""
    page.wait_for_function(
        f"""Array.from(document.querySelectorAll('{IFRAME}')).some(f => f.contentWindow && f.contentWindow.lpmap
            && f.contentWindow.lpmap.layers.parcels && f.contentWindow.lpmap.layers.parcels.all.length === {count})""",
        timeout=TIMEOUT_MS)
    return map_frame(page)


def test_split_a_parcel_by_drawing_a_line_then_step_back_a_day(ledger_app, chromium, target, shots):
    context, record = open_offline_page(chromium, width=1500, height=1100)
    try:
        page = record.page
        page.goto(ledger_app.url, wait_until="domcontentloaded")
        page.get_by_role("link", name="Biến động đất đai").click()
        frame = parcel_count(page, target["count"])
        box = page.get_by_role("textbox", name="Thửa đất (tờ/thửa)")
        box.fill(target["ref"])
        box.press("Enter")
        page.get_by_text("Vẽ đường chia trên bản đồ").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        frame = map_frame(page)
        frame.wait_for_selector(".leaflet-draw-draw-polyline", timeout=TIMEOUT_MS)
        assert frame.get_attribute(".leaflet-draw-draw-polyline", "title") == "Vẽ đường chia thửa"
        assert frame.query_selector(".leaflet-draw-draw-polygon") is None  # a line only on this page
        page.query_selector(IFRAME).scroll_into_view_if_needed()
        # the picked parcel fills the view: both ends of the line are on the map
        frame.wait_for_function("map.getZoom() >= 17", timeout=TIMEOUT_MS)
        # the line in the map's upper left part, clear of the legend (bottom right), folded anyway
        (a_lat, a_lng), (b_lat, b_lng) = target["line"]
        frame.evaluate("([c]) => { map.setView(c, 18, {animate: false}); map.panBy([120, 100], {animate: false});"
                       " const d = document.querySelector('.lp-legend details'); if (d) { d.open = false; } }",
                       [[(a_lat + b_lat) / 2, (a_lng + b_lng) / 2]])
        frame.click(".leaflet-draw-draw-polyline")
        for i, (lat, lng) in enumerate(target["line"]):
            x, y = screen_point(page, frame, lat, lng)
            page.mouse.click(x, y)
            wait_vertices(frame, i + 1)
        frame.click(".leaflet-draw-actions a[title='Kết thúc vẽ']")
        # the page reruns with the line: the preview with the new numbers
        page.get_by_role("button", name="Lưu tách thửa").wait_for(timeout=30_000)
        settle(page)
        number = page.get_by_role("textbox", name="Số văn bản")
        number.fill("125/QĐ-UBND")
        rerun_after(page, lambda: number.press("Enter"))
        page.get_by_role("button", name="Lưu tách thửa").click()
        page.get_by_text("Tách thửa", exact=False).first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Đã ghi mục").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        # two parcels with the new numbers where there was one; the new parcel's history names its parent
        frame = parcel_count(page, target["count"] + 1)
        assert page.get_by_role("textbox", name="Thửa đất (tờ/thửa)").input_value() == target["new"][0]
        page.get_by_text(f"Thửa gốc: {target['ref']}").wait_for(timeout=TIMEOUT_MS)
        numbers = frame.evaluate("lpmap.layers.parcels.all.map(l => l.feature.properties.s + '/' + "
                                 "l.feature.properties.n)")
        assert set(target["new"]) <= set(numbers) and target["ref"] not in numbers
        page.screenshot(path=str(shots / "ledger_split.png"), full_page=False)

        # the day before the split: one parcel, the old number
        day_before = dt.date.today() - dt.timedelta(days=1)
        for part, value in (("day", f"{day_before:%d}"), ("month", f"{day_before:%m}"),
                            ("year", f"{day_before:%Y}")):  # the date field's three parts
            page.get_by_role("spinbutton", name=f"{part}, Xem bản đồ tại ngày").click()
            page.keyboard.type(value)
        page.keyboard.press("Escape")
        page.get_by_role("heading", name="Biến động đất đai").click()  # leaving the field sets the date
        frame = parcel_count(page, target["count"])
        numbers = frame.evaluate("lpmap.layers.parcels.all.map(l => l.feature.properties.s + '/' + "
                                 "l.feature.properties.n)")
        assert target["ref"] in numbers and not set(target["new"]) & set(numbers)
        assert record.problems() == []
    finally:
        record.page.screenshot(path=str(shots / "ledger_last.png"), full_page=False)
        context.close()
