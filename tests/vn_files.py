"""Real files in real formats, written in code for the data-import tests (no shipped fixtures, no mocks).

Every writer puts the same six parcels at Lương Phong (a 3 x 2 grid of 100 m x 100 m squares in
EPSG:9214, so each is exactly 1 ha) into one format, with Vietnamese names that need every kind of letter.
"""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from openpyxl import Workbook

from gis.core.crs import VN2000_TOWGS84, VN2000_TOWGS84_PUBLISHED
from gis.files.codecs import encode
from gis.files.dbf import write_legacy_shapefile

E0, N0 = 397_000.0, 2_361_000.0
SIDE = 100.0
OWNERS = ["Nguyễn Văn Ước", "Lương Thị Hằng", "Đỗ Đức Mạnh", "Trần Thị Bưởi", "Ngô Quý Ỷ", "Phạm Thị Thuỷ"]
CODES = ["LUC", "ONT+CLN", "NTS", "LUC", "CLN", "DGT"]
ADDRESS = "Thôn Sơn Quả 1, xã Lương Phong"

PRJ_TEMPLATE = (
    'PROJCS["VN_2000_TM3_107",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137,'
    '298.257223563]{towgs84}],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],'
    'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",107],'
    'PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],'
    'UNIT["Meter",1]]'
)
#: A .prj with the published (coordinate-frame) rotation signs in TOWGS84: the first common fault.
PRJ_WRONG_SIGNS = PRJ_TEMPLATE.format(towgs84=f",TOWGS84[{VN2000_TOWGS84_PUBLISHED}]")
#: A .prj with the right (position-vector) signs.
PRJ_RIGHT = PRJ_TEMPLATE.format(towgs84=f",TOWGS84[{VN2000_TOWGS84}]")
#: A .prj with TM-3 107 on a bare WGS 84 datum, no shift: the second common fault.
PRJ_NO_SHIFT = (
    'PROJCS["TM3_107",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",107],PARAMETER["scale_factor",0.9999],'
    'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["Meter",1]]'
)


def squares() -> list[shapely.Polygon]:
    return [shapely.box(E0 + c * SIDE, N0 + r * SIDE, E0 + (c + 1) * SIDE, N0 + (r + 1) * SIDE)
            for r in range(2) for c in range(3)]


def parcels(crs: int | None = 9214) -> gpd.GeoDataFrame:
    """Six 1 ha parcels at Lương Phong with the field names of a ViLIS export."""
    return gpd.GeoDataFrame(
        {"SHBANDO": [12] * 6, "SHTHUA": list(range(1, 7)), "MALOAIDAT": CODES, "DIENTICH": [10_000.0] * 6,
         "TENCHU": OWNERS, "DIACHI": [ADDRESS] * 6},
        geometry=squares(), crs=crs,
    )


def shapefile(folder: Path, *, encoding: str = "utf-8", prj: str | None = "epsg", cpg: str | None = None,
              name: str = "thua_dat") -> Path:
    """A shapefile in ``encoding``; ``prj`` is "epsg" (GDAL's .prj for EPSG:9214), a WKT text, or None."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.shp"
    frame = parcels()
    write_legacy_shapefile(frame, path, encoding=encoding, cpg=cpg)
    if prj is None:
        path.with_suffix(".prj").unlink()
    elif prj != "epsg":
        path.with_suffix(".prj").write_text(prj, encoding="ascii")
    return path


def zipped(path: Path, members: list[Path], *, arcdir: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.write(member, f"{arcdir}{member.name}")
    return path


def zipped_shapefile(folder: Path, **kwargs: object) -> Path:
    shp = shapefile(folder / "src", **kwargs)  # type: ignore[arg-type]
    members = [p for p in shp.parent.iterdir() if p.stem == shp.stem]
    return zipped(folder / "thua_dat.zip", members, arcdir="ban_do/")


def geopackage(folder: Path) -> Path:
    path = folder / "thua_dat.gpkg"
    frame = parcels().rename(columns={"SHBANDO": "SoHieuToBanDo", "SHTHUA": "SoThuTuThua",
                                      "MALOAIDAT": "KyHieuMucDichSuDung", "DIENTICH": "DienTichPhapLy"})
    pyogrio.write_dataframe(frame, path, layer="ThuaDat", driver="GPKG")
    pyogrio.write_dataframe(frame.iloc[:1].assign(geometry=frame.geometry.iloc[:1].centroid), path, layer="Diem",
                            driver="GPKG", append=False)
    return path


def geojson(folder: Path) -> Path:
    path = folder / "thua_dat.geojson"
    parcels().to_crs(4326).to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def esri_json(folder: Path) -> Path:
    """What an ArcGIS portal's query returns with f=json: VN-2000 TM-3 107 by its wkid."""
    frame = parcels()
    features = [{"attributes": {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items() if k != "geometry"},
                 "geometry": {"rings": [[list(xy) for xy in reversed(row.geometry.exterior.coords)]]}}
                for _, row in frame.iterrows()]
    doc = {"displayFieldName": "SHTHUA", "geometryType": "esriGeometryPolygon",
           "spatialReference": {"wkid": 9214, "latestWkid": 9214},
           "fields": [{"name": "SHBANDO", "type": "esriFieldTypeInteger", "alias": "SHBANDO"},
                      {"name": "SHTHUA", "type": "esriFieldTypeInteger", "alias": "SHTHUA"},
                      {"name": "MALOAIDAT", "type": "esriFieldTypeString", "alias": "MALOAIDAT", "length": 20},
                      {"name": "DIENTICH", "type": "esriFieldTypeDouble", "alias": "DIENTICH"},
                      {"name": "TENCHU", "type": "esriFieldTypeString", "alias": "TENCHU", "length": 100},
                      {"name": "DIACHI", "type": "esriFieldTypeString", "alias": "DIACHI", "length": 100}],
           "features": features}
    path = folder / "thua_dat.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def kml(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "thua_dat.kml"
    pyogrio.write_dataframe(parcels().to_crs(4326), path, driver="KML")
    return path


