"""The map in a real browser, offline: headless Debian Chromium driven by Playwright against the real app.

Every request outside 127.0.0.1 is aborted and recorded (``conftest.offline_page``); each test fails on any
such request, any page error and any HTTP status of 400 or more. A missing browser fails, never skips.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import geopandas as gpd
import pytest
from conftest import MAP_IFRAME as IFRAME
from conftest import settle, tile_pixel_at, wait_parcels_drawn, wait_tiles_painted

from gis.files.io import load_dataset

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000


@dataclass
class KnownParcel:
    sheet: int
    number: int
    owner: str
    lat: float
    lng: float


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def parcels(dataset):
    return dataset.parcels


@pytest.fixture(scope="module")
def pond(dataset) -> KnownParcel:
    """The largest aquaculture pond (NTS) of the built-in data outside any overlay that tints it."""
    parcels = dataset.parcels
    overlays = [dataset.get(k).union_all() for k in ("recovered_land", "concentrated_fields") if dataset.get(k) is not None]
    ponds = parcels[parcels["land_use"] == "NTS"]
    for shape in overlays:
        ponds = ponds[~ponds.intersects(shape)]
    row = ponds.loc[ponds["map_area_m2"].idxmax()]
    point = gpd.GeoSeries([row.geometry.representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    return KnownParcel(int(row["sheet"]), int(row["parcel_no"]), str(row["owner"]), point.y, point.x)


def open_map(app, record):
    """Load the app and wait until the parcels are drawn; the map's frame."""
    page = record.page
    page.goto(app.url, wait_until="domcontentloaded")
    handle = page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    wait_parcels_drawn(frame, timeout_ms=TIMEOUT_MS)
    wait_tiles_painted(frame, timeout_ms=TIMEOUT_MS)
    page.wait_for_function(f"document.querySelector('{IFRAME}').getBoundingClientRect().height > 300",
                           timeout=TIMEOUT_MS)
    return frame


def click_on_map(page, frame, lat: float, lng: float, zoom: int = 19) -> None:
    """Zoom the map on a place and click there with the mouse, as a user would."""
    frame.evaluate("([lat, lng, z]) => { map.setView([lat, lng], z, {animate: false}); }", [lat, lng, zoom])
    wait_tiles_painted(frame, timeout_ms=TIMEOUT_MS)
    point = frame.evaluate("([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);"
                           " const r = map.getContainer().getBoundingClientRect();"
                           " return [p.x + r.left, p.y + r.top]; }", [lat, lng])
    box = page.query_selector(IFRAME).bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])


def test_the_map_draws_the_parcels_offline_with_legend_and_scale(streamlit_app, offline_page, pond):
    tiles: list[str] = []
    offline_page.page.on("request", lambda r: tiles.append(r.url) if "/lp-map/tiles/" in r.url else None)
    frame = open_map(streamlit_app, offline_page)
    assert tiles and all(u.startswith(streamlit_app.url) for u in tiles)  # the parcels are the app's own tiles
    # the overlays' one canvas over the parcel tiles (the tiles are canvases of their own, in their pane)
    frame.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane canvas').length === 1",
                            timeout=TIMEOUT_MS)
    frame.evaluate("([lat, lng]) => { map.setView([lat, lng], 18, {animate: false}); }", [pond.lat, pond.lng])
    wait_tiles_painted(frame, timeout_ms=TIMEOUT_MS)
    r, g, b, a = tile_pixel_at(frame, pond.lat, pond.lng)  # painted in the NTS colour (170, 255, 255)
    assert a > 200 and abs(r - 170) < 40 and g > 220 and b > 220, (r, g, b, a)
    legend = frame.locator(".lp-legend")
    frame.wait_for_selector(".lp-legend details", timeout=TIMEOUT_MS)  # fetched with the land-use names
    assert legend.is_visible()
    assert frame.evaluate("document.querySelector('.lp-legend details').open") is False  # starts folded
    assert "Chú giải" in legend.inner_text() and "Đất chuyên trồng lúa" not in legend.inner_text()
    legend.locator("summary").click()
    assert "Đất chuyên trồng lúa" in legend.inner_text()
    assert re.search(r"\d+ (m|km)", frame.locator(".leaflet-control-scale-line").inner_text())
    assert frame.locator(".leaflet-control-layers").count() == 1
    frame.locator(".lp-label", has_text="Vân An").wait_for(timeout=TIMEOUT_MS)  # the villages, fetched
    assert frame.locator(".lp-label", has_text="Vân An").count() == 1
    assert frame.locator(".leaflet-tile-pane .leaflet-tile").count() == 0  # no basemap tiles by default
    assert offline_page.problems() == []


