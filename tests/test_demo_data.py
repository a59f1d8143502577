"""The built-in Lương Phong data: complete, in the right CRS and encoding, a true tiling, reproducible."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from gis.core import landuse
from gis.demo import builtin, cadastre
from gis.files.io import BUILTIN_DATA_DIR, LAYERS, REFERENCE_OUTLINE

VILLAGES = ["Cấm", "Chớp", "Chùa", "Đông", "Giữa", "Khánh", "Sơn Quả 1", "Sơn Quả 2", "Sơn Quả 3",
            "Sơn Quả 4", "Sơn Quả 5", "Tứ", "Vân An"]


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    return gpd.read_file(BUILTIN_DATA_DIR / "parcels.shp")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """The built-in layers generated again from the reference outline, in the test run's temporary folder."""
    folder = tmp_path_factory.mktemp("regenerated")
    builtin.write(builtin.generate(REFERENCE_OUTLINE), folder)
    return folder


@pytest.fixture(scope="module")
def commune() -> gpd.GeoDataFrame:
    return gpd.read_file(BUILTIN_DATA_DIR / "commune.shp")


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_is_a_utf8_shapefile_in_epsg_9214(name):
    shp = BUILTIN_DATA_DIR / f"{name}.shp"
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        assert shp.with_suffix(ext).is_file(), f"{name}{ext} missing"
    assert shp.with_suffix(".cpg").read_text().strip().upper() == "UTF-8"
    info = pyogrio.read_info(shp)
    assert info["features"] > 0
    assert gpd.read_file(shp, rows=1).crs.to_epsg() == 9214


def test_the_outline_is_the_census_map_of_luong_phong(commune):
    census = gpd.read_file(REFERENCE_OUTLINE).to_crs(9214)
    lp = census[census["commune_id"] == cadastre.COMMUNE_ID].geometry.iloc[0]
    # rounding the vertices to 1 mm moves the 16 km outline by under a millimetre: a few m² in all
    diff = commune.geometry.iloc[0].symmetric_difference(lp)
    assert diff.area < 10.0 and diff.buffer(-0.002).is_empty
    assert commune["TEN"].iloc[0] == "Xã Lương Phong"


def test_parcels_carry_the_fields_of_real_exports(parcels):
    for name in ("SHBANDO", "SHTHUA", "DIENTICH", "MALOAIDAT", "TENCHU", "DIACHI", "CAYTRONG", "VIETGAP", "SOGCN"):
        assert name in parcels.columns
    assert not parcels.duplicated(["SHBANDO", "SHTHUA"]).any()
    codes = {c for v in parcels["MALOAIDAT"] for c in landuse.split_codes(v)}
    assert codes <= set(landuse.LAND_USES), codes - set(landuse.LAND_USES)
    assert "Nguyễn Văn An" in set(parcels["TENCHU"])  # diacritics survive the round trip


def test_parcel_count_and_shapes_are_those_of_a_delta_commune(parcels):
    assert 10_000 <= len(parcels) <= 15_000
    area = parcels.area
    code = parcels["MALOAIDAT"]
    rice = area[code.isin(["LUC", "LUK"])]
    assert rice.between(300, 1_500).mean() > 0.85 and rice.median() > 700
    lots = area[code == "ONT"]
    assert lots.between(100, 400).mean() > 0.9
    ponds = area[code == "NTS"]
    assert ponds.between(1_000, 5_000).mean() > 0.9
    # rice strips are narrow: long side at least twice the short one for most of them
    rects = shapely.oriented_envelope(parcels.geometry[code == "LUC"].to_numpy())
    sides = np.array([sorted(np.hypot(*np.diff(np.asarray(r.exterior.coords)[:3], axis=0).T)) for r in rects])
    assert (sides[:, 1] / sides[:, 0] >= 2).mean() > 0.7


def test_public_parcels_exist_where_the_plan_puts_them(parcels):
    notes = dict(zip(parcels["GHICHU"], parcels["DIACHI"], strict=False))
    assert notes["Trụ sở UBND xã Lương Phong"] == "Thôn Đông"
    for code in ("DGD", "DYT", "TSC", "TON", "NTD", "DGT", "DTL"):
        assert (parcels["MALOAIDAT"] == code).any(), code


def test_many_owners_hold_several_parcels(parcels):
    private = parcels[parcels["TENCHU"] != cadastre.PUBLIC_OWNER]
    counts = private.groupby(["TENCHU", "DIACHI"]).size()
    assert (counts >= 3).sum() > 1_000


def test_villages_are_the_thirteen_and_tile_the_commune(commune):
    villages = gpd.read_file(BUILTIN_DATA_DIR / "villages.shp")
    assert sorted(villages["TEN"]) == sorted(VILLAGES)
    assert shapely.coverage_is_valid(villages.geometry.to_numpy())
    assert villages.area.sum() == pytest.approx(commune.area.sum(), rel=1e-3)


