"""The map page's logic, run without a browser (AppTest): the map's arguments, clicks, search, filters."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.text import literal
from gis.files.io import ROOT, load_dataset
from gis.jobs import tiles

MAP_KEY = "commune_map"


@pytest.fixture(scope="module")
def parcels():
    return load_dataset().parcels


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def click(at: AppTest, parcels, label, *, at_lat: float = 21.34) -> AppTest:
    """What streamlit-folium leaves in session state after a click on parcel ``label`` (a tile feature: its
    position in the parcel layer, sheet and number)."""
    position = parcels.index.get_loc(label)
    row = parcels.loc[label]
    at.session_state[MAP_KEY] = {
        "last_active_drawing": {"type": "Feature", "properties": {
            "fid": position, "s": int(row["sheet"]), "n": int(row["parcel_no"])}},
        "last_object_clicked": {"lat": at_lat, "lng": 106.01},
    }
    return at.run()


def map_config(args: dict) -> dict:
    """The map's legend and land-use names, as stored for the browser to fetch (``lpmap.configFromUrl``)."""
    name = re.search(r'lpmap\.configFromUrl\(map_div, "/lp-map/layers/([0-9a-f]+)\.json"', args["script"]).group(1)
    path = tiles.layer_file(tiles.cache_root(), name)
    assert path is not None
    return json.loads(gzip.decompress(path.read_bytes()))


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_the_map_is_the_default_page_local_assets_and_only_clicks_come_back():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Bản đồ xã Hiệp Hòa"  # the commune of today (since 1/7/2025)
    # what the data covers, under it, as text (Markdown escaped: it comes from the dataset's file)
    assert literal("Địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)") in [c.value for c in at.caption]
    args = map_args(at)
    assert args["js_links"] and args["css_links"]
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("/app/static/vendor/"), link
    # the only outside addresses are the optional background's (tiles, attribution), off unless asked for
    hosts = {urlsplit(u).hostname for u in re.findall(r"https?://[^\s\"'<>)]+", args["script"])}
    assert hosts <= {"tile.openstreetmap.org", "openstreetmap.org", "www.openstreetmap.org"}, hosts
    assert args["returned_objects"] == ["last_active_drawing", "last_object_clicked"]
    assert args["height"] == 640
    assert "lpmap.filterTiles('parcels', null);" in args["feature_group"]
    # the parcels are vector tiles served by the app, the other layers fetched: the script holds no data
    assert "lpmap.parcelTiles(" in args["script"] and "/lp-map/tiles/" in args["script"]
    assert "lpmap.addFromUrl(" in args["script"] and "lpmap.add(" not in args["script"]
    assert len(args["script"]) < 20_000
    assert any("Bấm vào một thửa đất" in i.value for i in at.info)


def test_a_click_on_a_parcel_opens_its_card_without_changing_the_map(parcels):
    at = app().run()
    before = map_args(at)
    label = parcels[(parcels["sheet"] == 3) & (parcels["parcel_no"] == 16)].index[0]
    click(at, parcels, label)
    assert not at.exception
    assert "Thửa đất số 16, tờ bản đồ số 3" in subheaders(at)
    after = map_args(at)
    assert after["script"] == before["script"] and after["key"] == before["key"]  # no reload
    assert after["center"] is None and after["zoom"] is None  # a click keeps the view
    assert '"key":"selected"' in after["feature_group"]
    owner = parcels.loc[label, "owner"]
    assert any(owner in m.value for m in at.markdown)
    assert any("Diện tích pháp lý" in m.value and "Diện tích đo trên bản đồ" in m.value for m in at.markdown)
    # the same click seen again (a rerun for another reason) changes nothing; a second parcel replaces it
    other = parcels[(parcels["sheet"] == 3) & (parcels["parcel_no"] == 17)].index[0]
    click(at, parcels, other, at_lat=21.341)
    assert "Thửa đất số 17, tờ bản đồ số 3" in subheaders(at)


