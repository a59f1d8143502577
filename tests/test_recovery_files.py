"""The parcel file of a land recovery read as ``gis import`` reads it: real files written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import vn_files as vf

from gis.core.errors import DataSourceError, GeometryError
from gis.jobs.recovery_files import read_parcels, require_geometry_file


def test_a_legacy_shapefile_is_decoded_placed_and_mapped_to_the_internal_schema(tmp_path: Path):
    path = vf.shapefile(tmp_path / "in", encoding="cp1258")
    parcels, notes = read_parcels(path)
    assert len(parcels) == 6 and parcels.crs.to_epsg() == 9214
    assert parcels["parcel_no"].tolist() == [1, 2, 3, 4, 5, 6] and set(parcels["sheet"]) == {12}
    assert parcels["owner"].tolist() == vf.OWNERS  # the diacritics decoded from cp1258
    assert parcels["land_use"].tolist() == vf.CODES
    assert parcels["map_area_m2"].tolist() == pytest.approx([10_000.0] * 6)
    assert all(vi and en for vi, en in ((n.vi, n.en) for n in notes))


def test_a_field_missing_from_the_file_is_filled_from_the_defaults(tmp_path: Path):
    path = vf.shapefile(tmp_path / "in")
    parcels, _ = read_parcels(path, defaults={"commune_code": "07846", "crop": ""})
    assert parcels["commune_code"].tolist() == ["07846"] * 6


def test_an_empty_file_is_reported_as_empty_not_unreadable(tmp_path: Path):
    path = tmp_path / "thua_dat.geojson"
    path.write_bytes(b"")
    with pytest.raises(DataSourceError) as err:
        read_parcels(path)
    assert "rỗng (0 byte)" in err.value.vi and "empty (0 bytes)" in err.value.en


def test_a_table_without_geometry_is_refused_with_what_to_choose(tmp_path: Path):
    path = vf.shapefile(tmp_path / "in")
    table = tmp_path / "bang" / "thua_dat.dbf"  # the attribute table alone, without its .shp
    table.parent.mkdir()
    table.write_bytes(path.with_suffix(".dbf").read_bytes())
    with pytest.raises(GeometryError) as err:
        require_geometry_file(table, role=("thửa đất", "parcel"))
    assert "không có hình học" in err.value.vi and "thua_dat.dbf" in err.value.vi
    assert err.value.en.startswith("Parcel file")
    text = tmp_path / "bang.csv"
    text.write_text("ten,dien_tich\nAn,100\n", encoding="utf-8")
    with pytest.raises(GeometryError):
        read_parcels(text)  # a CSV that is not a coordinate table


def test_archives_workbooks_and_unreadable_files_are_left_to_the_reader(tmp_path: Path):
    for name in ("a.zip", "a.kmz", "a.xlsx"):
        assert require_geometry_file(tmp_path / name) is None  # not even opened here
    junk = tmp_path / "rac.gpkg"
    junk.write_bytes(b"not a geopackage")
    assert require_geometry_file(junk) is None
    with pytest.raises(DataSourceError):
        read_parcels(junk)


def test_a_geopackage_of_several_layers_is_asked_about_each_layer_not_the_first(tmp_path: Path):
    """A table beside the parcels does not make the file "without geometry", and GDAL is not asked for "the"
    layer of a file of several (its warning is an error here); a named table without shapes is refused."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    path = tmp_path / "ho_so.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"ten": ["An", "Bình"]}), path, layer="chu_su_dung")
    parcels = gpd.GeoDataFrame({"SHTHUA": [1]}, geometry=[shapely.box(0, 0, 10, 10)], crs=9214)
    pyogrio.write_dataframe(parcels, path, layer="thua_dat")
    assert {str(n): t for n, t in pyogrio.list_layers(path)} == {"chu_su_dung": None, "thua_dat": "Polygon"}
    assert require_geometry_file(path) is None
    assert require_geometry_file(path, layer="thua_dat") is None
    with pytest.raises(GeometryError) as err:
        require_geometry_file(path, layer="chu_su_dung", role=("thửa đất", "parcel"))
    assert "không có hình học" in err.value.vi
    tables = tmp_path / "chi_bang.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"ten": ["An"]}), tables, layer="chu_su_dung")
    with pytest.raises(GeometryError):
        require_geometry_file(tables)
