"""Coordinate systems: VN-2000 TM-3, and the checks that keep areas honest."""

from __future__ import annotations

from pyproj import CRS

from gis.errors import CrsError

#: VN-2000 / TM-3 107-00, the cadastral CRS of Bắc Giang (and so of Lương Phong).
LUONG_PHONG_EPSG = 9214
#: WGS 84, for display on web maps only.
WGS84_EPSG = 4326

#: The VN-2000 to WGS 84 shift (EPSG:6960) written for PROJ's ``+towgs84`` (position-vector convention:
#: the three rotation signs are flipped from the published coordinate-frame values).
VN2000_TOWGS84 = (
    "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
)


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
