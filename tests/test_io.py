"""Reading layers: the schema mapping and the CRS checks."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from gis.core.errors import CrsError, DataSourceError, SchemaError
from gis.files.io import load_dataset, read_layer
from gis.files.schema import match_fields, normalise_parcels, village_from_address

E, N = 397_333.0, 2_361_018.0


def test_the_builtin_dataset_loads_in_the_internal_schema():
    data = load_dataset()
    assert data.builtin
    p = data.parcels
    for col in ("sheet", "parcel_no", "legal_area_m2", "land_use", "land_use_main", "group", "owner", "village",
                "map_area_m2"):
        assert col in p.columns
    assert p.crs.to_epsg() == 9214
    assert set(p["village"]) >= {"Đông", "Sơn Quả 5", "Vân An"}
    assert (p.loc[p["land_use"] == "ONT+CLN", "land_use_main"] == "ONT").all()


@pytest.mark.parametrize("names", [
    ["SHBANDO", "SHTHUA", "MALOAIDAT", "DIENTICH", "TENCHU"],
    ["SoHieuToBanDo", "SoThuTuThua", "KyHieuMucDichSuDung", "DienTich", "chusudung"],
    ["soto", "sothua", "loaidat", "dientich", "chu_sd"],
    ["TOBD", "THUA", "MDSD", "DIENTICH", "CHU_SD"],
])
def test_field_name_variants_map_to_one_schema(names):
    mapping = match_fields(names)
    assert sorted(mapping.values()) == sorted(["sheet", "parcel_no", "land_use", "area_m2_field", "owner"])


def test_legal_area_prefers_the_legal_field_when_both_exist():
    frame = gpd.GeoDataFrame({"soto": [1], "sothua": [2], "loaidat": ["luc"], "DienTich": [99.0], "dt_pl": [100.0]},
                             geometry=[box(E, N, E + 10, N + 10)], crs=9214)
    out = normalise_parcels(frame, source="x")
    assert out["legal_area_m2"].iloc[0] == 100.0 and out["land_use"].iloc[0] == "LUC"
    assert out["map_area_m2"].iloc[0] == 100.0


def test_missing_required_fields_are_named():
    frame = gpd.GeoDataFrame({"foo": [1]}, geometry=[box(E, N, E + 1, N + 1)], crs=9214)
    with pytest.raises(SchemaError) as err:
        normalise_parcels(frame, source="thua.gpkg")
    assert "thua.gpkg" in err.value.vi and "SHBANDO" in err.value.vi


def test_village_from_address():
    assert village_from_address("Thôn Sơn Quả 2, xã Lương Phong") == "Sơn Quả 2"
    assert village_from_address(None) is None


def test_reading_a_missing_file_says_which(tmp_path: Path):
    with pytest.raises(DataSourceError) as err:
        read_layer(tmp_path / "khong_co.shp")
    assert "khong_co.shp" in err.value.vi


def test_a_geojson_in_degrees_reads_but_areas_are_refused(tmp_path: Path):
    path = tmp_path / "ranh_gioi.geojson"
    gpd.GeoDataFrame({"a": [1]}, geometry=[box(106.0, 21.3, 106.01, 21.31)], crs=4326).to_file(path)
    frame = read_layer(path)
    assert frame.crs.to_epsg() == 4326
    with pytest.raises(CrsError):
        normalise_parcels(frame.assign(SHBANDO=1, SHTHUA=1, MALOAIDAT="LUC"), source=path.name)


def test_a_table_without_geometry_is_refused_clearly(tmp_path: Path):
    path = tmp_path / "bang.csv"
    path.write_text("SHBANDO,SHTHUA\n1,2\n", encoding="utf-8")
    with pytest.raises(DataSourceError) as err:
        read_layer(path)
    assert "bang.csv" in err.value.vi and "không có hình học" in err.value.vi
