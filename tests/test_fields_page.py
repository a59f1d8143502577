"""The concentrated-fields page's logic without a browser (AppTest): targets, suggestions, drawing, clicks,
saving, renaming, deleting, exports. Each test has its own workspace file ($LUONGPHONG_WORKSPACE)."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from figures import field_counts, fields_total_ha, vn
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT, load_dataset
from gis.jobs import fields
from gis.store.workspace import Workspace

MAP_KEY = "fields_map"
KEPT, ALL_FIELDS = field_counts()  # counted from the layer, not typed in


@pytest.fixture(scope="module")
def data():
    return load_dataset()


@pytest.fixture(scope="module")
def suggestions(data):
    return fields.suggest(data, top=5)


@pytest.fixture
def ws_path(tmp_path, monkeypatch):
    path = tmp_path / "ws" / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    monkeypatch.chdir(ROOT)
    return path


def fields_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("app_pages/fields.py")
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def button(at: AppTest, label: str):
    (found,) = [b for b in at.button if b.label == label]
    return found


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def drawn(geom, crs) -> dict:
    """What streamlit-folium returns after a polygon is drawn: GeoJSON in WGS 84."""
    shape = gpd.GeoSeries([geom], crs=crs).to_crs(4326).iloc[0]
    feature = {"type": "Feature", "properties": {}, "geometry": shape.__geo_interface__}
    return {"all_drawings": [feature], "last_active_drawing": feature, "last_object_clicked": None}


def test_targets_suggestions_and_existing_fields_are_shown(ws_path, suggestions):
    at = fields_page()
    assert at.title[0].value == "Cánh đồng tập trung"
    assert any("dữ liệu minh họa" in w.value for w in at.warning)
    m = metrics(at)
    assert m["Tổng diện tích cánh đồng tập trung"] == f"{vn(fields_total_ha(), 2)} ha"
    assert m["Số cánh đồng tập trung"] == str(KEPT)
    # the plan's figure, from the target with the role fields_total (escaped: "\\> 100 ha")
    assert "Kế hoạch: \\> 100 ha" in markdown(at) and "Chưa đạt" in markdown(at)
    existing, listed = at.dataframe[0].value, at.dataframe[1].value
    assert set(existing["Tình trạng"]) == {"Duy trì", "Thu hồi"}
    assert len(existing) == ALL_FIELDS and existing["Số thửa"].min() > 0
    assert len(listed) == len(suggestions) == 5
    # numbers stay numbers (sorted as numbers; shown as 40,12 by the table's Styler)
    assert listed["Đất trồng lúa (ha)"].iloc[0] == pytest.approx(suggestions["rice_ha"].iloc[0])
    totals = list(listed["Tổng toàn xã nếu lấy (ha)"])
    assert all(v > 100 for v in totals)
    args = map_args(at)
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.js" in args["js_links"]
    assert all(u.startswith("/app/static/vendor/") for u in args["js_links"] + args["css_links"])
    assert args["returned_objects"] == ["all_drawings", "last_active_drawing", "last_object_clicked"]
    assert '"key":"suggested_fields"' in args["feature_group"] and "Gợi ý 1" in args["feature_group"]
    assert "L.Control.Draw" in args["script"]


def test_a_saved_suggestion_is_a_draft_and_meets_the_total_target_once_adopted(ws_path, suggestions):
    at = fields_page()
    before = metrics(at)
    at.selectbox(key="fields_suggestion").set_value(1).run()
    button(at, "Lấy gợi ý này").click().run()
    m = metrics(at)
    assert m["Đất trồng lúa"] == f"{suggestions['rice_ha'].iloc[0]:.2f}".replace(".", ",") + " ha"
    assert int(m["Số thửa lúa"]) == suggestions["parcels"].iloc[0]
    assert "Một khối liền" in markdown(at)
    with_it = f"{vn(fields_total_ha(suggestions.geometry.iloc[0]), 2)} ha"
    assert f"Nếu cánh đồng đang lập được lưu và phê duyệt: {with_it}" in captions(at)
    at.text_input(key="fields_name").set_value("Cánh đồng mới thôn Cấm").run()
    button(at, "Lưu cánh đồng").click().run()
    assert not at.exception
    assert any("Đã lưu cánh đồng «Cánh đồng mới thôn Cấm» (số 1)" in s.value and "dự thảo" in s.value
               for s in at.success)
    # a draft counts nowhere: the targets are those of the kept fields, the draft is shown apart
    m = metrics(at)
    assert m["Tổng diện tích cánh đồng tập trung"] == before["Tổng diện tích cánh đồng tập trung"]
    assert m["Số cánh đồng tập trung"] == str(KEPT)
    rice = f"{suggestions['rice_ha'].iloc[0]:.2f}".replace(".", ",")
    assert f"Dự thảo, chưa tính: 1 cánh đồng, {rice} ha đất lúa." in captions(at)
    saved = Workspace.open(ws_path).fields()
    assert saved["name"].tolist() == ["Cánh đồng mới thôn Cấm"] and saved["updated_at"].iloc[0]
    assert saved["state"].tolist() == ["draft"] and saved["dataset"].tolist() == ["builtin"]
    table = at.dataframe[0].value
    assert "Quy hoạch mới — Dự thảo" in set(table["Tình trạng"])
    group = map_args(at)["feature_group"]
    assert '"key":"draft_fields"' in group and '"key":"planned_fields"' not in group
    # adopted on the page: refused without a decision, then counted with one
    button(at, "Phê duyệt").click().run()
    assert any("số quyết định" in e.value for e in at.error), [e.value for e in at.error]
    at.text_input(key="fields_decision").set_value("Quyết định số 123/QĐ-UBND").run()
    at.date_input(key="fields_decision_date").set_value(date(2024, 5, 10)).run()
    button(at, "Phê duyệt").click().run()
    assert not at.exception
    assert any("Đã phê duyệt cánh đồng số 1" in s.value for s in at.success)
    m = metrics(at)
    assert m["Tổng diện tích cánh đồng tập trung"] == with_it
    assert m["Số cánh đồng tập trung"] == str(KEPT + 1)
    assert markdown(at).count("Đạt**") >= 2
    table = at.dataframe[0].value
    row = table[table["Tên cánh đồng"] == "Cánh đồng mới thôn Cấm"].iloc[0]
    assert (row["Tình trạng"], row["Quyết định phê duyệt"], row["Ngày quyết định"]) == (
        "Quy hoạch mới — Đã phê duyệt", "Quyết định số 123/QĐ-UBND", "10/05/2024")
    assert any("Quyết định số 123/QĐ-UBND, ngày 10/05/2024" in t.value for t in at.text)
    assert '"key":"planned_fields"' in map_args(at)["feature_group"]
    assert Workspace.open(ws_path).fields()["state"].tolist() == ["adopted"]
    # the saved block is no longer suggested
    listed = at.dataframe[1].value
    assert suggestions["rice_ha"].iloc[0] > 0 and len(listed) >= 1
    assert "Cấm, Giữa, Vân An" not in listed["Thôn"].iloc[:1].tolist()
    # three downloads: GeoPackage, KML, zipped shapefile
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["GeoPackage", "KML", "Shapefile"]


def test_rename_and_delete_a_saved_field(ws_path, suggestions, data):
    ws = Workspace.open(ws_path)
    field_id = ws.save_field(suggestions.geometry.iloc[2], name="Thử")
    at = fields_page()
    assert metrics(at)["Số cánh đồng tập trung"] == str(KEPT)  # a draft does not count
    at.selectbox(key="fields_saved_pick").set_value(field_id).run()
    at.text_input(key="fields_new_name").set_value("Cánh đồng thôn Chớp").run()
    button(at, "Đổi tên").click().run()
    assert Workspace.open(ws_path).fields()["name"].tolist() == ["Cánh đồng thôn Chớp"]
    assert "Cánh đồng thôn Chớp" in at.dataframe[0].value["Tên cánh đồng"].tolist()
    assert button(at, "Xóa").disabled  # not without the confirmation
    at.checkbox(key="fields_confirm_delete").check().run()
    button(at, "Xóa").click().run()
    assert not at.exception
    assert Workspace.open(ws_path).fields().empty
    assert any("Đã xóa cánh đồng «Cánh đồng thôn Chớp»" in s.value for s in at.success)
    assert metrics(at)["Số cánh đồng tập trung"] == str(KEPT)


def test_a_drawn_polygon_is_checked_live_and_an_overlap_is_refused(ws_path, suggestions, data):
    at = fields_page()
    inner = suggestions.geometry.iloc[1].buffer(-30).simplify(5)
    at.session_state[MAP_KEY] = drawn(inner, data.parcels.crs)
    at.run()
    m = metrics(at)
    rice = float(m["Đất trồng lúa"].split()[0].replace(".", "").replace(",", "."))
    assert 20 < rice < suggestions["rice_ha"].iloc[1]
    assert not button(at, "Lưu cánh đồng").disabled
    assert "vẽ trên bản đồ" in markdown(at)
    at.radio(key="fields_clipped").set_value(True).run()
    clipped = float(metrics(at)["Đất trồng lúa"].split()[0].replace(".", "").replace(",", "."))
    assert clipped != rice
    # over recovered land: refused with the reason, and the save button is off
    recovered = data.get("recovered_land").to_crs(data.parcels.crs).geometry.iloc[0]
    at.session_state[MAP_KEY] = drawn(recovered.representative_point().buffer(60), data.parcels.crs)
    at.run()
    assert any("đất đã thu hồi" in e.value for e in at.error), [e.value for e in at.error]
    assert button(at, "Lưu cánh đồng").disabled


def test_clicks_add_and_remove_rice_parcels_and_other_land_is_refused(ws_path, suggestions, data):
    at = fields_page()
    parcels = data.parcels
    free = fields.rice_parcels(parcels)
    free = free[free.intersects(suggestions.geometry.iloc[0])]
    label = free.index[0]

    def click(lab, n):
        row = parcels.loc[lab]
        at.session_state[MAP_KEY] = {
            "all_drawings": None, "last_object_clicked": {"lat": 21.3 + n / 1000, "lng": 106.0},
            "last_active_drawing": {"type": "Feature", "properties": {
                "i": int(parcels.index.get_loc(lab)), "s": int(row["sheet"]), "n": int(row["parcel_no"])}}}
        at.run()

    click(label, 1)
    assert metrics(at)["Số thửa lúa"] == "1"
    assert "chọn từng thửa" in markdown(at)
    neighbour = free[free.distance(free.geometry.loc[label]) < 1].index.drop(label)[0]
    click(neighbour, 2)
    assert metrics(at)["Số thửa lúa"] == "2"
    click(label, 3)
    assert metrics(at)["Số thửa lúa"] == "1"
    pond = parcels[~parcels["land_use_main"].isin(fields.landuse.RICE_CODES)].index[0]
    click(pond, 4)
    assert any("không phải đất trồng lúa" in w.value for w in at.warning)
    assert metrics(at)["Số thửa lúa"] == "1"


def test_an_old_workspace_says_its_fields_became_drafts_and_an_adopted_field_is_locked(ws_path, suggestions):
    import pyogrio

    from gis.store.rows import FIELDS_TABLE, VALUES_TABLE

    old = gpd.GeoDataFrame({"field_id": [1], "name": ["Cánh đồng cũ"], "village": [""], "note": [""],
                            "created_at": ["2024-03-01T00:00:00+00:00"], "updated_at": ["2024-03-01T00:00:00+00:00"]},
                           geometry=[suggestions.geometry.iloc[0]], crs=suggestions.crs)
    ws_path.parent.mkdir(parents=True)
    pyogrio.write_dataframe(old, ws_path, layer=FIELDS_TABLE, driver="GPKG", geometry_type="Polygon",
                            layer_options={"SPATIAL_INDEX": "NO"})
    values = pd.DataFrame({"key": ["pigs"], "value": [1.0], "note": [""], "entered_at": ["2024-03-01T00:00:00+00:00"]})
    pyogrio.write_dataframe(values, ws_path, layer=VALUES_TABLE, driver="GPKG", append=False)
    at = fields_page()
    assert any("1 cánh đồng lưu trước đó nay là dự thảo" in i.value for i in at.info), [i.value for i in at.info]
    assert metrics(at)["Số cánh đồng tập trung"] == str(KEPT)
    Workspace.open(ws_path).adopt_field(1, decision="Quyết định số 7/QĐ-UBND", decision_date="2024-01-15")
    at = fields_page()
    assert not any("nay là dự thảo" in i.value for i in at.info)
    assert metrics(at)["Số cánh đồng tập trung"] == "4"
    assert button(at, "Xóa").disabled and at.checkbox(key="fields_confirm_delete").disabled
    at.checkbox(key="fields_confirm_unadopt").check().run()
    at.text_input(key="fields_unadopt_reason").set_value("nhập nhầm").run()
    button(at, "Bỏ phê duyệt").click().run()
    assert not at.exception
    assert Workspace.open(ws_path).fields()["state"].tolist() == ["draft"]
    assert metrics(at)["Số cánh đồng tập trung"] == str(KEPT)
    assert "nhập nhầm" in Workspace.open(ws_path).audit()[-1][3]
