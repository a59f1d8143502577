"""The check before use: every problem of a parcel layer, collected, each with a geometry to draw.

:func:`check_parcels` never stops at the first problem: it lists them all (as osmnx's validation does) in
one frame, one row per problem, with the feature it concerns, its sheet and parcel number, an area where
one applies, a message in Vietnamese and English, and a geometry (the overlap itself, the gap itself, the
parcel...) so the report can be drawn on the map and downloaded as a table or a GeoPackage.

Kinds of problem (:data:`KINDS`): an empty layer, a missing required field, features that are not polygons,
empty geometry, invalid geometry (repaired, and listed with GEOS's reason), overlaps between parcels and
gaps in the coverage (with their area), duplicate sheet and parcel numbers, missing numbers, missing
("thiếu loại đất": blank or NULL, normal for roads and water) or unknown land-use codes, legal and drawn areas
that differ beyond a tolerance, legal areas that are not positive finite numbers (never compared), coordinates
that are NaN, infinite or absurd (the feature is left out), and rings the file left unclosed (closed on reading).
GEOS never sees a non-finite coordinate, and a geometry it cannot repair is listed, not raised.
Overlaps and gaps are measured by :func:`gis.files.overlaps.overlaps_and_gaps`; the legal-area tolerance is
:func:`gis.core.area_tolerance.area_tolerance_m2`, at each parcel's scale (:func:`parcel_scales`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core import landuse
from gis.core.area_tolerance import DEFAULT_SCALE, area_tolerance_m2, parse_scale
from gis.core.i18n import number
from gis.files.overlaps import MIN_AREA_M2, overlaps_and_gaps
from gis.files.schema import _legal_areas, map_values

#: Kind -> (Vietnamese, English) label, in the order reports list them.
KINDS: dict[str, tuple[str, str]] = {
    "empty_layer": ("Lớp rỗng", "Empty layer"),
    "missing_field": ("Thiếu trường bắt buộc", "Missing required field"),
    "not_polygon": ("Đối tượng không phải vùng", "Not a polygon"),
    "empty_geometry": ("Hình học rỗng", "Empty geometry"),
    "invalid_geometry": ("Hình học không hợp lệ (đã sửa)", "Invalid geometry (repaired)"),
    "overlap": ("Chồng lấn", "Overlap"),
    "gap": ("Khe hở", "Gap"),
    "duplicate_parcel": ("Trùng số tờ, số thửa", "Duplicate sheet and parcel number"),
    "missing_number": ("Thiếu số tờ hoặc số thửa", "Missing sheet or parcel number"),
    "missing_land_use": ("Thiếu loại đất", "Missing land-use code"),
    "unknown_land_use": ("Mã loại đất không rõ", "Unknown land-use code"),
    "area_mismatch": ("Diện tích pháp lý khác diện tích đo", "Legal and drawn area differ"),
    "bad_legal_area": ("Diện tích pháp lý không hợp lệ", "Invalid legal area"),
    "bad_coordinates": ("Tọa độ không hợp lệ (NaN, vô cực, quá lớn)", "Invalid coordinates (NaN, infinite, absurd)"),
    "unclosed_ring": ("Ranh thửa không khép kín (đã khép lại)", "Parcel outline not closed (closed on reading)"),
}

#: Beyond this (metres or degrees) a coordinate is no place on Earth in any CRS used here (1e308 ...).
MAX_COORDINATE = 1e8
#: ``frame.attrs`` key set by the readers: row positions whose rings were not closed in the file.
UNCLOSED_ATTR = "gis_unclosed_rings"


_COLUMNS = ["kind", "feature", "sheet", "parcel_no", "area_m2", "detail_vi", "detail_en"]


def sheet_key(value: object) -> str | None:
    """A map sheet number as the settings' ``sheet_scales`` keys write it (``12.0`` and ``"12"`` give ``"12"``)."""
    value = _label(value)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parcel_scales(scales: pd.Series | None, sheets: pd.Series | None, *, n: int,
                  sheet_scales: Mapping[str, int] | None = None, default_scale: int = DEFAULT_SCALE) -> np.ndarray:
    """The scale denominator of each parcel's map sheet: the data's scale field where it holds one, else the
    settings' scale of its sheet, else ``default_scale``."""
    out = np.full(n, float(default_scale))
    if sheets is not None and sheet_scales:
        per_sheet = map_values(sheets, lambda s: sheet_scales.get(sheet_key(s) or "", np.nan)).to_numpy(dtype=float)
        out = np.where(np.isfinite(per_sheet), per_sheet, out)
    if scales is not None:
        parsed = map_values(scales, lambda v: np.nan if (m := parse_scale(v)) is None else m).to_numpy(dtype=float)
        out = np.where(np.isfinite(parsed), parsed, out)
    return out


