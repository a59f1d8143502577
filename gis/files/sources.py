"""Reading the files officers have: :func:`read_source` opens one file (or archive) and returns a
:class:`gis.files.formats.Source`.

Archives (``.zip``, ``.kmz``) are checked, then unpacked into the workspace's scratch folder and removed after
reading; the data file inside is picked; the format's reader is called (:mod:`gis.files.vector` for the OGR
formats, :mod:`gis.files.tables` for coordinate tables), and what the file says about its coordinates is read.
:func:`gis.files.placing.place` then puts the layer in VN-2000 TM-3, and
:func:`gis.files.field_mapping.map_fields` maps its columns to the parcel schema. Nothing here writes outside the
workspace.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from gis.core.crs_faults import analyse_crs
from gis.core.errors import DataSourceError
from gis.core.limits import Deadline
from gis.core.placement import guess_from_coordinates
from gis.files.codecs import UNICODE
from gis.files.detect import Detection
from gis.files.formats import (
    _SUPPORTED_VI,
    Source,
    _unreadable,
    detect_format,
)
from gis.files.tables import _read_table
from gis.files.vector import (
    _closed_lines_to_polygons,
    _join_labels,
    _list_layers,
    _pick_layer,
    _read_ogr,
    _read_shapefile,
    _repair_text,
    _sibling,
    _text_columns,
)

_KML_HOUSEKEEPING = ("id", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                     "visibility", "drawOrder", "icon", "snippet")
_KML_ALWAYS = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")
_DATA_EXTS = (".shp", ".gpkg", ".geojson", ".json", ".kml", ".dxf", ".dgn", ".csv", ".xlsx")


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
