"""The fields page in a real browser, offline: draw a field with mouse clicks, see its area, save it, reload
the page and find it again; the targets page does not count it while it is a draft, and counts it once it is
adopted on the fields page (the figures checked against shapely here).

The app runs in its own process with ``$LUONGPHONG_WORKSPACE`` pointing at a fresh file (the session's
``streamlit_app`` may already be running with another workspace). Every request outside 127.0.0.1 is
aborted and recorded (``conftest.open_offline_page``); the test fails on any of them, on any page error and
on any HTTP status of 400 or more. Screenshots (``fields_*.png``) go to the test run's temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from conftest import MAP_IFRAME as IFRAME
from conftest import (
    next_frame,
    open_offline_page,
    rerun_after,
    settle,
    start_app,
    stop_app,
    wait_parcels_drawn,
    wait_vertices,
)

from gis.files.io import BUILTIN_DATA_DIR, load_dataset
from gis.jobs import fields
from gis.store.workspace import Workspace

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
NAME = "Cánh đồng thử nghiệm trình duyệt"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fields_ws") / "workspace.gpkg"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: the test run's temporary folder."""
    return tmp_path_factory.mktemp("fields_shots")


@pytest.fixture(scope="module")
def fields_app(tmp_path_factory, workspace):
    """The real app with its own workspace file."""
    workspace_file = str(workspace)
    app = start_app(tmp_path_factory.mktemp("fields_app") / "streamlit.log", env={"LUONGPHONG_WORKSPACE": workspace_file})
    try:
        yield app
    finally:
        stop_app(app)


@pytest.fixture(scope="module")
def corners() -> tuple[list[tuple[float, float]], float]:
    """A square inside free rice land (the second suggestion): its (lat, lng) corners and its area in ha."""
    data = load_dataset()
    block = fields.suggest(data, top=5).geometry.iloc[1].buffer(-25)
    centre = block.representative_point()
    for half in (80.0, 60.0, 40.0):
        square = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
        if block.contains(square):
            break
    else:
        raise AssertionError("no square fits in the suggested block")
    points = gpd.GeoSeries(shapely.points(list(square.exterior.coords)[:4]), crs=data.parcels.crs).to_crs(4326)
    return [(p.y, p.x) for p in points], square.area / 10_000