def test_a_click_on_a_known_parcel_shows_its_card_without_reloading_the_map(streamlit_app, offline_page, pond):
    page = offline_page.page
    frame = open_map(streamlit_app, offline_page)
    frame.evaluate("window.__same_map = true")
    click_on_map(page, frame, pond.lat, pond.lng)
    page.get_by_role("heading", name=f"Thửa đất số {pond.number}, tờ bản đồ số {pond.sheet}").wait_for(
        timeout=TIMEOUT_MS)
    page.locator("strong").filter(has_text=pond.owner).first.wait_for(state="visible", timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    assert frame.evaluate("window.__same_map === true")  # the same map: not reloaded
    assert frame.evaluate("map.getZoom()") == 19  # the view kept
    frame.wait_for_function("lpmap.layers.selected && lpmap.layers.selected.all.length === 1", timeout=TIMEOUT_MS)
    assert offline_page.problems() == []


#: In the page: count the values the map's frame sends to Streamlit (streamlit-component-lib's
#: ``setComponentValue`` messages) in ``window.__lpValues``.
COUNT_VALUES_JS = """() => {
    window.__lpValues = [];
    window.addEventListener('message', e => {
        if (e.data && e.data.isStreamlitMessage && e.data.type === 'streamlit:setComponentValue')
            window.__lpValues.push(e.data.value);
    });
}"""

#: In the map's frame: count the reads of streamlit-folium's ``previous_data`` in ``window.__lpReads`` (its
#: updateComponentValue reads it first thing when its debounced call runs, 250 ms after a click).
COUNT_READS_JS = """() => {
    const g = window.__GLOBAL_DATA__;
    let value = g.previous_data;
    window.__lpReads = 0;
    Object.defineProperty(g, 'previous_data', {configurable: true, enumerable: true,
        get() { window.__lpReads += 1; return value; }, set(v) { value = v; }});
}"""


def test_a_click_sends_one_value_at_once_and_shows_the_card(streamlit_app, offline_page, pond):
    """streamlit-folium sends a click 250 ms late (a debounce); the map sends it at once itself, and
    streamlit-folium's own late call then sends nothing: one value, one rerun, for one click."""
    page = offline_page.page
    frame = open_map(streamlit_app, offline_page)
    settle(page)
    page.evaluate(COUNT_VALUES_JS)
    frame.evaluate(COUNT_READS_JS)
    click_on_map(page, frame, pond.lat, pond.lng)
    page.get_by_role("heading", name=f"Thửa đất số {pond.number}, tờ bản đồ số {pond.sheet}").wait_for(
        timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    # sent by lpmap at once: a streamlit-folium whose globals changed would leave this at 0 (and the click late)
    assert frame.evaluate("lpmap.clicksSent") == 1
    # streamlit-folium's own debounced call has run since (it read its previous value again) and sent nothing
    frame.wait_for_function("window.__lpReads >= 2", timeout=TIMEOUT_MS)
    settle(page)
    values = page.evaluate("window.__lpValues")
    assert len(values) == 1, values
    assert list(values[0]) == ["last_object_clicked", "last_active_drawing"]  # streamlit-folium's order
    props = values[0]["last_active_drawing"]["properties"]
    assert (props["s"], props["n"]) == (pond.sheet, pond.number)
    assert offline_page.problems() == []


def test_a_search_finds_an_owner_typed_without_accents(streamlit_app, offline_page, parcels):
    page = offline_page.page
    open_map(streamlit_app, offline_page)
    expected = int((parcels["owner"] == "Nguyễn Văn An").sum())
    box = page.get_by_role("textbox", name="Tìm thửa đất")
    box.fill("nguyen van an")
    box.press("Enter")
    page.get_by_text(f"Tìm thấy {expected} thửa").wait_for(timeout=TIMEOUT_MS)
    page.locator("strong").filter(has_text="Nguyễn Văn An").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    frame.wait_for_function(f"lpmap.layers.matches && lpmap.layers.matches.all.length === {expected}",
                            timeout=TIMEOUT_MS)
    frame.wait_for_function("map.getZoom() === 18", timeout=TIMEOUT_MS)  # zoomed to the first result
    assert offline_page.problems() == []


def test_the_language_switch_changes_the_labels(streamlit_app, offline_page):
    page = offline_page.page
    open_map(streamlit_app, offline_page)
    # the browser tab is titled from the dataset's unit of today, in the user's language
    page.wait_for_function("document.title === 'Bản đồ đất đai xã Hiệp Hòa'", timeout=TIMEOUT_MS)
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Hiệp Hòa commune map").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("document.title === 'Land map of Hiệp Hòa commune'", timeout=TIMEOUT_MS)
    page.wait_for_function(f"""() => {{
        const f = document.querySelector('{IFRAME}');
        const d = f && f.contentDocument;
        const legend = d && d.querySelector('.lp-legend');
        return legend && legend.innerText.includes('Legend') && legend.textContent.includes('Rice-only land');
    }}""", timeout=TIMEOUT_MS)
    assert page.get_by_role("textbox", name="Find a parcel").is_visible()
    assert offline_page.problems() == []


def test_an_online_background_that_cannot_load_says_so_in_vietnamese(streamlit_app, offline_page):
    page = offline_page.page
    frame = open_map(streamlit_app, offline_page)
    assert frame.locator(".lp-tile-notice").count() == 0
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="OpenStreetMap").locator("input").check()
    notice = frame.locator(".lp-tile-notice")
    notice.wait_for(state="visible", timeout=TIMEOUT_MS)  # every tile request was aborted: the notice shows
    assert notice.inner_text() == "Không tải được bản đồ nền trực tuyến (máy không có mạng?)"
    # what was refused is the background's tiles only, and the page itself went on without errors
    assert offline_page.outside and all("tile.openstreetmap.org" in u for u in offline_page.outside)
    assert offline_page.errors == []
    frame.locator(".leaflet-control-layers-overlays label", has_text="OpenStreetMap").locator("input").uncheck()
    assert frame.locator(".lp-tile-notice").count() == 0  # switched off: the notice goes with it
    assert page.get_by_role("heading", level=1).count() == 1


def test_a_village_filter_hides_the_other_villages_parcels_in_the_tiles(streamlit_app, offline_page, parcels, pond):
    from gis.core.i18n import number

    page = offline_page.page
    frame = open_map(streamlit_app, offline_page)
    pond_village = parcels.loc[(parcels["sheet"] == pond.sheet) & (parcels["parcel_no"] == pond.number),
                               "village"].iloc[0]
    other = sorted(v for v in parcels["village"].dropna().unique() if v != pond_village)[0]
    kept = parcels[parcels["village"] == other]
    inside = gpd.GeoSeries([kept.geometry.iloc[0].representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    frame.evaluate("window.__same_map = true")
    choose = page.locator("[data-testid='stMultiSelect']").filter(has_text="Lọc theo thôn").locator("input")
    choose.click()
    choose.fill(other)
    choose.press("Enter")
    choose.press("Escape")
    page.get_by_text(f"Đang hiển thị {number(len(kept), 0, lang='vi')} / "
                     f"{number(len(parcels), 0, lang='vi')} thửa đất.").wait_for(timeout=TIMEOUT_MS)
    frame = page.query_selector(IFRAME).content_frame()
    wanted = json.dumps({"v": [other]}, ensure_ascii=False, separators=(",", ":"))
    frame.wait_for_function(f"window.lpmap && lpmap.layers.parcels && "
                            f"JSON.stringify(lpmap.layers.parcels.filter) === {json.dumps(wanted)}", timeout=TIMEOUT_MS)
    assert frame.evaluate("window.__same_map === true")  # the same map, filtered in place
    for lat, lng, painted in ((pond.lat, pond.lng, False), (inside.y, inside.x, True)):
        frame.evaluate("([lat, lng]) => { map.setView([lat, lng], 18, {animate: false}); }", [lat, lng])
        wait_tiles_painted(frame, timeout_ms=TIMEOUT_MS)
        alpha = tile_pixel_at(frame, lat, lng)[3]
        assert (alpha > 200) if painted else (alpha == 0), (lat, lng, alpha)
    assert offline_page.problems() == []


def test_a_layer_off_at_opening_is_made_when_switched_on_and_roads_are_one_path_per_style(streamlit_app, offline_page,
                                                                                            dataset):
    """What the opening view waits for: a layer off by default (the ponds) is not decoded until it is switched on
    in the layer control; the roads, which take no clicks, are drawn as one path per road class, holding every
    line sent (the known answer: the packed roads decoded in Python, as :func:`layers.geometry.decode` does)."""
    from layers.catalogue import prepare
    from layers.geometry import decode

    packed = {layer.spec.key: json.loads(layer.data_json) for layer in prepare(dataset, pack_parcels=False).layers
              if layer.spec.key in ("roads", "aquaculture_ponds")}
    roads = decode(packed["roads"])
    classes = {str(f["properties"]["k"]) if f["properties"]["k"] is not None else "null" for f in roads}
    lines = sum(len(f["parts"]) for f in roads)
    assert len(roads) > 100 and 1 < len(classes) < 10  # many roads of a few classes: worth merging
    frame = open_map(streamlit_app, offline_page)
    frame.evaluate("lpmap.whenDrawn()")
    assert frame.evaluate("lpmap.layers.roads.all.length") == len(classes)
    assert frame.evaluate("lpmap.layers.roads.all.reduce((n, l) => n + l.feature.geometry.coordinates.length, 0)") \
        == lines
    assert sorted(frame.evaluate("lpmap.layers.roads.all.map(l => String(l.feature.properties.k))")) == sorted(classes)
    assert frame.evaluate("map.hasLayer(lpmap.layers.roads.group)")
    assert frame.evaluate("lpmap.layers.aquaculture_ponds === undefined")  # off: fetched, not decoded
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="Ao nuôi trồng thủy sản").locator("input").check()
    frame.wait_for_function("lpmap.layers.aquaculture_ponds && map.hasLayer(lpmap.layers.aquaculture_ponds.group)",
                            timeout=TIMEOUT_MS)
    assert frame.evaluate("lpmap.layers.aquaculture_ponds.all.length") == len(packed["aquaculture_ponds"]["f"])
    frame.locator(".leaflet-control-layers-overlays label", has_text="Ao nuôi trồng thủy sản").locator("input").uncheck()
    assert not frame.evaluate("map.hasLayer(lpmap.layers.aquaculture_ponds.group)")
    assert offline_page.problems() == []