@dataclass
class CheckReport:
    """Every problem found, their counts, and the layer with its geometry repaired.

    Attributes
    ----------
    problems
        One row per problem: ``kind`` (a key of :data:`KINDS`), ``feature`` (row position in the layer, or
        -1 for the layer as a whole), ``sheet``, ``parcel_no``, ``area_m2``, ``detail_vi``, ``detail_en``
        and a geometry (None for a problem of the whole layer), in the layer's CRS.
    counts
        Kind -> number of problems, for every kind (zeros included).
    repaired
        The layer's polygons with invalid geometry made valid; features that are not polygons or are
        empty are left out (they are listed in ``problems``).
    """

    problems: gpd.GeoDataFrame
    counts: dict[str, int]
    repaired: gpd.GeoDataFrame

    @property
    def total(self) -> int:
        return int(sum(self.counts.values()))

    def table(self, lang: str = "vi") -> pd.DataFrame:
        """The problems as a plain table for the screen or a CSV, in ``lang`` (no geometry)."""
        vi = lang == "vi"
        frame = pd.DataFrame({
            "Loại lỗi" if vi else "Problem": [KINDS[k][0 if vi else 1] for k in self.problems["kind"]],
            "Đối tượng số" if vi else "Feature": self.problems["feature"].to_numpy(),
            "Tờ bản đồ số" if vi else "Map sheet": self.problems["sheet"].to_numpy(),
            "Thửa số" if vi else "Parcel number": self.problems["parcel_no"].to_numpy(),
            "Diện tích (m²)" if vi else "Area (m²)": self.problems["area_m2"].round(2).to_numpy(),
            "Chi tiết" if vi else "Detail": self.problems["detail_vi" if vi else "detail_en"].to_numpy(),
        })
        return frame

    def summary(self, lang: str = "vi") -> list[tuple[str, int]]:
        """(label, count) for every kind with at least one problem."""
        return [(KINDS[k][0 if lang == "vi" else 1], n) for k, n in self.counts.items() if n]


