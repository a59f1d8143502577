"""Coordinate systems: VN-2000 TM-3, the faults found in real ``.prj`` files, and the checks that keep areas honest.

Cadastral data is in VN-2000 (EPSG:4756) on a 3-degree Transverse Mercator zone per province (see
:mod:`gis.provinces`). :func:`analyse_crs` reads what a file says about its coordinates and tells:

``ok``
    VN-2000 TM-3 (or UTM) recognised by its parameters; ``epsg`` names the code (or ``correct`` holds the
    custom definition for the 105°00' and 108°00' zones that have none).
``wrong_rotation_signs``
    The datum shift carries the three rotation signs of the published EPSG:6960 values (coordinate-frame
    convention) where ``TOWGS84``/``+towgs84`` expects position-vector ones: about 0.5-0.8 m off in the north.
``no_datum_shift``
    The TM-3 parameters are right but the datum is WGS 84 or unnamed, with no shift: about 224 m off.
``other_shift``
    Some other datum shift (an old 3-parameter one, for instance): the offset is measured and reported.
``geographic``, ``other``, ``missing``
    Degrees; another projected CRS; no CRS at all (then :func:`guess_from_coordinates` looks at the numbers).

The offsets are measured, not assumed: the data's centre is carried to WGS 84 once through the file's CRS
read literally and once through the right one, and the distance between the two is reported. Faults are
corrected only when the user says so (:func:`apply_fix` with ``consent=True``): the coordinates stay as they
are, only the CRS they are declared in changes.

Note: PROJ 9 recognises the published EPSG:6960 values in a WKT1 ``TOWGS84`` and silently flips them when
it parses the ``.prj``, so GDAL places such a file right; other programs read the values literally. The
rotation signs are therefore read from the ``.prj`` text itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from gis.errors import CrsError
from gis.i18n import number

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

FAULTS = ("wrong_rotation_signs", "no_datum_shift", "other_shift")

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


# --------------------------------------------------------------------------------------------------
# What a file says about its coordinates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrsFinding:
    """What a layer's CRS is, whether it carries a known fault, and how far off that puts the data.

    Attributes
    ----------
    status
        ``ok``, ``wrong_rotation_signs``, ``no_datum_shift``, ``other_shift``, ``geographic``, ``other``
        or ``missing`` (see the module's docstring).
    crs
        The CRS as the file gives it, read literally (None when missing).
    central_meridian
        Of a recognised Transverse Mercator zone, in decimal degrees.
    epsg
        The EPSG code of the right CRS for these coordinates, when it has one.
    correct
        The right CRS for these coordinates (VN-2000 at the same projection), or None when unknown.
    offset_m
        How far the file's CRS puts the data from where the right one does, at the data's centre.
    towgs84
        The datum shift the file declares, as written.
    """

    status: str
    crs: CRS | None
    message_vi: str
    message_en: str
    central_meridian: float | None = None
    epsg: int | None = None
    correct: CRS | None = None
    offset_m: float | None = None
    towgs84: tuple[float, ...] | None = None

    @property
    def fault(self) -> bool:
        """Whether the file's CRS misplaces VN-2000 data (and :func:`apply_fix` would move it)."""
        return self.status in FAULTS

    @property
    def label(self) -> str:
        """``EPSG:9214`` when the CRS in use has a code, else its PROJ string (or ``—``)."""
        crs = self.correct if self.status == "ok" and self.correct is not None else self.crs
        if self.status == "ok" and self.epsg is not None:
            return f"EPSG:{self.epsg}"
        return crs_label(crs)

    def text(self, lang: str = "vi") -> str:
        """The message in ``lang``."""
        return self.message_vi if lang == "vi" else self.message_en


def crs_label(crs: CRS | None) -> str:
    """``EPSG:9214`` for a CRS with a sure code, else its PROJ string, else its name; ``—`` for none."""
    if crs is None:
        return "—"
    code = crs.to_epsg(min_confidence=100)
    if code is not None:
        return f"EPSG:{code}"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "you will likely lose information": we show it, not use it
        proj = crs.to_proj4()
    return proj or crs.name


_TOWGS84_WKT = re.compile(r"TOWGS84\s*\[([^\]]*)\]", re.IGNORECASE)
_TOWGS84_PROJ = re.compile(r"\+towgs84=([-+0-9.eE,]+)", re.IGNORECASE)
_VN2000_NAME = re.compile(r"vn[-_ ]?2000|vietnam[-_ ]?2000", re.IGNORECASE)


def _towgs84_from_text(text: str) -> tuple[float, ...] | None:
    match = _TOWGS84_WKT.search(text) or _TOWGS84_PROJ.search(text)
    if match is None:
        return None
    try:
        values = tuple(float(v) for v in match.group(1).split(",") if v.strip())
    except ValueError:
        return None
    return values + (0.0,) * (7 - len(values)) if len(values) in (3, 7) else None


def _towgs84_from_crs(crs: CRS) -> tuple[float, ...] | None:
    if not crs.is_bound or crs.coordinate_operation is None:
        return None
    op = crs.coordinate_operation
    values = [float(p.value) for p in op.params]
    if len(values) == 3:
        return tuple(values) + (0.0,) * 4
    if len(values) != 7:
        return None
    scale = values[6]
    if abs(scale - 1.0) < 1e-3:  # given as a factor (1.00000025), not in ppm
        values[6] = (scale - 1.0) * 1e6
    if "coordinate frame" in op.method_name.lower():
        values[3:6] = [-v for v in values[3:6]]
    return tuple(values)


def _base(crs: CRS) -> CRS:
    return crs.source_crs if crs.is_bound and crs.source_crs is not None else crs


def _tm_parameters(crs: CRS) -> dict[str, float] | None:
    base = _base(crs)
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


def _is_vn2000_datum(crs: CRS) -> bool:
    base = _base(crs)
    geodetic = base.geodetic_crs
    if geodetic is None:
        return False
    if geodetic.to_epsg(min_confidence=90) == 4756:
        return True
    datum = base.datum
    return bool(datum is not None and (_VN2000_NAME.search(datum.name) or datum.name.lower() == "vietnam 2000"))


def _is_wgs84_ellipsoid(crs: CRS) -> bool:
    ellipsoid = _base(crs).ellipsoid
    return bool(ellipsoid and abs(ellipsoid.semi_major_metre - 6378137.0) < 1e-3
                and abs(ellipsoid.inverse_flattening - 298.257223563) < 1e-6)


def _literal_crs(params: dict[str, float], towgs84: tuple[float, ...] | None) -> CRS:
    shift = f"+towgs84={','.join(repr(v) for v in towgs84)} " if towgs84 is not None else ""
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0={params['lat_0']!r} +lon_0={params['lon_0']!r} +k={params['k']!r} "
        f"+x_0={params['x_0']!r} +y_0={params['y_0']!r} +ellps=WGS84 {shift}+units=m +no_defs +type=crs"
    )


