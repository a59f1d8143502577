"""Invalid shapes are repaired before they are cut, everywhere a figure is measured: known answers on real shapes.

Raw data reaches these jobs unchecked: a folder given with ``--data`` (load_dataset reads it as it is), a ledger
seeded from one, a part file given to ``gis changes add``, the layers of a dataset other than its parcels. Without
the repair GEOS either raises (a ring crossing itself: "side location conflict"; a spiked ring in a difference or
union: "unable to assign free hole to a shell") or answers a wrong area without raising (a spiked square
touched at its corner by a box: 2 500 m² "inside"; a box over its upper right part: 4 800 m² instead of 1 600).

The shapes, with their areas worked out by hand:

- the spiked square: a 100 m square with a 30 m spike up from the middle of its top edge (the ring touches
  itself); its repair is the square, 10 000 m² (a spike is a line, no area);
- the bow-tie: the ring (0, 0) (100, 100) (100, 0) (0, 100), crossing itself at (50, 50); its repair is two
  triangles of base 100 m and height 50 m, 2 500 m² each, 5 000 m² together (GEOS's area of the ring as it
  is: 0, the lobes cancel).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from gis.core.area import clip_area_m2, repaired
from gis.core.recovery_settings import RecoverySettings
from gis.files.io import Dataset
from gis.files.schema import normalise_parcels
from gis.jobs import fields
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.store import SqliteLandStore
from gis.jobs.parcel_info import parcel_facts
from gis.jobs.summary import recovered_union
from gis.jobs.targets.measure import evaluate
from gis.jobs.targets.plan import load_plan

E, N = 397_000.0, 2_361_000.0
CRS = 9214


def spiked(x: float = E, y: float = N) -> Polygon:
    """The 100 m square at (x, y) with a 30 m spike up from the middle of its top edge: invalid, 10 000 m²."""
    return Polygon([(x, y), (x + 100, y), (x + 100, y + 100), (x + 50, y + 100), (x + 50, y + 130),
                    (x + 50, y + 100), (x, y + 100)])


def bowtie(x: float = E, y: float = N) -> Polygon:
    """The 100 m ring crossing itself at its middle: invalid; repaired, two triangles of 2 500 m²."""
    return Polygon([(x, y), (x + 100, y + 100), (x + 100, y), (x, y + 100)])


def test_the_shapes_are_invalid_and_their_repairs_have_the_areas_worked_out_by_hand():
    assert not spiked().is_valid and not bowtie().is_valid
    assert bowtie().area == 0.0  # GEOS's area of the ring as it is: the lobes cancel
    assert repaired(spiked()).area == 10_000.0
    assert repaired(bowtie()).area == 5_000.0
    assert repaired(bowtie()).geom_type == "MultiPolygon"
    valid = np.array([box(0, 0, 1, 1), None], dtype=object)
    assert repaired(valid) is valid  # nothing to repair: the same array, no copy
    series = gpd.GeoSeries([spiked(), box(E, N, E + 10, N + 10)], index=[7, 9], crs=CRS)
    fixed = repaired(series)
    assert list(fixed.index) == [7, 9] and fixed.crs == series.crs and list(fixed.area) == [10_000.0, 100.0]


def test_a_clipped_area_is_that_of_the_repaired_shapes():
    parcels = gpd.GeoDataFrame(geometry=[spiked(), bowtie(E + 200)], crs=CRS)
    # a box over the square's upper right part: 40 m x 40 m of the square (GEOS alone: 4 800 m²); the
    # bow-tie's left triangle is the left half of the box (E + 200 .. E + 250): 2 500 m² (GEOS alone raises)
    mask = gpd.GeoSeries([box(E + 60, N + 60, E + 140, N + 140), box(E + 200, N - 10, E + 250, N + 110)], crs=CRS)
    assert list(clip_area_m2(parcels, mask)) == [1_600.0, 2_500.0]
    # an invalid mask too: both triangles of the bow-tie lie in the square, 2 x 2 500 m² (GEOS alone raises)
    square = gpd.GeoDataFrame(geometry=[box(E, N, E + 100, N + 100)], crs=CRS)
    assert list(clip_area_m2(square, gpd.GeoSeries([bowtie()], crs=CRS))) == [5_000.0]


def test_recovered_land_dissolved_counts_both_lobes_of_a_bowtie():
    layer = gpd.GeoDataFrame({"TENDUAN": ["A", "B"]}, geometry=[bowtie(), box(E + 200, N, E + 300, N + 100)], crs=CRS)
    assert recovered_union(layer, CRS).area == 5_000.0 + 10_000.0  # GEOS alone raises


# ------------------------------------------------------------------------------------------ a small dataset

def parcels_frame(geoms: list[shapely.Geometry], code: str = "LUC") -> gpd.GeoDataFrame:
    n = len(geoms)
    frame = gpd.GeoDataFrame({"SHBANDO": [12] * n, "SHTHUA": list(range(1, n + 1)), "MALOAIDAT": [code] * n,
                              "TENCHU": [f"Chủ {i}" for i in range(n)], "DIACHI": ["Thôn Giữa"] * n},
                             geometry=geoms, crs=CRS)
    return normalise_parcels(frame, source="grid")


def three_squares() -> list[shapely.Geometry]:
    """The spiked square and its two valid neighbours to the east: parcels 12/1, 12/2, 12/3."""
    return [spiked(), box(E + 100, N, E + 200, N + 100), box(E + 200, N, E + 300, N + 100)]


def dataset_with(recovered: shapely.Geometry | None = None, fields_layer: shapely.Geometry | None = None) -> Dataset:
    layers = {"parcels": parcels_frame(three_squares())}
    if recovered is not None:
        layers["recovered_land"] = gpd.GeoDataFrame({"TENDUAN": ["Dự án"], "SOQD": ["1/QĐ"]},
                                                    geometry=[recovered], crs=CRS)
    if fields_layer is not None:
        layers["concentrated_fields"] = gpd.GeoDataFrame({"TEN": ["Cánh đồng"]}, geometry=[fields_layer], crs=CRS)
    return Dataset(folder=Path("."), layers=layers)


def test_the_card_of_a_spiked_parcel_touched_at_its_corner_shows_no_recovered_part():
    # the project touches the square only at its corner (E + 100, N + 100): nothing of it is recovered (GEOS
    # alone: a part of 2 500 m²)
    data = dataset_with(recovered=box(E + 100, N + 100, E + 150, N + 150))
    facts = parcel_facts(data, data.parcels.index[0])
    assert facts.recovered == []
    # a box over the square's upper right part: 40 m x 40 m recovered (GEOS alone: 4 800 m²)
    data = dataset_with(recovered=box(E + 60, N + 60, E + 140, N + 140))
    [part] = parcel_facts(data, data.parcels.index[0]).recovered
    assert part.area_m2 == 1_600.0

    # a bow-tie parcel (its lobes cancel in GEOS's area) cut by the left half of its square: drawn 5 000 m²,
    # the left triangle recovered, 2 500 m², the right one left (before: drawn 0 m², nothing left)
    data = Dataset(folder=Path("."), layers={
        "parcels": parcels_frame([bowtie()]),
        "recovered_land": gpd.GeoDataFrame({"TENDUAN": ["Dự án"]}, geometry=[box(E, N, E + 50, N + 100)], crs=CRS)})
    facts = parcel_facts(data, data.parcels.index[0])
    assert (facts.map_area_m2, facts.recovered_m2, facts.remaining_m2) == (5_000.0, 2_500.0, 2_500.0)


def test_a_field_over_a_spiked_rice_parcel_holds_the_square_cut_by_it():
    data = dataset_with()
    outline = box(E + 60, N + 60, E + 140, N + 140)  # 40 m x 40 m of the square, 40 m x 40 m of 12/2
    check = fields.check_field(outline, data, clipped=True)
    assert check.rice_ha == pytest.approx((1_600.0 + 1_600.0) / 1e4)  # GEOS alone: 4 800 m² + 1 600 m²
    # the data's field a bow-tie on the spiked square: its repair, the triangles (E, N) (E, N + 100)
    # (E + 50, N + 50) and (E + 100, N) (E + 100, N + 100) (E + 50, N + 50), lies on the square's rice land:
    # 5 000 m² of rice land in a 5 000 m² field (GEOS alone raises)
    table = fields.field_table(dataset_with(fields_layer=bowtie()))
    row = table.iloc[0]
    assert row["rice_ha"] == pytest.approx(0.5) and row["area_ha"] == pytest.approx(0.5)



def test_the_printed_fields_table_measures_a_bowtie_field_as_its_triangles():
    from gis.printing.themes import fields_table

    # the bow-tie field on the spiked square (see above): 0,50 ha, all rice land (GEOS alone: area 0, and raises)
    table, _shapes = fields_table(dataset_with(fields_layer=bowtie()))
    assert table.rows[0][4:] == ("0,50", "0,50") and table.total[4:] == ("0,50", "0,50")


def test_the_commune_figures_cut_the_repaired_shapes():
    from gis.jobs.summary import summarise

    # recovered: the box over the square's upper right part, 80 m x 80 m = 6 400 m²; it takes 40 m x 40 m of
    # the spiked square (GEOS alone: 4 800 m²) and 40 m x 40 m of 12/2: rice after recovery 30 000 - 3 200 m².
    # The data's field, a bow-tie on 12/3 away from the box: its two triangles, 0.5 ha (GEOS alone raises)
    figures = summarise(dataset_with(recovered=box(E + 60, N + 60, E + 140, N + 140), fields_layer=bowtie(E + 200)))
    assert figures.recovered_ha == pytest.approx(0.64)
    assert figures.rice_ha_before_recovery == pytest.approx(3.0)
    assert figures.rice_ha_after_recovery == pytest.approx(2.68)
    assert figures.concentrated_fields_ha == pytest.approx(0.5)


PLAN = '''year = 2025
[parameters]
yield_t_ha = 5.9

[[target]]
key = "rice_kept_ha"
label_vi = "Lúa còn lại"
unit = "ha"
compare = "at_least"
planned = 1
measure = { kind = "area", layer = "parcels", where = { land_use_main = "LUC" }, outside = "recovered_land" }

[[target]]
key = "rice_taken_ha"
label_vi = "Lúa bị thu hồi"
unit = "ha"
compare = "at_most"
planned = 1
measure = { kind = "area", layer = "parcels", where = { land_use_main = "LUC" }, inside = "recovered_land" }
'''


def test_a_plan_target_cuts_the_repaired_parcel(tmp_path):
    path = tmp_path / "2025.toml"
    path.write_text(PLAN, encoding="utf-8")
    data = dataset_with(recovered=box(E + 60, N + 60, E + 140, N + 140))
    results = {r.target.key: r.measured for r in evaluate(load_plan(path), data)}
    # recovered: 40 m x 40 m of the square and 40 m x 40 m of 12/2 (GEOS alone: 4 800 + 1 600 m²; and its
    # difference raises); kept: the three squares less those
    assert results["rice_taken_ha"] == pytest.approx(3_200.0 / 1e4)
    assert results["rice_kept_ha"] == pytest.approx((30_000.0 - 3_200.0) / 1e4)


# ------------------------------------------------------------------------------------------ the land ledger

DAY = dt.date(2024, 3, 1)
LOOSE = RecoverySettings(sliver_m2=1.0)


def ledger(tmp_path: Path, geoms: list[shapely.Geometry]) -> SqliteLandStore:
    """A ledger seeded from raw parcels, as ``gis changes --data DIR`` seeds one from a folder as it is."""
    store = SqliteLandStore.open(tmp_path / "ledger.gpkg", dataset="raw")
    store.seed(parcels_frame(geoms), date=dt.date(2023, 1, 1), by="tester")
    return store


def _areas(store: SqliteLandStore) -> dict[str, float]:
    now = store.as_of(None)
    return {f"{r.sheet}/{r.parcel_no}": round(r.geometry.area, 6) for r in now.itertuples()}


def test_a_partial_recovery_of_a_spiked_parcel_in_the_ledger_splits_its_square(tmp_path):
    store = ledger(tmp_path, three_squares())
    # the left half of the square: 5 000 m² taken, 5 000 m² left (GEOS alone raises on the difference)
    ch.recover(store, "12/1", part=box(E, N, E + 50, N + 100), land_use="DGT", owner="UBND xã", date=DAY,
               decision="1/QĐ", settings=LOOSE)
    areas = _areas(store)
    assert sorted(v for k, v in areas.items() if k not in ("12/2", "12/3")) == [5_000.0, 5_000.0]


def test_a_partial_recovery_by_a_bowtie_part_takes_both_its_lobes(tmp_path):
    store = ledger(tmp_path, [box(E, N, E + 100, N + 100), box(E + 100, N, E + 200, N + 100)])
    # the part file holds the bow-tie over parcel 12/1: its two triangles, 5 000 m², are taken and the other
    # two, 5 000 m², stay (GEOS alone raises)
    ch.recover(store, "12/1", part=bowtie(), land_use="DGT", owner="UBND xã", date=DAY, decision="1/QĐ",
               settings=LOOSE)
    areas = _areas(store)
    assert areas["12/2"] == 10_000.0
    assert sorted(v for k, v in areas.items() if k != "12/2") == [5_000.0, 5_000.0]


def test_a_bowtie_parcel_in_the_ledger_is_split_as_its_two_triangles(tmp_path):
    store = ledger(tmp_path, [bowtie(), box(E + 100, N, E + 200, N + 100)])
    # the line x = E + 25 cuts the left triangle (E, N) (E, N + 100) (E + 50, N + 50) into a trapezoid of
    # 25 m x (100 m + 50 m) / 2 = 1 875 m² and a triangle of 25 m x 50 m / 2 = 625 m²; the right triangle,
    # 2 500 m², is a piece of its own (it meets the left one at a point only). The coverage check finds no gap
    # (GEOS alone raises on the old shape)
    ch.split(store, "12/1", shapely.LineString([(E + 25, N - 1), (E + 25, N + 101)]), date=DAY,
             decision="1/QĐ", settings=LOOSE)
    areas = _areas(store)
    assert areas["12/2"] == 10_000.0
    assert sorted(v for k, v in areas.items() if k != "12/2") == [625.0, 1_875.0, 2_500.0]


def test_a_fields_outline_made_of_a_bowtie_parcel_keeps_both_triangles():
    parcels = parcels_frame([bowtie()])
    # grown and shrunk by the same distance, each triangle comes back as it was: 2 x 2 500 m² (GEOS alone
    # grows the ring as it is and loses one lobe: 2 500 m²)
    assert fields.field_from_parcels(parcels, parcels.index).area == pytest.approx(5_000.0)


def test_a_project_boundary_with_a_bowtie_feature_is_dissolved_whole(tmp_path):
    from gis.jobs.ledger.clearance import project_boundary, project_parcels

    layer = gpd.GeoDataFrame({"TENDUAN": ["Đường trục xã", "Đường trục xã"]},
                             geometry=[bowtie(), box(E + 100, N, E + 150, N + 100)], crs=CRS)
    boundary = project_boundary(layer, "đường trục xã", CRS)
    assert boundary is not None and boundary.area == 5_000.0 + 5_000.0  # GEOS alone raises
    store = ledger(tmp_path, three_squares())
    taken = project_parcels(store, boundary)
    assert [f"{r.sheet}/{r.parcel_no}" for r in taken.itertuples()] == ["12/1", "12/2"]


def test_the_changes_command_seeds_from_a_raw_folder_and_dissolves_a_part_file_with_a_bowtie(tmp_path, monkeypatch,
                                                                                            capsys):
    from gis.__main__ import main

    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    folder = tmp_path / "data"
    folder.mkdir()
    n = 3
    gpd.GeoDataFrame({"SHBANDO": [12] * n, "SHTHUA": [1, 2, 3], "MALOAIDAT": ["LUC"] * n,
                      "TENCHU": ["Chủ 1", "Chủ 2", "Chủ 3"], "DIACHI": ["Thôn Giữa"] * n},
                     geometry=three_squares(), crs=CRS).to_file(folder / "parcels.gpkg")  # the spike kept as it is
    part = tmp_path / "part.gpkg"
    gpd.GeoDataFrame(geometry=[bowtie(), box(E + 100, N, E + 110, N + 100)], crs=CRS).to_file(part)
    # the part: the bow-tie's two triangles on the spiked square, and a strip of 12/2 (GEOS alone raises when
    # it dissolves them); 12/1 loses the triangles, 5 000 m², and keeps the other two, 5 000 m²
    code = main(["--lang", "en", "changes", "add", "--data", str(folder), "--kind", "recovery", "--parcel", "12/1",
                 "--land-use", "DGT", "--owner", "UBND xã", "--part-file", str(part), "--decision", "1/QĐ",
                 "--date", "2024-03-01", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    from gis.jobs.ledger.opening import open_folder_store

    now = open_folder_store(folder).as_of(None)
    new = now[now["parcel_no"].astype(str).isin(json_refs(out.out))]
    assert sorted(round(a, 6) for a in new.geometry.area) == [5_000.0, 5_000.0]


def json_refs(text: str) -> list[str]:
    import json

    return [ref.split("/")[1] for ref in json.loads(text)["after_refs"]]


def test_the_printed_maps_commune_outline_dissolves_a_bowtie_parcel():
    from gis.printing.drawing import commune_shape

    # a raw folder with no commune layer: the outline is the union of the parcels, here the bow-tie's two
    # triangles and the square beside it (GEOS alone raises, and the print fails)
    data = Dataset(folder=Path("."), layers={"parcels": parcels_frame([bowtie(), box(E + 100, N, E + 200, N + 100)])})
    assert commune_shape(data).area == 5_000.0 + 10_000.0


def test_a_bowtie_rice_parcel_has_one_drawn_area_in_the_layer_the_card_the_summary_and_the_recovery():
    from gis.jobs.recovery import recover
    from gis.jobs.summary import summarise

    # a raw bow-tie rice parcel (GEOS's area of it: 0, the lobes cancel) with the left half of its square
    # recovered: drawn 5 000 m² (its two triangles) everywhere; recovered the left triangle, 2 500 m²; rice
    # 0.5 ha before recovery and 0.25 ha after (before: 0 ha before and -0.25 ha after, from GEOS's nil area)
    project = box(E, N, E + 50, N + 100)
    data = Dataset(folder=Path("."), layers={
        "parcels": parcels_frame([bowtie()]),
        "recovered_land": gpd.GeoDataFrame({"TENDUAN": ["Dự án"]}, geometry=[project], crs=CRS)})
    assert data.parcels["map_area_m2"].tolist() == [5_000.0]
    facts = parcel_facts(data, data.parcels.index[0])
    assert facts.map_area_m2 == facts.attributes["map_area_m2"] == 5_000.0
    summary = summarise(data)
    assert summary.rice_ha_before_recovery == pytest.approx(0.5)
    assert summary.rice_ha_after_recovery == pytest.approx(0.25)
    row = recover(data.parcels, project, settings=RecoverySettings()).table.iloc[0]
    assert (row["map_area_m2"], row["recovered_m2"], row["remaining_m2"]) == (5_000.0, 2_500.0, 2_500.0)


def test_validity_checked_in_two_halves_is_validity_checked_at_once():
    from gis.core import area

    # 60 000 shapes (over the split) with invalid ones at both ends and across the middle: the same answer
    shapes = np.array([box(E + k, N, E + k + 1, N + 1) for k in range(60_000)], dtype=object)
    for k in (0, 29_999, 30_000, 59_999):
        shapes[k] = bowtie(E + k)
    shapes[12] = None
    whole = shapely.is_valid(shapes)
    assert len(shapes) >= area.SPLIT_CHECK_SHAPES
    assert area.valid(shapes).tolist() == whole.tolist() and int((~whole).sum()) == 5  # 4 bow-ties, 1 missing
    drawn = area.drawn_areas(shapes)
    assert drawn[[0, 1, 30_000, 59_999]].tolist() == [5_000.0, 1.0, 5_000.0, 5_000.0] and np.isnan(drawn[12])