def kmz(folder: Path) -> Path:
    source = kml(folder / "kml")
    return zipped(folder / "thua_dat.kmz", [source.rename(source.with_name("doc.kml"))])


def dxf(folder: Path) -> Path:
    """Parcels as closed polylines with their number, code and area as text inside, as CAD drawings keep them."""
    path = folder / "to12.dxf"
    frame = parcels(crs=None)
    shapes = gpd.GeoDataFrame({"Layer": ["RANHTHUA"] * 6}, geometry=[g.exterior for g in frame.geometry])
    texts = [f"{n} {c} {a:.1f}" for n, c, a in zip(frame.SHTHUA, frame.MALOAIDAT, frame.DIENTICH, strict=True)]
    labels = gpd.GeoDataFrame(  # GDAL writes a point with a LABEL style as a TEXT entity
        {"Layer": ["NHAN"] * 6, "OGR_STYLE": [f'LABEL(f:"Arial",t:"{t}",s:2g)' for t in texts]},
        geometry=list(frame.geometry.centroid))
    both = gpd.GeoDataFrame(pyogrio_concat([shapes, labels]), geometry="geometry")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided")  # CAD drawings carry no CRS: the point
        pyogrio.write_dataframe(both, path, driver="DXF")
    return path


def pyogrio_concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry")


def dgn(folder: Path) -> Path:
    """A MicroStation DGN v7 drawing written through GDAL: the parcels as closed shapes, no attributes."""
    path = folder / "to12.dgn"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided")
        pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=squares()), path, driver="DGN")
    return path


def table_rows(*, vn_axes: bool = True) -> list[list[object]]:
    """A surveyor's table: one row per vertex, the parcel number on each row, X = northing, Y = easting."""
    rows: list[list[object]] = [["Tờ", "Thửa", "Điểm", "X (m)", "Y (m)", "Loại đất", "Chủ sử dụng"]]
    frame = parcels()
    for sheet, number, code, owner, geom in zip(frame.SHBANDO, frame.SHTHUA, frame.MALOAIDAT, frame.TENCHU,
                                                frame.geometry, strict=True):
        for k, (e, n) in enumerate(list(geom.exterior.coords)[:-1], start=1):
            x, y = (n, e) if vn_axes else (e, n)
            rows.append([sheet, number, k, x, y, code if k == 1 else None, owner if k == 1 else None])
    return rows


def csv_table(folder: Path, *, encoding: str = "utf-8", decimal_comma: bool = False) -> Path:
    path = folder / "bang_toa_do.csv"
    lines = []
    for row in table_rows():
        cells = []
        for v in row:
            text = "" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
            cells.append(text.replace(".", ",") if decimal_comma and isinstance(v, float) else text)
        lines.append((";" if decimal_comma else ",").join(cells))
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes(encode(text, encoding))
    return path


def as_windows_font(data: bytes) -> str:
    """Bytes as Windows shows them in a legacy font: cp1252 where it defines a byte, latin-1 elsewhere."""
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def xlsx_table(folder: Path, *, tcvn3_font: bool = False) -> Path:
    """An Excel table with a title above the header, as surveyors send them; optionally typed in .VnTime."""
    path = folder / "bang_toa_do.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Toa do"
    sheet.append(["BẢNG TỌA ĐỘ ĐỈNH THỬA"])
    sheet.append([])
    for row in table_rows():
        if tcvn3_font:  # text typed with a TCVN3 font: its bytes stored as cp1252 characters
            row = [as_windows_font(encode(v, "tcvn3", caps_font=True)) if isinstance(v, str) else v for v in row]
        sheet.append(row)
    book.save(path)
    return path
