"""Parcels as the ledger's jobs name and build them: references ``"SHEET/PARCEL"``, the current version of a
reference, the next free numbers of a sheet, new parcels and new versions, and the dividing line of a split.

A number retired by a split or a merge is never given again: :func:`next_numbers` counts from one above the
highest number ever used on the sheet. New parcels get a new identity, their drawn area as legal area (to
0.1 m²) and no certificate; a new version keeps the parcel's identity and number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
import shapely.ops

from gis.core.errors import GeometryError
from gis.jobs.ledger.model import LandStore, LedgerError, key_text, new_ids


def parse_ref(ref: str) -> tuple[str, str]:
    """``"12/345"`` -> ``("12", "345")``; :class:`LedgerError` for anything else."""
    parts = str(ref).strip().split("/")
    if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
        raise LedgerError(
            f"«{ref}» không phải số hiệu thửa: hãy viết TỜ/THỬA, ví dụ 12/345 (tờ bản đồ số 12, thửa số 345).",
            f"'{ref}' is not a parcel reference: write SHEET/PARCEL, e.g. 12/345 (map sheet 12, parcel 345).")
    return key_text(parts[0]), key_text(parts[1])


def ref_of(row: Mapping[str, Any]) -> str:
    """``"SHEET/PARCEL"`` of a version row."""
    return f"{key_text(row.get('sheet'))}/{key_text(row.get('parcel_no'))}"


def current(store: LandStore, ref: str) -> gpd.GeoDataFrame:
    """The current version of parcel ``ref`` (one row); :class:`LedgerError` when there is none, saying what
    became of a retired number."""
    sheet, number = parse_ref(ref)
    found = store.find(sheet, number)
    if len(found) == 1:
        return found
    if len(found) > 1:
        raise LedgerError(
            f"Có {len(found)} thửa cùng số hiệu {sheet}/{number} trong hiện trạng: hãy sửa số hiệu trong dữ liệu "
            "trước khi ghi biến động.",
            f"{len(found)} current parcels share the number {sheet}/{number}: correct the numbers in the data "
            "before entering a change.")
    if store.ever_numbered(sheet, number):
        raise LedgerError(
            f"Thửa {sheet}/{number} không còn trong hiện trạng (đã tách, hợp hoặc đổi số): xem «python -m gis "
            f"history {sheet}/{number}».",
            f"Parcel {sheet}/{number} is no longer current (split, merged or renumbered): see 'python -m gis "
            f"history {sheet}/{number}'.")
    raise LedgerError(f"Không có thửa {sheet}/{number} (tờ {sheet}, thửa {number}) trong sổ biến động.",
                      f"There is no parcel {sheet}/{number} (sheet {sheet}, parcel {number}) in the ledger.")


def next_numbers(store: LandStore, sheet: str, count: int) -> list[int]:
    """The next ``count`` free parcel numbers of ``sheet``: above the highest number ever used there."""
    used = [int(n) for n in store.sheet_numbers(sheet) if str(n).isdigit()]
    start = max(used, default=0) + 1
    return list(range(start, start + count))


def polygons(geom: shapely.Geometry) -> list[shapely.Geometry]:
    """The polygons of ``geom`` (none for a line or a point)."""
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [g for part in shapely.get_parts(geom) for g in polygons(part)]
    return []


def new_parcels(template: gpd.GeoDataFrame, geoms: Sequence[shapely.Geometry], numbers: Sequence[object]
                 ) -> gpd.GeoDataFrame:
    """New parcels from ``template``'s first row: new identity, given numbers, legal area = drawn area."""
    base = template.iloc[[0] * len(geoms)].copy()
    base = base.set_geometry(gpd.GeoSeries(list(geoms), crs=template.crs, index=base.index))
    base["parcel_id"] = new_ids(len(geoms))
    base["version_id"] = None
    base["seq"] = None
    base["parcel_no"] = list(numbers)
    base["legal_area_m2"] = [round(float(g.area), 1) for g in geoms]
    if "certificate" in base.columns:
        base["certificate"] = None
    return base.reset_index(drop=True)


def new_version(row: gpd.GeoDataFrame, **changes: object) -> gpd.GeoDataFrame:
    """A new version of the parcel in ``row`` (same identity and order), with ``changes`` applied."""
    out = row.copy()
    out["version_id"] = None
    for key, value in changes.items():
        if key == "geometry":
            out = out.set_geometry(gpd.GeoSeries([value], crs=row.crs, index=out.index))
        else:
            out[key] = [value] * len(out)
    return out.reset_index(drop=True)


def parse_line(text: str, *, crs: object = None) -> shapely.LineString:
    """A line given as ``"x1 y1, x2 y2, ..."`` (the dataset's CRS), or as WKT (``LINESTRING (...)``)."""
    text = text.strip()
    try:
        if text[:10].upper().startswith(("LINESTRING", "MULTILINE")):
            geom = shapely.from_wkt(text)
        else:
            coords = [tuple(float(v) for v in pair.split()) for pair in text.split(",")]
            if any(len(c) != 2 for c in coords):
                raise ValueError("two numbers per point")
            geom = shapely.LineString(coords)
    except (ValueError, shapely.errors.GEOSException) as exc:
        raise LedgerError(
            f"Đường chia «{text[:80]}» không đọc được ({exc}): hãy viết các điểm «x1 y1, x2 y2» theo hệ tọa độ của "
            "bộ dữ liệu (VN-2000, mét).",
            f"The dividing line '{text[:80]}' cannot be read ({exc}): write its points as 'x1 y1, x2 y2' in the "
            "dataset's CRS (VN-2000, metres).") from exc
    if geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString") or geom.length <= 0:
        raise LedgerError("Đường chia phải có ít nhất hai điểm khác nhau.",
                          "The dividing line needs at least two distinct points.")
    return geom


def read_line_file(path: Path) -> shapely.Geometry:
    """The dividing line in a file: WKT or ``x y, x y`` text (``.txt``, ``.wkt``), else any vector layer."""
    path = Path(path)
    if path.suffix.lower() in (".txt", ".wkt", ""):
        return parse_line(path.read_text(encoding="utf-8"))
    from gis.files.io import read_layer

    frame = read_layer(path)
    lines = [g for g in frame.geometry if g is not None and g.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        raise GeometryError(f"Tệp «{path.name}» không có đường (LineString) nào để chia thửa.",
                            f"File '{path.name}' holds no line (LineString) to split a parcel with.")
    return shapely.union_all(lines)
