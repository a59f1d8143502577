"""The merged commune's map in a real browser, offline: parcels from vector tiles, a click, two searches.

The app runs on the merged commune xã Hiệp Hòa (mới) (≈63 000 parcels, the dataset ``hiep-hoa``, read from the
cache folder where ``gis.demo.merged`` generates it once), with a workspace and a tile cache in the test run's
temporary folder (the tiles are built at the first map load). Headless Debian Chromium; every request outside
127.0.0.1 is aborted and recorded (``conftest.offline_page``) and fails the test, as do page errors and HTTP
statuses of 400 or more.

The second search must send less than 50 kB to the browser: the WebSocket frames received plus the HTTP
responses' bodies, from pressing Enter to the card and the highlight shown (the map itself is not sent again).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import (
    MAP_IFRAME,
    MergedCommune,
    start_app,
    stop_app,
    tile_pixel_at,
    wait_parcels_drawn,
    wait_tiles_painted,
)

from gis.core import landuse
from gis.files.io import load_dataset
from gis.store import datasets

pytestmark = pytest.mark.browser

#: The first map load builds the merged commune's tiles (about half a minute on a 2-core machine).
FIRST_LOAD_MS = 240_000
TIMEOUT_MS = 90_000
#: What the second search may send, in bytes.
SEARCH_BUDGET = 50_000
#: The overlays drawn over the parcels as outlines or lines, and those that wash them with a colour: a parcel
#: checked by colour is painted under none of them where it is checked.
OUTLINES = ("villages", "rice_fields", "aquaculture_ponds", "roads", "canals")
WASHES = ("concentrated_fields", "recovered_land")
#: Metres kept clear of any outline or line around the point checked (they are drawn a few pixels wide).
CLEAR_M = 8.0


@dataclass
class KnownParcel:
    sheet: int
    number: int
    owner: str
    code: str
    lat: float
    lng: float


def _known(parcels: gpd.GeoDataFrame, label) -> KnownParcel:
    row = parcels.loc[label]
    point = gpd.GeoSeries([row.geometry.representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    return KnownParcel(int(row["sheet"]), int(row["parcel_no"]), str(row["owner"]), str(row["land_use"]),
                       point.y, point.x)


@pytest.fixture(scope="module")
def merged(merged_commune: MergedCommune):
    """The merged commune as the app reads it (generated into the cache folder once per test run)."""
    return load_dataset(merged_commune.cached)


@pytest.fixture(scope="module")
def thang_lot(merged) -> KnownParcel:
    """The largest urban residential lot (ODT) of the former thị trấn Thắng under no overlay."""
    parcels = merged.parcels
    lots = parcels[(parcels["former_unit"] == "Thắng") & (parcels["land_use"] == "ODT")]
    drawn = [merged.get(k).geometry.boundary for k in OUTLINES if merged.get(k) is not None]
    drawn += [merged.get(k).geometry for k in WASHES if merged.get(k) is not None]
    tree = shapely.STRtree(np.concatenate([g.to_numpy() for g in drawn]))
    points = shapely.point_on_surface(lots.geometry.to_numpy())
    near = np.unique(tree.query(points, predicate="dwithin", distance=CLEAR_M)[0])
    lots = lots.drop(lots.index[near])
    return _known(parcels, lots["map_area_m2"].idxmax())


@pytest.fixture(scope="module")
def dong_lo_owners(merged) -> tuple[KnownParcel, KnownParcel]:
    """Two land users of the former xã Đông Lỗ holding one parcel each (a search finds exactly that one)."""
    parcels = merged.parcels
    counts = parcels["owner"].value_counts()
    single = parcels[(parcels["former_unit"] == "Đông Lỗ") & (parcels["owner"].map(counts) == 1)]
    assert len(single) >= 2
    return _known(parcels, single.index[0]), _known(parcels, single.index[1])


@pytest.fixture(scope="module")
def merged_app(tmp_path_factory, merged):
    """The real app with the merged commune in use, in a workspace of its own, with a tile cache of its own (the
    command that generated the merged commune built its tiles into the session's: here the app builds them)."""
    folder = tmp_path_factory.mktemp("merged-workspace")
    datasets.use(datasets.HIEP_HOA, root=folder)
    app = start_app(tmp_path_factory.mktemp("merged-app") / "streamlit.log",
                    env={"LUONGPHONG_WORKSPACE": str(folder / "workspace.gpkg"),
                         "LUONGPHONG_TILE_CACHE": str(tmp_path_factory.mktemp("merged-tiles"))})
    try:
        yield app
    finally:
        stop_app(app)


def open_map(app, record, *, timeout_ms: int = TIMEOUT_MS):
    """Load the app; wait until the parcel tiles of the first view are painted; the map's frame."""
    page = record.page
    page.goto(app.url, wait_until="domcontentloaded")
    frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=timeout_ms).content_frame()
    wait_parcels_drawn(frame, timeout_ms=timeout_ms)
    wait_tiles_painted(frame, timeout_ms=timeout_ms)
    return frame


def show(frame, parcel: KnownParcel, zoom: int) -> None:
    frame.evaluate("([lat, lng, z]) => { map.setView([lat, lng], z, {animate: false}); }", [parcel.lat, parcel.lng, zoom])
    wait_tiles_painted(frame)