def test_parcels_tile_the_commune_without_gaps_or_overlaps(parcels, commune):
    assert parcels.area.sum() == pytest.approx(commune.area.sum(), rel=1e-3)
    geoms = parcels.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    assert overlap < 0.01  # m² over the whole commune
    gaps = commune.geometry.iloc[0].symmetric_difference(shapely.coverage_union_all(geoms))
    assert gaps.area < 10.0 and gaps.buffer(-0.002).is_empty  # only sub-millimetre rounding at the outline


def test_legal_areas_differ_from_drawn_for_a_small_share(parcels):
    diff = (parcels["DIENTICH"] - parcels.area).abs()
    share = (diff > 1.0).mean()
    assert 0.02 < share < 0.15


def test_crops_of_the_plan_are_there(parcels):
    crops = parcels.groupby("CAYTRONG").apply(lambda g: g.area.sum() / 1e4, include_groups=False)
    maize = crops.get("Ngô ngọt", 0) + crops.get("Ngô nếp", 0)
    assert 20 < maize < 40
    assert 25 < crops["Lạc"] < 45
    assert crops["Bưởi Diễn"] > 10
    potato = parcels.loc[parcels["VUDONG"] == "Khoai tây"].area.sum() / 1e4
    assert 15 < potato < 25
    where = parcels.loc[parcels["CAYTRONG"] == "Rau màu", "DIACHI"].unique()
    assert set(where) <= {"Thôn Sơn Quả 4", "Thôn Sơn Quả 5"}


def test_projects_and_fields_are_as_the_plan_says():
    rec = gpd.read_file(BUILTIN_DATA_DIR / "recovered_land.shp")
    cluster = rec.iloc[0]
    assert cluster["TENDUAN"].startswith("Cụm công nghiệp") and 74 < cluster.geometry.area / 1e4 < 76
    assert rec.geometry.union_all().area / 1e4 > 120
    fields = gpd.read_file(BUILTIN_DATA_DIR / "concentrated_fields.shp")
    assert set(fields["THON"]) == {"Giữa", "Cấm", "Vân An", "Chùa"}
    chua = fields[fields["THON"] == "Chùa"].geometry.iloc[0]
    assert chua.difference(rec.geometry.union_all()).area / chua.area < 0.1
    kept = fields[fields["TRANGTHAI"] == "Duy trì"]
    assert len(kept) == 3 and kept.area.sum() / 1e4 < 100


def test_roads_and_canals_name_highway_37_and_the_dao_canal():
    roads = gpd.read_file(BUILTIN_DATA_DIR / "roads.shp")
    canals = gpd.read_file(BUILTIN_DATA_DIR / "canals.shp")
    assert "Quốc lộ 37" in set(roads["TEN"])
    dao = canals[canals["TEN"] == "Kênh Đào"].geometry.union_all()
    minx, miny, maxx, maxy = dao.bounds
    assert maxy - miny > 3 * (maxx - minx)  # runs north-south


#: How far a regenerated shape may lie from the shipped one: a GEOS or PROJ upgrade may move the last digits of a
#: coordinate, start a ring at another vertex or split a union differently, never move a boundary by a millimetre.
SAME_PLACE_M = 0.001
SAME_AREA_M2 = 0.01


@pytest.mark.parametrize("name", LAYERS)
def test_the_generator_writes_the_same_layers_attributes_exactly_and_shapes_within_a_millimetre(
        regenerated: Path, name: str):
    shipped = pyogrio.read_dataframe(BUILTIN_DATA_DIR / f"{name}.shp")
    again = pyogrio.read_dataframe(regenerated / f"{name}.shp")
    assert again.crs == shipped.crs and again.crs.to_epsg() == 9214
    assert (regenerated / f"{name}.cpg").read_text().strip().upper() == "UTF-8"
    pd.testing.assert_frame_equal(again.drop(columns="geometry"), shipped.drop(columns="geometry"))
    assert list(again.geom_type) == list(shipped.geom_type)
    a, b = again.geometry.to_numpy(), shipped.geometry.to_numpy()
    far = shapely.hausdorff_distance(a, b)
    assert far.max() <= SAME_PLACE_M, (name, int(far.argmax()), float(far.max()))
    if set(shipped.geom_type) <= {"Polygon", "MultiPolygon"}:
        moved = shapely.area(shapely.symmetric_difference(a, b))
        assert moved.max() <= SAME_AREA_M2, (name, int(moved.argmax()), float(moved.max()))
        np.testing.assert_allclose(shapely.area(a), shapely.area(b), rtol=0, atol=SAME_AREA_M2)


def test_a_moved_vertex_is_caught_by_the_regeneration_check():
    """The tolerance of the check above is small enough to see a parcel corner moved by 5 cm."""
    shipped = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "parcels.shp", max_features=1).geometry.iloc[0]
    ring = np.asarray(shipped.exterior.coords)
    ring[0] += 0.05
    ring[-1] = ring[0]
    moved = shapely.Polygon(ring, [r.coords for r in shipped.interiors])
    assert shapely.hausdorff_distance(moved, shipped) > SAME_PLACE_M
    assert shapely.symmetric_difference(moved, shipped).area > SAME_AREA_M2
