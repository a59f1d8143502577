"""The land changes page without a browser (AppTest): pick a parcel, split it with a drawn line, see the new
parcels, the history and the change list, step the map back to the day before. Each test has its own
workspace ($LUONGPHONG_WORKSPACE), so its ledger starts from the built-in data."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from app_pages.text import literal
from gis.files.io import ROOT, load_dataset
from gis.jobs.ledger.model import key_text

MAP_KEY = "ledger_map"


@pytest.fixture(scope="module")
def data():
    return load_dataset()


@pytest.fixture
def ws_path(tmp_path, monkeypatch):
    path = tmp_path / "ws" / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    monkeypatch.chdir(ROOT)
    return path


def big_parcel(parcels: gpd.GeoDataFrame) -> tuple[str, shapely.LineString]:
    """The largest rice or pond parcel and a line across its middle, along its short side (both halves well
    over the 500 m² minimum of rice land and ponds)."""
    rice = parcels[parcels["group"].isin(["rice", "aquaculture"])]
    row = rice.loc[rice.geometry.area.idxmax()]
    geom = row.geometry
    assert geom.area > 2000
    west, south, east, north = geom.bounds
    c = geom.centroid
    if east - west > north - south:
        line = shapely.LineString([(c.x, south - 5), (c.x, north + 5)])
    else:
        line = shapely.LineString([(west - 5, c.y), (east + 5, c.y)])
    return f"{key_text(row['sheet'])}/{key_text(row['parcel_no'])}", line


def drawn_line(line, crs) -> dict:
    """What streamlit-folium returns after a line is drawn: GeoJSON in WGS 84."""
    shape = gpd.GeoSeries([line], crs=crs).to_crs(4326).iloc[0]
    feature = {"type": "Feature", "properties": {}, "geometry": json.loads(json.dumps(shape.__geo_interface__))}
    return {"all_drawings": [feature], "last_active_drawing": feature, "last_object_clicked": None}


def ledger_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("app_pages/ledger.py")
    at.run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
                     + [e.value for e in at.error] + [i.value for i in at.info])


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def test_split_a_parcel_on_the_page_then_step_back_to_the_day_before(ws_path, data):
    ref, line = big_parcel(data.parcels)
    sheet = ref.split("/")[0]
    highest = max(int(n) for n in data.parcels.loc[data.parcels["sheet"].map(key_text) == sheet, "parcel_no"]
                  .map(key_text) if n.isdigit())
    at = ledger_page()
    total = len(data.parcels)
    assert f"{total:,}".replace(",", ".") in text(at)  # the caption counts today's parcels
    at.text_input(key="ledger_ref_input").set_value(ref).run()
    assert not at.exception, at.exception
    history = frames(at)[0]
    assert list(history["Loại biến động"]) == ["Hiện trạng ban đầu"]

    at.session_state[MAP_KEY] = drawn_line(line, data.parcels.crs)
    at.run()
    assert not at.exception, at.exception
    preview = next(f for f in frames(at) if "Số thửa mới" in f.columns)
    new_refs = [f"{sheet}/{highest + 1}", f"{sheet}/{highest + 2}"]
    assert list(preview["Số thửa mới"]) == new_refs
    area = float(data.parcels.loc[
        (data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text)) == ref].area.iloc[0])
    assert abs(preview["Diện tích (m²)"].sum() - area) < 0.5
    assert all(a > 500 for a in preview["Diện tích (m²)"])

    # without a document number the split is refused with the reason
    [b for b in at.button if b.label == "Lưu tách thửa"][0].click().run()
    assert "Không ghi được" in text(at) and "số văn bản" in text(at)
    at.text_input(key="ledger_dec_no").set_value("125/QĐ-UBND")
    at.text_input(key="ledger_dec_body").set_value("UBND xã Hiệp Hòa")
    at.run()
    [b for b in at.button if b.label == "Lưu tách thửa"][0].click().run()
    assert not at.exception, at.exception
    assert "Tách thửa" in text(at)
    assert at.session_state["ledger_ref"] == new_refs[0]
    history = frames(at)[0]
    assert list(history["Loại biến động"]) == ["Tách thửa"]
    assert history["Văn bản"].iloc[0] == "125/QĐ-UBND" and history["Thửa trước"].iloc[0] == ref
    assert f"{total + 1:,}".replace(",", ".") in text(at)
    assert f"Thửa gốc: {literal(ref)}" in text(at)

    # the change list counts the split; the rice land lost and gained balance
    kinds = next(f for f in frames(at) if "Số mục" in f.columns)
    assert dict(zip(kinds["Loại biến động"], kinds["Số mục"], strict=True)) == {"Tách thửa": 1}

    # the day before: one parcel again, the old number in force
    at.date_input(key="ledger_as_of").set_value(dt.date.today() - dt.timedelta(days=1)).run()
    assert not at.exception, at.exception
    assert f"{total:,}".replace(",", ".") in text(at)
    at.text_input(key="ledger_ref_input").set_value(ref).run()
    history = frames(at)[0]
    assert list(history["Loại biến động"]) == ["Hiện trạng ban đầu", "Tách thửa"]
    assert "Thửa tách/hợp thành: " + literal(", ".join(new_refs)) in text(at)


def test_a_line_that_leaves_a_piece_under_the_minimum_is_refused_with_its_reason(ws_path, data):
    ref, _ = big_parcel(data.parcels)
    geom = data.parcels.loc[(data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text))
                            == ref].geometry.iloc[0]
    west, south, east, north = geom.bounds
    # a line a metre in from the west side cuts a sliver far under 500 m²
    sliver = shapely.LineString([(west + 1, south - 5), (west + 1, north + 5)])
    at = ledger_page()
    at.text_input(key="ledger_ref_input").set_value(ref).run()
    at.session_state[MAP_KEY] = drawn_line(sliver, data.parcels.crs)
    at.run()
    assert not at.exception, at.exception
    assert "Không ghi được" in text(at)
    assert not [b for b in at.button if b.label == "Lưu tách thửa"]


def test_change_of_land_use_then_the_map_page_card_lists_it(ws_path, data):
    ref, _ = big_parcel(data.parcels)
    at = ledger_page()
    at.text_input(key="ledger_ref_input").set_value(ref).run()
    at.selectbox(key="ledger_new_use").set_value("SKN")
    at.text_input(key="ledger_dec_no").set_value("88/QĐ-UBND")
    at.run()
    [b for b in at.button if b.label == "Lưu chuyển mục đích"][0].click().run()
    assert not at.exception, at.exception
    assert any("Chuyển mục đích sử dụng đất" in s.value for s in at.success)
    history = frames(at)[0]
    assert list(history["Loại biến động"]) == ["Hiện trạng ban đầu", "Chuyển mục đích sử dụng đất"]
    assert at.session_state["ledger_ref"] == ref  # same parcel, same number

    # the map page's card: the parcel's changes in the expander "Lịch sử biến động"
    keys = data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text)
    at.switch_page("app_pages/map.py")
    at.session_state["map_selected"] = data.parcels.index[(keys == ref).to_numpy()][0]
    at.run()
    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label == "Lịch sử biến động"]
    (table,) = [d.value for d in expander.dataframe]
    assert list(table["Loại biến động"]) == ["Hiện trạng ban đầu", "Chuyển mục đích sử dụng đất"]
    assert table["Văn bản"].iloc[-1] == "88/QĐ-UBND"
    assert [b.label for b in expander.button] == ["Ghi mục hủy bỏ", "Mở trang biến động đất đai"]  # officer
    expander.button(key="ledger_from_map").click().run()
    assert not at.exception, at.exception
    assert at.session_state["ledger_ref"] == ref and at.title[0].value == "Biến động đất đai"