def offset_m(found: CRS, correct: CRS, at: tuple[float, float]) -> float:
    """Distance in metres between where ``found`` and ``correct`` put the point ``at`` (x, y)."""
    a = Transformer.from_crs(found, 4326, always_xy=True).transform(*at)
    b = Transformer.from_crs(correct, 4326, always_xy=True).transform(*at)
    if not all(math.isfinite(v) for v in (*a, *b)):
        return float("nan")
    return float(_GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _parse(crs: CRS | str | None) -> tuple[CRS | None, str]:
    if crs is None:
        return None, ""
    if isinstance(crs, CRS):
        return crs, crs.to_wkt()
    text = crs.strip()
    if not text:
        return None, ""
    try:
        return CRS.from_user_input(text), text
    except ProjCRSError as exc:
        raise CrsError(
            f"Không hiểu được hệ tọa độ trong tệp .prj ({exc}). Hãy xóa tệp .prj hỏng và chọn tỉnh "
            "(kinh tuyến trục) khi nhập dữ liệu, hoặc gán hệ tọa độ trong QGIS.",
            f"The coordinate system in the .prj file cannot be read ({exc}). Delete the broken .prj and pick "
            "the province (central meridian) when importing, or assign the CRS in QGIS.",
        ) from exc


def _zone_name(lon_0: float, k: float) -> str:
    d = int(lon_0)
    m = round((lon_0 - d) * 60)
    return f"TM-3 {d}°{m:02d}'" if abs(k - 0.9999) < 1e-9 else f"UTM {d}°"


def analyse_crs(crs: CRS | str | None, *, at: tuple[float, float] | None = None) -> CrsFinding:
    """Tell what ``crs`` is and whether it misplaces VN-2000 data (see the module's docstring).

    Parameters
    ----------
    crs
        A pyproj CRS, or the text of a ``.prj`` (WKT1, ESRI WKT, WKT2) or a PROJ string. Pass the text when
        there is one: the rotation signs are read from it literally.
    at
        A point (x, y) in the layer's coordinates where offsets are measured: the data's centre
        (default: the centre of Lương Phong).
    """
    parsed, text = _parse(crs)
    at = at or LUONG_PHONG_CENTRE
    if parsed is None:
        return CrsFinding(
            "missing", None,
            "Tệp không có hệ tọa độ (thiếu tệp .prj).", "The file has no coordinate system (no .prj file).",
        )
    if parsed.is_geographic or (parsed.is_bound and _base(parsed).is_geographic):
        return CrsFinding(
            "geographic", parsed,
            f"Tọa độ độ ({parsed.name}): cần chọn tỉnh để chuyển sang VN-2000 TM-3 trước khi tính diện tích.",
            f"Degrees ({parsed.name}): pick the province to reproject to VN-2000 TM-3 before measuring areas.",
        )
    params = _tm_parameters(parsed)
    vn_like = (
        params is not None and _is_wgs84_ellipsoid(parsed) and abs(params["lat_0"]) < 1e-9
        and abs(params["x_0"] - 500_000) < 1e-6 and abs(params["y_0"]) < 1e-6
        and ((abs(params["k"] - 0.9999) < 1e-9 and 101.9 <= params["lon_0"] <= 109.1)
             or (abs(params["k"] - 0.9996) < 1e-9 and params["lon_0"] in UTM_EPSG))
    )
    if vn_like and params is not None and abs(params["k"] - 0.9996) < 1e-9 and not _is_vn2000_datum(parsed) \
            and _towgs84_from_text(text) is None and _towgs84_from_crs(parsed) is None:
        vn_like = False  # WGS 84 / UTM is a CRS in its own right (GPS data), not a VN-2000 fault
    if not vn_like or params is None:
        return CrsFinding(
            "other", parsed,
            f"Hệ tọa độ {crs_label(parsed)} ({parsed.name}): không phải VN-2000 TM-3; dữ liệu sẽ được chuyển "
            "sang VN-2000 TM-3 của tỉnh khi nhập.",
            f"CRS {crs_label(parsed)} ({parsed.name}): not VN-2000 TM-3; the data is reprojected to the "
            "province's VN-2000 TM-3 on import.",
        )
    lon_0, k = params["lon_0"], params["k"]
    if abs(k - 0.9996) < 1e-9:
        epsg: int | None = UTM_EPSG[lon_0]
        correct = CRS.from_epsg(UTM_EPSG[lon_0])
    else:
        correct = tm3_crs(lon_0)
        epsg = correct.to_epsg(min_confidence=100) if TM3_EPSG.get(lon_0) else None
    zone = _zone_name(lon_0, k)
    name = f"EPSG:{epsg}" if epsg else crs_label(correct)
    towgs84 = _towgs84_from_text(text) if text else None
    if towgs84 is None:
        towgs84 = _towgs84_from_crs(parsed)
    common: dict[str, Any] = {"central_meridian": lon_0, "epsg": epsg, "correct": correct, "towgs84": towgs84}
    if towgs84 is None and _is_vn2000_datum(parsed):
        return CrsFinding(
            "ok", parsed,
            f"VN-2000 {zone}, nhận ra theo tham số: {name}.", f"VN-2000 {zone}, recognised by its parameters: {name}.",
            offset_m=0.0, **common,
        )
    literal = _literal_crs(params, towgs84)
    distance = offset_m(literal, correct, at)
    metres_en = f"{distance:.2f}" if distance < 10 else f"{distance:.0f}"
    metres = number(distance, 2 if distance < 10 else 0, lang="vi")
    if towgs84 is None or all(abs(v) < 1e-12 for v in towgs84):
        return CrsFinding(
            "no_datum_shift", literal,
            f"Tệp .prj khai báo lưới chiếu VN-2000 {zone} nhưng không có tham số chuyển đổi datum (TOWGS84): "
            f"các phần mềm sẽ coi tọa độ là WGS-84 và đặt dữ liệu lệch khoảng {metres} m. Hãy sửa bằng cách "
            f"gán {name} (tùy chọn --fix-crs, hoặc ô «Sửa hệ tọa độ» trên trang Dữ liệu).",
            f"The .prj declares the VN-2000 {zone} projection but no datum shift (TOWGS84): programs take the "
            f"coordinates as WGS 84 and put the data about {metres_en} m off. Fix it by assigning {name} "
            "(--fix-crs, or 'Fix the coordinate system' on the Data page).",
            offset_m=distance, **common,
        )
    right = tuple(float(v) for v in VN2000_TOWGS84.split(","))
    close = all(abs(a - b) < 1e-3 for a, b in zip(towgs84[:3], right[:3], strict=True))
    flipped = all(abs(a + b) < 1e-6 for a, b in zip(towgs84[3:6], right[3:6], strict=True))
    same = all(abs(a - b) < 1e-6 for a, b in zip(towgs84[3:6], right[3:6], strict=True))
    if close and same and abs(towgs84[6] - right[6]) < 1e-3:
        return CrsFinding(
            "ok", parsed,
            f"VN-2000 {zone} với tham số chuyển đổi datum đúng: {name}.",
            f"VN-2000 {zone} with the right datum shift: {name}.",
            offset_m=distance, **common,
        )
    if close and flipped:
        return CrsFinding(
            "wrong_rotation_signs", literal,
            f"Tệp .prj có tham số chuyển đổi datum VN-2000 với ba góc xoay ngược dấu (chép nguyên giá trị công bố "
            f"theo quy ước coordinate frame vào TOWGS84 vốn theo quy ước position vector): đọc đúng như ghi, dữ "
            f"liệu lệch khoảng {metres} m. Hãy sửa bằng cách gán {name} (tùy chọn --fix-crs, hoặc ô «Sửa hệ tọa "
            "độ» trên trang Dữ liệu).",
            f"The .prj's VN-2000 datum shift has its three rotation signs reversed (the published coordinate-frame "
            f"values copied into TOWGS84, which expects position-vector ones): read as written, the data is "
            f"about {metres_en} m off. Fix it by assigning {name} (--fix-crs, or 'Fix the coordinate system' on the "
            "Data page).",
            offset_m=distance, **common,
        )
    return CrsFinding(
        "other_shift", literal,
        f"Tệp .prj có tham số chuyển đổi datum khác với tham số VN-2000 chuẩn (EPSG:6960): dữ liệu lệch khoảng "
        f"{metres} m so với {name}. Nếu dữ liệu là VN-2000, hãy gán {name} (tùy chọn --fix-crs).",
        f"The .prj's datum shift differs from the standard VN-2000 one (EPSG:6960): the data is about "
        f"{metres_en} m from where {name} puts it. If the data is VN-2000, assign {name} (--fix-crs).",
        offset_m=distance, **common,
    )


def apply_fix(frame, finding: CrsFinding, *, consent: bool):  # noqa: ANN001, ANN201 - GeoDataFrame in, out
    """The layer declared in the right CRS when ``finding`` is a fault and the user consents; else as it was.

    The coordinates are not changed: only the CRS they are declared in (it is the declaration that is
    wrong). Returns a new frame.
    """
    if consent and finding.fault and finding.correct is not None:
        return frame.set_crs(finding.correct, allow_override=True)
    return frame.copy()


# --------------------------------------------------------------------------------------------------
# No CRS at all: what the numbers say
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoordinateGuess:
    """What a layer's coordinates look like when it has no CRS.

    ``kind`` is ``tm3`` (VN-2000 TM-3 or UTM metres, easting then northing), ``tm3_swapped`` (the same
    with x and y exchanged: northing first, as Vietnamese surveyors write X and Y), ``degrees``,
    ``degrees_swapped`` (latitude first) or ``unknown``.
    """

    kind: str
    message_vi: str
    message_en: str

    def text(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message_en


def _inside(lo: float, hi: float, rng: tuple[float, float]) -> bool:
    return rng[0] <= lo and hi <= rng[1]


def guess_from_coordinates(bounds: tuple[float, float, float, float]) -> CoordinateGuess:
    """Recognise VN-2000 TM-3 metres (or degrees) from a layer's bounds ``(minx, miny, maxx, maxy)``."""
    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        return CoordinateGuess("unknown", "Lớp không có tọa độ.", "The layer has no coordinates.")
    if _inside(minx, maxx, TM3_EASTING_RANGE) and _inside(miny, maxy, TM3_NORTHING_RANGE):
        return CoordinateGuess(
            "tm3",
            "Tọa độ nằm trong phạm vi VN-2000 TM-3 (mét; Đông trước, Bắc sau). Hãy chọn tỉnh (kinh tuyến trục) "
            "nơi đo đạc: --province TÊN, hoặc ô chọn tỉnh trên trang Dữ liệu.",
            "Coordinates are in the VN-2000 TM-3 range (metres; easting, then northing). Pick the province "
            "(central meridian) where they were surveyed: --province NAME, or the province box on the Data page.",
        )
    if _inside(minx, maxx, TM3_NORTHING_RANGE) and _inside(miny, maxy, TM3_EASTING_RANGE):
        return CoordinateGuess(
            "tm3_swapped",
            "Tọa độ VN-2000 TM-3 bị đảo trục: x là tọa độ Bắc (X của trắc địa), y là tọa độ Đông (Y). Chúng sẽ "
            "được đổi chỗ; hãy chọn tỉnh (kinh tuyến trục) nơi đo đạc.",
            "VN-2000 TM-3 coordinates with the axes exchanged: x is the northing (the surveyors' X), y the "
            "easting (Y). They will be swapped; pick the province (central meridian) where they were surveyed.",
        )
    if _inside(minx, maxx, LON_RANGE) and _inside(miny, maxy, LAT_RANGE):
        return CoordinateGuess(
            "degrees",
            "Tọa độ là kinh độ, vĩ độ (độ): coi là WGS-84; hãy chọn tỉnh để chuyển sang VN-2000 TM-3.",
            "Coordinates are longitude and latitude (degrees): taken as WGS 84; pick the province to "
            "reproject to VN-2000 TM-3.",
        )
    if _inside(minx, maxx, LAT_RANGE) and _inside(miny, maxy, LON_RANGE):
        return CoordinateGuess(
            "degrees_swapped",
            "Tọa độ là vĩ độ, kinh độ (độ, vĩ độ trước): sẽ được đổi chỗ và coi là WGS-84.",
            "Coordinates are latitude, longitude (degrees, latitude first): they will be swapped and taken as "
            "WGS 84.",
        )
    return CoordinateGuess(
        "unknown",
        f"Tọa độ ({minx:.0f}, {miny:.0f}) - ({maxx:.0f}, {maxy:.0f}) không thuộc VN-2000 TM-3 hay kinh độ/vĩ độ "
        "Việt Nam. Hãy mở tệp trong phần mềm gốc, gán hệ tọa độ đúng rồi xuất lại.",
        f"Coordinates ({minx:.0f}, {miny:.0f}) - ({maxx:.0f}, {maxy:.0f}) are neither VN-2000 TM-3 nor "
        "longitudes/latitudes in Việt Nam. Open the file in the software that made it, assign the right CRS and "
        "export it again.",
    )


# --------------------------------------------------------------------------------------------------
# Where the data falls: inside the zone of its CRS and the chosen province, or refused
# --------------------------------------------------------------------------------------------------

#: Margin (degrees, about 11 km) added around an area before coordinates are called outside it.
AREA_MARGIN_DEG = 0.1
#: Half-width of the usable band of a Transverse Mercator zone with no published area of use (degrees).
TM_HALF_WIDTH_DEG = 3.0


@dataclass(frozen=True)
class Area:
    """A box in longitude and latitude (degrees) the data must fall in, with its name for messages."""

    west: float
    south: float
    east: float
    north: float
    name_vi: str
    name_en: str

    def widened(self, margin: float = AREA_MARGIN_DEG) -> Area:
        return Area(self.west - margin, self.south - margin, self.east + margin, self.north + margin,
                    self.name_vi, self.name_en)

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def away(self, lon: float, lat: float) -> tuple[float, str, str]:
        """How far (km, along the ground) the point is from the box, and the direction (vi, en) it lies in."""
        near_lon = min(max(lon, self.west), self.east)
        near_lat = min(max(lat, self.south), self.north)
        km = float(_GEOD.inv(near_lon, near_lat, lon, lat)[2]) / 1000
        ns = ("bắc", "north") if lat > self.north else ("nam", "south") if lat < self.south else ("", "")
        ew = ("đông", "east") if lon > self.east else ("tây", "west") if lon < self.west else ("", "")
        vi = f"{ew[0]} {ns[0]}" if ns[0] and ew[0] else (ns[0] or ew[0])  # "tây bắc": west first in Vietnamese
        en = f"{ns[1]}-{ew[1]}" if ns[1] and ew[1] else (ns[1] or ew[1])
        return km, vi, en


def zone_area(crs: CRS) -> Area | None:
    """Where a projected CRS can be used: its EPSG area of use, else ±3° of a Transverse Mercator's meridian.

    None for a CRS with neither (it is then not checked).
    """
    area = crs.area_of_use
    if area is not None:
        return Area(area.west, area.south, area.east, area.north, f"vùng dùng của {crs_label(crs)} ({area.name})",
                    f"the area of use of {crs_label(crs)} ({area.name})")
    params = _tm_parameters(crs)
    if params is None:
        return None
    lon_0 = params["lon_0"]
    return Area(lon_0 - TM_HALF_WIDTH_DEG, LAT_RANGE[0], lon_0 + TM_HALF_WIDTH_DEG, LAT_RANGE[1],
                f"dải ±{TM_HALF_WIDTH_DEG:g}° quanh kinh tuyến trục {lon_0:g}° của {crs_label(crs)}",
                f"the ±{TM_HALF_WIDTH_DEG:g}° band around the central meridian {lon_0:g}° of {crs_label(crs)}")


def _corners_lonlat(bounds: tuple[float, float, float, float], crs: CRS) -> list[tuple[float, float]] | None:
    minx, miny, maxx, maxy = bounds
    points = [(minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy), ((minx + maxx) / 2, (miny + maxy) / 2)]
    try:
        to_wgs = Transformer.from_crs(crs, 4326, always_xy=True)
        out = [tuple(float(v) for v in to_wgs.transform(x, y)) for x, y in points]
    except ProjCRSError:
        return None
    if not all(math.isfinite(v) for p in out for v in p):
        return None
    return out  # type: ignore[return-value]


def outside(bounds: tuple[float, float, float, float], crs: CRS, area: Area) -> tuple[float, str, str] | None:
    """(km, direction vi, direction en) of the data's centre from ``area`` when any corner of ``bounds`` (in
    ``crs``) falls outside it (widened by :data:`AREA_MARGIN_DEG`); None when all of it is inside.

    Coordinates that cannot be carried to longitude and latitude count as outside (``inf`` km).
    """
    corners = _corners_lonlat(bounds, crs)
    if corners is None:
        return float("inf"), "", ""
    wide = area.widened()
    if all(wide.contains(lon, lat) for lon, lat in corners):
        return None
    lon, lat = corners[-1]
    return area.away(lon, lat)


def looks_like_degrees(bounds: tuple[float, float, float, float]) -> bool:
    """Whether every coordinate is within ±180 (x) and ±90 (y): degrees, whatever the CRS says."""
    minx, miny, maxx, maxy = bounds
    return all(math.isfinite(v) for v in bounds) and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def bearing_text(a: tuple[float, float], b: tuple[float, float]) -> tuple[str, str]:
    """The compass direction (vi, en) from point ``a`` to point ``b`` (longitude, latitude)."""
    azimuth = float(_GEOD.inv(a[0], a[1], b[0], b[1])[0]) % 360
    names = [("bắc", "north"), ("đông bắc", "north-east"), ("đông", "east"), ("đông nam", "south-east"),
             ("nam", "south"), ("tây nam", "south-west"), ("tây", "west"), ("tây bắc", "north-west")]
    return names[int((azimuth + 22.5) // 45) % 8]