def test_the_card_shows_the_recovered_part_and_the_owners_other_parcels(parcels):
    from gis.jobs.parcel_info import parcel_facts

    dataset = load_dataset()
    recovered = dataset.get("recovered_land").union_all()
    label = parcels[parcels.intersects(recovered)].index[0]
    facts = parcel_facts(dataset, label)
    assert facts.recovered and facts.recovered_m2 > 0
    at = click(app().run(), parcels, label)
    assert not at.exception
    assert any("Thu hồi" in e.value and facts.recovered[0].project in e.value for e in at.error)
    assert len(facts.other_parcels) > 0
    assert any(e.label.startswith("Các thửa khác của chủ sử dụng") for e in at.expander)


def test_search_by_sheet_and_parcel_selects_and_zooms(parcels):
    at = app().run()
    at.text_input(key="map_search").input("3/16").run()
    assert not at.exception
    assert "Thửa đất số 16, tờ bản đồ số 3" in subheaders(at)
    args = map_args(at)
    assert args["zoom"] == 18 and 21.3 < args["center"][0] < 21.4 and 105.9 < args["center"][1] < 106.1


def test_search_by_owner_without_accents_finds_the_accented_name(parcels):
    at = app().run()
    at.text_input(key="map_search").input("nguyen van an").run()
    assert not at.exception
    expected = int((parcels["owner"] == "Nguyễn Văn An").sum())
    assert any(f"Tìm thấy {expected} thửa" in s.value for s in at.success)
    assert at.selectbox(key="map_result_pick_vi").value is not None
    assert any("Nguyễn Văn An" in m.value for m in at.markdown)
    assert '"key":"matches"' in map_args(at)["feature_group"]


def test_the_search_results_follow_the_language_switch():
    at = app().run()
    at.text_input(key="map_search").input("nguyen van an").run()
    assert at.selectbox(key="map_result_pick_vi").options[1].startswith("Tờ ")
    at.selectbox(key="map_result_pick_vi").set_value(at.session_state["map_matches"][1]).run()
    at.sidebar.radio[0].set_value("en").run()
    picker = at.selectbox(key="map_result_pick_en")
    assert picker.options[1].startswith("Sheet ")
    assert picker.value == at.session_state["map_matches"][1]  # the pick kept, in English


def test_a_search_that_finds_nothing_says_so_in_vietnamese():
    at = app().run()
    at.text_input(key="map_search").input("999/999").run()
    assert any("Không tìm thấy thửa đất nào" in w.value for w in at.warning)


def test_filters_by_village_and_group_keep_only_those_parcels(parcels):
    at = app().run()
    at.multiselect(key="map_villages").select("Chùa").run()
    at.multiselect(key="map_groups").select("rice").run()
    assert not at.exception
    keep = parcels[(parcels["village"] == "Chùa") & (parcels["group"] == "rice")]
    assert any(f"Đang hiển thị {len(keep):,} / ".replace(",", ".") in c.value for c in at.caption)
    args = map_args(at)
    shown = json.loads(args["feature_group"].split("lpmap.filterTiles('parcels', ")[1].split(");")[0])
    assert shown == {"v": ["Chùa"], "g": ["rice"]}  # applied in the browser to the tiles' attributes
    assert args["zoom"] is not None and args["zoom"] >= 14
    assert at.multiselect(key="map_groups").format_func("rice") == "Đất trồng lúa"


def test_the_language_switch_changes_the_labels(parcels):
    at = app().run()
    label = parcels.index[100]
    click(at, parcels, label)
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Hiệp Hòa commune map"
    row = parcels.loc[label]
    assert f"Parcel {row['parcel_no']}, map sheet {row['sheet']}" in subheaders(at)
    legend = map_config(map_args(at))["legend"]
    assert "Legend" in legend and "Chú giải" not in legend
    assert at.text_input(key="map_search").label == "Find a parcel"


def test_the_overview_page_is_still_there():
    at = app()
    at.switch_page("app_pages/overview.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Tổng hợp diện tích"
