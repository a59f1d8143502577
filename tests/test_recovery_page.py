"""The recovery page's logic without a browser (AppTest): choosing a project, the table, totals and map
overlay, clicks on rows and parcels, and the messages for bad boundaries (from the domain's errors)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, box
from streamlit.testing.v1 import AppTest

from app_pages.text import literal
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.core.recovery_settings import load_settings
from gis.files.io import ROOT, load_dataset
from gis.jobs.recovery import recover
from gis.jobs.recovery_boundary import prepare_boundary
from gis.jobs.recovery_files import load_boundary_file

PAGE = "app_pages/recovery.py"
CLUSTER = "1"  # the first project of the built-in layer: Cụm công nghiệp Đoan Bái - Lương Phong


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """Exports and uploads go to a temporary workspace, never the repository's."""
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))


@pytest.fixture(scope="module")
def data():
    return load_dataset()


@pytest.fixture(scope="module")
def cluster(data):
    boundary = prepare_boundary(data.get("recovered_land"), crs=data.parcels.crs, source="recovered_land",
                                project=CLUSTER)
    return recover(data.parcels, boundary, settings=load_settings())


def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page(PAGE)
    return at.run()


def choose_cluster(at: AppTest) -> AppTest:
    at.selectbox(key="recovery_project").select(CLUSTER)
    return at.run()


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_before_a_choice_the_page_warns_about_placeholders_and_demonstration_data():
    at = page()
    assert not at.exception
    assert at.title[0].value == "Thu hồi đất theo ranh giới dự án"
    assert load_settings().placeholder
    assert any("giá trị tạm" in w.value for w in at.warning)
    assert any("dữ liệu minh họa" in c.value for c in at.caption)
    assert any("Hãy chọn ranh giới dự án" in i.value for i in at.info)
    assert not at.metric and not at.dataframe
    assert "Cụm công nghiệp Đoan Bái - Lương Phong (2315/QĐ-UBND)" in at.selectbox(key="recovery_project").options


def test_choosing_the_cluster_shows_its_table_totals_and_overlay(cluster):
    at = choose_cluster(page())
    assert not at.exception
    t = cluster.totals
    shown = metrics(at)
    assert shown["Thửa bị thu hồi"] == number(t.parcels, 0)
    assert shown["Diện tích thu hồi"] == f"{number(t.recovered_m2, 1)} m²"
    assert shown["Đất trồng lúa thu hồi"] == f"{number(t.rice_m2, 1)} m²"
    assert shown["Ao thủy sản thu hồi"] == f"{number(t.pond_m2, 1)} m²"
    table = at.dataframe[0].value
    assert len(table) == len(cluster.table)
    assert list(table.columns) == [
        "Tờ bản đồ số", "Thửa số", "Mã loại đất", "Chủ sử dụng đất", "Thôn", "Diện tích pháp lý (m²)",
        "Diện tích đo trên bản đồ (m²)", "Diện tích thu hồi (m²)", "Diện tích còn lại (đo trên bản đồ, m²)",
        "Còn lại theo diện tích pháp lý (m²)", "Tỷ lệ thu hồi (%)", "Hình thức thu hồi", "Ghi chú"]
    assert set(table["Hình thức thu hồi"]) == {"Thu hồi toàn bộ", "Thu hồi một phần"}
    first = cluster.table.iloc[0]
    # the numbers stay numbers (the table sorts them as numbers; a Styler shows them as 1.866,4)
    assert pd.api.types.is_float_dtype(table["Diện tích thu hồi (m²)"])
    assert table.iloc[0]["Diện tích thu hồi (m²)"] == pytest.approx(first["recovered_m2"])
    assert (table["Ghi chú"].str.contains("nhỏ hơn diện tích tối thiểu")).sum() == t.below_minimum
    # the totals tab lists the severely affected households, organisations left out
    totals = at.dataframe[1].value.set_index("Chỉ tiêu")["Giá trị"]
    assert totals["Tổng diện tích thu hồi (m²)"] == number(t.recovered_m2, 1)
    severe = [k for k in totals.index if k.startswith("Số hộ gia đình bị ảnh hưởng nặng")]
    assert len(severe) == 1 and totals[severe[0]] == number(t.severe_owners, 0)
    owners = at.dataframe[-1].value
    ubnd = owners[owners["Chủ sử dụng đất"] == "UBND xã Lương Phong"]
    assert len(ubnd) and set(ubnd["Hộ gia đình / tổ chức"]) == {"Tổ chức"} and set(ubnd.iloc[:, -1]) == {""}
    args = map_args(at)
    for key in ("recovered_parts", "remainders", "flagged_parcels", "recovery_boundary"):
        assert f'"key":"{key}"' in args["feature_group"]
    assert args["returned_objects"] == ["last_active_drawing", "last_object_clicked"]
    assert args["zoom"] is not None and args["center"] is not None  # the view moves to the boundary
    assert [b.label for b in at.get("download_button")] == [
        "Bảng tổng hợp Excel (.xlsx)", "Phần thu hồi và phần còn lại (.gpkg)", "Danh sách thửa (.csv)"]


