"""Surveyors' coordinate tables (CSV or Excel, one row per vertex) read into parcel polygons.

The table's bytes are checked before decoding (binary files, UTF-16 without a mark, sizes and row counts
against the limits), the columns found by their headers in Vietnamese or English, numbers read in Vietnamese
style (:func:`parse_number`), the axis convention told from the values (surveyors write X north, Y east), and
each parcel's vertices joined into a polygon. Excel workbooks are opened by :mod:`gis.files.workbooks`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.errors import DataSourceError
from gis.core.limits import Deadline, limits, mb, over_limit
from gis.core.text import strip_accents
from gis.files.codecs import UNICODE, canonical_encoding, decode
from gis.files.detect import Detection, detect, repair
from gis.files.formats import _checked_row, _long_cell, _too_many
from gis.files.vector import _cells_encoding, _nfc
from gis.files.workbooks import _xlsx_sheets


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
