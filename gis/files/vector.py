"""Reading the vector formats through OGR (pyogrio): shapefiles, GeoPackage, GeoJSON, Esri JSON, KML, DXF, DGN.

Feature and vertex counts are checked against the limits before and after reading; a layer is picked from a
file with several; the text of every column is decoded and repaired (cp1258, TCVN3, VNI, Unicode in NFC); a
shapefile's parts (``.shx``, ``.dbf``, ``.prj``, ``.cpg``) are checked and read; closed CAD lines become
polygons and their parcel labels are joined to them. The entry point is :func:`gis.files.sources.read_source`.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gis.core import landuse
from gis.core.crs_faults import analyse_crs
from gis.core.errors import DataSourceError
from gis.core.limits import MAX_FEATURES_OPTION, feature_limits, over_limit
from gis.files.checks import UNCLOSED_ATTR
from gis.files.codecs import UNICODE, canonical_encoding, decode, encode
from gis.files.dbf import LATIN1, read_dbf_columns
from gis.files.detect import PLAIN_TEXT, Detection, detect_text, repair
from gis.files.formats import _unreadable
from gis.files.schema import ONE_TYPE, coded_series, map_values, match_fields


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


#: The precomposed Vietnamese letters, lower and upper case.
_VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI_LETTERS += _VI_LETTERS.upper()
#: Texts made only of printable ASCII and precomposed Vietnamese letters (RE2, anchored): no combining mark,
#: so already in NFC.
_NFC_ALREADY_RE2 = "^[\\x20-\\x7e" + _VI_LETTERS + "]*$"


def _nfc_many(values: Any) -> list[Any]:
    """:func:`_nfc` of each of ``values``: the texts :data:`_NFC_ALREADY_RE2` covers (found in Arrow) are kept
    as they are, the others normalised one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=object)
    if len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        try:
            texts = pa.array(values, type=pa.string())
        except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate Arrow will not take
            pass
        else:
            already = pc.match_substring_regex(texts, _NFC_ALREADY_RE2).to_numpy(zero_copy_only=False).astype(bool)
            out = values.copy()
            for k in np.flatnonzero(~already).tolist():
                out[k] = _nfc(values[k])
            return out.tolist()
    return [_nfc(value) for value in values]


def _repair_text(frame: gpd.GeoDataFrame, encoding: str | None, *, categorical: bool = False,
                 factorized: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
                 ) -> tuple[gpd.GeoDataFrame, Detection]:
    """Decode text that a Unicode format holds as mojibake (TCVN3/VNI bytes misread), or keep it.

    With ``categorical``, a column of one type is given as a :class:`pandas.Categorical` of its repaired values
    (two raw values that repair to one text share a category): the same cells, kept coded, for a reader that
    groups a million rows on them (:func:`gis.files.window.open_window`). ``factorized`` holds, for some text
    columns of one type, what :func:`pandas.factorize` gives of them (codes, missing values -1, and the distinct
    values as an object array), when the caller has them already.
    """
    cols = _text_columns(frame)
    # each column coded once (a layer repeats its codes, villages and owners many times): the detection reads
    # its sample (2000 texts) from the distinct values, the repair maps each distinct value once
    given = factorized or {}
    coded = {c: given[c] if c in given else _factorized(frame[c]) for c in cols}
    found = _cells_encoding(_sample_texts(frame, cols, coded), encoding)
    out = frame.copy()
    for c in cols:
        if found.encoding == UNICODE:
            out[c] = _map_coded(out[c], coded[c], _nfc, categorical=categorical, many=_nfc_many)
        else:
            out[c] = _map_coded(out[c], coded[c],
                                lambda v: repair(v, encoding=found.encoding)[0] if isinstance(v, str) else v,
                                categorical=categorical)
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
    plain ASCII ones, which :func:`gis.files.detect.detect_text` skips (found among the distinct values); made
    as they are taken, since the detection stops at its sample's size."""
    for c in cols:
        column = coded[c]
        if column is None:
            yield from frame[c].dropna().astype(str).tolist()
            continue
        codes, uniques = column
        wanted = _not_plain(uniques)
        if not wanted.any():
            continue
        for start in range(0, len(codes), 16384):  # a block at a time: the detection stops at its sample's size
            block = codes[start:start + 16384]
            block = block[block >= 0]
            for code in block[wanted[block]].tolist():
                yield str(uniques[code])


#: :data:`gis.files.detect.PLAIN_TEXT` for Arrow's regular expressions (RE2), anchored at both ends.
_PLAIN_TEXT_RE2 = r"^[\x20-\x7e\t\r\n]*$"


def _not_plain(uniques: Any) -> np.ndarray:
    """Which of the distinct values are not plain text (:data:`gis.files.detect.PLAIN_TEXT`): in Arrow for a
    column of strings, value by value otherwise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(uniques) and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        try:
            plain = pc.match_substring_regex(pa.array(uniques, type=pa.string()), _PLAIN_TEXT_RE2)
            return ~plain.to_numpy(zero_copy_only=False).astype(bool)
        except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate Arrow will not take: value by value
            pass
    return np.array([not PLAIN_TEXT.fullmatch(str(u)) for u in uniques], dtype=bool)


def _map_coded(values: pd.Series, coded: tuple[np.ndarray, Any] | None, fn: Callable[[Any], Any], *,
               categorical: bool = False, many: Callable[[Any], list[Any]] | None = None) -> pd.Series:
    """:func:`gis.files.schema.map_values` with the column's codes already made by :func:`_factorized`; with
    ``categorical``, the same values as a :class:`pandas.Categorical` (its ``astype(object)`` is the object
    column this returns without it)."""
    if coded is None:
        return map_values(values, fn)
    codes, uniques = coded
    missing = codes < 0
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = many(uniques) if many is not None else [fn(u) for u in uniques]
    mapped[-1] = fn(values[missing].iloc[0]) if missing.any() else None
    blank = mapped[-1]
    if categorical and pd.api.types.infer_dtype(mapped[:-1], skipna=False) in ("string", "empty") and (
            not missing.any() or (isinstance(blank, float) and math.isnan(blank))):
        # the repaired values coded again: two raw values may repair to one text (a TCVN3 and a Unicode spelling);
        # when the repair changed none, they are the distinct values already, in order (no hashing a second time)
        if len(uniques) and bool(np.all(mapped[:-1] == uniques)):
            again, distinct = np.arange(len(uniques)), mapped[:-1]
        else:
            again, distinct = pd.factorize(mapped[:-1], use_na_sentinel=True)
        # distinct already (pandas.factorize's values, or those of a factorized column), none missing
        return coded_series(again, distinct, codes, like=values)
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
    if records:  # every record's offset and length at once
        pairs = np.frombuffer(index, dtype=">i4", count=2 * records, offset=100).astype(np.int64).reshape(-1, 2)
        present = int(((pairs[:, 0] >= 0) & (2 * pairs[:, 0] + 8 + 2 * pairs[:, 1] <= size)).sum())
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
    frame = _read_ogr(shp, encoding=LATIN1)
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