def open_fields(app, record):
    """Load the app, go to the fields page by its link, and wait until the parcels and the drawing toolbar
    are on its map; that map's frame.

    The app is opened at its root: opened at ``/fields`` Streamlit first asks ``/fields/_stcore/...``
    (404) before finding its server, which the offline page would count as failures.
    """
    page = record.page
    page.goto(app.url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Cánh đồng tập trung").click()
    page.wait_for_function(
        f"""Array.from(document.querySelectorAll('{IFRAME}')).some(f => f.contentDocument &&
            f.contentDocument.querySelector('.leaflet-draw-draw-polygon'))""", timeout=TIMEOUT_MS)
    handle = page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    wait_parcels_drawn(frame, timeout_ms=TIMEOUT_MS)
    page.wait_for_function(f"document.querySelector('{IFRAME}').getBoundingClientRect().height > 300",
                           timeout=TIMEOUT_MS)
    return frame


def whole_page(page, path: Path) -> None:
    """A screenshot of the whole page (Streamlit scrolls inside its main element, so grow the window)."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height + 50)})
    next_frame(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def screen_point(page, frame, lat: float, lng: float) -> tuple[float, float]:
    x, y = frame.evaluate("([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);"
                          " const r = map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                          [lat, lng])
    box = page.query_selector(IFRAME).bounding_box()
    return box["x"] + x, box["y"] + y


def test_draw_a_field_see_its_area_save_it_and_find_it_after_a_reload(fields_app, chromium, corners, workspace,
                                                                       shots):
    corners, square_ha = corners
    context, record = open_offline_page(chromium, width=1500, height=1100)
    try:
        page = record.page
        frame = open_fields(fields_app, record)
        tip = frame.get_attribute(".leaflet-draw-draw-polygon", "title")
        assert tip == "Vẽ ranh giới cánh đồng (đa giác)"
        centre = [sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4]
        page.query_selector(IFRAME).scroll_into_view_if_needed()
        # the field in the map's upper left quarter, clear of the legend (bottom right)
        frame.evaluate("([c]) => { map.setView(c, 17, {animate: false}); map.panBy([160, 120], {animate: false}); }",
                       [centre])
        frame.click(".leaflet-draw-draw-polygon")
        for i, (lat, lng) in enumerate([*corners, corners[0]]):  # the first corner again closes the polygon
            x, y = screen_point(page, frame, lat, lng)
            page.mouse.click(x, y)
            if i < len(corners):
                wait_vertices(frame, i + 1)
        # the page reruns with the drawing: its live figures, and the outline drawn back on the map
        page.get_by_text("vẽ trên bản đồ").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        frame.wait_for_function("lpmap.layers.working_field && lpmap.layers.working_parcels", timeout=TIMEOUT_MS)
        metric = page.locator('[data-testid="stMetric"]', has_text="Diện tích ranh giới")
        area_text = metric.locator('[data-testid="stMetricValue"]').inner_text()
        area_ha = float(area_text.split()[0].replace(".", "").replace(",", "."))
        assert abs(area_ha - square_ha) < 0.02 * square_ha, (area_text, square_ha)  # clicks land within a pixel
        rice_text = page.locator('[data-testid="stMetric"]', has_text="Đất trồng lúa").first.inner_text()
        assert re.search(r"\d+,\d\d ha", rice_text), rice_text
        assert frame.evaluate("window.drawnItems.getLayers().length") == 0  # the drawing became the field
        page.screenshot(path=str(shots / "fields_drawn.png"), full_page=False)

        page.get_by_label("Tên cánh đồng", exact=True).fill(NAME)
        rerun_after(page, lambda: page.get_by_label("Tên cánh đồng", exact=True).press("Enter"))
        page.get_by_role("button", name="Lưu cánh đồng").click()
        page.get_by_text(f"Đã lưu cánh đồng «{NAME}»").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        # the map was not rebuilt by the save: same view, the legend still folded
        assert frame.evaluate("map.getZoom()") == 17
        assert frame.evaluate("document.querySelector('.lp-legend details').open") is False
        saved = Workspace.open(workspace).fields()
        assert saved["name"].tolist() == [NAME]
        assert abs(saved.geometry.iloc[0].area / 10_000 - area_ha) < 0.01
        whole_page(page, shots / "fields_saved.png")

        # a reload: a new session, the map built again, the field read back from the workspace
        frame = open_fields(fields_app, record)
        frame.wait_for_function("lpmap.layers.draft_fields && !lpmap.layers.planned_fields", timeout=TIMEOUT_MS)
        labels = frame.eval_on_selector_all(".lp-label span", "els => els.map(e => e.textContent)")
        assert NAME in labels
        settle(page)
        picked = page.locator('[data-testid="stSelectbox"] input').evaluate_all("els => els.map(e => e.value)")
        assert f"1. {NAME}" in picked  # the saved-field picker of the rename/delete panel
        whole_page(page, shots / "fields_reloaded.png")

        # the draft does not count on the targets page
        outline = saved.geometry.iloc[0]
        assert fields_total_on_targets_page(page) == pytest.approx(fields_total_ha(), abs=0.006)
        assert not target_frame(page).evaluate("!!lpmap.layers.target_planned")

        # adopted on the fields page, with the decision's number and date
        frame = open_fields(fields_app, record)
        settle(page)
        page.get_by_label("Số quyết định phê duyệt").fill("Quyết định số 123/QĐ-UBND")
        rerun_after(page, lambda: page.get_by_label("Số quyết định phê duyệt").press("Enter"))
        for part, value in (("day", "10"), ("month", "05"), ("year", "2024")):  # the date field's three parts
            page.get_by_role("spinbutton", name=f"{part}, Ngày quyết định").click()
            page.keyboard.type(value)
        page.keyboard.press("Tab")  # the date is sent with the next widget event (the click below) at the latest
        settle(page)
        page.get_by_role("button", name="Phê duyệt", exact=True).click()
        page.get_by_text("Đã phê duyệt cánh đồng số 1").wait_for(timeout=TIMEOUT_MS)
        adopted = Workspace.open(workspace).fields()
        assert adopted[["state", "decision", "decision_date"]].values.tolist() == [
            ["adopted", "Quyết định số 123/QĐ-UBND", "2024-05-10"]]
        # the overlay swapped in place: the field drawn solid now, its dashed draft outline gone from the map
        frame.wait_for_function("lpmap.layers.planned_fields && map.hasLayer(lpmap.layers.planned_fields.group) && "
                                "!(lpmap.layers.draft_fields && map.hasLayer(lpmap.layers.draft_fields.group))",
                                timeout=TIMEOUT_MS)
        whole_page(page, shots / "fields_adopted.png")

        # now the targets page counts it
        total = fields_total_on_targets_page(page)
        assert total == pytest.approx(fields_total_ha(outline), abs=0.006)
        assert total > fields_total_ha() + 0.5 * outline.area / 10_000
        target_frame(page).wait_for_function("!!lpmap.layers.target_planned", timeout=TIMEOUT_MS)
        assert record.problems() == []
    finally:
        context.close()


def fields_total_ha(extra: shapely.Geometry | None = None) -> float:
    """The plan's concentrated-fields total by shapely here: kept fields and ``extra``, outside recovered land."""
    kept = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "concentrated_fields.shp")
    recovered = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "recovered_land.shp").to_crs(kept.crs)
    shape = shapely.union_all(kept[kept["TRANGTHAI"].str.strip() == "Duy trì"].geometry.to_numpy())
    if extra is not None:
        shape = shapely.union(shape, extra)
    return shapely.difference(shape, shapely.union_all(recovered.geometry.to_numpy())).area / 10_000


def target_frame(page):
    """The frame of the targets page's map (the one whose highlight script has run)."""
    for handle in page.query_selector_all(IFRAME):
        inner = handle.content_frame()
        if inner is not None and inner.evaluate("!!(window.lpmap && lpmap.targetCounts)"):
            return inner
    raise AssertionError("the targets map is not drawn")


def fields_total_on_targets_page(page) -> float:
    """Go to the targets page, show the concentrated-fields total on its map, and read the measured figure."""
    page.get_by_role("link", name="Chỉ tiêu kế hoạch").click()
    page.wait_for_function(f"""() => Array.from(document.querySelectorAll('{IFRAME}')).some(f => {{
        const w = f.contentWindow;
        return w && w.map && w.lpmap && w.lpmap.targetCounts;
    }})""", timeout=TIMEOUT_MS)
    box = page.get_by_role("combobox", name="Xem trên bản đồ")
    box.click()
    page.keyboard.type("Tổng diện tích cánh đồng")
    page.get_by_role("option", name="Tổng diện tích cánh đồng tập trung toàn xã").click()
    line = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="Kế hoạch:").filter(has_text="100 ha")
    line.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    found = re.search(r"Đo được: ([\d.]+,\d+) ha", line.inner_text())
    assert found, line.inner_text()
    return float(found.group(1).replace(".", "").replace(",", "."))
