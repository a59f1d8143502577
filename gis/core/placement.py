"""Where coordinates fall: a guess at the CRS from the numbers alone, and the area a layer must lie in.

:func:`guess_from_coordinates` says what a layer with no CRS probably is (VN-2000 TM-3 metres, degrees, or
neither) from its bounds; :func:`zone_area` is the area of use of a CRS's zone; :func:`outside` says how
far, and in which direction, a layer lies from an :class:`Area` (the zone, or the chosen province) when any
corner of it falls outside; :func:`bearing_text` names the direction from one point to another.
:func:`looks_like_degrees` tells bounds in degrees from bounds in metres. The margins and the usable band of
a zone are named here (:data:`AREA_MARGIN_DEG`, :data:`TM_HALF_WIDTH_DEG`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError as ProjCRSError

from gis.core.crs import LAT_RANGE, LON_RANGE, TM3_EASTING_RANGE, TM3_NORTHING_RANGE, crs_label, tm_parameters

_GEOD = Geod(ellps="WGS84")


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
    params = tm_parameters(crs)
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
