"""The check before use: every kind of problem found, with its area and a geometry to draw."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import vn_files as vf

from gis.core.area_tolerance import area_tolerance_m2
from gis.files.checks import KINDS, check_parcels


def _report(frame: gpd.GeoDataFrame):
    return check_parcels(frame)


def test_clean_layer_has_no_problem() -> None:
    report = _report(vf.parcels())
    assert report.total == 0 and set(report.counts) == set(KINDS)
    assert len(report.repaired) == 6


def test_overlap_and_gap_with_their_areas() -> None:
    frame = vf.parcels()
    geoms = list(frame.geometry)
    geoms[0] = shapely.box(vf.E0, vf.N0, vf.E0 + 110, vf.N0 + 100)     # 10 m x 100 m into parcel 2
    geoms[4] = shapely.box(vf.E0 + 100, vf.N0 + 100, vf.E0 + 200, vf.N0 + 195)  # leaves a 5 m x 100 m strip
    geoms[1] = shapely.box(vf.E0 + 100, vf.N0, vf.E0 + 200, vf.N0 + 100)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs))
    # close the strip with a frame parcel so that it is a hole inside the coverage
    ring = shapely.box(vf.E0 - 10, vf.N0 - 10, vf.E0 + 310, vf.N0 + 210).difference(
        shapely.box(vf.E0, vf.N0, vf.E0 + 300, vf.N0 + 200))
    extra = gpd.GeoDataFrame({"SHBANDO": [12], "SHTHUA": [7], "MALOAIDAT": ["DGT"], "DIENTICH": [ring.area]},
                             geometry=[ring], crs=frame.crs)
    frame = gpd.GeoDataFrame(gpd.pd.concat([frame, extra], ignore_index=True), crs=frame.crs)
    report = _report(frame)
    overlaps = report.problems[report.problems.kind == "overlap"]
    gaps = report.problems[report.problems.kind == "gap"]
    assert overlaps.area_m2.round(3).tolist() == [1000.0]
    assert overlaps.geometry.iloc[0].area == pytest.approx(1000.0)
    assert gaps.area_m2.round(3).tolist() == [500.0]
    assert "500,00 m²" in gaps.detail_vi.iloc[0]


def test_invalid_geometry_is_repaired_and_listed() -> None:
    frame = vf.parcels()
    bowtie = shapely.Polygon([(vf.E0, vf.N0), (vf.E0 + 100, vf.N0 + 100), (vf.E0 + 100, vf.N0), (vf.E0, vf.N0 + 100)])
    frame.loc[0, "geometry"] = bowtie
    report = _report(frame)
    row = report.problems[report.problems.kind == "invalid_geometry"].iloc[0]
    assert row.feature == 0 and "Self-intersection" in row.detail_en
    assert report.repaired.geometry.is_valid.all() and len(report.repaired) == 6
    assert report.repaired.geometry.iloc[0].area == pytest.approx(5000.0)


def test_duplicates_missing_and_unknown_codes_and_area() -> None:
    frame = vf.parcels()
    frame.loc[1, "SHTHUA"] = 1
    frame.loc[2, "MALOAIDAT"] = None
    frame.loc[3, "MALOAIDAT"] = "XYZ+LUC"
    frame.loc[5, "DIENTICH"] = 9_000.0
    report = _report(frame)
    assert report.counts["duplicate_parcel"] == 2
    assert report.counts["missing_land_use"] == 1
    unknown = report.problems[report.problems.kind == "unknown_land_use"]
    assert len(unknown) == 1 and "XYZ" in unknown.detail_vi.iloc[0]
    mismatch = report.problems[report.problems.kind == "area_mismatch"]
    assert mismatch.feature.tolist() == [5] and mismatch.area_m2.iloc[0] == pytest.approx(1000.0)
    assert report.counts["overlap"] == 0


def test_multi_code_parcels_are_fine() -> None:
    assert _report(vf.parcels()).counts["unknown_land_use"] == 0  # "ONT+CLN" is two known codes


def test_non_polygons_empty_geometry_and_empty_layer() -> None:
    frame = vf.parcels()
    frame.loc[0, "geometry"] = shapely.LineString([(vf.E0, vf.N0), (vf.E0 + 10, vf.N0)])
    frame.loc[1, "geometry"] = None
    report = _report(frame)
    assert report.counts["not_polygon"] == 1 and report.counts["empty_geometry"] == 1
    assert len(report.repaired) == 4
    empty = _report(vf.parcels().iloc[:0])
    assert empty.counts["empty_layer"] == 1


def test_missing_fields_are_problems_not_crashes() -> None:
    report = _report(vf.parcels()[["geometry"]])
    assert report.counts["missing_field"] == 3


def test_tolerance_formula_and_override() -> None:
    assert area_tolerance_m2(10_000, scale=2000) == pytest.approx(80.0)
    frame = vf.parcels()
    frame.loc[5, "DIENTICH"] = 9_950.0
    assert check_parcels(frame).counts["area_mismatch"] == 0
    assert check_parcels(frame, tolerance=lambda legal: 0.001 * legal).counts["area_mismatch"] == 1


def test_problems_table_in_both_languages_and_drawable() -> None:
    frame = vf.parcels()
    frame.loc[0, "MALOAIDAT"] = "???"
    report = _report(frame)
    vi = report.table("vi")
    assert list(vi.columns)[0] == "Loại lỗi" and vi.iloc[0, 0] == "Mã loại đất không rõ"
    assert report.table("en").iloc[0, 0] == "Unknown land-use code"
    assert report.problems.crs.to_epsg() == 9214 and report.problems.geometry.iloc[0] is not None


def test_layer_in_degrees_is_measured_in_metres() -> None:
    frame = vf.parcels()
    geoms = list(frame.geometry)
    geoms[0] = shapely.box(vf.E0, vf.N0, vf.E0 + 110, vf.N0 + 100)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs)).to_crs(4326)
    report = _report(frame)
    overlap = report.problems[report.problems.kind == "overlap"]
    assert overlap.area_m2.iloc[0] == pytest.approx(1000.0, rel=1e-3)
    assert report.problems.crs.to_epsg() == 4326


# ΔP = 0.0004 × M × √P, typed by hand from the circular's formula: (scale M, legal area P m², ΔP m²).
CIRCULAR_TABLE = [
    (500, 100.0, 2.0),
    (500, 400.0, 4.0),
    (1000, 100.0, 4.0),
    (1000, 2_500.0, 20.0),
    (2000, 10_000.0, 80.0),
    (2000, 1_000.0, 25.30),
    (5000, 40_000.0, 400.0),
]


@pytest.mark.parametrize(("scale", "legal", "allowed"), CIRCULAR_TABLE)
def test_tolerance_against_the_circulars_formula(scale, legal, allowed) -> None:
    assert area_tolerance_m2(legal, scale=scale) == pytest.approx(allowed, abs=0.005)


def test_tolerance_uses_each_sheets_scale_field_then_settings_then_default() -> None:
    from gis.core.area_tolerance import parse_scale

    assert [parse_scale(v) for v in (1000, 2000.0, "1:500", "1/2000", "1: 1.000", "", None, "abc", 0)] == [
        1000, 2000, 500, 2000, 1000, None, None, None, None]
    frame = vf.parcels()  # six 1 ha squares, legal 10 000 m²
    frame["DIENTICH"] = 10_000.0 - 50.0  # 50 m² off: within 1:2000 (80 m²), beyond 1:1000 (40 m²) and 1:500
    assert check_parcels(frame, scale=2000).counts["area_mismatch"] == 0
    assert check_parcels(frame, scale=1000).counts["area_mismatch"] == 6
    frame["TYLE"] = ["1:500", "1:2000", None, None, 1000, ""]
    report = check_parcels(frame, scale=2000, sheet_scales={"12": 1000})
    # rows 0 and 4 by their own field (1:500, 1:1000), rows 2, 3, 5 by sheet 12's setting (1:1000)
    assert report.counts["area_mismatch"] == 5
    assert "1:500" in " ".join(report.problems["detail_vi"])
