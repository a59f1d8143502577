"""The commune's figures on a small grid with known answers: villages by polygon, recovered land, kept fields,
and the figures split by a parcel field (the former units of a merged commune)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gis.core.errors import SchemaError
from gis.files.io import Dataset
from gis.files.schema import normalise_parcels
from gis.jobs.summary import assign_villages, kept_fields, recovered_union, summarise, summarise_by

EPSG = 9214
X0, Y0 = 397_000.0, 2_361_000.0


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    """A row of four 1 ha parcels (100 m squares) west to east: rice, rice, pond, homestead; two former units."""
    raw = gpd.GeoDataFrame({
        "SHBANDO": [1, 1, 2, 2], "SHTHUA": [1, 2, 3, 4], "MALOAIDAT": ["LUC", "LUK", "NTS", "ONT"],
        "DIENTICH": [10_000.0] * 4, "DIACHI": ["Thôn Đông", "Thôn Đông", "Thôn Tứ", "Thôn Tứ"],
        "former_unit": ["Lương Phong", "Lương Phong", "Đoan Bái", None],
    }, geometry=[box(i * 100, 0, (i + 1) * 100, 100) for i in range(4)], crs=EPSG)
    return normalise_parcels(raw, source="grid")


def dataset(parcels: gpd.GeoDataFrame, **layers: gpd.GeoDataFrame) -> Dataset:
    return Dataset(folder=Path("."), layers={"parcels": parcels, **layers})


def frame(*geoms: shapely.Geometry, crs: int = EPSG, **columns: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=crs)


def test_villages_come_from_the_polygon_holding_each_parcel_else_from_the_address(parcels):
    villages = frame(box(-10, -10, 150, 110), TEN=["Vân An"])  # holds parcel 1 only (parcel 2 straddles it)
    assert assign_villages(parcels, villages).tolist()[:1] == ["Vân An"]
    assert assign_villages(parcels, villages).tolist()[1:] == parcels["village"].tolist()[1:]
    in_wgs84 = villages.to_crs(4326)  # another CRS is brought to the parcels' first
    assert assign_villages(parcels, in_wgs84).tolist()[0] == "Vân An"
    assert assign_villages(parcels, None).tolist() == parcels["village"].tolist()
    assert assign_villages(parcels, villages.rename(columns={"TEN": "NAME"})).tolist() == parcels["village"].tolist()
    no_address = parcels.drop(columns="village")
    assert assign_villages(no_address, None).isna().all()


def test_recovered_union_dissolves_and_reprojects():
    assert recovered_union(None, EPSG).is_empty
    assert recovered_union(frame(crs=EPSG), EPSG).is_empty
    two = frame(box(0, 0, 100, 100), box(50, 0, 150, 100))
    assert recovered_union(two, EPSG).area == pytest.approx(15_000.0)
    assert recovered_union(two.to_crs(4326), two.crs).area == pytest.approx(15_000.0, rel=1e-6)


def test_kept_fields_drop_the_ones_marked_recovered():
    fields = frame(box(0, 0, 10, 10), box(0, 0, 20, 20), box(0, 0, 30, 30),
                   TRANGTHAI=["Duy trì", " Thu hồi ", None])
    assert kept_fields(None) is None
    assert kept_fields(fields).index.tolist() == [0, 2]
    no_status = fields.drop(columns="TRANGTHAI")
    assert len(kept_fields(no_status)) == 3


def test_the_figures_of_a_grid_with_half_a_rice_parcel_recovered_and_a_field(parcels):
    recovered = frame(box(50, 0, 100, 100))  # the east half of parcel 1
    fields = frame(box(0, 0, 200, 100), box(200, 0, 300, 100), TRANGTHAI=["Duy trì", "Thu hồi"])
    result = summarise(dataset(parcels, recovered_land=recovered, concentrated_fields=fields))
    assert result.rice_ha_before_recovery == pytest.approx(2.0)
    assert result.rice_ha_after_recovery == pytest.approx(1.5)
    assert result.aquaculture_ha_before_recovery == result.aquaculture_ha_after_recovery == pytest.approx(1.0)
    assert result.recovered_ha == pytest.approx(0.5)
    assert result.concentrated_fields_count == 1 and result.concentrated_fields_ha == pytest.approx(1.5)
    assert result.parcel_count == 4 and result.commune_ha == pytest.approx(4.0)  # no outline: the parcels
    assert result.by_land_use == pytest.approx({"LUC": 1.0, "LUK": 1.0, "NTS": 1.0, "ONT": 1.0})
    assert result.as_dict(digits=1)["rice_ha_after_recovery"] == 1.5


def test_the_figures_split_by_former_unit_sum_to_the_whole(parcels):
    fields = frame(box(0, 0, 150, 100), box(300, 0, 400, 100), TRANGTHAI=["Duy trì", "Duy trì"])
    whole = summarise(dataset(parcels, concentrated_fields=fields, commune=frame(box(0, 0, 400, 100))))
    parts = summarise_by(dataset(parcels, concentrated_fields=fields, commune=frame(box(0, 0, 400, 100))))
    assert sorted(parts) == ["?", "Lương Phong", "Đoan Bái"]
    assert parts["Lương Phong"].rice_ha_before_recovery == pytest.approx(2.0)
    assert parts["Đoan Bái"].aquaculture_ha_before_recovery == pytest.approx(1.0)
    assert parts["?"].parcel_count == 1
    # each field counts in the part holding a point on its surface; the outline belongs to the whole
    assert parts["Lương Phong"].concentrated_fields_count == 1 and parts["?"].concentrated_fields_count == 1
    assert parts["Đoan Bái"].concentrated_fields_count == 0
    assert sum(p.commune_ha for p in parts.values()) == pytest.approx(whole.commune_ha) == pytest.approx(4.0)
    assert sum(p.concentrated_fields_ha for p in parts.values()) == pytest.approx(whole.concentrated_fields_ha)
    assert whole.concentrated_fields_ha == pytest.approx(2.5)
    with pytest.raises(SchemaError, match="no field 'xa_cu'"):
        summarise_by(dataset(parcels), "xa_cu")
