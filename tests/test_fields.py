"""Concentrated fields: areas of known rectangles, connectivity, refusals, suggestions, exports."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gis.files.io import ROOT, Dataset, load_dataset
from gis.files.schema import normalise_parcels
from gis.jobs import fields
from gis.jobs.summary import kept_fields

E, N = 397_000.0, 2_360_000.0
W, H, GAP = 20.0, 50.0, 5.0  # rice strips 20 m x 50 m with 5 m field roads between them


def grid_dataset(rows: int = 4, cols: int = 6, *, codes=None, recovered=None) -> Dataset:
    geoms, data = [], []
    for r in range(rows):
        for c in range(cols):
            x, y = E + c * (W + GAP), N + r * (H + GAP)
            geoms.append(box(x, y, x + W, y + H))
            code = (codes or {}).get((r, c), "LUC")
            data.append({"SHBANDO": 1, "SHTHUA": r * cols + c + 1, "MALOAIDAT": code,
                         "TENCHU": f"Chủ {(r * cols + c) % 5}", "DIACHI": "Thôn Giữa"})
    parcels = normalise_parcels(gpd.GeoDataFrame(data, geometry=geoms, crs=9214), source="grid")
    layers = {"parcels": parcels}
    if recovered is not None:
        layers["recovered_land"] = gpd.GeoDataFrame({"TENDUAN": ["Dự án"]}, geometry=[recovered], crs=9214)
    return Dataset(folder=Path("."), layers=layers)


def test_a_field_of_known_rectangles_has_a_known_area():
    data = grid_dataset()
    outline = box(E - 1, N - 1, E + 3 * (W + GAP) - GAP + 1, N + 2 * (H + GAP) - GAP + 1)  # 3 x 2 strips
    check = fields.check_field(outline, data)
    assert check.parcels == 6 and check.rice_ha == pytest.approx(6 * W * H / 1e4)
    assert check.connected and check.ok and check.owners == 4 and check.villages == ["Giữa"]  # owners 0,1,2,1,2,3


def test_clipped_counts_only_the_part_inside():
    data = grid_dataset()
    outline = box(E, N, E + W / 2, N + H)  # half of one strip
    assert fields.check_field(outline, data, clipped=True).rice_ha == pytest.approx(W * H / 2 / 1e4)
    assert fields.check_field(outline, data, clipped=False).parcels == 0  # less than half: not taken whole


def test_only_rice_parcels_count():
    data = grid_dataset(codes={(0, 0): "ONT", (0, 1): "NTS"})
    outline = box(E - 1, N - 1, E + 3 * (W + GAP), N + H + 1)
    check = fields.check_field(outline, data)
    assert check.parcels == 1 and check.rice_ha == pytest.approx(W * H / 1e4)


def test_two_separate_blocks_are_refused():
    data = grid_dataset(codes={(0, 1): "ONT", (0, 2): "ONT"})
    outline = box(E - 1, N - 1, E + 4 * (W + GAP), N + H + 1)
    check = fields.check_field(outline, data)
    assert check.blocks == 2 and not check.ok
    assert any("khối rời nhau" in vi for vi, _ in check.refusals)


def test_overlaps_with_recovered_land_or_another_field_are_refused_with_the_reason():
    data = grid_dataset(recovered=box(E, N, E + W, N + H))
    other = gpd.GeoDataFrame({"name": ["Cánh đồng thôn Cấm"], "kind": ["existing"], "field_id": [-1]},
                             geometry=[box(E + 2 * (W + GAP), N, E + 3 * (W + GAP), N + H)], crs=9214)
    check = fields.check_field(box(E - 1, N - 1, E + 4 * (W + GAP), N + H + 1), data, others=other)
    reasons = " ".join(vi for vi, _ in check.refusals)
    assert "thu hồi" in reasons and "Cánh đồng thôn Cấm" in reasons and not check.ok


def grid_components(cells: set[tuple[int, int]]) -> int:
    seen, count = set(), 0
    for cell in cells:
        if cell in seen:
            continue
        count += 1
        stack = [cell]
        seen.add(cell)
        while stack:
            r, c = stack.pop()
            for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if nb in cells and nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
    return count


@settings(max_examples=60, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=30))
def test_blocks_are_the_grid_components_across_field_roads(cells):
    ordered = sorted(cells)
    geoms = [box(E + c * (W + GAP), N + r * (H + GAP), E + c * (W + GAP) + W, N + r * (H + GAP) + H)
             for r, c in ordered]
    labels = fields.blocks_of(geoms)
    assert labels.max() + 1 == grid_components(cells)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 150), st.floats(0, 220), st.floats(10, 150), st.floats(10, 220))
def test_clipped_rice_area_is_the_area_of_rice_inside(x, y, w, h):
    data = grid_dataset()
    outline = box(E + x, N + y, E + x + w, N + y + h)
    expected = sum(g.intersection(outline).area for g in data.parcels.geometry) / 1e4
    assert fields.check_field(outline, data, clipped=True).rice_ha == pytest.approx(expected, abs=1e-9)


@pytest.fixture(scope="module")
def builtin():
    return load_dataset()


def test_suggestions_avoid_fields_and_recovered_land(builtin):
    found = fields.suggest(builtin, top=5)
    assert len(found) == 5 and list(found["rank"]) == [1, 2, 3, 4, 5]
    assert found["rice_ha"].is_monotonic_decreasing
    recovered = builtin.get("recovered_land").geometry.union_all()
    kept = kept_fields(builtin.get("concentrated_fields")).geometry.union_all()
    for g in found.geometry:
        assert g.intersection(recovered).area < 1.0 and g.intersection(kept).area < 1.0


def test_the_best_suggestion_lifts_the_commune_above_100_ha(builtin):
    kept = kept_fields(builtin.get("concentrated_fields"))
    recovered = builtin.get("recovered_land").geometry.union_all()
    kept_ha = kept.geometry.difference(recovered).area.sum() / 1e4
    assert kept_ha < 100
    best = fields.suggest(builtin, top=1).iloc[0]
    check = fields.check_field(best.geometry, builtin, others=fields.existing_fields(builtin))
    assert check.ok, check.refusals
    assert kept_ha + best.geometry.area / 1e4 > 100


def test_a_field_from_clicked_parcels_is_one_outline(builtin):
    rice = fields.rice_parcels(builtin.parcels)
    first = rice.iloc[0]
    near = rice[rice.geometry.distance(first.geometry) < 6].index[:6]
    outline = fields.field_from_parcels(builtin.parcels, near)
    assert outline.geom_type == "Polygon"
    assert fields.check_field(outline, builtin).parcels >= len(near)


@pytest.mark.parametrize("suffix", [".gpkg", ".kml", ".zip"])
def test_exports_read_back(tmp_path, suffix):
    frame = gpd.GeoDataFrame({"name": ["Cánh đồng mới"]}, geometry=[box(E, N, E + 100, N + 100)], crs=9214)
    path = fields.export_field(frame, tmp_path / f"canh_dong{suffix}")
    if suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            assert {"canh_dong.shp", "canh_dong.prj", "canh_dong.dbf", "canh_dong.cpg"} <= set(zf.namelist())
        back = gpd.read_file(f"zip://{path}!canh_dong.shp")
    else:
        back = gpd.read_file(path)
    assert back.to_crs(9214).area.iloc[0] == pytest.approx(10_000, rel=1e-4)
    name = back["Name"] if suffix == ".kml" else back["name"]  # KML keeps it as the placemark's name
    assert name.iloc[0] == "Cánh đồng mới"


def test_the_command_line_lists_and_suggests(tmp_path):
    def run(*args):
        out = subprocess.run([sys.executable, "-m", "gis", "fields", *args, "--json", "--workspace",
                              str(tmp_path / "ws.gpkg")], capture_output=True, text=True, check=True, cwd=ROOT)
        return json.loads(out.stdout)

    suggested = run("suggest", "--top", "3")
    assert len(suggested) == 3 and {"area_ha", "parcels", "owners", "village"} <= set(suggested[0])
    listed = run("list")
    assert {f["name"] for f in listed} == {"Cánh đồng tập trung thôn Giữa", "Cánh đồng tập trung thôn Cấm",
                                           "Cánh đồng tập trung thôn Vân An"}
    assert np.isclose(sum(f["area_ha"] for f in listed), 76.87, atol=0.05)


# --- what the fields page needs: drawn outlines and the table of fields -----------------------------------


def test_a_drawn_polygon_in_wgs84_becomes_an_outline_in_the_parcels_crs():
    square = box(E, N, E + 100, N + 100)  # 1 ha
    drawn = gpd.GeoSeries([square], crs=9214).to_crs(4326).iloc[0].__geo_interface__
    outline = fields.outline_from_geojson(json.loads(json.dumps(drawn)), 9214)
    assert outline.area == pytest.approx(10_000, rel=1e-6)
    assert outline.bounds[0] == pytest.approx(E, abs=0.01)
    for bad in ({"type": "Point", "coordinates": [106, 21]}, {}, {"type": "Polygon", "coordinates": [[]]}):
        with pytest.raises(fields.GeometryError):
            fields.outline_from_geojson(bad, 9214)


def test_field_table_lists_kept_recovered_and_planned_fields_with_their_rice():
    data = grid_dataset()
    rows_w, rows_h = 2 * W + GAP, H
    kept = box(E - 1, N - 1, E + rows_w + 1, N + rows_h + 1)  # parcels (0,0) and (0,1): 0.2 ha of rice
    gone = box(E + 2 * (W + GAP) - 1, N - 1, E + 2 * (W + GAP) + W + 1, N + H + 1)  # parcel (0,2)
    data.layers["concentrated_fields"] = gpd.GeoDataFrame(
        {"TEN": ["Giữ", "Mất"], "TRANGTHAI": ["Duy trì", "Thu hồi"]}, geometry=[kept, gone], crs=9214)
    planned = gpd.GeoDataFrame({"field_id": [7], "name": ["Mới"], "created_at": ["2024-01-01T00:00:00+00:00"],
                                "updated_at": ["2024-01-02T00:00:00+00:00"]},
                               geometry=[box(E, N + H + GAP, E + W, N + 2 * H + GAP)], crs=9214)
    table = fields.field_table(data, planned)
    assert table["status"].tolist() == [fields.KEPT, fields.RECOVERED, fields.PLANNED]
    assert table["rice_ha"].tolist() == pytest.approx([0.2, 0.1, 0.1])
    assert table["parcels"].tolist() == [2, 1, 1]
    assert table["field_id"].tolist() == [-1, -1, 7]
    assert table["updated_at"].iloc[2] == "2024-01-02T00:00:00+00:00"
    assert table.crs.to_epsg() == 9214
    assert fields.field_table(grid_dataset()).empty
