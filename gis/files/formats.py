"""The formats officers' files come in, how a file's format is told (:func:`detect_format`), and the
:class:`Source` a reading returns: the layer as a GeoDataFrame with its text in Unicode, and a report of what was
found (format, layers, encoding, CRS and its faults, the axis convention of a coordinate table).

Formats (:data:`FORMATS`): shapefile (loose or zipped, with or without ``.cpg`` and ``.prj``), GeoPackage,
GeoJSON, Esri JSON, KML/KMZ, DXF, MicroStation DGN v7, and surveyors' coordinate tables (CSV or Excel, one row
per vertex). The errors every reader gives for an unreadable file or a table over a limit are built here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from gis.core.crs_faults import CrsFinding
from gis.core.errors import DataSourceError
from gis.core.limits import limits, over_limit
from gis.core.placement import CoordinateGuess
from gis.files.codecs import UNICODE
from gis.files.detect import Detection

#: Format key -> (Vietnamese, English) name.
FORMATS: dict[str, tuple[str, str]] = {
    "shapefile": ("Shapefile (.shp)", "Shapefile (.shp)"),
    "gpkg": ("GeoPackage (.gpkg)", "GeoPackage (.gpkg)"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "esrijson": ("Esri JSON (ArcGIS)", "Esri JSON (ArcGIS)"),
    "kml": ("KML (Google Earth)", "KML (Google Earth)"),
    "kmz": ("KMZ (Google Earth, nén)", "KMZ (zipped Google Earth)"),
    "dxf": ("DXF (AutoCAD)", "DXF (AutoCAD)"),
    "dgn": ("DGN v7 (MicroStation)", "DGN v7 (MicroStation)"),
    "csv_table": ("Bảng tọa độ CSV", "Coordinate table (CSV)"),
    "xlsx_table": ("Bảng tọa độ Excel", "Coordinate table (Excel)"),
}

_EXTENSIONS = {
    ".shp": "shapefile", ".gpkg": "gpkg", ".geojson": "geojson", ".json": "json", ".kml": "kml",
    ".kmz": "kmz", ".dxf": "dxf", ".dgn": "dgn", ".csv": "csv_table", ".txt": "csv_table",
    ".xlsx": "xlsx_table", ".xlsm": "xlsx_table", ".zip": "zip",
}
_SUPPORTED_VI = ".shp (kèm .shx, .dbf), .zip, .gpkg, .geojson, .json (Esri), .kml, .kmz, .dxf, .dgn, .csv, .xlsx"


@dataclass
class Source:
    """One layer of the user's file, read, with what was found about it.

    Attributes
    ----------
    path
        The file the user gave.
    format
        A key of :data:`FORMATS`.
    layers
        Every layer the file holds (shapefiles of a zip, GeoPackage tables, KML folders, Excel sheets).
    layer
        The layer read.
    frame
        Its features, text in Unicode (NFC), in the CRS the file declares (None when it declares none).
    encoding
        How the text was decoded (None when the format fixes it as UTF-8 and the text reads right).
    crs
        What the file says about its coordinates, and its faults.
    guess
        When the file declares no CRS: what its coordinates look like.
    axes_vi, axes_en
        For a coordinate table: which column is the easting and which the northing, and why.
    notes
        Anything else the user should know, as (Vietnamese, English) pairs.
    """

    path: Path
    format: str
    layers: list[str]
    layer: str | None
    frame: gpd.GeoDataFrame
    encoding: Detection | None
    crs: CrsFinding
    guess: CoordinateGuess | None = None
    axes_vi: str | None = None
    axes_en: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def format_name(self) -> str:
        return FORMATS[self.format][1]

    def format_label(self, lang: str = "vi") -> str:
        vi, en = FORMATS[self.format]
        return vi if lang == "vi" else en

    @property
    def encoding_name(self) -> str:
        """``"TCVN3 (ABC)"``, ``"UTF-8"`` ...; ``"UTF-8"`` for formats that are Unicode by definition."""
        if self.encoding is None:
            return "UTF-8"
        if self.encoding.encoding == UNICODE:
            return "UTF-8"
        return self.encoding.name


def _unreadable(path: Path, exc: Exception | str, what_vi: str, what_en: str) -> DataSourceError:
    return DataSourceError(
        f"Không đọc được tệp «{path.name}» ({exc}). {what_vi}",
        f"Cannot read '{path.name}' ({exc}). {what_en}",
    )


def _json_kind(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    text = head.decode("utf-8", errors="replace")
    if '"spatialReference"' in text or '"geometryType"' in text or re.search(r'"rings"\s*:', text):
        return "esrijson"
    if '"FeatureCollection"' in text or '"Feature"' in text or '"coordinates"' in text:
        return "geojson"
    raise DataSourceError(
        f"Tệp «{path.name}» là JSON nhưng không phải GeoJSON hay Esri JSON (không có đối tượng bản đồ). Hãy xuất "
        "lại lớp bản đồ dưới dạng GeoJSON, hoặc từ cổng ArcGIS chọn định dạng JSON có hình học.",
        f"'{path.name}' is JSON but neither GeoJSON nor Esri JSON (no map features). Export the layer again as "
        "GeoJSON, or from the ArcGIS portal as JSON with geometry.",
    )


def detect_format(path: Path) -> str:
    """The format key of ``path`` from its extension and first bytes; ``"zip"`` for a zip archive."""
    suffix = path.suffix.lower()
    if suffix in (".dbf", ".shx", ".prj", ".cpg"):
        suffix = ".shp"
    kind = _EXTENSIONS.get(suffix)
    if kind is None:
        if suffix == ".xls":
            raise DataSourceError(
                f"Tệp «{path.name}» là Excel đời cũ (.xls). Hãy mở bằng Excel và lưu thành .xlsx rồi tải lên lại.",
                f"'{path.name}' is an old Excel file (.xls). Open it in Excel, save it as .xlsx and upload again.",
            )
        raise DataSourceError(
            f"Không hỗ trợ định dạng «{path.suffix or path.name}» của tệp «{path.name}». Các định dạng đọc được: "
            f"{_SUPPORTED_VI}. Hãy xuất lại dữ liệu từ phần mềm gốc sang một trong các định dạng đó.",
            f"The format '{path.suffix or path.name}' of '{path.name}' is not supported. Readable formats: "
            f"{_SUPPORTED_VI}. Export the data again from the software that made it in one of them.",
        )
    if kind == "json":
        return _json_kind(path)
    if kind == "geojson":
        return _json_kind(path)
    return kind


def _too_many(path: Path, what_vi: str, what_en: str, *, found: str, limit: int, key: str) -> DataSourceError:
    return over_limit(
        f"Bảng «{path.name}» có quá nhiều {what_vi}", f"Table '{path.name}' has too many {what_en}", found=found,
        limit=str(limit), key=key,
        todo_vi="Hãy xuất lại bảng chỉ với các cột số thửa, tọa độ (mỗi dòng một đỉnh), hoặc chia theo tờ bản đồ.",
        todo_en="Export the table again with only the parcel number and coordinate columns (one row per vertex), "
        "or split it by map sheet.")


def _long_cell(path: Path, where: str, found: str) -> DataSourceError:
    lim = limits()
    return over_limit(
        f"Bảng «{path.name}»: một ô ({where}) quá dài", f"Table '{path.name}': a cell ({where}) is too long",
        found=f"{found} ký tự", found_en=f"{found} characters", limit=f"{lim.cell_chars} ký tự",
        limit_en=f"{lim.cell_chars} characters", key="cell_chars",
        todo_vi="Hãy kiểm tra dấu ngoặc kép (\") trong bảng: một dấu không đóng làm cả phần sau thành một ô.",
        todo_en="Check the quotes (\") in the table: one left open makes all that follows one cell.")


def _checked_row(path: Path, row: list[Any], number_: int) -> list[Any]:
    lim = limits()
    while row and row[-1] in (None, ""):
        row = row[:-1]
    if len(row) > lim.columns:
        raise _too_many(path, "cột", "columns", found=f"{len(row)} (dòng {number_})", limit=lim.columns,
                        key="columns")
    for i, cell in enumerate(row):
        if isinstance(cell, str) and len(cell) > lim.cell_chars:
            raise _long_cell(path, f"dòng {number_}, cột {i + 1}", str(len(cell)))
    return row