def _field(frame: gpd.GeoDataFrame, mapping: Mapping[str, str], internal: str) -> pd.Series | None:
    for source, name in mapping.items():
        if name == internal and source in frame.columns:
            return frame[source]
    return None


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer in metres: as it is when projected; in a local Transverse Mercator when in degrees."""
    crs = frame.crs
    if crs is not None and crs.is_projected:
        return frame
    if crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90):
            return frame  # metres with no CRS (a CAD drawing): measured as they are
        frame = frame.set_crs(4326)
    lon = float(np.nanmean(frame.total_bounds[[0, 2]]))
    return frame.to_crs(f"+proj=tmerc +lat_0=0 +lon_0={lon:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +type=crs")


def _label(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _sane(geom: shapely.Geometry) -> bool:
    """Whether every coordinate of ``geom`` is finite and below :data:`MAX_COORDINATE` in size."""
    xy = shapely.get_coordinates(geom)
    return bool(np.isfinite(xy).all() and (np.abs(xy) < MAX_COORDINATE).all())


def _insane(geoms: np.ndarray) -> np.ndarray:
    """For each geometry, whether a coordinate is NaN, infinite or not below :data:`MAX_COORDINATE` (all at once;
    missing geometries are not)."""
    with np.errstate(invalid="ignore"):
        xy = shapely.get_coordinates(geoms)
        if np.isfinite(xy).all() and (np.abs(xy) < MAX_COORDINATE).all():  # the usual case: none, at once
            return np.zeros(len(geoms), dtype=bool)
        xy, index = shapely.get_coordinates(geoms, return_index=True)
        bad_row = ~(np.isfinite(xy).all(axis=1) & (np.abs(xy) < MAX_COORDINATE).all(axis=1))
    out = np.zeros(len(geoms), dtype=bool)
    out[index[bad_row]] = True
    return out


def _key_text(values: pd.Series) -> np.ndarray:
    """Sheet or parcel numbers as the text the duplicate check compares (``12.0`` and ``12`` alike), None
    where blank; a column of whole numbers (none missing) at once, any other once per distinct value."""
    if values.dtype.kind in "iu":
        return values.to_numpy().astype(str).astype(object)
    return map_values(values, lambda v: str(_label(v)).strip() if _label(v) is not None else None).to_numpy()


def _blank(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) \
        or (isinstance(value, str) and not value.strip())


def legal_area_value(value: object) -> float | None:
    """A legal area as a positive finite number of m², or None when it is not one (blank, text, 0, −100, NaN,
    inf). Text in Vietnamese style ("1.234,5") is read by :func:`gis.files.tables.parse_number`'s rules."""
    if _blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        elif "," in text:
            text = text.replace(",", ".")
        try:
            number_ = float(text)
        except ValueError:
            return None
    else:
        try:
            number_ = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return number_ if math.isfinite(number_) and number_ > 0 else None


