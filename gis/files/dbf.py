"""A shapefile's DBF text, read from its raw bytes and decoded; and DBF files written in a legacy encoding.

:func:`read_dbf_text` reads the character fields of a shapefile's ``.dbf`` as bytes, detects their encoding
with :func:`gis.files.detect.detect` (the ``.cpg`` file is only a hint: a wrong one is common) and decodes
them, so that a wrong or missing ``.cpg`` never mangles a name. The table is read by GDAL (pyogrio) told
that it is latin-1: every byte 0x01-0xFF then comes back as the code point of the same number, so
``str.encode("latin-1")`` gives the stored bytes back undecoded, whatever the ``.cpg`` says; no dBASE parser
of our own is needed to reach them.

:func:`write_dbf` and :func:`write_legacy_shapefile` write tables and shapefiles whose text is in TCVN3,
VNI, cp1258 or UTF-8, as old software left them: the tests, the hostile-input corpus and the demonstration
files use them to make real legacy files.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyogrio
import pyogrio.errors

from gis.core.errors import DataSourceError
from gis.files.codecs import EncodingError, canonical_encoding, decode, encode
from gis.files.detect import Detection, detect, user_choice

__all__ = ["DbfError", "read_dbf_columns", "read_dbf_text", "write_dbf", "write_legacy_shapefile"]


class DbfError(DataSourceError):
    """A ``.dbf`` file that is missing, truncated or not a dBASE table."""


def _dbf_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() == ".dbf":
        candidates = [path]
    else:
        candidates = [path.with_suffix(".dbf"), path.with_suffix(".DBF")]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise DbfError(
        f"Không tìm thấy tệp thuộc tính «{candidates[0].name}». Một shapefile cần đủ .shp, .shx và .dbf: "
        "hãy chép cả tệp .dbf vào cùng thư mục.",
        f"Attribute file '{candidates[0].name}' was not found. A shapefile needs its .shp, .shx and .dbf: "
        "copy the .dbf into the same folder.",
    )


def _read_cpg(dbf: Path) -> str | None:
    for suffix in (".cpg", ".CPG"):
        cpg = dbf.with_suffix(suffix)
        if cpg.exists():
            return cpg.read_bytes().decode("ascii", errors="replace").strip() or None
    return None


def _broken(dbf: Path, vi: str, en: str) -> DbfError:
    return DbfError(
        f"Tệp «{dbf.name}» hỏng hoặc không phải bảng dBASE: {vi}. Hãy xuất lại shapefile từ phần mềm gốc.",
        f"File '{dbf.name}' is damaged or not a dBASE table: {en}. Export the shapefile again from the "
        "program that made it.",
    )


#: Latin-1 as GDAL names it: GDAL recodes it to UTF-8 itself, which pyogrio then decodes at once; named
#: ``"latin1"`` it went through a decoder value by value, twice as slow (0.3 s more per 100 000 parcels of three
#: text fields), for the same text (every byte 0x01-0xFF the code point of the same number).
LATIN1 = "ISO-8859-1"


def _latin1_text_fields(dbf: Path, read: Any = None) -> tuple[list[str], Any]:
    """The character fields' names of ``dbf`` and a frame holding them, read by GDAL as latin-1 (``read``, the
    layer already read so, when it has them all; with no text field, every field is read, only to count the
    records)."""
    try:
        info = pyogrio.read_info(dbf, encoding=LATIN1)
        names = [str(n) for n, kind in zip(info["fields"], info["ogr_types"], strict=True) if kind == "OFTString"]
        if read is not None and names and all(n in read.columns for n in names):
            return names, read
        return names, pyogrio.read_dataframe(dbf, encoding=LATIN1, read_geometry=False, columns=names or None)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.FeatureError) as exc:
        raise _broken(dbf, f"GDAL không đọc được ({exc})", f"GDAL cannot read it ({exc})") from exc


def _raw_text(dbf: Path, read: Any = None) -> tuple[list[bytes], list[list[bytes]]]:
    """The names and values (bytes, blanks around them removed) of the character fields of ``dbf``, as stored.

    GDAL reads the table as latin-1, so every byte 0x01-0xFF comes back as the code point of the same
    number and ``str.encode("latin-1")`` gives the stored bytes back; records marked deleted are skipped.
    ``read``: the layer already read by GDAL as latin-1 (a frame), whose text fields are then not read again.
    """
    names, frame = _latin1_text_fields(dbf, read)
    columns = [[v.encode("latin-1").rstrip(b" ") if isinstance(v, str) else b"" for v in frame[n].tolist()]
               for n in names]
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(len(frame))]
    return [n.encode("latin-1") for n in names], rows


def read_dbf_text(path: str | Path, encoding: str | None = None) -> tuple[list[dict[str, str]], Detection]:
    """Read the text fields of a shapefile's DBF from its raw bytes, detecting the encoding.

    The ``.cpg`` file, if any, is only a hint: a wrong one is common, so the bytes decide. GDAL (through
    pyogrio) reads the table as latin-1, which hands every byte over unchanged; this function decodes them.

    Parameters
    ----------
    path
        The ``.dbf`` or the ``.shp`` beside it.
    encoding
        Override: read in this encoding (``"utf-8"``, ``"cp1258"``, ``"tcvn3"``, ``"vni"``) without
        detecting.

    Returns
    -------
    records : list of dict
        One dict per record that is not marked deleted (GDAL skips those), in file order, mapping each
        character (``C``) field's name to its text with leading and trailing blanks removed, as GDAL reads
        them (a blank value is ``""``).
        Bytes the encoding does not define read as U+FFFD.
    detection : Detection
        The encoding used and why.
    """
    dbf = _dbf_path(path)
    declared = _read_cpg(dbf)
    raw_names, raw = _raw_text(dbf)
    if encoding is not None:
        found = user_choice(encoding, declared)
    else:
        found = detect((v for row in raw for v in row), declared=declared)
    names = [decode(name, found.encoding, errors="replace") for name in raw_names]
    decoded: dict[bytes, str] = {}  # once per distinct value: codes, villages and owners repeat

    def text(value: bytes) -> str:
        got = decoded.get(value)
        if got is None:
            got = decoded[value] = decode(value, found.encoding, errors="replace")
        return got

    out = [{name: text(value) for name, value in zip(names, row, strict=True)} for row in raw]
    return out, found


def _raw_columns(dbf: Path, read: Any = None) -> tuple[list[bytes], list[tuple[Any, list[bytes]]], int]:
    """:func:`_raw_text` column by column, each column as its distinct values: ``(codes, values)`` per
    character field, where ``values[codes[i]]`` is record ``i``'s bytes (blanks around them removed) and code -1
    a missing value (read as ``b""``); and the number of records."""
    import pandas as pd

    names, frame = _latin1_text_fields(dbf, read)
    columns = []
    for name in names:
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object), use_na_sentinel=True)
        values = [v.encode("latin-1").rstrip(b" ") if isinstance(v, str) else b"" for v in uniques]
        columns.append((codes, values))
    return [n.encode("latin-1") for n in names], columns, len(frame)


def _row_major_samples(columns: list[tuple[Any, list[bytes]]], count: int, limit: int = 2000) -> list[bytes]:
    """The values of ``columns`` record by record (as :func:`read_dbf_text` feeds the detection), keeping only
    the first ``limit`` that are not plain ASCII: all the detection looks at (see :func:`gis.files.detect.detect`)."""
    import numpy as np

    from gis.files.detect import _PLAIN_BYTES

    if not columns or not count:
        return []
    plain = np.empty((count, len(columns)), dtype=bool)
    for j, (codes, values) in enumerate(columns):
        flags = np.array([bool(_PLAIN_BYTES.fullmatch(v)) for v in values] + [True], dtype=bool)
        plain[:, j] = flags[codes]  # code -1: the last flag, a blank
    cells = np.flatnonzero(~plain.ravel())[:limit]
    rows, cols = np.divmod(cells, len(columns))
    return [columns[j][1][columns[j][0][i]] for i, j in zip(rows.tolist(), cols.tolist(), strict=True)]


def read_dbf_columns(path: str | Path, encoding: str | None = None, *, read: Any = None
                     ) -> tuple[dict[str, list[str]], int, Detection]:
    """:func:`read_dbf_text` column by column, for large tables.

    ``read`` is the shapefile's layer as GDAL already read it as latin-1 (:data:`LATIN1`, a frame), when the
    caller has it: its text fields are taken instead of reading the table a second time.

    Returns
    -------
    columns : dict
        Each character field's decoded name to its texts, in record order.
    count : int
        The number of records read (those not marked deleted).
    detection : Detection
        The encoding used and why.

    The detection sees the values row by row, as in :func:`read_dbf_text` (the same samples); each distinct
    value of a column is encoded and decoded once (codes, villages and owners repeat).
    """
    import numpy as np

    dbf = _dbf_path(path)
    declared = _read_cpg(dbf)
    raw_names, raw_columns, count = _raw_columns(dbf, read)
    if encoding is not None:
        found = user_choice(encoding, declared)
    else:
        found = detect(_row_major_samples(raw_columns, count), declared=declared)
    decoded: dict[bytes, str] = {}

    def text(value: bytes) -> str:
        got = decoded.get(value)
        if got is None:
            got = decoded[value] = decode(value, found.encoding, errors="replace")
        return got

    columns: dict[str, list[str]] = {}
    for raw_name, (codes, values) in zip(raw_names, raw_columns, strict=True):
        texts = np.array([text(v) for v in values] + [text(b"")], dtype=object)
        columns[decode(raw_name, found.encoding, errors="replace")] = texts[codes].tolist()
    return columns, count, found


def _dbf_field(name: str, values: Sequence[Any], encoded: Sequence[bytes | None]) -> tuple[bytes, str, int, int]:
    raw_name = name.encode("ascii", errors="replace")[:10]
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present) and present:
        return raw_name, "L", 1, 0
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return raw_name, "N", max(10, max(len(str(v)) for v in present)), 0
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return raw_name, "N", 24, 15
    width = max([len(e) for e in encoded if e is not None] + [1])
    if width > 254:
        raise EncodingError(
            f"Giá trị của trường «{name}» dài hơn 254 byte, giới hạn của tệp DBF.",
            f"A value of field '{name}' is longer than 254 bytes, the limit of a DBF file.",
        )
    return raw_name, "C", width, 0


def write_dbf(path: str | Path, columns: Mapping[str, Sequence[Any]], *, encoding: str,
              caps_font: bool = False) -> Path:
    """Write a dBASE III table with its text in ``encoding`` (for test fixtures and legacy exports).

    Parameters
    ----------
    path
        The ``.dbf`` to write (overwritten).
    columns
        Field name (ASCII, at most 10 characters) to values, all columns of the same length. Strings become
        character fields encoded in ``encoding``; ints and floats numeric fields; bools logical fields;
        None a blank.
    encoding
        ``"utf-8"``, ``"cp1258"``, ``"tcvn3"`` or ``"vni"``.
    caps_font
        TCVN3: write capitals with a tone as the caps font does (see :func:`gis.files.codecs.encode`).

    Returns
    -------
    Path
        ``path``. The language byte is left 0 (none), as in legacy files.
    """
    path = Path(path)
    enc = canonical_encoding(encoding)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("all columns must have the same length")
    count = lengths.pop() if lengths else 0
    specs = []
    encoded_cols = []
    for name, values in columns.items():
        encoded = [encode(v, enc, caps_font=caps_font) if isinstance(v, str) else None for v in values]
        specs.append(_dbf_field(name, values, encoded))
        encoded_cols.append(encoded)
    header_len = 32 + 32 * len(specs) + 1
    record_len = 1 + sum(s[2] for s in specs)
    today = date.today()
    out = bytearray(struct.pack("<BBBBIHH20x", 0x03, today.year - 1900, today.month, today.day, count,
                                header_len, record_len))
    for raw_name, kind, length, decimals in specs:
        out += struct.pack("<11sc4xBB14x", raw_name, kind.encode(), length, decimals)
    out += b"\x0d"
    for i in range(count):
        out += b" "
        for (_, kind, length, decimals), values, encoded in zip(specs, columns.values(), encoded_cols, strict=True):
            value = values[i]
            if value is None:
                cell = b""
            elif kind == "C":
                cell = encoded[i] or b""
            elif kind == "L":
                cell = b"T" if value else b"F"
            elif decimals:
                cell = f"{value:.{decimals}f}".encode()
            else:
                cell = str(value).encode()
            out += cell.rjust(length) if kind == "N" else cell.ljust(length)
    out += b"\x1a"
    path.write_bytes(bytes(out))
    return path


def write_legacy_shapefile(frame: Any, path: str | Path, *, encoding: str, cpg: str | None = None,
                           caps_font: bool = False) -> Path:
    """Write a GeoDataFrame as a shapefile whose DBF text is in ``encoding``, as old software left them.

    The geometry is written by GeoPandas (pyogrio); the ``.dbf`` is then rewritten by :func:`write_dbf`
    with the frame's attribute columns.

    Parameters
    ----------
    frame
        A GeoDataFrame (attribute values str, int, float, bool or None).
    path
        The ``.shp`` to write.
    encoding
        ``"tcvn3"``, ``"vni"``, ``"cp1258"`` or ``"utf-8"``.
    cpg
        The content of the ``.cpg`` file; None (the default) writes none, as legacy files have none. Pass a
        wrong one ("UTF-8") to imitate a common fault.
    caps_font
        TCVN3: capitals with a tone in the lower-case codes, as typed with the caps font.

    Returns
    -------
    Path
        The ``.shp`` path.
    """
    path = Path(path)
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio")
    columns = {
        str(name): [None if _is_missing(v) else _plain(v) for v in frame[name].tolist()]
        for name in frame.columns
        if name != frame.geometry.name
    }
    write_dbf(path.with_suffix(".dbf"), columns, encoding=encoding, caps_font=caps_font)
    for suffix in (".cpg", ".CPG"):
        path.with_suffix(suffix).unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value
