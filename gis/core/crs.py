"""Coordinate systems: the VN-2000 TM-3 zones, their names, and the checks that keep areas honest.

Cadastral data is in VN-2000 (EPSG:4756) on a 3-degree Transverse Mercator zone per province (see
:mod:`gis.core.provinces`). This module holds the EPSG codes and datum shift of those zones (:func:`tm3_crs`
builds the custom definition of the two zones with no code), short names of a CRS for the user
(:func:`describe`, :func:`crs_label`), the refusals of a layer with no CRS or in degrees
(:func:`require_crs`, :func:`require_projected`), the reading of a Transverse Mercator CRS's parameters
(:func:`tm_parameters`), :func:`offset_m` (the distance between where two CRSs put the same coordinates),
and the ranges of VN-2000 coordinates and of Việt Nam's longitudes and latitudes. What a ``.prj`` says and
its faults are in :mod:`gis.core.crs_faults`; where coordinates fall, in :mod:`gis.core.placement`.
"""

from __future__ import annotations

import math
import warnings

from pyproj import CRS, Geod, Transformer

from gis.core.errors import CrsError

#: VN-2000 / TM-3 107-00, the cadastral CRS of Bắc Giang (and so of Lương Phong).
LUONG_PHONG_EPSG = 9214
#: WGS 84, for display on web maps only.
WGS84_EPSG = 4326

#: The VN-2000 to WGS 84 shift (EPSG:6960) written for PROJ's ``+towgs84`` (position-vector convention:
#: the three rotation signs are flipped from the published coordinate-frame values).
VN2000_TOWGS84 = (
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
)


#: The same seven values as published for EPSG:6960 (coordinate-frame rotations): wrong in ``+towgs84``.
VN2000_TOWGS84_PUBLISHED = (
    "-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278"
)

#: Central meridian (decimal degrees) -> EPSG code of the VN-2000 TM-3 provincial zone.
TM3_EPSG: dict[float, int] = {
    103.0: 9205, 104.0: 9206, 104.5: 9207, 104.75: 9208, 105.5: 9209, 105.75: 9210, 106.0: 9211,
    106.25: 9212, 106.5: 9213, 107.0: 9214, 107.25: 9215, 107.5: 9216, 107.75: 5899, 108.25: 9217,
    108.5: 9218,
}
#: VN-2000 / UTM zones (6 degrees, k0 0.9996): central meridian -> EPSG code.
UTM_EPSG: dict[float, int] = {105.0: 3405, 111.0: 3406}

#: Where the offsets are measured when a layer gives no coordinates of its own: Lương Phong's centre.
LUONG_PHONG_CENTRE = (397_333.0, 2_361_018.0)

#: The range of VN-2000 TM-3 (and UTM) coordinates on the mainland: easting, then northing (m).
TM3_EASTING_RANGE = (250_000.0, 750_000.0)
TM3_NORTHING_RANGE = (900_000.0, 2_620_000.0)
#: Longitudes and latitudes of Việt Nam, with a margin (degrees).
LON_RANGE = (101.5, 118.0)
LAT_RANGE = (7.5, 24.0)

_GEOD = Geod(ellps="WGS84")


def tm3_crs(central_meridian: float) -> CRS:
    """The VN-2000 TM-3 CRS with this central meridian: its EPSG code, or a custom definition.

    The custom definition (for 105°00' and 108°00') carries the datum shift in position-vector form
    (:data:`VN2000_TOWGS84`); its parameters are those of EPSG:5897/5898 (the national zones 482/491).
    """
    code = TM3_EPSG.get(round(central_meridian * 4) / 4)
    if code is not None and abs(central_meridian * 4 - round(central_meridian * 4)) < 1e-9:
        return CRS.from_epsg(code)
    return CRS.from_proj4(vn2000_tm3_proj(central_meridian))


def vn2000_tm3_proj(central_meridian: float) -> str:
    """A PROJ string for VN-2000 TM-3 at ``central_meridian`` (degrees), for zones with no EPSG code."""
    return (
        f"+proj=tmerc +lat_0=0 +lon_0={central_meridian:g} +k=0.9999 +x_0=500000 +y_0=0 "
        f"+ellps=WGS84 +towgs84={VN2000_TOWGS84} +units=m +no_defs +type=crs"
    )


