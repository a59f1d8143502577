"""What a file says about its coordinates: VN-2000 TM-3 recognised, and the faults found in real ``.prj`` files.

:func:`analyse_crs` reads a layer's CRS (a pyproj CRS, or the text of a ``.prj``) and tells:

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
    Degrees; another projected CRS; no CRS at all (then :func:`gis.core.placement.guess_from_coordinates`
    looks at the numbers).

The offsets are measured, not assumed: the data's centre is carried to WGS 84 once through the file's CRS
read literally and once through the right one, and the distance between the two is reported. Faults are
corrected only when the user says so (:func:`apply_fix` with ``consent=True``): the coordinates stay as they
are, only the CRS they are declared in changes.

Note: PROJ 9 recognises the published EPSG:6960 values in a WKT1 ``TOWGS84`` and silently flips them when
it parses the ``.prj``, so GDAL places such a file right; other programs read the values literally. The
rotation signs are therefore read from the ``.prj`` text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from gis.core.crs import (
    LUONG_PHONG_CENTRE,
    TM3_EPSG,
    UTM_EPSG,
    VN2000_TOWGS84,
    base_crs,
    crs_label,
    offset_m,
    tm3_crs,
    tm_parameters,
)
from gis.core.errors import CrsError
from gis.core.i18n import number

# --------------------------------------------------------------------------------------------------
# What a file says about its coordinates
# --------------------------------------------------------------------------------------------------

#: The statuses of a CRS that misplaces VN-2000 data (and that :func:`apply_fix` corrects).
FAULTS = ("wrong_rotation_signs", "no_datum_shift", "other_shift")


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


def _is_vn2000_datum(crs: CRS) -> bool:
    base = base_crs(crs)
    geodetic = base.geodetic_crs
    if geodetic is None:
        return False
    if geodetic.to_epsg(min_confidence=90) == 4756:
        return True
    datum = base.datum
    return bool(datum is not None and (_VN2000_NAME.search(datum.name) or datum.name.lower() == "vietnam 2000"))


def _is_wgs84_ellipsoid(crs: CRS) -> bool:
    ellipsoid = base_crs(crs).ellipsoid
    return bool(ellipsoid and abs(ellipsoid.semi_major_metre - 6378137.0) < 1e-3
                and abs(ellipsoid.inverse_flattening - 298.257223563) < 1e-6)


def _literal_crs(params: dict[str, float], towgs84: tuple[float, ...] | None) -> CRS:
    shift = f"+towgs84={','.join(repr(v) for v in towgs84)} " if towgs84 is not None else ""
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0={params['lat_0']!r} +lon_0={params['lon_0']!r} +k={params['k']!r} "
        f"+x_0={params['x_0']!r} +y_0={params['y_0']!r} +ellps=WGS84 {shift}+units=m +no_defs +type=crs"
    )


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
    if parsed.is_geographic or (parsed.is_bound and base_crs(parsed).is_geographic):
        return CrsFinding(
            "geographic", parsed,
            f"Tọa độ độ ({parsed.name}): cần chọn tỉnh để chuyển sang VN-2000 TM-3 trước khi tính diện tích.",
            f"Degrees ({parsed.name}): pick the province to reproject to VN-2000 TM-3 before measuring areas.",
        )
    params = tm_parameters(parsed)
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
