"""The recovery page in a real browser, offline: headless Debian Chromium against the real app.

Every request outside 127.0.0.1 is aborted and recorded (``conftest.offline_page``); the test fails on any
such request, page error or HTTP status of 400 or more. A missing browser fails, never skips.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from conftest import MAP_IFRAME as IFRAME
from conftest import wait_painted, wait_parcels_drawn
from openpyxl import load_workbook

from gis.core.i18n import number
from gis.core.recovery_settings import load_settings
from gis.files.io import load_dataset
from gis.jobs.recovery import recover
from gis.jobs.recovery_boundary import prepare_boundary

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
CLUSTER = "Cụm công nghiệp Đoan Bái - Lương Phong (2315/QĐ-UBND)"


@pytest.fixture(scope="module")
def cluster():
    data = load_dataset()
    boundary = prepare_boundary(data.get("recovered_land"), crs=data.parcels.crs, source="recovered_land",
                                project="1")
    return recover(data.parcels, boundary, settings=load_settings())


def map_frame(page):
    return page.query_selector(IFRAME).content_frame()


def open_recovery(app, record):
    """Open the app, go to the recovery page by its link, and wait until the commune map is drawn."""
    page = record.page
    page.goto(app.url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Thu hồi đất").click()
    page.get_by_role("heading", name="Thu hồi đất theo ranh giới dự án").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS)
    wait_parcels_drawn(map_frame(page), timeout_ms=TIMEOUT_MS)
    return page


def totals_of(sheet) -> dict[str, object]:
    """The totals sheet's rows: label -> value."""
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]}


def test_choose_the_cluster_see_the_parcels_and_download_the_workbook(streamlit_app, offline_page, cluster,
                                                                      tmp_path):
    page = open_recovery(streamlit_app, offline_page)
    map_frame(page).evaluate("window.__same_map = true")
    page.get_by_role("combobox", name="Dự án").click()
    page.get_by_role("option", name=CLUSTER).click()

    # the highlighted parcels: every recovered part, the remainders and the flagged parcels, drawn on the map
    t = cluster.totals
    parts = len(cluster.table)
    frame = map_frame(page)
    frame.wait_for_function(f"lpmap.layers.recovered_parts && lpmap.layers.recovered_parts.all.length === {parts}",
                            timeout=TIMEOUT_MS)
    assert frame.evaluate("window.__same_map === true")  # the map was not built again
    assert frame.evaluate("map.hasLayer(lpmap.layers.recovered_parts.group)")
    assert frame.evaluate("lpmap.layers.remainders.all.length") == int((cluster.table["status"] == "partial").sum() +
                                                                      cluster.table["remainder_sliver"].sum())
    assert frame.evaluate("lpmap.layers.flagged_parcels.all.length") == len(cluster.flagged)
    assert frame.evaluate("lpmap.layers.recovery_boundary.all.length") == 1
    west, south, east, north = frame.evaluate("(() => { const b = map.getBounds(); "
                                              "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    centre = cluster.boundary.geometry.centroid
    lng, lat = gpd.GeoSeries([centre], crs=cluster.boundary.crs).to_crs(4326).iloc[0].coords[0]
    assert west < lng < east and south < lat < north  # the view moved to the boundary
    # a wholly recovered parcel is painted red on the canvas
    data = load_dataset()
    whole = cluster.table[(cluster.table["status"] == "whole") & ~cluster.table["flags"].map(bool)]
    label = data.parcels.loc[whole.index, "map_area_m2"].idxmax()
    point = gpd.GeoSeries([data.parcels.geometry[label].representative_point()], crs=data.parcels.crs).to_crs(4326)
    frame.evaluate("([lat, lng]) => map.setView([lat, lng], 19, {animate: false})", [point.y[0], point.x[0]])
    r, g, b, a = wait_painted(frame, point.y[0], point.x[0], "a > 200 && r > g + 60 && r > b + 60")
    assert a > 200 and r > g + 60 and r > b + 60, (r, g, b, a)

    # the table and the totals
    page.get_by_role("heading", name="Danh sách thửa đất bị thu hồi").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(f'[data-testid="stDataFrame"] [role="grid"][aria-rowcount="{len(cluster.table) + 1}"]',
                           state="attached", timeout=TIMEOUT_MS)  # one row per parcel touched, and the header
    page.get_by_text(f"{number(t.recovered_m2, 1)} m²", exact=True).first.wait_for(timeout=TIMEOUT_MS)

    # the workbook, downloaded as a user would, checked against the domain
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Bảng tổng hợp Excel (.xlsx)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "thu_hoi_dat.xlsx"
    wb = load_workbook(path)
    totals = totals_of(wb["Tổng hợp"])
    assert totals["Số thửa bị thu hồi"] == t.parcels
    assert totals["Tổng diện tích thu hồi (m²)"] == pytest.approx(t.recovered_m2, abs=0.05)
    assert totals["Đất trồng lúa bị thu hồi (m²)"] == pytest.approx(t.rice_m2, abs=0.05)
    assert totals["Đất nuôi trồng thủy sản bị thu hồi (m²)"] == pytest.approx(t.pond_m2, abs=0.05)
    severe = [k for k in totals if str(k).startswith("Số hộ gia đình bị ảnh hưởng nặng")]
    assert len(severe) == 1 and totals[severe[0]] == t.severe_owners
    parcels = wb["Danh sách thửa"]
    assert parcels["A1"].value == "DANH SÁCH THỬA ĐẤT THU HỒI" and "Cụm công nghiệp" in parcels["A2"].value
    total_row = next(r for r in parcels.iter_rows(values_only=True) if r[0] == "Tổng cộng")
    assert total_row[8] == pytest.approx(t.recovered_m2, abs=0.05)
    assert offline_page.problems() == []
