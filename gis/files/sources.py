"""Reading the files officers have: every format, its text decoded, its coordinates understood.

:func:`read_source` opens one file (or archive) and returns a :class:`Source`: the layer as a GeoDataFrame
with its text in Unicode, and a report of what was found (format, layers, encoding, CRS and its faults, the
axis convention of a coordinate table). :func:`place` then puts the layer in VN-2000 TM-3, with the user's
choices (province, consent to fix a faulty CRS). Nothing here writes outside the workspace: archives are
unpacked into its scratch folder and removed after reading.

Formats: shapefile (loose or zipped, with or without ``.cpg`` and ``.prj``), GeoPackage, GeoJSON, Esri JSON,
KML/KMZ, DXF, MicroStation DGN v7, and surveyors' coordinate tables (CSV or Excel, one row per vertex).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis.core import landuse
from gis.core.crs import crs_label, offset_m, tm3_crs
from gis.core.crs_faults import CrsFinding, analyse_crs, apply_fix
from gis.core.errors import CrsError, DataSourceError, PlacementError, SchemaError
from gis.core.i18n import number
from gis.core.limits import MAX_FEATURES_OPTION, Deadline, feature_limits, limits, mb, over_limit
from gis.core.placement import Area, CoordinateGuess, guess_from_coordinates, looks_like_degrees, outside, zone_area
from gis.core.provinces import Province, find_province, province_area
from gis.core.text import strip_accents
from gis.files.checks import MAX_COORDINATE, UNCLOSED_ATTR
from gis.files.codecs import UNICODE, canonical_encoding, decode, encode
from gis.files.dbf import read_dbf_columns
from gis.files.detect import PLAIN_TEXT, Detection, detect, detect_text, repair
from gis.files.schema import ONE_TYPE, PARCEL_FIELDS, REQUIRED, map_values, match_fields

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
_KML_HOUSEKEEPING = ("id", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                     "visibility", "drawOrder", "icon", "snippet")
_KML_ALWAYS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
_DATA_EXTS = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".dxf", ".dgn", ".csv", ".xlsx")


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


# --------------------------------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------------


def _check_feature_count(path: Path, layer: str | None) -> None:
    """Refuse a layer whose header counts more features than ``features`` allows, before it is read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            count = int(pyogrio.read_info(path, layer=layer).get("features") or 0)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return  # unreadable: the read that follows says so
    most, _ = feature_limits()
    if count > most:
        raise over_limit(
            f"Lớp «{layer or path.name}» của tệp «{path.name}» có quá nhiều đối tượng",
            f"Layer '{layer or path.name}' of '{path.name}' has too many features", found=str(count),
            limit=str(most), key="features",
            todo_vi="Hãy chỉ xuất các thửa của xã (lọc theo xã hoặc tờ bản đồ) rồi nhập lại. Với lệnh (python -m "
            f"gis inspect/import/recovery), máy đủ bộ nhớ thì có thể cho phép tệp lớn hơn: {MAX_FEATURES_OPTION} "
            f"{count} (khoảng 1,5 kB bộ nhớ mỗi thửa); trang Dữ liệu giữ giới hạn này.",
            todo_en="Export only the commune's parcels (filter by commune or map sheet) and import them again. A "
            "command (python -m gis inspect/import/recovery) on a machine with the memory for it may take the "
            f"larger file with {MAX_FEATURES_OPTION} {count} (about 1.5 kB of memory a parcel); the Data page keeps "
            "this limit.")


def _check_vertex_count(path: Path, frame: gpd.GeoDataFrame) -> None:
    """Refuse a layer with more coordinate pairs than ``vertices`` allows, before any work on its geometry."""
    _, most = feature_limits()
    count = int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum()) if len(frame) else 0
    if count > most:
        raise over_limit(
            f"Lớp của tệp «{path.name}» có quá nhiều đỉnh", f"The layer of '{path.name}' has too many vertices",
            found=str(count), limit=str(most), key="vertices",
            todo_vi="Hãy chỉ xuất các thửa của xã, hoặc đơn giản hóa hình (Simplify trong QGIS) rồi nhập lại.",
            todo_en="Export only the commune's parcels, or simplify the shapes (Simplify in QGIS), and import again.")


def _read_ogr(path: Path, *, layer: str | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    _check_feature_count(path, layer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd files are reported by us
            try:
                # a GeoPackage through Arrow: 2-3x faster (other formats keep the reader whose faults are known)
                arrow = {"use_arrow": True} if Path(path).suffix.lower() == ".gpkg" and "encoding" not in kwargs else {}
                frame = pyogrio.read_dataframe(path, layer=layer, **arrow, **kwargs)
            except shapely.errors.GEOSException:  # a ring GEOS will not build (unclosed): closed, and counted
                frame = _read_ogr_fixing(path, layer=layer, **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, pyogrio.errors.CRSError, UnicodeDecodeError) as exc:
        raise _unreadable(
            path, exc, "Tệp có thể hỏng hoặc chưa tải lên hết: hãy xuất lại từ phần mềm gốc.",
            "It may be damaged or incomplete: export it again from the software that made it.",
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame)))
    _check_vertex_count(path, frame)
    return frame


