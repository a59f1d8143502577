"""Areas with known answers, and properties that must hold for any polygon."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from gis.core.area import area_m2, clip_area_m2, total_ha
from gis.core.crs import LUONG_PHONG_EPSG
from gis.core.errors import CrsError

E, N = 397_333.0, 2_361_018.0  # Lương Phong's centroid in EPSG:9214


def frame(*geoms, crs=LUONG_PHONG_EPSG) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


def test_a_100_m_square_is_exactly_one_hectare():
    assert total_ha(frame(box(E, N, E + 100, N + 100))) == 1.0


def test_rectangles_sum_to_their_known_area():
    parts = frame(box(E, N, E + 20, N + 50), box(E + 20, N, E + 50, N + 50), box(E, N + 50, E + 50, N + 70))
    assert list(area_m2(parts)) == [1000.0, 1500.0, 1000.0]
    assert total_ha(parts) == 0.35


def test_clip_area_counts_only_the_part_inside():
    parcels = frame(box(E, N, E + 100, N + 100), box(E + 200, N, E + 300, N + 100))
    mask = gpd.GeoSeries([box(E + 50, N - 10, E + 250, N + 200)], crs=LUONG_PHONG_EPSG)
    assert list(clip_area_m2(parcels, mask)) == [5000.0, 5000.0]


def test_area_in_degrees_is_refused_with_the_fix():
    with pytest.raises(CrsError) as err:
        area_m2(frame(box(106.0, 21.3, 106.001, 21.301), crs=4326), source="thua.shp")
    assert "thua.shp" in err.value.vi and "EPSG:9214" in err.value.vi
    assert "degrees" in err.value.en


def test_area_with_no_crs_is_refused():
    with pytest.raises(CrsError) as err:
        area_m2(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]), source="x.shp")
    assert ".prj" in err.value.vi


coords = st.floats(min_value=-500, max_value=500, allow_nan=False, allow_infinity=False)


@st.composite
def polygons(draw):
    n = draw(st.integers(min_value=3, max_value=12))
    pts = draw(st.lists(st.tuples(coords, coords), min_size=n, max_size=n))
    poly = shapely.make_valid(Polygon([(E + x, N + y) for x, y in pts]))
    polys = [g for g in getattr(poly, "geoms", [poly]) if g.geom_type == "Polygon"]
    return max(polys, key=lambda g: g.area) if polys else box(E, N, E + 1, N + 1)


@settings(max_examples=200, deadline=None)
@given(polygons(), st.floats(-5000, 5000), st.floats(-5000, 5000))
def test_area_is_unchanged_by_translation(poly, dx, dy):
    moved = shapely.affinity.translate(poly, dx, dy)
    a, b = area_m2(frame(poly)).iloc[0], area_m2(frame(moved)).iloc[0]
    assert b == pytest.approx(a, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.floats(1, 400), st.floats(1, 400), st.floats(0.05, 0.95))
def test_a_rectangle_cut_in_two_keeps_its_area(width, height, share):
    whole = box(E, N, E + width, N + height)
    cut = E + width * share
    halves = frame(box(E, N, cut, N + height), box(cut, N, E + width, N + height))
    assert area_m2(halves).sum() == pytest.approx(whole.area, rel=1e-9)