def _legal_ok(value: object) -> bool:
    return legal_area_value(value) is not None


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (a repair may leave lines or points beside the polygons)."""
    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        return shapely.union_all(parts) if parts else shapely.Polygon()
    return shapely.Polygon()


def check_parcels(frame: gpd.GeoDataFrame, *, mapping: Mapping[str, str] | None = None,
                  tolerance: Callable[[float], float] | None = None, scale: int | None = None,
                  sheet_scales: Mapping[str, int] | None = None, min_area_m2: float = MIN_AREA_M2, layer: str = "layer") -> CheckReport:
    """Check a parcel layer before use and collect every problem.

    Parameters
    ----------
    frame
        The parcel layer, in its own CRS (projected for areas in m²; degrees are measured in a local
        projection, which is enough to find problems but not for official areas).
    mapping
        ``{source column: internal name}`` (:attr:`gis.files.field_mapping.FieldMapping.mapping`); by default the known
        name variants (:func:`gis.files.schema.match_fields`).
    tolerance
        The allowed difference (m²) between legal and drawn area, as a function of the legal area; by
        default :func:`~gis.core.area_tolerance.area_tolerance_m2` at each parcel's scale (:func:`parcel_scales`: the data's scale
        field, else ``sheet_scales``, else ``scale``).
    scale, sheet_scales
        The default scale denominator and the scale of each map sheet; when both are ``None``, those of
        the recovery settings file (:func:`gis.core.recovery_settings.load_settings`), so that this check and the
        recovery table flag the same parcels.
    min_area_m2
        Overlaps and gaps smaller than this are ignored.
    layer
        The layer's name, for messages.
    """
    from gis.files.schema import REQUIRED, match_fields

    if mapping is None:
        mapping = match_fields([str(c) for c in frame.columns])
    if scale is None and sheet_scales is None:
        from gis.core.recovery_settings import load_settings

        shipped = load_settings()
        scale, sheet_scales = shipped.default_scale, shipped.sheet_scales
    rows: list[dict[str, object]] = []
    geoms: list[shapely.Geometry | None] = []

    def add(kind: str, feature: int, geom: shapely.Geometry | None, vi: str, en: str, *, sheet: object = None,
            parcel: object = None, area: float = float("nan")) -> None:
        rows.append({"kind": kind, "feature": feature, "sheet": _label(sheet), "parcel_no": _label(parcel),
                     "area_m2": area, "detail_vi": vi, "detail_en": en})
        geoms.append(geom)

    n = len(frame)
    sheets = _field(frame, mapping, "sheet")
    numbers = _field(frame, mapping, "parcel_no")
    codes = _field(frame, mapping, "land_use")
    legal = _field(frame, mapping, "legal_area_m2")
    if legal is None:
        legal = _field(frame, mapping, "area_m2_field")

    def ids(i: int) -> dict[str, Any]:
        return {"sheet": sheets.iloc[i] if sheets is not None else None,
                "parcel": numbers.iloc[i] if numbers is not None else None}

    if n == 0:
        add("empty_layer", -1, None, f"Lớp «{layer}» không có đối tượng nào. Hãy kiểm tra đã xuất đúng lớp thửa đất.",
            f"Layer '{layer}' has no features. Check that the parcel layer was exported.")
    found = set(mapping.values())
    for internal in REQUIRED:
        if internal not in found:
            add("missing_field", -1, None,
                f"Không có trường «{internal}». Hãy chọn cột tương ứng ở bước ghép trường.",
                f"No field '{internal}'. Pick the matching column in the field-mapping step.")

    metric = _metric(frame) if n else frame
    original = metric.geometry.to_numpy()
    kinds = shapely.get_type_id(original)
    is_empty = shapely.is_missing(original) | shapely.is_empty(original)
    bad_xy = ~is_empty & _insane(original)
    if bad_xy.any():  # compared with the source's own coordinates too (reprojection turns 1e308 into inf)
        bad_xy |= ~is_empty & _insane(frame.geometry.to_numpy())
    is_poly = np.isin(kinds, [3, 6]) & ~is_empty & ~bad_xy  # Polygon, MultiPolygon
    repaired = np.array(original, dtype=object)
    for i in np.flatnonzero(bad_xy):
        add("bad_coordinates", int(i), None,
            "Đối tượng có tọa độ không hợp lệ (NaN, vô cực hoặc quá lớn): không dùng làm thửa. Hãy sửa đỉnh hỏng "
            "trong phần mềm gốc rồi xuất lại.",
            "The feature has invalid coordinates (NaN, infinite or absurd): not used as a parcel. Fix the broken "
            "vertex in the software that made it and export again.", **ids(int(i)))
    for i in frame.attrs.get(UNCLOSED_ATTR, []):
        if 0 <= int(i) < n:
            add("unclosed_ring", int(i), original[int(i)] if is_poly[int(i)] else None,
                "Ranh thửa trong tệp không khép kín (điểm cuối khác điểm đầu): đã khép lại bằng cách nối về điểm đầu. "
                "Hãy kiểm tra hình thửa.",
                "The parcel outline in the file is not closed (last point differs from the first): closed by joining "
                "it back to the first point. Check the parcel's shape.", **ids(int(i)))
    for i in np.flatnonzero(is_empty):
        add("empty_geometry", int(i), None, "Đối tượng không có hình học.", "The feature has no geometry.", **ids(int(i)))
    for i in np.flatnonzero(~is_poly & ~is_empty & ~bad_xy):
        g = original[i]
        add("not_polygon", int(i), g,
            f"Đối tượng là {g.geom_type}, không phải vùng: không dùng làm thửa đất. Nếu là ranh thửa, hãy khép kín "
            "và chuyển thành vùng.",
            f"The feature is a {g.geom_type}, not a polygon: not used as a parcel. If it is a parcel outline, close "
            "it and turn it into a polygon.", **ids(int(i)))
    valid = np.zeros(n, dtype=bool)
    valid[is_poly] = shapely.is_valid(original[is_poly])
    for i in np.flatnonzero(is_poly & ~valid):
        g = original[i]
        reason = shapely.is_valid_reason(g)
        try:
            fixed = _polygonal(shapely.make_valid(g))
        except shapely.errors.GEOSException as exc:  # beyond GEOS's repair: listed and left out
            repaired[i] = shapely.Polygon()
            add("invalid_geometry", int(i), None,
                f"Hình học không hợp lệ ({reason}) và không sửa được ({exc}): không dùng làm thửa. Hãy vẽ lại thửa.",
                f"Invalid geometry ({reason}) that cannot be repaired ({exc}): not used as a parcel. Redraw it.",
                **ids(int(i)))
            continue
        repaired[i] = fixed
        before, after = float(shapely.area(g)), float(shapely.area(fixed))
        add("invalid_geometry", int(i), g,
            f"Hình học không hợp lệ ({reason}); đã sửa, diện tích {number(before, 1)} → {number(after, 1)} m².",
            f"Invalid geometry ({reason}); repaired, area {before:.1f} -> {after:.1f} m².",
            area=after, **ids(int(i)))
    keep = is_poly.copy()
    keep[is_poly] = ~shapely.is_empty(repaired[is_poly])
    positions = np.flatnonzero(keep)
    polys = repaired[positions]
    drawn = shapely.area(polys) if len(polys) else np.array([])

    # overlaps between parcels, and gaps in the coverage (holes of the union of all parcels)
    if len(polys) > 1:
        overlaps, holes = overlaps_and_gaps(polys, min_area_m2=min_area_m2)
        for a, b, geom, area in overlaps:
            ia, ib = int(positions[a]), int(positions[b])
            other = ids(ib)
            label = f"{_label(other['sheet'])}/{_label(other['parcel'])}" if numbers is not None else f"#{ib}"
            add("overlap", ia, _polygonal(geom),
                f"Chồng lấn {number(float(area), 2)} m² với thửa {label} (đối tượng {ib}).",
                f"Overlaps parcel {label} (feature {ib}) by {area:.2f} m².", area=float(area), **ids(ia))
        for hole in holes:
            area = float(hole.area)
            add("gap", -1, hole,
                f"Khe hở {number(area, 2)} m² giữa các thửa (không thuộc thửa nào).",
                f"A gap of {area:.2f} m² between parcels (in no parcel).", area=area)

    # numbers
    if sheets is not None or numbers is not None:
        key_cols = [s for s in (sheets, numbers) if s is not None]
        for column in ("MaXa", "XAID", "MAXA", "XA_CU", "MAXACU"):
            if column in frame.columns:
                key_cols.insert(0, frame[column])
                break
        keys = pd.DataFrame({f"k{j}": _key_text(s) for j, s in enumerate(key_cols)})
        blank = keys.isna().any(axis=1) | (keys == "").any(axis=1)
        for i in np.flatnonzero(blank.to_numpy()):
            add("missing_number", int(i), original[i] if is_poly[i] else None,
                "Thiếu số tờ bản đồ hoặc số thửa.", "The map sheet or parcel number is missing.", **ids(int(i)))
        dup = keys.duplicated(keep=False) & ~blank
        for _, group in keys[dup].groupby(list(keys.columns), sort=False):
            members = [int(m) for m in group.index]
            for member in members:
                others = ", ".join(str(j) for j in members if j != member)
                add("duplicate_parcel", member, original[member] if is_poly[member] else None,
                    f"Số tờ, số thửa trùng với đối tượng {others}.",
                    f"Same sheet and parcel number as feature(s) {others}.", **ids(member))

    # land-use codes
    if codes is not None:
        def _code_status(value: object) -> tuple[bool, list[str]]:
            split = landuse.split_codes(value)
            return (not split, [c for c in split if c not in landuse.LAND_USES])

        status = map_values(codes, _code_status).tolist()
        values_ = codes.tolist()
        for row in [r for r, (blank, unknown) in enumerate(status) if blank or unknown]:
            value = values_[row]
            blank, unknown = status[row]
            geom = original[row] if is_poly[row] else None
            if blank:
                add("missing_land_use", row, geom, "Thửa chưa có mã loại đất.", "The parcel has no land-use code.",
                    **ids(row))
                continue
            if unknown:
                add("unknown_land_use", row, geom,
                    f"Mã loại đất không có trong danh mục: {', '.join(unknown)} (giá trị «{value}»). Hãy sửa theo "
                    "Thông tư 25/2014 hoặc 08/2024.",
                    f"Land-use code(s) not in the list: {', '.join(unknown)} (value '{value}'). Correct them to "
                    "Circular 25/2014 or 08/2024.", **ids(row))

    # legal areas that are not positive finite numbers: listed, never compared
    if legal is not None:
        legal_numbers = _legal_areas(legal).to_numpy(dtype=float)  # NaN: not a legal area
        raws = legal.tolist()
        for row in np.flatnonzero(np.isnan(legal_numbers)).tolist():
            raw = raws[row]
            shown = "trống" if _blank(raw) else str(raw)
            shown_en = "blank" if _blank(raw) else str(raw)
            geom = original[row] if is_poly[row] else None
            add("bad_legal_area", row, geom,
                f"Diện tích pháp lý «{shown}» không phải số dương: không dùng để so sánh. Hãy ghi diện tích theo giấy "
                "chứng nhận (m², số lớn hơn 0).",
                f"Legal area '{shown_en}' is not a positive number: not compared. Enter the area on the certificate "
                "(m², a number above 0).", **ids(row))

    # legal area against drawn area
    if legal is not None and len(positions):
        values = legal_numbers
        row_scales = parcel_scales(_field(frame, mapping, "scale"), sheets, n=n, sheet_scales=sheet_scales,
                                   default_scale=scale or DEFAULT_SCALE)
        kept_values = values[positions]
        known = np.isfinite(kept_values)
        allowed_all = np.full(len(positions), np.nan)
        if tolerance is not None:
            allowed_all[known] = [float(tolerance(float(v))) for v in kept_values[known]]
        else:
            allowed_all[known] = area_tolerance_m2(kept_values[known], scale=row_scales[positions][known])
        with np.errstate(invalid="ignore"):
            beyond = known & (np.abs(drawn - kept_values) > allowed_all)
        for k in np.flatnonzero(beyond):
            pos, area, value, allowed = positions[k], drawn[k], float(kept_values[k]), float(allowed_all[k])
            diff = float(area) - float(value)
            if abs(diff) > allowed:
                at_scale = ("", "") if tolerance is not None else (
                    f" ở tỷ lệ 1:{int(row_scales[pos])}", f" at 1:{int(row_scales[pos])}")
                add("area_mismatch", int(pos), original[pos],
                    f"Diện tích pháp lý {number(value, 1)} m², đo trên bản đồ {number(float(area), 1)} m² "
                    f"(chênh {number(diff, 1)} m², cho phép {number(allowed, 1)} m²{at_scale[0]}).",
                    f"Legal area {value:.1f} m², drawn {float(area):.1f} m² (difference {diff:.1f} m², allowed "
                    f"{allowed:.1f} m²{at_scale[1]}).", area=diff, **ids(int(pos)))

    problems = gpd.GeoDataFrame(pd.DataFrame(rows, columns=_COLUMNS), geometry=gpd.GeoSeries(geoms, crs=metric.crs),
                                crs=metric.crs)
    problems["area_m2"] = problems["area_m2"].astype(float)
    if metric.crs != frame.crs and frame.crs is not None:
        problems = problems.to_crs(frame.crs)
    counts = {k: int((problems["kind"] == k).sum()) for k in KINDS}
    kept = frame.iloc[positions].copy()
    kept_geoms = gpd.GeoSeries(list(polys), index=kept.index, crs=metric.crs)
    if metric.crs != frame.crs and frame.crs is not None:
        kept_geoms = kept_geoms.to_crs(frame.crs)
    kept[frame.geometry.name] = kept_geoms.set_crs(frame.crs, allow_override=True) if frame.crs is not None else kept_geoms
    return CheckReport(problems=problems, counts=counts, repaired=gpd.GeoDataFrame(kept, geometry=frame.geometry.name,
                                                                                   crs=frame.crs))