def _read_ogr_fixing(path: Path, *, layer: str | None = None, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read a layer whose geometry GEOS refuses as written (rings not closed): each ring is closed.

    The positions of the features closed this way are kept in ``frame.attrs[UNCLOSED_ATTR]`` for the check
    (:func:`gis.files.checks.check_parcels` counts them as ``unclosed_ring``).
    """
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False, **kwargs)
    meta, _, wkb, _ = pyogrio.raw.read(path, layer=layer, columns=[], **kwargs)
    wkb = wkb if wkb is not None else np.array([None] * len(frame), dtype=object)
    strict = shapely.from_wkb(wkb, on_invalid="ignore")
    fixed = shapely.from_wkb(wkb, on_invalid="fix")
    unclosed = [int(i) for i in np.flatnonzero([a is None and b is not None for a, b in zip(strict, fixed, strict=True)])]
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(fixed, index=frame.index), crs=meta.get("crs"))
    out.attrs[UNCLOSED_ATTR] = unclosed
    return out


def _list_layers(path: Path) -> list[str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(
            path, exc, "Tệp có thể hỏng hoặc chưa tải lên hết: hãy xuất lại từ phần mềm gốc.",
            "It may be damaged or incomplete: export it again from the software that made it.",
        ) from exc


def _pick_layer(path: Path, layers: list[str], layer: str | None) -> str | None:
    if not layers:
        return None
    if layer is not None:
        if layer not in layers:
            raise DataSourceError(
                f"Tệp «{path.name}» không có lớp «{layer}». Các lớp có: {', '.join(layers)}. Hãy chọn một lớp trong "
                "số đó (--layer TÊN).",
                f"'{path.name}' has no layer '{layer}'. Its layers: {', '.join(layers)}. Pick one of them "
                "(--layer NAME).",
            )
        return layer
    if len(layers) == 1:
        return layers[0]
    best, best_score = layers[0], -1
    for name in layers:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                info = pyogrio.read_info(path, layer=name)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
            continue
        fields = [str(f) for f in info["fields"]]
        score = 10 * len(match_fields(fields)) + ("polygon" in str(info.get("geometry_type", "")).lower())
        score += 5 * ("parcel" in name.lower() or "thua" in name.lower())
        if score > best_score:
            best, best_score = name, score
    return best


def _text_columns(frame: pd.DataFrame) -> list[str]:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))]


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _repair_text(frame: gpd.GeoDataFrame, encoding: str | None) -> tuple[gpd.GeoDataFrame, Detection]:
    """Decode text that a Unicode format holds as mojibake (TCVN3/VNI bytes misread), or keep it."""
    cols = _text_columns(frame)
    # each column coded once (a layer repeats its codes, villages and owners many times): the detection reads
    # its sample (2000 texts) from the distinct values, the repair maps each distinct value once
    coded = {c: _factorized(frame[c]) for c in cols}
    found = _cells_encoding(_sample_texts(frame, cols, coded), encoding)
    out = frame.copy()
    for c in cols:
        if found.encoding == UNICODE:
            out[c] = _map_coded(out[c], coded[c], _nfc)
        else:
            out[c] = _map_coded(out[c], coded[c],
                                lambda v: repair(v, encoding=found.encoding)[0] if isinstance(v, str) else v)
    return out, found


def _factorized(values: pd.Series) -> tuple[np.ndarray, Any] | None:
    """``pandas.factorize(values)`` (missing values coded -1), or None for a column of mixed types, whose equal
    values may read differently (see :func:`gis.files.schema.map_values`)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ONE_TYPE:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not isinstance(uniques, np.ndarray) and pd.api.types.is_string_dtype(uniques.dtype):
        uniques = uniques.to_numpy(dtype=object)  # an Arrow array is slow to walk value by value
    return codes, uniques


def _sample_texts(frame: pd.DataFrame, cols: list[str], coded: dict[str, tuple[np.ndarray, Any] | None]
                  ) -> Iterator[str]:
    """The cells of ``cols`` as text, column by column, in row order, without missing ones, and without the
    plain ASCII ones, which :func:`gis.files.detect.detect_text` skips (found among the distinct values)."""
    for c in cols:
        column = coded[c]
        if column is None:
            yield from frame[c].dropna().astype(str).tolist()
            continue
        codes, uniques = column
        texts = [str(u) for u in uniques]
        wanted = np.array([not PLAIN_TEXT.fullmatch(t) for t in texts], dtype=bool)
        if not wanted.any():
            continue
        present = codes[codes >= 0]
        for code in present[wanted[present]].tolist():
            yield texts[code]


def _map_coded(values: pd.Series, coded: tuple[np.ndarray, Any] | None, fn: Callable[[Any], Any]) -> pd.Series:
    """:func:`gis.files.schema.map_values` with the column's codes already made by :func:`_factorized`."""
    if coded is None:
        return map_values(values, fn)
    codes, uniques = coded
    missing = codes < 0
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = fn(values[missing].iloc[0]) if missing.any() else None
    return pd.Series(mapped[codes], index=values.index, dtype=object, name=values.name)


def _cells_encoding(values: Iterable[str], encoding: str | None) -> Detection:
    if encoding is None:
        return detect_text(values)
    if encoding.strip().lower() in (UNICODE, "utf-8", "utf8"):
        return Detection(UNICODE, 1.0, "Giữ nguyên văn bản Unicode (người dùng chọn).",
                             "Unicode text kept as it is (user's choice).", overridden=True)
    chosen = canonical_encoding(encoding)
    return Detection(chosen, 1.0, f"Bảng mã {chosen} do người dùng chọn.", f"{chosen} chosen by the user.",
                         overridden=True)


def _read_prj(shp: Path) -> str | None:
    for suffix in (".prj", ".PRJ"):
        prj = shp.with_suffix(suffix)
        if prj.exists():
            return prj.read_bytes().decode("latin-1").strip() or None
    return None


def _sibling(shp: Path, ext: str) -> Path | None:
    for suffix in (ext, ext.upper()):
        candidate = shp.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def shapefile_counts(shp: Path) -> tuple[int, int, int | None]:
    """(records the .shx indexes, records wholly present in the .shp, records the .dbf header declares).

    The .shx is 100 bytes of header then 8 bytes per record (offset and length in 16-bit words, big-endian);
    a record is present when its offset plus its 8-byte header and content fit in the .shp's actual size.
    """
    import struct

    shx = _sibling(shp, ".shx")
    dbf = _sibling(shp, ".dbf")
    index = shx.read_bytes() if shx is not None else b""
    size = shp.stat().st_size
    records = max(0, (len(index) - 100) // 8)
    present = 0
    for k in range(records):
        offset, length = struct.unpack(">ii", index[100 + 8 * k: 108 + 8 * k])
        if 0 <= offset and 2 * offset + 8 + 2 * length <= size:
            present += 1
    declared = None
    if dbf is not None:
        with open(dbf, "rb") as fh:
            head = fh.read(8)
        if len(head) == 8:
            declared = int(struct.unpack("<I", head[4:8])[0])
    return records, present, declared


def _check_shp_complete(shp: Path) -> None:
    """Refuse a shapefile whose .shp is shorter than its .shx index says (a copy or upload cut short).

    Refused rather than imported with the records lost: parcels missing from an import change every area
    and target without a word on the pages that use it. The message says how many records were lost.
    """
    records, present, declared = shapefile_counts(shp)
    if present < records:
        lost = records - present
        raise DataSourceError(
            f"Tệp .shp bị hỏng: đọc được {present} trong {records} thửa, mất {lost} (tệp «{shp.name}» ngắn hơn chỉ "
            "mục .shx, có thể chép hoặc tải lên chưa hết). Không nhập. Hãy chép lại đủ tệp, hoặc xuất lại từ phần "
            "mềm gốc.",
            f"The .shp is damaged: {present} of {records} parcels read, {lost} lost ('{shp.name}' is shorter than "
            "its .shx index says: copied or uploaded only in part). Nothing imported. Copy the whole file again, or "
            "export it again from the software that made it.",
        )
    if declared is not None and declared != records:
        raise DataSourceError(
            f"Shapefile «{shp.stem}» không khớp: tệp .dbf có {declared} bản ghi, chỉ mục .shx có {records}. Có thể "
            "một tệp bị hỏng hoặc lấy từ lần xuất khác: hãy chép lại cả bộ tệp cùng một lần xuất.",
            f"Shapefile '{shp.stem}' does not match: the .dbf has {declared} records, the .shx index {records}. A "
            "file may be damaged or come from another export: copy the whole set from one export again.",
        )


def _read_shapefile(shp: Path, encoding: str | None) -> tuple[gpd.GeoDataFrame, Detection, str | None]:
    if shp.suffix.lower() != ".shp":
        shp = _sibling(shp, ".shp") or shp.with_suffix(".shp")
    missing = [ext for ext in (".shp", ".shx", ".dbf") if _sibling(shp, ext) is None]
    if missing:
        raise DataSourceError(
            f"Shapefile «{shp.stem}» thiếu tệp {', '.join(missing)}. Một shapefile gồm ít nhất ba tệp cùng tên "
            ".shp, .shx, .dbf (thêm .prj, .cpg nếu có): hãy chép đủ các tệp, hoặc nén cả bộ thành .zip rồi tải lên.",
            f"Shapefile '{shp.stem}' lacks {', '.join(missing)}. A shapefile is at least three files of the same "
            "name, .shp, .shx and .dbf (plus .prj, .cpg if any): copy them all, or zip the whole set and upload it.",
        )
    shp = _sibling(shp, ".shp") or shp
    _check_shp_complete(shp)
    prj = _read_prj(shp)
    if prj is not None:
        analyse_crs(prj)  # a .prj nobody can read: say so before GDAL stumbles on it
    frame = _read_ogr(shp, encoding="latin1")
    columns, count, found = read_dbf_columns(shp, encoding=encoding, read=frame)  # its text: not read twice
    if count != len(frame):
        raise _unreadable(shp, f"{count} != {len(frame)}", "Tệp .dbf không khớp với .shp: hãy xuất lại.",
                          "The .dbf does not match the .shp: export it again.")
    if count:
        renames = {}
        for raw_name, texts in columns.items():
            latin = encode(raw_name, found.encoding, errors="replace").decode("latin-1") \
                if found.encoding != "utf-8" else raw_name.encode("utf-8").decode("latin-1")
            for column in (latin, raw_name):
                if column in frame.columns:
                    frame[column] = [t if t != "" else None for t in texts]
                    renames[column] = raw_name
                    break
        frame = frame.rename(columns=renames)
    else:
        frame = frame.rename(columns={c: decode(c.encode("latin-1"), found.encoding, errors="replace")
                                      for c in _text_columns(frame)})
    return frame, found, prj


def _closed_lines_to_polygons(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    geoms = frame.geometry.to_numpy()
    changed = 0
    out = []
    for geom in geoms:
        if geom is not None and geom.geom_type == "LineString" and geom.is_closed and len(geom.coords) >= 4:
            out.append(shapely.Polygon(geom.coords))
            changed += 1
        else:
            out.append(geom)
    result = frame.copy()
    result[frame.geometry.name] = gpd.GeoSeries(out, index=frame.index, crs=frame.crs)
    return result, changed


_INT = re.compile(r"^\d{1,6}$")
_DECIMAL = re.compile(r"^\d+[.,]\d+$")


def _join_labels(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """CAD drawings keep parcel numbers, land-use codes and areas as text placed inside each parcel."""
    if "Text" not in frame.columns:
        return frame, 0
    is_text = frame.geometry.geom_type.isin(["Point", "MultiPoint"]) & frame["Text"].notna() & (frame["Text"].astype(str).str.strip() != "")
    texts = frame[is_text]
    shapes = frame[~is_text].copy()
    if texts.empty:
        return frame, 0
    polygons = shapes[shapes.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    for column in ("SHTHUA", "MALOAIDAT", "DIENTICH"):
        shapes[column] = None
    if not polygons.empty:
        pairs = polygons.sindex.query(texts.geometry, predicate="within")
        for text_pos, poly_pos in zip(*pairs, strict=True):
            label = str(texts["Text"].iloc[text_pos]).strip()
            row = polygons.index[poly_pos]
            for token in re.split(r"[\s\n]+", label):
                if _INT.match(token) and shapes.at[row, "SHTHUA"] is None:
                    shapes.at[row, "SHTHUA"] = int(token)
                elif _DECIMAL.match(token) and shapes.at[row, "DIENTICH"] is None:
                    shapes.at[row, "DIENTICH"] = float(token.replace(",", "."))
                elif landuse.split_codes(token) and all(c in landuse.LAND_USES for c in landuse.split_codes(token)):
                    shapes.at[row, "MALOAIDAT"] = "+".join(landuse.split_codes(token))
    for column in ("SHTHUA", "MALOAIDAT", "DIENTICH"):
        if shapes[column].isna().all():
            shapes = shapes.drop(columns=column)
    return shapes, len(texts)


# --------------------------------------------------------------------------------------------------
# Coordinate tables
# --------------------------------------------------------------------------------------------------


def _header_key(name: object) -> str:
    text = strip_accents(str(name).strip().lower())
    return re.sub(r"\(m\)|[^a-z0-9]", "", text)


_TABLE_COLUMNS = {
    "parcel": ("thua", "sothua", "shthua", "thuaso", "sothututhua", "parcel", "parcelid", "parcelno", "idthua",
               "mathua", "sohieuthua", "thuadat"),
    "sheet": ("to", "soto", "toso", "sotobd", "tobd", "shbando", "tobando", "sohieutobando", "sheet"),
    "point": ("diem", "tendiem", "sodiem", "sohieudiem", "diemso", "stt", "tt", "point", "pointid", "vertex"),
    "x": ("x", "toadox", "xm", "coordx"),
    "y": ("y", "toadoy", "ym", "coordy"),
    "easting": ("e", "easting", "dong", "toadodong", "east"),
    "northing": ("n", "northing", "bac", "toadobac", "north"),
}


def _find_columns(header: list[object]) -> dict[str, int]:
    keys = [_header_key(h) for h in header]
    found: dict[str, int] = {}
    for role, names in _TABLE_COLUMNS.items():
        for i, key in enumerate(keys):
            if key in names and i not in found.values():
                found[role] = i
                break
    return found


def parse_number(value: object) -> float:
    """A coordinate as surveyors write it: ``2361018.25``, ``2361018,25``, ``2.361.018,25``, ``2 361 018.25``."""
    if value is None:
        return float("nan")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return float("nan")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return float("nan")


#: Control bytes no text table holds (TCVN3 uses 0x01, 0x02, 0x04-0x06, 0x11-0x17 for capitals; tab, line
#: feed, carriage return, form feed, vertical tab and DOS's end-of-file mark are text too).
_BINARY_BYTES = bytes([0, 3, 7, 8, 14, 15, 16, 24, 25, 27, 28, 29, 30, 31])
#: First bytes of files that are often renamed to .csv by mistake: (magic, what it is in Vietnamese, English).
_MAGIC = (
    (b"PK\x03\x04", "tệp nén hoặc tệp Excel .xlsx", "a zip archive or an Excel .xlsx file"),
    (b"\xd0\xcf\x11\xe0", "tệp Excel đời cũ (.xls) hoặc Word", "an old Excel (.xls) or Word file"),
    (b"\x1f\x8b", "tệp nén gzip", "a gzip archive"),
    (b"%PDF", "tệp PDF", "a PDF file"),
    (b"\x89PNG", "ảnh PNG", "a PNG image"),
    (b"\xff\xd8\xff", "ảnh JPEG", "a JPEG image"),
    (b"SQLite format 3", "cơ sở dữ liệu SQLite/GeoPackage", "an SQLite/GeoPackage database"),
)


def _not_text(path: Path, what_vi: str, what_en: str) -> DataSourceError:
    return DataSourceError(
        f"Tệp «{path.name}» không phải bảng văn bản (CSV): {what_vi}. Hãy mở bảng bằng Excel và lưu lại dạng «CSV "
        "UTF-8», hoặc tải lên tệp .xlsx.",
        f"'{path.name}' is not a text table (CSV): {what_en}. Open the table in Excel and save it as 'CSV UTF-8', "
        "or upload the .xlsx file.",
    )


def _utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when the NUL bytes fall on every other byte, as in UTF-16 text."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    if odd.count(0) > 0.8 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.8 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _check_text_bytes(path: Path, data: bytes) -> str | None:
    """Refuse bytes that are no text table; the UTF-16 codec to read them with, or None for a byte encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:65536]
    for magic, what_vi, what_en in _MAGIC:
        if head.startswith(magic):
            raise _not_text(path, f"đây là {what_vi}", f"it is {what_en}")
    if b"\x00" in head:
        codec = _utf16_without_bom(head)
        if codec is not None:
            return codec
        count = data.count(0)
        raise _not_text(path, f"có {count} byte NUL (dữ liệu nhị phân)", f"it holds {count} NUL bytes (binary data)")
    binary = sum(head.count(b) for b in _BINARY_BYTES)
    if binary > max(8, len(head) // 100):
        raise _not_text(path, f"có {binary} ký tự điều khiển trong {len(head)} byte đầu (dữ liệu nhị phân)",
                        f"it holds {binary} control characters in its first {len(head)} bytes (binary data)")
    return None


def _check_table_size(path: Path, size: int) -> None:
    lim = limits()
    if size > lim.table_bytes:
        raise over_limit(
            f"Bảng «{path.name}» quá lớn", f"Table '{path.name}' is too large", found=mb(size),
            limit=mb(lim.table_bytes), key="table_mb",
            todo_vi="Một bảng tọa độ của xã chỉ vài MB: hãy xuất lại bảng, chỉ giữ các cột số thửa và tọa độ, hoặc "
            "chia theo tờ bản đồ.",
            todo_en="A commune's coordinate table is a few MB: export it again keeping only the parcel number and "
            "coordinate columns, or split it by map sheet.")


def _decode_csv(path: Path, encoding: str | None) -> tuple[str, Detection]:
    _check_table_size(path, path.stat().st_size)
    data = path.read_bytes()
    utf16 = _check_text_bytes(path, data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise _not_text(path, f"UTF-16 hỏng ({exc.reason})", f"broken UTF-16 ({exc.reason})") from exc
        return unicodedata.normalize("NFC", text.lstrip("\ufeff")), Detection(
            "utf-8", 1.0, "Tệp ghi bằng Unicode UTF-16 (Excel «Unicode Text»).",
            "The file is Unicode UTF-16 text (Excel's 'Unicode Text').")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        if encoding is None:
            return data.decode("utf-8", errors="replace"), Detection(
                "utf-8", 1.0, "Tệp bắt đầu bằng dấu BOM của UTF-8.", "The file starts with a UTF-8 byte-order mark.")
    if encoding is not None:
        chosen = canonical_encoding(encoding)
        found = Detection(chosen, 1.0, f"Bảng mã {chosen} do người dùng chọn.", f"{chosen} chosen by the user.",
                              overridden=True)
    else:
        samples = [v for line in data.splitlines() for v in re.split(rb"[,;\t|]", line)]
        found = detect(samples)
    return unicodedata.normalize("NFC", decode(data, found.encoding, errors="replace")), found


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


def _csv_rows(text: str, *, path: Path | None = None, deadline: Deadline | None = None) -> list[list[str]]:
    """The rows of a CSV text, read as a stream and stopped at the row, column and cell limits."""
    path = path or Path("bảng.csv")
    lim = limits()
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = max(",;\t|", key=sample.count) if any(c in sample for c in ",;\t|") else ","
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)  # CR, LF and CRLF line ends
    try:
        for row in reader:
            if len(rows) >= lim.rows:
                raise _too_many(path, "dòng", "rows", found=f"hơn {lim.rows}", limit=lim.rows, key="rows")
            rows.append(_checked_row(path, row, len(rows) + 1))
            if deadline is not None and len(rows) % 5000 == 0:
                deadline.check()
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _long_cell(path, f"dòng {reader.line_num}", f"hơn {csv.field_size_limit()}") from exc
        raise _not_text(path, f"dòng {reader.line_num} không đọc được ({exc})",
                        f"line {reader.line_num} cannot be read ({exc})") from exc
    return rows


def _check_xlsx_package(path: Path) -> None:
    """An .xlsx is a zip: refuse one that unpacks to more than ``table_mb`` before openpyxl opens it."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    lim = limits()
    if len(infos) > lim.entries:
        raise _too_many(path, "phần (tệp con)", "parts", found=str(len(infos)), limit=lim.entries, key="entries")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > lim.table_bytes:
        raise over_limit(
            f"Bảng Excel «{path.name}» quá lớn khi giải nén", f"Excel table '{path.name}' is too large unpacked",
            found=mb(unpacked), limit=mb(lim.table_bytes), key="table_mb",
            todo_vi="Hãy chép riêng bảng tọa độ sang một tệp Excel mới (chỉ các ô có dữ liệu) rồi tải lên.",
            todo_en="Copy the coordinate table alone into a new Excel file (only the cells with data) and upload it.")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    rows = _count_rows(archive, info)
                    if rows > lim.rows:
                        raise _too_many(path, "dòng", "rows", found=f"{rows} (trang {info.filename})",
                                        limit=lim.rows, key="rows")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc


def _count_rows(archive: Any, info: Any) -> int:
    """The ``<row>`` elements of a sheet's XML, counted on the packed stream (no XML parsed, nothing kept)."""
    count, tail = 0, b""
    with archive.open(info) as src:
        while chunk := src.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-4:]
    return count


def _xlsx_sheets(path: Path, *, deadline: Deadline | None = None) -> dict[str, list[list[object]]]:
    """The rows of every sheet, streamed (openpyxl read-only) and stopped at the row, column and cell limits.

    The package's unpacked size and each sheet's declared dimension (``A1:XFD1048576``) are checked before
    any row is read.
    """

    with open(path, "rb") as fh:
        if fh.read(4) == b"\xd0\xcf\x11\xe0":
            raise DataSourceError(
                f"Tệp «{path.name}» không phải .xlsx thường: tệp có mật khẩu hoặc là Excel đời cũ (.xls). Hãy mở bằng "
                "Excel, bỏ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc), lưu thành .xlsx rồi tải lên lại.",
                f"'{path.name}' is not a plain .xlsx: it has a password or is an old Excel file (.xls). Open it in "
                "Excel, remove the password (File > Info > Protect Workbook), save it as .xlsx and upload it again.",
            )
    _check_xlsx_package(path)
    with open(path, "rb") as fh:  # closed here even when openpyxl gives up half-way
        return _xlsx_rows(path, fh, deadline)


def workbook_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises for a file that is not a readable workbook: a damaged zip, broken XML (the
    standard parser's and lxml's errors are both ``SyntaxError``), missing parts (``KeyError``), values it
    cannot convert, a read cut short, and its own ``InvalidFileException``. Imported here, when a workbook is
    read, so that the command line starts without openpyxl."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, IndexError, ValueError, TypeError,
            AttributeError, EOFError, OSError)


def _xlsx_rows(path: Path, fh: Any, deadline: Deadline | None) -> dict[str, list[list[object]]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    lim = limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on styles it does not know
            book = load_workbook(fh, read_only=True, data_only=True)
    except workbook_errors() as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    sheets: dict[str, list[list[object]]] = {}
    try:
        for ws in book.worksheets:
            max_row, max_col = getattr(ws, "max_row", None) or 0, getattr(ws, "max_column", None) or 0
            if max_row > lim.rows or max_col > lim.columns:
                dimension = f"A1:{get_column_letter(min(max(max_col, 1), 16384))}{max_row}"
                raise over_limit(
                    f"Trang «{ws.title}» của bảng Excel «{path.name}» khai báo vùng dữ liệu {dimension} "
                    f"({max_row} dòng, {max_col} cột)",
                    f"Sheet '{ws.title}' of Excel table '{path.name}' declares the range {dimension} ({max_row} rows, "
                    f"{max_col} columns)", found=f"{max_row} dòng × {max_col} cột",
                    found_en=f"{max_row} rows × {max_col} columns", limit=f"{lim.rows} dòng × {lim.columns} cột",
                    limit_en=f"{lim.rows} rows × {lim.columns} columns", key="rows, columns",
                    todo_vi="Hãy chép riêng các ô có dữ liệu sang một trang Excel mới, lưu lại rồi tải lên.",
                    todo_en="Copy only the cells with data into a new Excel sheet, save it and upload it.")
            rows: list[list[object]] = []
            for row in ws.iter_rows(values_only=True):
                if len(rows) >= lim.rows:
                    raise _too_many(path, "dòng", "rows", found=f"hơn {lim.rows} (trang «{ws.title}»)", limit=lim.rows,
                                    key="rows")
                rows.append(_checked_row(path, list(row), len(rows) + 1))
                if deadline is not None and len(rows) % 5000 == 0:
                    deadline.check()
            sheets[ws.title] = rows
    except DataSourceError:
        raise
    except workbook_errors() as exc:  # a sheet's XML broken half-way
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    finally:
        book.close()
    return sheets


def _table_to_frame(rows: list[list[object]], *, path: Path) -> tuple[pd.DataFrame, dict[str, int]] | None:
    for start, row in enumerate(rows[:30]):
        cols = _find_columns(list(row))
        has_xy = ("x" in cols and "y" in cols) or ("easting" in cols and "northing" in cols)
        if has_xy and "parcel" in cols:
            header = [str(h).strip() if h is not None else f"col{i}" for i, h in enumerate(row)]
            body = [list(r) + [None] * (len(header) - len(r)) for r in rows[start + 1:]]
            body = [r[: len(header)] for r in body if any(v not in (None, "") for v in r)]
            return pd.DataFrame(body, columns=header), cols
    return None


def _no_table(path: Path) -> DataSourceError:
    return DataSourceError(
        f"Bảng «{path.name}» không có đủ cột: cần một cột số thửa (Thửa, SoThua ...) và hai cột tọa độ (X, Y hoặc "
        "E, N), mỗi dòng một đỉnh. Hãy đặt tên cột ở dòng tiêu đề rồi tải lên lại.",
        f"Table '{path.name}' lacks columns: it needs a parcel-number column (Thửa, SoThua ...) and two coordinate "
        "columns (X, Y or E, N), one row per vertex. Name the columns in the header row and upload it again.",
    )


def _axes(table: pd.DataFrame, cols: dict[str, int]) -> tuple[np.ndarray, np.ndarray, str, str]:
    names = list(table.columns)
    if "easting" in cols and "northing" in cols:
        e = table[names[cols["easting"]]].map(parse_number).to_numpy(float)
        n = table[names[cols["northing"]]].map(parse_number).to_numpy(float)
        return e, n, (f"Cột «{names[cols['easting']]}» là tọa độ Đông, «{names[cols['northing']]}» là tọa độ Bắc "
                      "(theo tên cột)."), (f"Column '{names[cols['easting']]}' is the easting and "
                                          f"'{names[cols['northing']]}' the northing (by their names).")
    x = table[names[cols["x"]]].map(parse_number).to_numpy(float)
    y = table[names[cols["y"]]].map(parse_number).to_numpy(float)
    xs, ys = x[np.isfinite(x)], y[np.isfinite(y)]
    x_median = float(np.median(xs)) if xs.size else float("nan")
    y_median = float(np.median(ys)) if ys.size else float("nan")
    if x_median > y_median:
        return y, x, (
            f"Quy ước trắc địa Việt Nam: X là tọa độ Bắc (X ≈ {x_median:,.0f}), Y là tọa độ Đông (Y ≈ {y_median:,.0f}); "
            "đã đổi thành Đông, Bắc khi dựng thửa."), (
            f"Vietnamese surveying convention: X is the northing (X ≈ {x_median:,.0f}) and Y the easting "
            f"(Y ≈ {y_median:,.0f}); swapped to easting, northing to build the parcels.")
    return x, y, (
        f"X là tọa độ Đông (X ≈ {x_median:,.0f}), Y là tọa độ Bắc (Y ≈ {y_median:,.0f}), theo quy ước GIS (không phải "
        "quy ước trắc địa Việt Nam)."), (
        f"X is the easting (X ≈ {x_median:,.0f}) and Y the northing (Y ≈ {y_median:,.0f}): the GIS convention, not "
        "the Vietnamese surveying one.")


def _polygons_from_table(table: pd.DataFrame, cols: dict[str, int], *, path: Path) -> tuple[gpd.GeoDataFrame, str, str]:
    names = list(table.columns)
    easting, northing, axes_vi, axes_en = _axes(table, cols)
    ok = np.isfinite(easting) & np.isfinite(northing)
    bad = int((~ok).sum())
    if not ok.any():
        raise DataSourceError(
            f"Bảng «{path.name}» không có tọa độ đọc được (cột X, Y phải là số). Hãy kiểm tra cột tọa độ.",
            f"Table '{path.name}' has no readable coordinates (columns X, Y must be numbers). Check them.",
        )
    parcel_col = names[cols["parcel"]]
    sheet_col = names[cols["sheet"]] if "sheet" in cols else None
    key_cols = [c for c in (sheet_col, parcel_col) if c is not None]
    work = table.loc[ok].copy()
    work["_e"], work["_n"] = easting[ok], northing[ok]
    work[parcel_col] = work[parcel_col].ffill()  # surveyors write the parcel number on its first row only
    if sheet_col is not None:
        work[sheet_col] = work[sheet_col].ffill()
    skip = {parcel_col, sheet_col, "_e", "_n"} | {names[cols[r]] for r in ("x", "y", "easting", "northing", "point") if r in cols}
    attrs = [c for c in names if c not in skip]
    records = []
    for key, group in work.groupby(key_cols, sort=False, dropna=True):
        key = key if isinstance(key, tuple) else (key,)
        points = list(zip(group["_e"], group["_n"], strict=True))
        if len(points) > 1 and points[0] == points[-1]:
            points = points[:-1]
        if len(points) >= 3:
            geom: shapely.Geometry = shapely.Polygon(points)
        elif len(points) == 2:
            geom = shapely.LineString(points)
        else:
            geom = shapely.Point(points[0])
        row: dict[str, Any] = dict(zip(key_cols, [_plain_id(k) for k in key], strict=True))
        for column in attrs:
            values = group[column].dropna()
            values = values[values.astype(str).str.strip() != ""]
            row[column] = values.iloc[0] if len(values) else None
        row["so_dinh"] = len(points)
        row["geometry"] = geom
        records.append(row)
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=None)
    frame = frame.rename(columns={parcel_col: "SHTHUA", **({sheet_col: "SHBANDO"} if sheet_col else {})})
    if bad:
        axes_vi += f" Bỏ qua {bad} dòng không có tọa độ."
        axes_en += f" {bad} rows without coordinates were skipped."
    return frame, axes_vi, axes_en


def _plain_id(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _read_table(path: Path, kind: str, layer: str | None, encoding: str | None, deadline: Deadline | None = None,
                ) -> tuple[gpd.GeoDataFrame, list[str], str | None, Detection, str, str]:
    if kind == "csv_table":
        text, found = _decode_csv(path, encoding)
        sheets: dict[str, list[list[object]]] = {
            path.stem: [list(r) for r in _csv_rows(text, path=path, deadline=deadline)]}
    else:  # text typed in a TCVN3/VNI font in Excel is stored as those bytes read as cp1252
        sheets = _xlsx_sheets(path, deadline=deadline)
        found = _cells_encoding([v for rows in sheets.values() for r in rows for v in r if isinstance(v, str)],
                                encoding)
        if found.encoding != UNICODE:
            sheets = {name: [[repair(v, encoding=found.encoding)[0] if isinstance(v, str) else v for v in r]
                             for r in rows] for name, rows in sheets.items()}
        else:
            sheets = {name: [[_nfc(v) for v in r] for r in rows] for name, rows in sheets.items()}
    names = list(sheets)
    if layer is not None and layer not in sheets:
        raise DataSourceError(
            f"Tệp «{path.name}» không có trang «{layer}». Các trang: {', '.join(names)}. Hãy chọn một trang trong "
            "số đó (--layer TÊN).",
            f"'{path.name}' has no sheet '{layer}'. Its sheets: {', '.join(names)}. Pick one of them (--layer NAME).",
        )
    for name in [layer] if layer is not None else names:
        parsed = _table_to_frame(sheets[name], path=path)
        if parsed is None:
            continue
        table, cols = parsed
        frame, axes_vi, axes_en = _polygons_from_table(table, cols, path=path)
        return frame, names, name, found, axes_vi, axes_en
    raise _no_table(path)


# --------------------------------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------------------------------


def _data_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in _DATA_EXTS
                   and not p.name.startswith(("._", ".")) and "__MACOSX" not in p.parts)
    return files


def _centre(frame: gpd.GeoDataFrame) -> tuple[float, float] | None:
    geoms = frame.geometry
    if geoms.isna().all() or geoms.is_empty.all():
        return None
    minx, miny, maxx, maxy = geoms.total_bounds
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return None
    return (float(minx + maxx) / 2, float(miny + maxy) / 2)


def read_source(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                scratch_root: Path | None = None) -> Source:
    """Read one layer of the user's file, decoding its text and reading what it says about its coordinates.

    Parameters
    ----------
    path
        A file: ``.shp`` (or its ``.dbf``), ``.zip`` (shapefiles or any other format inside), ``.gpkg``,
        ``.geojson``, ``.json`` (Esri), ``.kml``, ``.kmz``, ``.dxf``, ``.dgn``, ``.csv``, ``.xlsx``.
    layer
        The layer to read when the file holds several (default: the one that looks most like parcels).
    encoding
        Override the detected text encoding: ``"utf-8"``, ``"cp1258"``, ``"tcvn3"``, ``"vni"`` (or
        ``"unicode"`` to keep the text of a Unicode format as it is).
    scratch_root
        The workspace folder whose ``tmp/`` archives are unpacked into (default: the workspace).

    Raises
    ------
    DataSourceError
        For a missing, empty, damaged or unsupported file, with what to do.
    """
    from gis.core.limits import check_file_size
    from gis.files.uploads import check_size, check_zip, safe_extract, scratch_dir

    path = Path(path)
    if not path.exists():
        raise DataSourceError(
            f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn.", f"File '{path}' was not found. Check the path.",
        )
    if path.is_dir():
        raise DataSourceError(
            f"«{path}» là thư mục. Hãy chọn một tệp (.shp, .zip, .gpkg ...).",
            f"'{path}' is a folder. Pick a file (.shp, .zip, .gpkg ...).",
        )
    check_size(check_file_size(path), name=path.name, limit=1 << 62)
    deadline = Deadline(path.name)
    kind = detect_format(path)
    if kind in ("zip", "kmz"):
        check_zip(path)
        with scratch_dir(scratch_root) as folder:
            safe_extract(path, folder)
            deadline.check()
            files = _data_files(folder)
            if kind == "kmz":
                files = [f for f in files if f.suffix.lower() == ".kml"]
            inner = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".zip", ".kmz", ".rar", ".7z")]
            if not files and inner:
                raise DataSourceError(
                    f"Tệp nén «{path.name}» chỉ chứa tệp nén khác ({', '.join(p.name for p in inner[:5])}): công cụ "
                    "không giải nén lồng nhau. Hãy giải nén tệp bên ngoài trên máy rồi tải lên tệp bên trong.",
                    f"Archive '{path.name}' holds only other archives ({', '.join(p.name for p in inner[:5])}): the "
                    "tool does not unpack archives within archives. Unpack the outer one on your computer and "
                    "upload the inner one.",
                )
            if not files:
                raise DataSourceError(
                    f"Tệp nén «{path.name}» không có tệp dữ liệu bản đồ nào ({_SUPPORTED_VI}). Hãy nén đúng các tệp "
                    "của lớp bản đồ.",
                    f"Archive '{path.name}' holds no map data file ({_SUPPORTED_VI}). Zip the layer's files.",
                )
            names = [str(f.relative_to(folder)) for f in files]
            if kind == "zip" and len(files) > 1:
                stems = [f.stem for f in files]
                if layer is not None and layer in stems:
                    chosen = files[stems.index(layer)]
                    inner_layer = None
                else:
                    chosen = _best_file(files)
                    inner_layer = layer
            else:
                chosen, inner_layer = files[0], layer
            source = read_source(chosen, layer=inner_layer, encoding=encoding, scratch_root=scratch_root)
            source.path = path
            if kind == "kmz":
                source.format = "kmz"
            elif len(files) > 1:
                source.layers = [f.stem for f in files]
                source.layer = chosen.stem
                source.notes.append((f"Tệp nén có {len(files)} tệp dữ liệu: {', '.join(names)}; đã đọc «{chosen.name}».",
                                     f"The archive holds {len(files)} data files: {', '.join(names)}; read "
                                     f"'{chosen.name}'."))
            return source
    notes: list[tuple[str, str]] = []
    axes_vi = axes_en = None
    prj_text: str | None = None
    found: Detection | None
    chosen_layer: str | None
    if kind == "shapefile":
        frame, found, prj_text = _read_shapefile(path, encoding)
        layers, chosen_layer = [path.stem], path.stem
        if prj_text is None:
            notes.append(("Không có tệp .prj.", "There is no .prj file."))
        if _sibling(path.with_suffix(".shp"), ".cpg") is None:
            notes.append(("Không có tệp .cpg: bảng mã được nhận ra từ nội dung.",
                          "There is no .cpg file: the encoding was recognised from the text."))
    elif kind in ("csv_table", "xlsx_table"):
        frame, layers, chosen_layer, found, axes_vi, axes_en = _read_table(path, kind, layer, encoding, deadline)
    else:
        if kind == "gpkg":
            with open(path, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise _unreadable(path, "not SQLite", "Tệp .gpkg không phải GeoPackage: hãy xuất lại từ QGIS.",
                                      "The .gpkg is not a GeoPackage: export it again from QGIS.")
        layers = _list_layers(path)
        chosen_layer = _pick_layer(path, layers, layer)
        frame = _read_ogr(path, layer=chosen_layer)
        if kind in ("dxf", "dgn"):
            frame, closed = _closed_lines_to_polygons(frame)
            if closed:
                notes.append((f"{closed} đường khép kín được đổi thành vùng (thửa).",
                              f"{closed} closed lines were turned into polygons (parcels)."))
            frame, labels = _join_labels(frame)
            if labels:
                notes.append((f"Đã gắn {labels} nhãn chữ (số thửa, mã loại đất, diện tích) vào thửa chứa chúng.",
                              f"{labels} text labels (parcel number, land-use code, area) were attached to the "
                              "parcels that hold them."))
        if kind == "kml":
            frame = frame.drop(columns=[c for c in _KML_HOUSEKEEPING if c in frame.columns
                                        and (c in _KML_ALWAYS or frame[c].isna().all())])
        frame, found = _repair_text(frame, encoding)
        if kind in ("gpkg", "geojson", "esrijson", "kml") and found.encoding == UNICODE and encoding is None:
            found = None
        elif kind in ("dxf", "dgn") and found.encoding == UNICODE and not _text_columns(frame):
            found = None
    if len(frame) > 1 and "level_0" in frame.columns:
        frame = frame.drop(columns="level_0")
    deadline.check()
    crs_input: CRS | str | None = prj_text if prj_text is not None else frame.crs
    finding = analyse_crs(crs_input, at=_centre(frame))
    guess = guess_from_coordinates(tuple(frame.total_bounds)) if finding.status == "missing" and len(frame) else None
    return Source(path=path, format=kind, layers=layers, layer=chosen_layer, frame=frame, encoding=found,
                  crs=finding, guess=guess, axes_vi=axes_vi, axes_en=axes_en, notes=notes)


def _best_file(files: list[Path]) -> Path:
    def score(p: Path) -> tuple[int, int]:
        name = p.stem.lower()
        return (int("parcel" in name or "thua" in name), int(p.suffix.lower() == ".shp"))

    return max(files, key=score)


# --------------------------------------------------------------------------------------------------
# Putting the layer in VN-2000 TM-3
# --------------------------------------------------------------------------------------------------


def resolve_target(province: str | Province | None = None, crs: str | CRS | None = None) -> CRS | None:
    """The CRS chosen by the user: an explicit CRS, else the TM-3 zone of the province, else None."""
    if crs is not None:
        try:
            return crs if isinstance(crs, CRS) else CRS.from_user_input(crs)
        except (CRSError, TypeError, ValueError) as exc:  # text or a value pyproj cannot read as a CRS
            raise CrsError(
                f"Không hiểu hệ tọa độ «{crs}». Hãy ghi mã EPSG (ví dụ EPSG:9214) hoặc chọn tỉnh.",
                f"Cannot read the CRS '{crs}'. Write an EPSG code (e.g. EPSG:9214) or pick the province.",
            ) from exc
    if province is None:
        return None
    chosen = province if isinstance(province, Province) else find_province(province)
    return tm3_crs(chosen.central_meridian)


def _swap(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(
        shapely.transform(frame.geometry.to_numpy(), lambda xy: xy[:, ::-1]), index=frame.index, crs=frame.crs)
    return out


def sane_bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """The bounds of the features whose coordinates are all finite and below :data:`MAX_COORDINATE`; None when
    no feature has such coordinates (features with NaN, infinite or absurd coordinates are counted by the
    check, :func:`gis.files.checks.check_parcels`, not used to place the layer)."""
    geoms = frame.geometry.to_numpy()
    boxes = shapely.bounds(geoms)
    ok = np.isfinite(boxes).all(axis=1) & (np.abs(np.nan_to_num(boxes, nan=np.inf)) < MAX_COORDINATE).all(axis=1)
    # A NaN or infinite vertex makes a line's or a polygon's length NaN or infinite (its box may still be
    # finite: GEOS skips NaN after the first vertex); points and collections are checked vertex by vertex.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a length overflowing (1e308 coordinates) is not finite
        finite = np.isfinite(shapely.length(geoms))
    pointlike = np.isin(shapely.get_type_id(geoms), (0, 4, 7))  # Point, MultiPoint, GeometryCollection
    if pointlike.any():
        where = np.flatnonzero(pointlike)
        xy, index = shapely.get_coordinates(geoms[where], return_index=True)
        finite[where] = True
        finite[where[index[~np.isfinite(xy).all(axis=1)]]] = False
    coords_ok = ok & finite & ~shapely.is_missing(geoms)
    if not coords_ok.any():
        return None
    b = boxes[coords_ok]
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _chosen_province(province: str | Province | None) -> Province | None:
    if province is None:
        return None
    return province if isinstance(province, Province) else find_province(province)


def _fits(bounds: tuple[float, float, float, float], crs: CRS, area: Area | None) -> bool:
    return area is not None and outside(bounds, crs, area) is None


def _degrees_error(source: Source, bounds: tuple[float, float, float, float], declared: CRS,
                   target: CRS | None) -> PlacementError:
    minx, miny, maxx, maxy = bounds
    where = f"({minx:.5f}, {miny:.5f}) – ({maxx:.5f}, {maxy:.5f})"
    todo_vi = (f"nhập lại với --fix-crs (hoặc ô «Gán hệ tọa độ» trên trang Dữ liệu) để đọc chúng là độ WGS 84 và "
               f"chuyển sang {crs_label(target)}" if target is not None else
               "chọn tỉnh (--province TÊN) rồi nhập lại với --fix-crs để đọc chúng là độ WGS 84")
    todo_en = (f"import again with --fix-crs (or 'Assign the CRS' on the Data page) to read them as WGS 84 degrees "
               f"and reproject them to {crs_label(target)}" if target is not None else
               "pick the province (--province NAME) and import again with --fix-crs to read them as WGS 84 degrees")
    return PlacementError(
        f"Tệp «{source.path.name}» khai báo hệ tọa độ mét {crs_label(declared)} ({declared.name}) nhưng tọa độ "
        f"{where} là độ (kinh độ, vĩ độ): đọc theo mét thì dữ liệu nằm gần xích đạo, diện tích sai hoàn toàn. "
        f"Tệp .prj sai: hãy xóa nó (phần mềm sẽ nhận ra tọa độ độ) hoặc {todo_vi}.",
        f"'{source.path.name}' declares the metric CRS {crs_label(declared)} ({declared.name}) but its "
        f"coordinates {where} are degrees (longitude, latitude): read as metres the data lies near the equator, "
        f"with meaningless areas. The .prj is wrong: delete it (degrees are then recognised) or {todo_en}.",
        fix=CRS.from_epsg(4326) if target is not None else None,
    )


def _outside_error(source: Source, bounds: tuple[float, float, float, float], placed: CRS, area: Area,
                   away: tuple[float, str, str], *, fix: CRS | None, declared: CRS | None) -> PlacementError:
    km, dir_vi, dir_en = away
    if math.isfinite(km):
        far_vi = f"cách khoảng {number(km, 0)} km về phía {dir_vi}"
        far_en = f"about {km:.0f} km to the {dir_en}"
    else:
        far_vi = far_en = "—"
    head_vi = f"Tọa độ của tệp «{source.path.name}» nằm ngoài {area.name_vi}: {far_vi}."
    head_en = f"The coordinates of '{source.path.name}' fall outside {area.name_en}: {far_en}."
    if fix is not None and declared is not None:
        centre = ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
        shift = offset_m(declared, fix, centre) / 1000
        shift_vi = f", lệch khoảng {number(shift, 0)} km" if math.isfinite(shift) else ""
        shift_en = f", about {shift:.0f} km off" if math.isfinite(shift) else ""
        return PlacementError(
            f"{head_vi} Đọc theo {crs_label(fix)} ({fix.name}) thì dữ liệu nằm đúng chỗ: tệp .prj "
            f"({crs_label(declared)}, {declared.name}) có thể sai{shift_vi}. Hãy sửa tệp .prj, hoặc nhập lại với "
            f"--fix-crs (ô «Gán hệ tọa độ» trên trang Dữ liệu) để gán {crs_label(fix)} thay cho tệp .prj.",
            f"{head_en} Read in {crs_label(fix)} ({fix.name}) the data falls where it should: the .prj "
            f"({crs_label(declared)}, {declared.name}) is probably wrong{shift_en}. Fix the .prj, or import again "
            f"with --fix-crs ('Assign the CRS' on the Data page) to assign {crs_label(fix)} instead of the .prj.",
            fix=fix,
        )
    return PlacementError(
        f"{head_vi} Hãy kiểm tra hệ tọa độ: chọn đúng tỉnh nơi đo đạc (--province TÊN) hoặc hệ tọa độ (--crs "
        f"EPSG:...), hoặc sửa tệp .prj (đang đọc theo {crs_label(placed)}).",
        f"{head_en} Check the coordinate system: pick the province where the data was surveyed (--province NAME) "
        f"or the CRS (--crs EPSG:...), or fix the .prj (read as {crs_label(placed)}).",
    )


def place(source: Source, *, province: str | Province | None = None, crs: str | CRS | None = None,
          fix_crs: bool = False) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """The layer in VN-2000 TM-3 (metres), ready for areas, with notes on what was done; or refused.

    * A recognised VN-2000 zone stays as it is (the zone belongs to the survey, not to today's province).
    * A faulty CRS (rotation signs, no datum shift) is replaced by the right one only with ``fix_crs``.
    * With no CRS, coordinates in the TM-3 range are declared in the province's zone (axes swapped when
      northing comes first); degrees are taken as WGS 84 and reprojected to the province's zone.
    * Degrees or another CRS are reprojected to the province's zone.

    Then where the data falls is checked (on the features with sane coordinates, :func:`sane_bounds`):
    degrees under a metric CRS, or metres under a geographic one; outside the chosen province
    (:func:`gis.core.provinces.province_area`); outside the area of use of the CRS it ends in
    (:func:`gis.core.placement.zone_area`). Each raises :class:`PlacementError`, which names the CRS the coordinates
    fit when one is found (the province's zone): with ``fix_crs`` that CRS is assigned instead.

    Raises :class:`CrsError` when the province (or a CRS) is needed and not given, or the coordinates are
    not recognisable.
    """
    target = resolve_target(province, crs)
    chosen = _chosen_province(province) if crs is None else None
    bounds = sane_bounds(source.frame) if len(source.frame) else None
    declared = source.crs.crs
    if bounds is None:  # no feature with usable coordinates: placed as declared, the check counts them
        return _place_declared(source, province=province, crs=crs, fix_crs=fix_crs)
    if declared is not None and _base_projected(declared) and looks_like_degrees(bounds):
        error = _degrees_error(source, bounds, declared, target)
        if not (fix_crs and target is not None):
            raise error
        frame = source.frame.set_crs(4326, allow_override=True).to_crs(target)
        note = (f"Đã đọc tọa độ là độ WGS 84 theo yêu cầu (tệp .prj khai báo {crs_label(declared)}) và chuyển sang "
                f"{_crs_name(target)}.", f"Coordinates read as WGS 84 degrees as asked (the .prj declared "
                f"{crs_label(declared)}) and reprojected to {_crs_name(target)}.")
        _check_position(source, frame, declared=None, chosen=chosen, target=target)
        return frame, [note]
    if declared is not None and declared.is_geographic and not looks_like_degrees(bounds):
        fix = target if target is not None and _fits(bounds, target, _area_for(target, chosen)) else None
        if not (fix_crs and fix is not None):
            raise PlacementError(
                f"Tệp «{source.path.name}» khai báo tọa độ độ ({declared.name}) nhưng tọa độ "
                f"({bounds[0]:.0f}, {bounds[1]:.0f}) – ({bounds[2]:.0f}, {bounds[3]:.0f}) là mét, không phải kinh độ, "
                "vĩ độ. Tệp .prj sai: hãy xóa nó và chọn tỉnh (--province TÊN)"
                + (f", hoặc nhập lại với --fix-crs để gán {crs_label(fix)}." if fix is not None else "."),
                f"'{source.path.name}' declares degrees ({declared.name}) but its coordinates "
                f"({bounds[0]:.0f}, {bounds[1]:.0f}) – ({bounds[2]:.0f}, {bounds[3]:.0f}) are metres, not longitudes "
                "and latitudes. The .prj is wrong: delete it and pick the province (--province NAME)"
                + (f", or import again with --fix-crs to assign {crs_label(fix)}." if fix is not None else "."),
                fix=fix)
        frame = source.frame.set_crs(fix, allow_override=True)
        return frame, [(f"Đã gán {_crs_name(fix)} thay cho tệp .prj theo yêu cầu.",
                        f"Assigned {_crs_name(fix)} instead of the .prj, as asked.")]
    frame, notes = _place_declared(source, province=province, crs=crs, fix_crs=fix_crs)
    try:
        _check_position(source, frame, declared=declared, chosen=chosen, target=target, raw_bounds=bounds)
    except PlacementError as exc:
        if not (fix_crs and isinstance(exc.fix, CRS)):
            raise
        fixed = source.frame.set_crs(exc.fix, allow_override=True)
        _check_position(source, fixed, declared=None, chosen=chosen, target=target)
        return fixed, [(f"Đã gán {_crs_name(exc.fix)} thay cho tệp .prj theo yêu cầu (tọa độ nằm đúng trong vùng).",
                        f"Assigned {_crs_name(exc.fix)} instead of the .prj, as asked (the coordinates fall in place).")]
    return frame, notes


def _base_projected(crs: CRS) -> bool:
    base = crs.source_crs if crs.is_bound and crs.source_crs is not None else crs
    return bool(base.is_projected)


def _area_for(crs: CRS | None, chosen: Province | None) -> Area | None:
    if chosen is not None:
        return province_area(chosen)
    return zone_area(crs) if crs is not None else None


def _check_position(source: Source, frame: gpd.GeoDataFrame, *, declared: CRS | None, chosen: Province | None,
                    target: CRS | None, raw_bounds: tuple[float, float, float, float] | None = None) -> None:
    """Raise :class:`PlacementError` when the placed layer falls outside the province or its CRS's zone.

    ``raw_bounds``: :func:`sane_bounds` of ``source.frame`` when already known (not measured again)."""
    placed = frame.crs
    raw = sane_bounds(source.frame) if raw_bounds is None else raw_bounds
    bounds = raw if frame is source.frame else sane_bounds(frame)  # placed as it is: the same bounds
    if placed is None or bounds is None:
        return
    areas = [a for a in (province_area(chosen) if chosen is not None else None, zone_area(placed)) if a is not None]
    for area in areas:
        away = outside(bounds, placed, area)
        if away is None:
            continue
        fix = None
        if (raw is not None and target is not None and declared is not None and not looks_like_degrees(raw)
                and not target.equals(declared) and _fits(raw, target, area)):
            fix = target
        raise _outside_error(source, raw or bounds, placed, area, away, fix=fix, declared=declared)


def _place_declared(source: Source, *, province: str | Province | None = None, crs: str | CRS | None = None,
                    fix_crs: bool = False) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
    """The layer in VN-2000 TM-3 (metres), ready for areas, with notes on what was done.

    * A recognised VN-2000 zone stays as it is (the zone belongs to the survey, not to today's province).
    * A faulty CRS (rotation signs, no datum shift) is replaced by the right one only with ``fix_crs``.
    * With no CRS, coordinates in the TM-3 range are declared in the province's zone (axes swapped when
      northing comes first); degrees are taken as WGS 84 and reprojected to the province's zone.
    * Degrees or another CRS are reprojected to the province's zone.

    Raises :class:`CrsError` when the province (or a CRS) is needed and not given, or the coordinates are
    not recognisable.
    """
    finding = source.crs
    frame = source.frame
    target = resolve_target(province, crs)
    notes: list[tuple[str, str]] = []
    if finding.status == "ok" or finding.fault:
        if finding.fault:
            if fix_crs:
                frame = apply_fix(frame, finding, consent=True)
                notes.append((f"Đã sửa hệ tọa độ theo yêu cầu: gán {finding.label if finding.epsg is None else f'EPSG:{finding.epsg}'}; "
                              f"dữ liệu dịch {number(finding.offset_m or 0.0, 2)} m về đúng vị trí.",
                              f"CRS fixed as asked: assigned {'EPSG:' + str(finding.epsg) if finding.epsg else finding.label}; "
                              f"the data moves {finding.offset_m or 0.0:.2f} m to where it belongs."))
            else:
                notes.append((finding.message_vi + " Chưa sửa (chưa có sự đồng ý).",
                              finding.message_en + " Not fixed (no consent given)."))
        if target is not None and finding.correct is not None and not target.equals(finding.correct, ignore_axis_order=True):
            notes.append(("Dữ liệu giữ múi chiếu của nơi đo đạc, không đổi theo tỉnh đã chọn.",
                          "The data keeps the zone it was surveyed in, whatever province was picked."))
        return frame, notes
    if finding.status == "missing":
        guess = source.guess or guess_from_coordinates(tuple(frame.total_bounds))
        if guess.kind in ("tm3", "tm3_swapped"):
            if target is None:
                raise CrsError(
                    f"Tệp «{source.path.name}» không có hệ tọa độ. {guess.message_vi}",
                    f"'{source.path.name}' has no coordinate system. {guess.message_en}",
                )
            if guess.kind == "tm3_swapped":
                frame = _swap(frame)
                notes.append(("Đã đổi chỗ x, y (tọa độ Bắc đứng trước).", "x and y swapped (northing came first)."))
            notes.append((f"Đã gán hệ tọa độ {_crs_name(target)} theo tỉnh đã chọn.",
                           f"Assigned {_crs_name(target)} from the province picked."))
            return frame.set_crs(target, allow_override=True), notes
        if guess.kind in ("degrees", "degrees_swapped"):
            if guess.kind == "degrees_swapped":
                frame = _swap(frame)
            frame = frame.set_crs(4326, allow_override=True)
            finding = analyse_crs(frame.crs)
        else:
            raise CrsError(
                f"Tệp «{source.path.name}» không có hệ tọa độ. {guess.message_vi}",
                f"'{source.path.name}' has no coordinate system. {guess.message_en}",
            )
    if target is None:
        raise CrsError(
            f"Tệp «{source.path.name}» dùng hệ tọa độ {finding.label}: hãy chọn tỉnh (--province TÊN, hoặc ô chọn "
            "tỉnh trên trang Dữ liệu) để chuyển sang VN-2000 TM-3 trước khi tính diện tích.",
            f"'{source.path.name}' is in {finding.label}: pick the province (--province NAME, or the province box "
            "on the Data page) to reproject it to VN-2000 TM-3 before areas are measured.",
        )
    notes.append((f"Đã chuyển từ {finding.label} sang {_crs_name(target)}.",
                  f"Reprojected from {finding.label} to {_crs_name(target)}."))
    return frame.to_crs(target), notes


def _crs_name(crs: CRS) -> str:
    code = crs.to_epsg(min_confidence=100)
    return f"EPSG:{code} ({crs.name})" if code else crs_label(crs)


# --------------------------------------------------------------------------------------------------
# Field mapping
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMapping:
    """Which source column is which parcel attribute.

    ``auto`` holds the known name variants found, ``user`` the user's choices (which win); both map
    ``source column -> internal name`` (see :data:`gis.files.schema.PARCEL_FIELDS`).
    """

    auto: Mapping[str, str]
    user: Mapping[str, str]
    unmapped: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def mapping(self) -> dict[str, str]:
        chosen = dict(self.user)
        taken = set(chosen.values())
        chosen.update({s: i for s, i in self.auto.items() if s not in chosen and i not in taken})
        return chosen


def map_fields(columns: list[str], user: Mapping[str, str] | None = None) -> FieldMapping:
    """Map a layer's columns to the parcel schema: known variants automatically, the rest as the user says.

    Parameters
    ----------
    columns
        The layer's attribute columns.
    user
        The user's mapping, ``{source column: internal name}`` (``{"So_To": "sheet"}``); the reverse,
        ``{internal name: source column}``, is accepted too. An empty value leaves a column unmapped.

    Raises :class:`SchemaError` for a column or an internal name that does not exist.
    """
    user_map: dict[str, str] = {}
    for key, value in (user or {}).items():
        if not value:
            continue
        if key in columns and value in PARCEL_FIELDS:
            source, internal = key, value
        elif value in columns and key in PARCEL_FIELDS:
            source, internal = value, key
        else:
            bad = key if key not in columns and key not in PARCEL_FIELDS else value
            raise SchemaError(
                f"Không ghép được «{key}» → «{value}»: «{bad}» không phải cột của lớp ({', '.join(columns)}) hay tên "
                f"trường của công cụ ({', '.join(PARCEL_FIELDS)}). Hãy ghép một cột có trong lớp với một tên trường "
                "trong danh sách đó.",
                f"Cannot map '{key}' -> '{value}': '{bad}' is neither a column of the layer ({', '.join(columns)}) "
                f"nor a field of the tool ({', '.join(PARCEL_FIELDS)}). Map a column of the layer to a field of "
                "that list.",
            )
        user_map[source] = internal
    auto = match_fields(list(columns))
    merged = FieldMapping(auto=auto, user=user_map, unmapped=(), missing=())
    chosen = merged.mapping
    found = set(chosen.values())
    missing = [f for f in REQUIRED if f not in found]
    return FieldMapping(auto=auto, user=user_map, unmapped=tuple(c for c in columns if c not in chosen),
                        missing=tuple(missing))


#: Internal name -> the column name an imported dataset is written with (the first known variant).
EXPORT_NAMES = {internal: names[0] for internal, names in PARCEL_FIELDS.items()}


def apply_mapping(frame: gpd.GeoDataFrame, mapping: FieldMapping, *,
                  defaults: Mapping[str, object] | None = None) -> gpd.GeoDataFrame:
    """The layer with its mapped columns renamed to the names :mod:`gis.files.schema` reads (``SHBANDO`` ...).

    Columns left out of the mapping whose names would be taken for a parcel field are renamed with a
    ``_src`` suffix, so that the user's choice holds when the dataset is read again. ``defaults`` gives a
    value to an internal field no column holds (``{"sheet": 12}`` for a CAD drawing of one map sheet).
    """
    chosen = mapping.mapping
    renames = {source: EXPORT_NAMES[internal] for source, internal in chosen.items()}
    exported = set(renames.values())
    reserved = {n.lower() for names in PARCEL_FIELDS.values() for n in names}
    for column in frame.columns:
        if column not in chosen and column != frame.geometry.name and (column.lower() in reserved or column in exported):
            renames[column] = f"{column}_src"
    out = frame.rename(columns=renames)
    for internal, value in (defaults or {}).items():
        if internal not in PARCEL_FIELDS:
            raise SchemaError(
                f"Không có trường «{internal}». Các trường: {', '.join(PARCEL_FIELDS)}.",
                f"There is no field '{internal}'. Fields: {', '.join(PARCEL_FIELDS)}.",
            )
        name = EXPORT_NAMES[internal]
        if name not in out.columns or out[name].isna().all():
            out[name] = value
    return out