def test_a_row_zooms_to_its_parcel_and_a_parcel_click_selects_its_row(data, cluster):
    at = choose_cluster(page())
    before = map_args(at)
    row = 5
    label = cluster.table.index[row]
    at.session_state["recovery_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.session_state["recovery_selected"] == label
    after = map_args(at)
    assert after["zoom"] == 19 and after["script"] == before["script"]  # zoomed, the map itself kept
    assert '"key":"selected"' in after["feature_group"]
    sheet, parcel = cluster.table.loc[label, ["sheet", "parcel_no"]]
    assert any(f"Thửa đất số {parcel}, tờ bản đồ số {sheet}" in m.value for m in at.markdown)

    other = cluster.table.index[40]
    position = data.parcels.index.get_loc(other)
    at.session_state["recovery_map"] = {
        "last_active_drawing": {"type": "Feature", "properties": {
            "i": int(position), "s": int(data.parcels.loc[other, "sheet"]),
            "n": int(data.parcels.loc[other, "parcel_no"])}},
        "last_object_clicked": {"lat": 21.33, "lng": 106.01}}
    at.run()
    assert not at.exception
    assert at.session_state["recovery_selected"] == other
    assert at.dataframe[0].proto.selection_state and json.loads(at.dataframe[0].proto.selection_state)[
        "selection"]["rows"] == [40]
    assert map_args(at)["zoom"] == 19  # a click on the map keeps the view


def test_a_click_on_a_parcel_outside_the_boundary_says_so(data, cluster):
    at = choose_cluster(page())
    outside = data.parcels.index.difference(cluster.table.index)[0]
    row = data.parcels.loc[outside]
    at.session_state["recovery_map"] = {
        "last_active_drawing": {"type": "Feature", "properties": {
            "i": int(data.parcels.index.get_loc(outside)), "s": int(row["sheet"]), "n": int(row["parcel_no"])}},
        "last_object_clicked": {"lat": 21.34, "lng": 106.0}}
    at.run()
    assert not at.exception
    assert any(f"Thửa đất số {row['parcel_no']}, tờ bản đồ số {row['sheet']} không bị dự án này thu hồi" in i.value
               for i in at.info)


def bad_files(folder, crs):
    line = folder / "tuyen_duong.geojson"
    gpd.GeoDataFrame({"TENDUAN": ["Đường"]}, geometry=[LineString([(399000, 2360000), (399500, 2360500)])],
                     crs=crs).to_file(line, driver="GeoJSON")
    far = folder / "xa_khac.geojson"
    gpd.GeoDataFrame(geometry=[box(500000, 2000000, 500100, 2000100)], crs=crs).to_file(far, driver="GeoJSON")
    empty = folder / "rong.kml"
    empty.write_bytes(b"")
    table = folder / "bang.csv"
    table.write_text("ten,dien_tich\nA,1\n", encoding="utf-8")
    return [line, far, empty, table]


@pytest.mark.parametrize("which", range(4))
def test_a_bad_uploaded_boundary_gets_the_domain_message(tmp_path, data, which):
    path = bad_files(tmp_path, data.parcels.crs)[which]
    with pytest.raises(GisError) as expected:
        boundary = load_boundary_file(path, crs=data.parcels.crs)
        recover(data.parcels, boundary)
    at = page()
    at.session_state["recovery_source"] = "upload"
    at.session_state["recovery_upload_path"] = str(path)
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and literal(expected.value.text("vi")) in errors[0], errors  # escaped: data inside
    assert errors[0].startswith("**Không dùng được ranh giới này.**")
    assert not at.dataframe and not at.metric


def test_an_uploaded_boundary_in_another_crs_works_and_is_said(tmp_path, data, cluster):
    projects = data.get("recovered_land")
    path = tmp_path / "ccn.geojson"
    projects.iloc[[0]].to_crs(4326).to_file(path, driver="GeoJSON")
    at = page()
    at.session_state["recovery_source"] = "upload"
    at.session_state["recovery_upload_path"] = str(path)
    at.run()
    assert not at.exception
    assert metrics(at)["Thửa bị thu hồi"] == number(cluster.totals.parcels, 0)
    assert any("đã chuyển sang hệ của lớp thửa đất" in i.value for i in at.info)


def test_english_labels(cluster):
    at = page()
    at.sidebar.radio(key="lang").set_value("en").run()
    at = choose_cluster(at)
    assert not at.exception
    assert at.title[0].value == "Land recovery by project boundary"
    assert metrics(at)["Recovered area"] == f"{number(cluster.totals.recovered_m2, 1, lang='en')} m²"
    assert "Recovered area (m²)" in at.dataframe[0].value.columns


def test_a_polygon_drawn_on_the_map_is_the_boundary(data, cluster):
    at = page()
    at.session_state["recovery_source"] = "draw"
    at.run()
    assert not at.exception
    args = map_args(at)
    assert "L.Control.Draw" in args["script"] and "Vẽ ranh giới dự án" in args["script"]
    assert args["returned_objects"] == ["all_drawings", "last_active_drawing", "last_object_clicked"]
    assert any("/app/static/vendor/leaflet-draw/" in link for link in args["js_links"])
    outline = data.get("recovered_land").iloc[[0]].to_crs(4326).geometry.iloc[0]
    feature = {"type": "Feature", "properties": {}, "geometry": outline.__geo_interface__}
    at.session_state["recovery_map"] = {"all_drawings": [feature], "last_active_drawing": feature,
                                        "last_object_clicked": None}
    at.run()
    assert not at.exception
    assert metrics(at)["Thửa bị thu hồi"] == number(cluster.totals.parcels, 0)
    assert len(at.dataframe[0].value) == len(cluster.table)
    assert '"key":"recovered_parts"' in map_args(at)["feature_group"]


def _vi_number(text: str) -> float:
    """A figure as the page writes it in Vietnamese (1.234,5) back to a float."""
    return float(str(text).replace(".", "").replace(",", "."))


def test_totals_agree_between_every_sheet_the_page_and_the_csv(tmp_path, cluster):
    """Read everything back: each workbook sheet's totals row, the summary sheet, the CSV and the page's
    metric and tables agree on the recovered area to 0.1 m²; recovered + remaining = drawn in each."""
    import csv

    import openpyxl

    from gis.jobs.recovery_export import write_csv, write_workbook

    t = cluster.totals
    book = openpyxl.load_workbook(write_workbook(cluster, tmp_path / "r.xlsx"))
    figures: dict[str, float] = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if sheet.title == "Tổng hợp":
            figures[sheet.title] = dict((r[0], r[1]) for r in rows[5:])["Tổng diện tích thu hồi (m²)"]
            continue
        header = rows[4]
        totals = [r for r in rows if r[0] == "Tổng cộng"]
        if "Diện tích thu hồi (m²)" not in header or not totals:
            continue
        column = header.index("Diện tích thu hồi (m²)")
        figures[sheet.title] = totals[0][column]
        body = [r for r in rows[5:] if r[0] not in ("Tổng cộng", None)]
        assert sum(r[column] for r in body) == pytest.approx(totals[0][column], abs=0.05)
        if sheet.title == "Danh sách thửa":
            drawn = header.index("Diện tích đo trên bản đồ (m²)")
            remaining = header.index("Diện tích còn lại (đo trên bản đồ, m²)")
            for r in body:
                assert r[column] + r[remaining] == pytest.approx(r[drawn], abs=1e-6)
    assert set(figures) >= {"Tổng hợp", "Danh sách thửa", "Theo loại đất", "Theo nhóm đất", "Theo thôn",
                            "Theo chủ sử dụng"}
    path = write_csv(cluster, tmp_path / "r.csv")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    figures["csv"] = sum(float(r["recovered_m2"]) for r in rows if "sliver" not in r["flags"].split(";"))
    for r in rows:
        assert float(r["recovered_m2"]) + float(r["remaining_m2"]) == pytest.approx(float(r["map_area_m2"]),
                                                                                    abs=1e-6)

    at = choose_cluster(page())
    assert not at.exception
    figures["page metric"] = _vi_number(metrics(at)["Diện tích thu hồi"].removesuffix(" m²"))
    shown = at.dataframe[1].value.set_index("Chỉ tiêu")["Giá trị"]
    figures["page totals"] = _vi_number(shown["Tổng diện tích thu hồi (m²)"])
    for frame in at.dataframe[2:]:
        table = frame.value
        if "Diện tích thu hồi (m²)" in table.columns:
            # the summary tables keep numbers as numbers (a Styler shows them in Vietnamese)
            figures[f"page {list(table.columns)[0]}"] = float(table["Diện tích thu hồi (m²)"].sum())
    assert len(figures) >= 12, figures
    for name, value in figures.items():
        assert value == pytest.approx(t.recovered_m2, abs=0.1 + 1e-6), (name, value, t.recovered_m2)