def describe(crs: CRS | None) -> str:
    """A short human name for a CRS: ``EPSG:9214 (VN-2000 / TM-3 107-00)`` or its PROJ string."""
    if crs is None:
        return "—"
    code = crs.to_epsg(min_confidence=90)
    if code is not None:
        return f"EPSG:{code} ({crs.name})"
    return crs.to_proj4() or crs.name


def require_crs(crs: CRS | None, *, source: str) -> CRS:
    """Return ``crs``, or raise :class:`CrsError` naming ``source`` when it has none."""
    if crs is None:
        raise CrsError(
            f"Lớp «{source}» không có hệ tọa độ (thiếu tệp .prj). Hãy chép tệp .prj đi kèm vào cùng "
            "thư mục, hoặc gán hệ tọa độ VN-2000 (ví dụ EPSG:9214 cho Bắc Giang) trong QGIS rồi lưu lại.",
            f"Layer '{source}' has no coordinate system (its .prj file is missing). Put the .prj that came "
            "with it in the same folder, or assign the VN-2000 CRS (e.g. EPSG:9214 for Bắc Giang) in QGIS "
            "and save it again.",
        )
    return crs


def require_projected(crs: CRS | None, *, source: str) -> CRS:
    """Return ``crs`` if areas can be measured in it; raise :class:`CrsError` for none or degrees."""
    crs = require_crs(crs, source=source)
    if not crs.is_projected:
        raise CrsError(
            f"Lớp «{source}» dùng tọa độ độ ({crs.name}): không tính được diện tích bằng m². Hãy chuyển "
            "lớp sang hệ VN-2000 TM-3 của tỉnh (ví dụ EPSG:9214) trước khi tính diện tích.",
            f"Layer '{source}' is in degrees ({crs.name}): areas in m² cannot be measured in it. "
            "Reproject it to the province's VN-2000 TM-3 CRS (e.g. EPSG:9214) before computing areas.",
        )
    unit = (crs.axis_info[0].unit_name or "").lower() if crs.axis_info else ""
    if unit and unit not in ("metre", "meter", "m"):
        raise CrsError(
            f"Lớp «{source}» dùng đơn vị «{unit}», không phải mét. Hãy chuyển sang hệ VN-2000 TM-3.",
            f"Layer '{source}' uses the unit '{unit}', not metres. Reproject it to VN-2000 TM-3.",
        )
    return crs


def crs_label(crs: CRS | None) -> str:
    """``EPSG:9214`` for a CRS with a sure code, else its PROJ string, else its name; ``—`` for none."""
    if crs is None:
        return "—"
    code = crs.to_epsg(min_confidence=100)
    if code is not None:
        return f"EPSG:{code}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "you will likely lose information": we show it, not use it
        proj = crs.to_proj4()
    return proj or crs.name


def base_crs(crs: CRS) -> CRS:
    """The CRS itself, or the source CRS of a bound one (a CRS with a datum shift to WGS 84)."""
    return crs.source_crs if crs.is_bound and crs.source_crs is not None else crs


def tm_parameters(crs: CRS) -> dict[str, float] | None:
    """The Transverse Mercator parameters (``lat_0``, ``lon_0``, ``k``, ``x_0``, ``y_0``) of a projected CRS in
    metres, or None for any other CRS."""
    base = base_crs(crs)
    if not base.is_projected or base.coordinate_operation is None:
        return None
    op = base.coordinate_operation
    if "transverse mercator" not in op.method_name.lower():
        return None
    names = {"latitude of natural origin": "lat_0", "longitude of natural origin": "lon_0",
             "scale factor at natural origin": "k", "false easting": "x_0", "false northing": "y_0"}
    out = {names[p.name.lower()]: float(p.value) for p in op.params if p.name.lower() in names}
    unit = (base.axis_info[0].unit_name or "").lower() if base.axis_info else "metre"
    if unit not in ("metre", "meter", "m") or len(out) != 5:
        return None
    return out


def offset_m(found: CRS, correct: CRS, at: tuple[float, float]) -> float:
    """Distance in metres between where ``found`` and ``correct`` put the point ``at`` (x, y)."""
    a = Transformer.from_crs(found, 4326, always_xy=True).transform(*at)
    b = Transformer.from_crs(correct, 4326, always_xy=True).transform(*at)
    if not all(math.isfinite(v) for v in (*a, *b)):
        return float("nan")
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])
