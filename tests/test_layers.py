"""The map's layers: styles, legend entries, packed geometry, offline assets and the folium map."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from gis.files.io import load_dataset
from layers import catalogue, legend, offline, parcels, recovered_land, render
from layers.geometry import UNITS_PER_DEGREE, decode, pack, to_display, zoom_for
from layers.spec import Field, LayerSpec

VN2000 = 9214
CODES_CSV = Path(__file__).resolve().parent.parent / "gis" / "data" / "land_use_codes.csv"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def prepared(dataset):
    return catalogue.prepare(dataset)


# --- styles and titles ---------------------------------------------------------------------------------


def test_every_layer_has_a_vietnamese_and_an_english_title_with_diacritics():
    keys = [spec.key for spec in catalogue.SPECS]
    assert len(keys) == len(set(keys))
    assert {"commune", "villages", "parcels", "rice_fields", "aquaculture_ponds", "recovered_land",
            "concentrated_fields", "roads", "canals"} <= set(keys)
    for spec in catalogue.SPECS:
        vi, en = spec.title
        assert vi and en and vi != en
    assert parcels.SPEC.title_in("vi") == "Thửa đất"
    assert recovered_land.SPEC.title_in("vi") == "Khu vực thu hồi đất"


def test_parcels_are_filled_in_the_national_colours_of_their_main_code():
    assert parcels.SPEC.fill_by == "c"
    assert parcels.SPEC.colours["LUC"] == "#fffc8c"  # 255,252,140 (domain.md)
    assert parcels.SPEC.colours["ONT"] == "#ffd0ff"  # 255,208,255
    assert parcels.SPEC.colours["NTS"] == parcels.SPEC.colours["DTL"] == "#aaffff"
    # every code of the table, its R, G, B columns read here and written as hex here
    with CODES_CSV.open(encoding="utf-8", newline="") as f:
        table = {row["code"]: "#{:02x}{:02x}{:02x}".format(int(row["r"]), int(row["g"]), int(row["b"]))
                 for row in csv.DictReader(f)}
    assert len(table) > 50 and parcels.SPEC.colours == table


def test_every_code_of_the_built_in_parcels_has_its_colour(dataset):
    mains = {str(c).split("+")[0] for c in dataset.parcels["land_use"].dropna()}
    assert mains and mains <= set(parcels.SPEC.colours)


def test_only_parcels_take_clicks_so_nothing_drawn_above_hides_them():
    interactive = [spec.key for spec in catalogue.SPECS if spec.interactive]
    assert interactive == ["parcels"]


def test_recovered_land_has_its_own_strong_style_drawn_above_the_parcels():
    style = recovered_land.SPEC.style
    assert style["color"] == "#d50000" and float(style["weight"]) >= 3  # type: ignore[arg-type]
    others = [s.style.get("color") for s in catalogue.SPECS if s.key != "recovered_land"]
    assert style["color"] not in others
    keys = [s.key for s in catalogue.SPECS]
    assert keys.index("recovered_land") > keys.index("parcels")


def test_the_parcel_tooltip_shows_sheet_number_land_use_area_and_village_in_vietnamese():
    browser = parcels.SPEC.for_browser("vi", names={"LUC": "Đất chuyên trồng lúa"})
    labels = [line["l"] for line in browser["tooltip"]]  # type: ignore[index]
    assert labels == ["Tờ bản đồ số", "Thửa số", "Loại đất", "Diện tích pháp lý", "Thôn"]
    assert browser["names"] == {"LUC": "Đất chuyên trồng lúa"}
    english = parcels.SPEC.for_browser("en")
    assert [line["l"] for line in english["tooltip"]][0] == "Map sheet"  # type: ignore[index]


def test_parcels_keep_only_the_tooltip_properties():
    assert [f.column for f in parcels.SPEC.fields] == ["sheet", "parcel_no", "land_use", "legal_area_m2",
                                                       "village"]
    assert {line.key for line in parcels.SPEC.tooltip} == {f.key for f in parcels.SPEC.fields}


# --- legend --------------------------------------------------------------------------------------------


def test_legend_lists_the_codes_present_in_national_order_with_vietnamese_names():
    entries = legend.land_use_entries(["ONT", "LUC", "NTS", "XYZ"], lang="vi")
    assert [e.code for e in entries] == ["LUC", "NTS", "ONT", "XYZ"]
    assert entries[0].label == "Đất chuyên trồng lúa" and entries[0].fill == "#fffc8c"
    assert entries[2].label == "Đất ở tại nông thôn"
    assert entries[3].label == "Mã không rõ"
    assert legend.land_use_entries(["LUC"], lang="en")[0].label == "Rice-only land"


def test_legend_html_has_the_title_the_codes_and_the_other_layers_escaped():
    html = legend.legend_html(["LUC", "ONT"], list(catalogue.SPECS), lang="vi")
    assert "Chú giải" in html and "Đất chuyên trồng lúa" in html and 'data-code="ONT"' in html
    assert "Khu vực thu hồi đất" in html and "Kênh mương" in html
    assert "Thửa đất<" not in html  # the parcels are the codes, not a line of their own
    layers = legend.layer_entries(list(catalogue.SPECS), lang="en")
    roads = next(e for e in layers if e.label == "Roads")
    assert roads.line and roads.fill is None
    spec = LayerSpec(key="x", title=("<b>", "<b>"), style={"color": "#000"})
    assert "<b>" not in legend.legend_html([], [spec], lang="vi")


# --- display geometry ----------------------------------------------------------------------------------


def _grid(n: int = 4, size: float = 100.0) -> gpd.GeoDataFrame:
    cells = [box(397000 + i * size, 2361000 + j * size, 397000 + (i + 1) * size, 2361000 + (j + 1) * size)
             for i in range(n) for j in range(n)]
    return gpd.GeoDataFrame({"sheet": 1, "parcel_no": range(1, len(cells) + 1), "land_use": "LUC",
                             "legal_area_m2": 10_000.0, "village": "Chùa"}, geometry=cells, crs=VN2000)


def test_display_geometry_is_wgs84_and_a_coverage_stays_a_coverage():
    grid = _grid()
    # a wiggly shared edge that simplification will straighten
    shown = to_display(grid, coverage=True, simplify_m=2.0)
    assert shown.crs.to_epsg() == 4326
    assert shapely.coverage_is_valid(shown.geometry.to_numpy())
    assert list(shown.index) == list(grid.index)
    west, south, east, north = shown.total_bounds
    assert 105.9 < west < east < 106.1 and 21.3 < south < north < 21.4  # Lương Phong (domain.md)


def test_to_display_drops_empty_geometries_and_keeps_the_index():
    frame = gpd.GeoDataFrame({"a": [1, 2, 3]}, geometry=[box(397000, 2361000, 397010, 2361010), Polygon(), None],
                             crs=VN2000, index=[10, 20, 30])
    assert list(to_display(frame).index) == [10]


def test_packing_round_trips_coordinates_to_a_millionth_of_a_degree_and_properties_exactly():
    spec = LayerSpec(key="t", title=("t", "t"), style={},
                     fields=(Field("s", "sheet", "int"), Field("c", "land_use"), Field("a", "legal_area_m2", "float1"),
                             Field("v", "village")))
    holed = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (4, 2), (4, 4), (2, 4)]])
    geoms = [shapely.affinity.translate(holed, 106.0, 21.3),
             MultiPolygon([box(106.01, 21.31, 106.011, 21.311), box(106.02, 21.32, 106.0213, 21.3211)]),
             shapely.affinity.translate(Polygon([(0, 0), (0.0012345, 0), (0, 0.0006789)]), 106.03, 21.33)]
    frame = gpd.GeoDataFrame({"sheet": [1, 2, 3], "land_use": ["LUC", "ONT+CLN", None],
                              "legal_area_m2": [12.34, np.nan, 1000.06], "village": ["Đông", "Đông", "Tứ"]},
                             geometry=geoms, crs=4326)
    data = pack(frame, spec)
    assert len(data["t"]["v"]) == 2 and set(data["t"]["v"]) == {"Đông", "Tứ"}  # each village sent once
    features = decode(json.loads(json.dumps(data)))
    assert [f["properties"] for f in features] == [
        {"s": 1, "c": "LUC", "a": 12.3, "v": "Đông"},
        {"s": 2, "c": "ONT+CLN", "a": None, "v": "Đông"},
        {"s": 3, "c": None, "a": 1000.1, "v": "Tứ"},
    ]
    for feature, geom in zip(features, geoms, strict=True):
        rebuilt = MultiPolygon([Polygon(p[0], p[1:]) for p in feature["parts"]])
        assert rebuilt.equals_exact(MultiPolygon(list(getattr(geom, "geoms", [geom]))), 0.6 / UNITS_PER_DEGREE)
    assert len(features[0]["parts"][0]) == 2  # the hole kept


def test_packing_lines():
    spec = LayerSpec(key="l", title=("l", "l"), style={})
    frame = gpd.GeoDataFrame(geometry=[LineString([(106.0, 21.3), (106.001, 21.301), (106.002, 21.3)])], crs=4326)
    (feature,) = decode(pack(frame, spec))
    assert feature["parts"] == [[[106.0, 21.3], [106.001, 21.301], [106.002, 21.3]]]


def test_zoom_for_fits_the_bounds():
    commune = (105.99, 21.32, 106.04, 21.36)
    z = zoom_for(commune, width_px=900, height_px=640)
    assert z == 14
    assert zoom_for((106.0, 21.3, 106.0002, 21.3002)) >= 18


# --- the built-in commune --------------------------------------------------------------------------------


def test_the_built_in_commune_packs_small_enough_for_one_map(dataset, prepared):
    keys = [layer.spec.key for layer in prepared.layers]
    assert keys[:2] == ["district", "parcels"] and "recovered_land" in keys
    by_key = {layer.spec.key: layer for layer in prepared.layers}
    assert by_key["parcels"].count == len(dataset.parcels)
    assert prepared.size_bytes < 2_000_000  # about 1.2 MB for 14 900 parcels; folium GeoJSON is 5.6 MB
    assert set(prepared.codes) == set(dataset.parcels["land_use"].dropna())
    west, south, east, north = prepared.bounds
    assert 105.95 < west < east < 106.07 and 21.30 < south < north < 21.38


def test_the_packed_parcels_keep_sheet_number_and_code(dataset, prepared):
    data = json.loads(next(layer.data_json for layer in prepared.layers if layer.spec.key == "parcels"))
    features = decode(data)
    first = dataset.parcels.iloc[0]
    assert features[0]["properties"]["s"] == first["sheet"]
    assert features[0]["properties"]["n"] == first["parcel_no"]
    assert features[0]["properties"]["c"] == first["land_use"]


# --- offline assets and the folium map -------------------------------------------------------------------


def test_every_asset_address_is_served_from_a_file_and_nothing_else_is():
    urls = offline.asset_urls()
    for url in (urls.leaflet_js, urls.leaflet_css, urls.jquery_js, urls.lpmap_js, urls.lpmap_css, urls.draw_js,
                urls.draw_css):
        rel = url.split("?")[0].removeprefix(offline.URL_PREFIX + "/")
        path = offline.asset_file(rel)
        assert path is not None and path.is_file(), url
    assert "Leaflet 1.9.3" in offline.asset_file("leaflet/leaflet.js").read_text()[:300]
    assert offline.asset_file("leaflet/images/layers.png").read_bytes()[:4] == b"\x89PNG"
    for other in ("", "leaflet", "../serve.py", "leaflet/../../app.py", "/etc/passwd", "lpmap/lpmap.js/..",
                  "LEAFLET/leaflet.js"):
        assert offline.asset_file(other) is None, other


def test_the_tiles_map_scripts_are_one_bundle_of_the_same_scripts():
    joined = offline.bundle("lpmap/tiles-map.js")
    assert joined is not None and offline.bundle("lpmap/other.js") is None and offline.bundle("leaflet/leaflet.js") is None
    text = joined.decode("utf-8")
    parts = offline.BUNDLES["lpmap/tiles-map.js"]
    assert parts == ("leaflet/leaflet.js", "lpmap/lpmap.js", "leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js")
    at = [text.index(f"/* {rel} */") for rel in parts]
    assert at == sorted(at)
    for rel, start, end in zip(parts, at, at[1:] + [len(text)], strict=True):
        source = offline.asset_file(rel).read_text(encoding="utf-8")
        piece = text[start:end]
        body = source.replace("//# sourceMappingURL=leaflet.js.map", "").strip()
        assert body in piece, rel  # the whole file, unchanged but for its source map's name
        if source.startswith('"use strict"'):  # VectorGrid: strict in a function of its own, as in its own file
            assert piece.split("\n", 1)[1].startswith("(function () {\n" + '"use strict"'), rel
    assert "sourceMappingURL" not in text
    urls = offline.asset_urls("/gis/")
    assert urls.tiles_map_js.startswith("/gis/app/static/vendor/lpmap/tiles-map.js?v=")
    assert urls.tiles_map == [("lpmap_tiles_map", urls.tiles_map_js)]
    assert offline.AssetUrls(*(["x"] * 5)).tiles_map == [("leaflet", "x"), ("lpmap", "x"), ("leaflet_vectorgrid_js", "")]


def test_asset_urls_are_local_and_follow_the_base_url_path():
    urls = offline.asset_urls()
    assert urls.leaflet_js == "/app/static/vendor/leaflet/leaflet.js"
    assert urls.lpmap_js.startswith("/app/static/vendor/lpmap/lpmap.js?v=")
    assert offline.asset_urls("/gis/").leaflet_css == "/gis/app/static/vendor/leaflet/leaflet.css"


def _rendered(m) -> str:
    return m.get_root().render()


def test_the_map_has_no_outside_address_no_tiles_and_every_layer(prepared):
    m = render.build_map(prepared, lang="vi", assets=offline.asset_urls())
    html = _rendered(m)
    links = [u for _, u in m.default_js + m.default_css]
    assert links and all(u.startswith("/app/static/vendor/") for u in links)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert scripts and all(u.startswith("/app/static/vendor/") for u in scripts), scripts
    assert "preferCanvas" in html and "L.tileLayer(" in html  # offered, but not added:
    assert ".addTo(map" not in html.split("L.tileLayer(")[1].split(";")[1]
    for layer in prepared.layers:  # the layer control's names (folium writes them as escaped JSON)
        assert json.dumps(layer.spec.title[0]) in html
    assert "Chú giải" in html and "L.control.scale" in html and "imperial: false" in html


def test_the_map_is_the_same_from_one_rerun_to_the_next_and_changes_with_the_language(prepared):
    from streamlit_folium import _get_map_string, generate_js_hash

    def script(lang: str) -> str:
        m = render.build_map(prepared, lang=lang, assets=offline.asset_urls())
        m.get_root().render()
        return _get_map_string(m)

    first, second = script("vi"), script("vi")
    assert generate_js_hash(first) == generate_js_hash(second)
    english = script("en")
    assert "Legend" in english and "Chú giải" not in english


def test_selection_group_highlights_and_filters(prepared):
    group = render.selection_group(prepared, lang="vi", selected=3, matches=[1, 2], visible=[1, 2, 3])
    m = render.build_map(prepared, lang="vi", assets=offline.asset_urls())
    group.add_to(m)
    html = _rendered(m)
    assert "lpmap.filter('parcels', [1,2,3]);" in html
    assert '"key":"selected"' in html and '"key":"matches"' in html
    empty = render.selection_group(prepared, lang="vi")
    m2 = render.build_map(prepared, lang="vi", assets=offline.asset_urls())
    empty.add_to(m2)
    assert "lpmap.filter('parcels', null);" in _rendered(m2)
