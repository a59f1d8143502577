"""Putting a layer read from the user's file in VN-2000 TM-3: :func:`place`.

The target CRS is the user's (an explicit CRS, else the TM-3 zone of the chosen province,
:func:`resolve_target`); a declared CRS is used as it is, repaired with the user's consent when it is faulty,
or guessed from the coordinates when there is none; swapped axes are told; a layer whose coordinates fall
outside the province or are degrees in a metric CRS is refused with a message that says what to do.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis.core.crs import crs_label, offset_m, tm3_crs
from gis.core.crs_faults import analyse_crs, apply_fix
from gis.core.errors import CrsError, PlacementError
from gis.core.i18n import number
from gis.core.placement import Area, guess_from_coordinates, looks_like_degrees, outside, zone_area
from gis.core.provinces import Province, find_province, province_area
from gis.files.checks import MAX_COORDINATE
from gis.files.formats import Source


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
    """The bounds of the features whose coordinates are all finite and below :data:`~gis.files.checks.MAX_COORDINATE`; None when
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
          fix_crs: bool = False, bounds: tuple[float, float, float, float] | None = None,
          ) -> tuple[gpd.GeoDataFrame, list[tuple[str, str]]]:
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

    ``bounds``: the layer's :func:`sane_bounds` when they are known without its shapes (a layer read by
    :func:`gis.files.window.open_window`, whose every feature lies within its finite, sane extent).

    Raises :class:`CrsError` when the province (or a CRS) is needed and not given, or the coordinates are
    not recognisable.
    """
    target = resolve_target(province, crs)
    chosen = _chosen_province(province) if crs is None else None
    if bounds is None:
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
