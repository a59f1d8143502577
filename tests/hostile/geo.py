"""Wrong places, wrong numbers, broken geometry and blank codes: files that must be refused with a named
message, imported with a counted problem, or imported as they are.

Every file is made from the six 1 ha parcels of :mod:`vn_files` (Lương Phong, EPSG:9214), changed in the one
way the case is about: a .prj that lies (UTM 48N, degrees), coordinates moved out of the province, a vertex
written as NaN or 1e308 into the .shp's bytes, a .shp cut short, legal areas of −100, 0, NaN, inf or text,
land-use codes left blank or NULL.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import vn_files as vf
from pyproj import CRS

from gis.files.dbf import write_legacy_shapefile

from . import Case

BAC_GIANG = ("--province", "Bắc Giang")
PRJ_UTM48N_WGS84 = CRS.from_epsg(32648).to_wkt("WKT1_ESRI")
PRJ_UTM48N_VN2000 = CRS.from_epsg(3405).to_wkt("WKT1_ESRI")
PRJ_WGS84 = CRS.from_epsg(4326).to_wkt("WKT1_ESRI")


# -- writers ------------------------------------------------------------------------------------------


def shapefile_of(frame: gpd.GeoDataFrame, folder: Path, *, prj: str | None = "epsg", name: str = "thua_dat",
                 encoding: str = "utf-8") -> Path:
    """``frame`` as a shapefile (GDAL's .prj for its CRS, or ``prj`` written as given)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.shp"
    write_legacy_shapefile(frame, path, encoding=encoding)
    if prj is not None and prj != "epsg":
        path.with_suffix(".prj").write_text(prj, encoding="ascii")
    return path


def patch_vertex(shp: Path, record: int, vertex: int, x: float) -> Path:
    """Write ``x`` as the easting of vertex ``vertex`` of record ``record`` straight into the .shp's bytes
    (GDAL refuses to write non-finite coordinates, as it should; other programs do not)."""
    index = shp.with_suffix(".shx").read_bytes()
    offset = struct.unpack(">i", index[100 + 8 * record: 104 + 8 * record])[0] * 2
    data = bytearray(shp.read_bytes())
    parts = struct.unpack("<i", data[offset + 44: offset + 48])[0]
    points = offset + 8 + 44 + 4 * parts
    data[points + 16 * vertex: points + 16 * vertex + 8] = struct.pack("<d", x)
    shp.write_bytes(bytes(data))
    return shp


def truncate_shp(shp: Path, *, keep_records: int, extra: int = 0) -> Path:
    """Cut the .shp just before record ``keep_records`` (plus ``extra`` bytes of it), as a copy cut short."""
    index = shp.with_suffix(".shx").read_bytes()
    offset = struct.unpack(">i", index[100 + 8 * keep_records: 104 + 8 * keep_records])[0] * 2
    shp.write_bytes(shp.read_bytes()[: offset + extra])
    return shp


def geojson_of(folder: Path, change: Callable[[dict[str, Any]], None], *, name: str = "thua_dat") -> Path:
    """The parcels as GeoJSON in EPSG:9214 (named in the file), changed by ``change``; NaN and Infinity are
    written as the bare words JavaScript uses (GDAL reads them)."""
    doc = json.loads(vf.parcels().to_json())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9214"}}
    change(doc)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return path


def ring(doc: dict[str, Any], feature: int) -> list[list[float]]:
    return doc["features"][feature]["geometry"]["coordinates"][0]


# -- makers ----------------------------------------------------------------------------------------------


def _codes(values: list[object]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        frame = vf.parcels()
        frame["MALOAIDAT"] = values
        return shapefile_of(frame, folder)
    return make


def _gpkg_null_codes(folder: Path) -> Path:
    frame = vf.parcels()
    frame["MALOAIDAT"] = ["LUC", None, None, "LUC", "CLN", None]
    path = folder / "thua_dat.gpkg"
    pyogrio.write_dataframe(frame, path, layer="ThuaDat", driver="GPKG")
    return path


def _legal(values: list[object], *, text: bool = False) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        def change(doc: dict[str, Any]) -> None:
            for feature, value in zip(doc["features"], values, strict=True):
                feature["properties"]["DIENTICH"] = str(value) if text else value
        return geojson_of(folder, change)
    return make


def _legal_shapefile(values: list[float]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        frame = vf.parcels()
        frame["DIENTICH"] = values
        return shapefile_of(frame, folder)
    return make


def _vertex_geojson(feature: int, vertex: int, value: float) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        def change(doc: dict[str, Any]) -> None:
            ring(doc, feature)[vertex][0] = value
        return geojson_of(folder, change)
    return make


def _vertex_shp(record: int, vertex: int, value: float) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        return patch_vertex(vf.shapefile(folder), record, vertex, value)
    return make


def _unclosed(folder: Path) -> Path:
    def change(doc: dict[str, Any]) -> None:
        ring(doc, 1).pop()  # the closing point: the ring ends one corner short of where it began
    return geojson_of(folder, change)


def _unclosed_many(folder: Path) -> Path:
    def change(doc: dict[str, Any]) -> None:
        for feature in (0, 2, 4):
            ring(doc, feature).pop()
    return geojson_of(folder, change)


def _shape(feature: int, coords: list[list[float]]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        def change(doc: dict[str, Any]) -> None:
            doc["features"][feature]["geometry"]["coordinates"] = [coords]
        return geojson_of(folder, change)
    return make


E, N = vf.E0, vf.N0
BOWTIE = [[E, N], [E + 100, N + 100], [E + 100, N], [E, N + 100], [E, N]]
FLAT = [[E, N], [E + 100, N + 100], [E, N]]
SPIKE = [[E, N], [E + 100, N], [E + 100, N + 100], [E + 50, N + 100], [E + 50, N + 300], [E + 50, N + 100],
         [E, N + 100], [E, N]]


def _prj(prj: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        return vf.shapefile(folder, prj=prj)
    return make


def _degrees_under(prj: str) -> Callable[[Path], Path]:
    """The parcels' longitudes and latitudes written under a metric .prj."""
    def make(folder: Path) -> Path:
        frame = vf.parcels().to_crs(4326).set_crs(9214, allow_override=True)
        return shapefile_of(frame, folder, prj=prj)
    return make


def _moved(dx: float, dy: float, *, prj: str | None = "epsg") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        frame = vf.parcels()
        frame = frame.set_geometry(frame.geometry.translate(dx, dy))
        return shapefile_of(frame, folder, prj=prj)
    return make


def _vn2000_utm(folder: Path) -> Path:
    """Real VN-2000 / UTM 48N data (EPSG:3405): the parcels reprojected, not relabelled."""
    return shapefile_of(vf.parcels().to_crs(3405), folder, prj=PRJ_UTM48N_VN2000)


def _truncated(keep: int, extra: int = 0, *, zipped: bool = False) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        shp = truncate_shp(vf.shapefile(folder / "src"), keep_records=keep, extra=extra)
        if not zipped:
            return shp
        members = [p for p in shp.parent.iterdir() if p.stem == shp.stem]
        return vf.zipped(folder / "thua_dat.zip", members, arcdir="ban_do/")
    return make


def _header_only(folder: Path) -> Path:
    shp = vf.shapefile(folder)
    shp.write_bytes(shp.read_bytes()[:100])
    return shp


def _dbf_count(count: int) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        shp = vf.shapefile(folder)
        dbf = shp.with_suffix(".dbf")
        data = bytearray(dbf.read_bytes())
        data[4:8] = struct.pack("<I", count)
        dbf.write_bytes(bytes(data))
        return shp
    return make


def _zip(make_inner: Callable[[Path], Path]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        shp = make_inner(folder / "src")
        members = [p for p in shp.parent.iterdir() if p.stem == shp.stem]
        return vf.zipped(folder / "thua_dat.zip", members, arcdir="ban_do/")
    return make


def _blank_and_bad_legal(folder: Path) -> Path:
    frame = vf.parcels()
    frame["MALOAIDAT"] = ["LUC", None, "DGT", "", "CLN", None]
    frame["DIENTICH"] = [10_000.0, -100.0, 0.0, 10_000.0, 10_000.0, 10_000.0]
    return shapefile_of(frame, folder)


NAN, INF = math.nan, math.inf
PLACE_BG = "nằm ngoài tỉnh Bắc Giang"

CASES: list[Case] = [
    # -- files that pass, kept passing
    Case("geo_ok_shapefile_tcvn3", lambda f: vf.shapefile(f, encoding="tcvn3"), "ok"),
    Case("geo_ok_shapefile_vni", lambda f: vf.shapefile(f, encoding="vni"), "ok"),
    Case("geo_ok_shapefile_cp1258", lambda f: vf.shapefile(f, encoding="cp1258"), "ok"),
    Case("geo_ok_shapefile_right_shift_prj", _prj(vf.PRJ_RIGHT), "ok"),
    Case("geo_ok_shapefile_wrong_signs_not_fixed", _prj(vf.PRJ_WRONG_SIGNS), "ok"),
    Case("geo_ok_geopackage", vf.geopackage, "ok"),
    Case("geo_ok_zipped_shapefile", vf.zipped_shapefile, "ok"),
    Case("geo_ok_esri_json", vf.esri_json, "ok"),
    Case("geo_ok_vn2000_utm48n_real", _vn2000_utm, "ok"),
    Case("geo_ok_geojson_wgs84_with_province", vf.geojson, "ok", args=BAC_GIANG),
    Case("geo_ok_no_prj_with_province", lambda f: vf.shapefile(f, prj=None), "ok", args=BAC_GIANG),
    Case("geo_ok_utm48n_prj_fixed_with_consent", _prj(PRJ_UTM48N_WGS84), "ok", args=(*BAC_GIANG, "--fix-crs")),
    Case("geo_ok_degrees_under_tm3_fixed_with_consent", _degrees_under(vf.PRJ_RIGHT), "ok",
         args=(*BAC_GIANG, "--fix-crs")),
    # -- blank or NULL land-use codes: counted, never a crash
    Case("geo_blank_codes_null", _codes(["LUC", None, "NTS", "LUC", None, "DGT"]), "problems",
         problem="missing_land_use"),
    Case("geo_blank_codes_empty_text", _codes(["LUC", "", "NTS", "", "CLN", "DGT"]), "problems",
         problem="missing_land_use"),
    Case("geo_blank_codes_spaces", _codes(["LUC", "   ", "NTS", "LUC", "CLN", "DGT"]), "problems",
         problem="missing_land_use"),
    Case("geo_blank_codes_all", _codes([None] * 6), "problems", problem="missing_land_use"),
    Case("geo_blank_codes_geopackage_null", _gpkg_null_codes, "problems", problem="missing_land_use"),
    Case("geo_blank_codes_tcvn3", lambda f: shapefile_of(vf.parcels().assign(MALOAIDAT=[None, "LUC", "", "LUC",
                                                                                       "CLN", None]),
                                                            f, encoding="tcvn3"),
         "problems", problem="missing_land_use"),
    Case("geo_blank_codes_and_bad_legal_areas", _blank_and_bad_legal, "problems", problem="missing_land_use"),
    # -- legal areas that are not positive finite numbers
    Case("geo_legal_area_negative", _legal_shapefile([10_000.0, -100.0, 10_000.0, 10_000.0, 10_000.0, 10_000.0]),
         "problems", problem="bad_legal_area"),
    Case("geo_legal_area_zero", _legal_shapefile([10_000.0, 0.0, 10_000.0, 10_000.0, 10_000.0, 10_000.0]),
         "problems", problem="bad_legal_area"),
    Case("geo_legal_area_nan", _legal([10_000.0, NAN, 10_000.0, 10_000.0, 10_000.0, 10_000.0]), "problems",
         problem="bad_legal_area"),
    Case("geo_legal_area_inf", _legal([10_000.0, INF, 10_000.0, -INF, 10_000.0, 10_000.0]), "problems",
         problem="bad_legal_area"),
    Case("geo_legal_area_text", _legal(["10000", "một hecta", "10000", "10000", "10000", "10000"], text=True),
         "problems", problem="bad_legal_area"),
    Case("geo_legal_area_negative_text", _legal(["10000", "-100", "0", "10000", "10000", "10000"], text=True),
         "problems", problem="bad_legal_area"),
    # -- broken geometry: counted per feature
    Case("geo_unclosed_ring", _unclosed, "problems", problem="unclosed_ring"),
    Case("geo_unclosed_rings_three", _unclosed_many, "problems", problem="unclosed_ring"),
    Case("geo_nan_coordinate_geojson", _vertex_geojson(2, 1, NAN), "problems", problem="bad_coordinates"),
    Case("geo_infinite_coordinate_geojson", _vertex_geojson(2, 1, INF), "problems", problem="bad_coordinates"),
    Case("geo_1e308_coordinate_geojson", _vertex_geojson(3, 1, 1e308), "problems", problem="bad_coordinates"),
    Case("geo_nan_coordinate_shp", _vertex_shp(2, 1, NAN), "problems", problem="bad_coordinates"),
    Case("geo_infinite_coordinate_shp", _vertex_shp(2, 1, INF), "problems", problem="bad_coordinates"),
    Case("geo_1e308_coordinate_shp", _vertex_shp(2, 1, 1e308), "problems", problem="bad_coordinates"),
    Case("geo_minus_1e308_coordinate_shp", _vertex_shp(4, 2, -1e308), "problems", problem="bad_coordinates"),
    Case("geo_1e308_coordinate_zipped", _zip(_vertex_shp(0, 0, 1e308)), "problems", problem="bad_coordinates"),
    Case("geo_self_intersecting_bowtie", _shape(0, BOWTIE), "problems", problem="invalid_geometry"),
    Case("geo_flat_ring", _shape(0, FLAT), "problems", problem="invalid_geometry"),
    Case("geo_ring_with_spike", _shape(5, SPIKE), "problems", problem="invalid_geometry"),
    # -- wrong places: refused, naming what was found
    Case("geo_utm48n_prj_on_tm3_data", _prj(PRJ_UTM48N_WGS84), "refused", message=PLACE_BG, args=BAC_GIANG),
    Case("geo_utm48n_prj_suggests_9214", _prj(PRJ_UTM48N_WGS84), "refused", message="Đọc theo EPSG:9214",
         args=BAC_GIANG),
    Case("geo_utm48n_prj_zipped", _zip(_prj(PRJ_UTM48N_WGS84)), "refused", message=PLACE_BG, args=BAC_GIANG),
    Case("geo_degrees_under_tm3_prj", _degrees_under(vf.PRJ_RIGHT), "refused", message="là độ (kinh độ, vĩ độ)"),
    Case("geo_degrees_under_epsg_9214", _degrees_under("epsg"), "refused", message="là độ (kinh độ, vĩ độ)"),
    Case("geo_degrees_under_utm48n_prj", _degrees_under(PRJ_UTM48N_VN2000), "refused",
         message="là độ (kinh độ, vĩ độ)"),
    Case("geo_metres_under_wgs84_prj", _prj(PRJ_WGS84), "refused", message="là mét"),
    Case("geo_moved_300km_west_of_zone", _moved(-300_000, 0), "refused", message="nằm ngoài vùng dùng của EPSG:9214"),
    Case("geo_negative_northing", _moved(0, -4_722_000), "refused", message="nằm ngoài vùng dùng của EPSG:9214"),
    Case("geo_outside_chosen_province", lambda f: vf.shapefile(f), "refused", message="nằm ngoài tỉnh Cà Mau",
         args=("--province", "Cà Mau cũ")),
    Case("geo_no_prj_wrong_province", lambda f: vf.shapefile(f, prj=None), "refused",
         message="nằm ngoài tỉnh Kiên Giang", args=("--province", "Kiên Giang")),
    # -- damaged shapefiles: refused, saying how many parcels were lost
    Case("geo_truncated_shp_at_record", _truncated(2), "refused",
         message="Tệp .shp bị hỏng: đọc được 2 trong 6 thửa, mất 4"),
    Case("geo_truncated_shp_mid_record", _truncated(2, 20), "refused",
         message="Tệp .shp bị hỏng: đọc được 2 trong 6 thửa, mất 4"),
    Case("geo_truncated_shp_last_record", _truncated(5, 30), "refused",
         message="Tệp .shp bị hỏng: đọc được 5 trong 6 thửa, mất 1"),
    Case("geo_truncated_shp_header_only", _header_only, "refused",
         message="Tệp .shp bị hỏng: đọc được 0 trong 6 thửa, mất 6"),
    Case("geo_truncated_shp_zipped", _truncated(3, zipped=True), "refused",
         message="Tệp .shp bị hỏng: đọc được 3 trong 6 thửa, mất 3"),
    Case("geo_dbf_declares_more_records", _dbf_count(9), "refused", message="tệp .dbf có 9 bản ghi"),
]