def hex_rgb(code: str) -> tuple[int, int, int]:
    colour = landuse.LAND_USES[code].hex_colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def test_the_merged_commune_draws_from_tiles_and_a_click_in_thang_opens_the_card(merged_app, offline_page,
                                                                                  thang_lot):
    page = offline_page.page
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/lp-map/tiles/" in r.url else None)
    frame = open_map(merged_app, offline_page, timeout_ms=FIRST_LOAD_MS)
    assert tiles and all(u.startswith(merged_app.url) and u.endswith(".pbf") for u in tiles)
    # zoom 13 is drawn from the zoom-12 overview already parsed: painted at the lot, with no tile fetched for it
    show(frame, thang_lot, 13)
    assert tile_pixel_at(frame, thang_lot.lat, thang_lot.lng)[3] > 200
    zooms = {int(u.split("/lp-map/tiles/", 1)[1].split("/")[1]) for u in tiles}
    assert 12 in zooms and 13 not in zooms, sorted(zooms)
    # the Thắng lot is painted in its land-use colour, from the tiles, at a street view and closer
    expected = hex_rgb(thang_lot.code)
    for zoom in (17, 19):
        show(frame, thang_lot, zoom)
        r, g, b, a = tile_pixel_at(frame, thang_lot.lat, thang_lot.lng)
        assert a > 200 and all(abs(x - y) < 40 for x, y in zip((r, g, b), expected, strict=True)), (zoom, r, g, b)
    # a click on it, as a user would, opens its card; the map is not reloaded and keeps its view
    frame.evaluate("window.__same_map = true")
    point = frame.evaluate("([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);"
                           " const r = map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                           [thang_lot.lat, thang_lot.lng])
    box = page.query_selector(MAP_IFRAME).bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.get_by_role("heading", name=f"Thửa đất số {thang_lot.number}, tờ bản đồ số {thang_lot.sheet}").wait_for(
        timeout=TIMEOUT_MS)
    page.locator("strong").filter(has_text=thang_lot.owner).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    frame = page.query_selector(MAP_IFRAME).content_frame()
    frame.wait_for_function(f"lpmap.layers.selected && lpmap.layers.selected.all.length === 1 && "
                            f"lpmap.layers.selected.all[0].feature.properties.n === {thang_lot.number}",
                            timeout=TIMEOUT_MS)
    assert frame.evaluate("window.__same_map === true") and frame.evaluate("map.getZoom()") == 19
    assert frame.evaluate("lpmap.clicksSent") == 1  # sent at once, not after streamlit-folium's 250 ms debounce
    assert offline_page.problems() == []


def search(page, parcel: KnownParcel) -> None:
    """Search for the parcel's land user (typed without accents) and wait for its card and highlight."""
    from gis.jobs.search import fold

    box = page.get_by_role("textbox", name="Tìm thửa đất")
    box.fill(fold(parcel.owner))
    box.press("Enter")
    page.get_by_role("heading", name=f"Thửa đất số {parcel.number}, tờ bản đồ số {parcel.sheet}").wait_for(
        timeout=TIMEOUT_MS)
    page.get_by_text("Tìm thấy 1 thửa").wait_for(timeout=TIMEOUT_MS)
    page.locator("strong").filter(has_text=parcel.owner).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Bỏ chọn").wait_for(timeout=TIMEOUT_MS)  # the card's last element
    frame = page.query_selector(MAP_IFRAME).content_frame()
    frame.wait_for_function(f"lpmap.layers.selected && lpmap.layers.selected.all.length === 1 && "
                            f"lpmap.layers.selected.all[0].feature.properties.n === {parcel.number} && "
                            f"lpmap.layers.selected.all[0].feature.properties.s === {parcel.sheet}",
                            timeout=TIMEOUT_MS)
    frame.wait_for_function("map.getZoom() === 18", timeout=TIMEOUT_MS)  # zoomed to it


def test_a_search_finds_a_parcel_in_dong_lo_and_the_second_search_sends_little(merged_app, offline_page,
                                                                                dong_lo_owners):
    page = offline_page.page
    received: list[int] = []
    finished: list = []

    def on_websocket(ws) -> None:
        ws.on("framereceived", lambda payload: received.append(len(payload)))

    page.on("websocket", on_websocket)
    page.on("requestfinished", lambda request: finished.append(request))
    open_map(merged_app, offline_page, timeout_ms=FIRST_LOAD_MS)
    first, second = dong_lo_owners
    search(page, first)
    frame = page.query_selector(MAP_IFRAME).content_frame()
    wait_tiles_painted(frame)
    received.clear()
    finished.clear()
    search(page, second)
    frame = page.query_selector(MAP_IFRAME).content_frame()
    wait_tiles_painted(frame)
    ws_bytes = sum(received)
    http_bytes = sum(r.sizes()["responseBodySize"] for r in finished)
    assert received, "no WebSocket frame counted: the search was not seen"
    assert ws_bytes + http_bytes < SEARCH_BUDGET, (ws_bytes, http_bytes, [r.url for r in finished])
    assert offline_page.problems() == []
