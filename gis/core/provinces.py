"""Provinces of Việt Nam and the central meridian of their VN-2000 TM-3 cadastral zone.

Cadastral maps use a 3-degree Transverse Mercator zone per province (Circular 973/2001/TT-TCĐC): lat_0 0,
k0 0.9999, false easting 500 000 m, central meridian set by the province. The meridians below are those of
the circular's table for the 63 provinces of 2008-2025; every one that has an EPSG code agrees with the
"area of use" of that code in the EPSG database (EPSG:9205-9218 and 5899). Two meridians have no provincial
code: 105°00' (Hà Nội, Vĩnh Phúc, Hà Nam, Ninh Bình, Thanh Hóa, Đồng Tháp, Cần Thơ, Hậu Giang, Bạc Liêu) and
108°00' (Quảng Ngãi); they get a custom definition with the VN-2000 datum shift (see :func:`gis.core.crs.tm3_crs`).

Since 1 July 2025 the 63 provinces are merged into 34 (Resolution 202/2025/QH15). A survey keeps the zone it
was made in, so a merged province may hold data in several zones: its entry lists the former provinces and
their meridians, and the user picks the former province where the data was surveyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.core.errors import CrsError
from gis.core.text import strip_accents


@dataclass(frozen=True)
class Province:
    """A province before 1 July 2025, with the central meridian of its TM-3 zone (decimal degrees)."""

    name: str
    central_meridian: float

    @property
    def meridian_text(self) -> str:
        """The meridian as surveyors write it: ``107°00'``."""
        degrees = int(self.central_meridian)
        minutes = round((self.central_meridian - degrees) * 60)
        return f"{degrees}°{minutes:02d}'"

    @property
    def epsg(self) -> int | None:
        """The EPSG code of the zone, or None when it has none (105°00', 108°00')."""
        from gis.core.crs import TM3_EPSG

        return TM3_EPSG.get(self.central_meridian)


@dataclass(frozen=True)
class MergedProvince:
    """A province from 1 July 2025 and the former provinces it was made of."""

    name: str
    former: tuple[str, ...]

    def meridians(self) -> dict[str, float]:
        """Former province -> central meridian."""
        return {name: PROVINCES[_key(name)].central_meridian for name in self.former}


_TABLE: tuple[tuple[str, float], ...] = (
    ("Hà Giang", 105.5), ("Cao Bằng", 105.75), ("Bắc Kạn", 106.5), ("Tuyên Quang", 106.0),
    ("Lào Cai", 104.75), ("Điện Biên", 103.0), ("Lai Châu", 103.0), ("Sơn La", 104.0),
    ("Yên Bái", 104.75), ("Hòa Bình", 106.0), ("Thái Nguyên", 106.5), ("Lạng Sơn", 107.25),
    ("Quảng Ninh", 107.75), ("Bắc Giang", 107.0), ("Phú Thọ", 104.75), ("Vĩnh Phúc", 105.0),
    ("Bắc Ninh", 105.5), ("Hải Dương", 105.5), ("Hải Phòng", 105.75), ("Hưng Yên", 105.5),
    ("Thái Bình", 105.5), ("Hà Nam", 105.0), ("Nam Định", 105.5), ("Ninh Bình", 105.0),
    ("Hà Nội", 105.0), ("Thanh Hóa", 105.0), ("Nghệ An", 104.75), ("Hà Tĩnh", 105.5),
    ("Quảng Bình", 106.0), ("Quảng Trị", 106.25), ("Thừa Thiên Huế", 107.0), ("Đà Nẵng", 107.75),
    ("Quảng Nam", 107.75), ("Quảng Ngãi", 108.0), ("Bình Định", 108.25), ("Phú Yên", 108.5),
    ("Khánh Hòa", 108.25), ("Ninh Thuận", 108.25), ("Bình Thuận", 108.5), ("Kon Tum", 107.5),
    ("Gia Lai", 108.5), ("Đắk Lắk", 108.5), ("Đắk Nông", 108.5), ("Lâm Đồng", 107.75),
    ("Bình Phước", 106.25), ("Bình Dương", 105.75), ("Đồng Nai", 107.75), ("Tây Ninh", 105.5),
    ("Bà Rịa - Vũng Tàu", 107.75), ("Hồ Chí Minh", 105.75), ("Long An", 105.75), ("Tiền Giang", 105.75),
    ("Bến Tre", 105.75), ("Trà Vinh", 105.5), ("Vĩnh Long", 105.5), ("Đồng Tháp", 105.0),
    ("An Giang", 104.75), ("Kiên Giang", 104.5), ("Cần Thơ", 105.0), ("Hậu Giang", 105.0),
    ("Sóc Trăng", 105.5), ("Bạc Liêu", 105.0), ("Cà Mau", 104.5),
)

_MERGED: tuple[tuple[str, tuple[str, ...]], ...] = (
    # unchanged
    ("Hà Nội", ("Hà Nội",)), ("Huế", ("Thừa Thiên Huế",)), ("Lai Châu", ("Lai Châu",)),
    ("Điện Biên", ("Điện Biên",)), ("Sơn La", ("Sơn La",)), ("Lạng Sơn", ("Lạng Sơn",)),
    ("Quảng Ninh", ("Quảng Ninh",)), ("Thanh Hóa", ("Thanh Hóa",)), ("Nghệ An", ("Nghệ An",)),
    ("Hà Tĩnh", ("Hà Tĩnh",)), ("Cao Bằng", ("Cao Bằng",)),
    # merged
    ("Tuyên Quang", ("Tuyên Quang", "Hà Giang")), ("Lào Cai", ("Lào Cai", "Yên Bái")),
    ("Thái Nguyên", ("Thái Nguyên", "Bắc Kạn")), ("Phú Thọ", ("Phú Thọ", "Vĩnh Phúc", "Hòa Bình")),
    ("Bắc Ninh", ("Bắc Ninh", "Bắc Giang")), ("Hưng Yên", ("Hưng Yên", "Thái Bình")),
    ("Hải Phòng", ("Hải Phòng", "Hải Dương")), ("Ninh Bình", ("Ninh Bình", "Hà Nam", "Nam Định")),
    ("Quảng Trị", ("Quảng Trị", "Quảng Bình")), ("Đà Nẵng", ("Đà Nẵng", "Quảng Nam")),
    ("Quảng Ngãi", ("Quảng Ngãi", "Kon Tum")), ("Gia Lai", ("Gia Lai", "Bình Định")),
    ("Khánh Hòa", ("Khánh Hòa", "Ninh Thuận")), ("Lâm Đồng", ("Lâm Đồng", "Đắk Nông", "Bình Thuận")),
    ("Đắk Lắk", ("Đắk Lắk", "Phú Yên")), ("Hồ Chí Minh", ("Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu")),
    ("Đồng Nai", ("Đồng Nai", "Bình Phước")), ("Tây Ninh", ("Tây Ninh", "Long An")),
    ("Cần Thơ", ("Cần Thơ", "Sóc Trăng", "Hậu Giang")), ("Vĩnh Long", ("Vĩnh Long", "Bến Tre", "Trà Vinh")),
    ("Đồng Tháp", ("Đồng Tháp", "Tiền Giang")), ("Cà Mau", ("Cà Mau", "Bạc Liêu")),
    ("An Giang", ("An Giang", "Kiên Giang")),
)

_PREFIXES = ("tinh ", "thanh pho ", "tp. ", "tp ", "t. ")
_OLD_SUFFIXES = (" cu", " (cu)", " (truoc 2025)", " truoc 2025", " (old)", " old", " (pre-2025)")
_NEW_SUFFIXES = (" moi", " (moi)", " (2025)", " 2025", " (tu 2025)", " (new)", " new")


def _key(name: str) -> str:
    """A name reduced for matching: no diacritics, lower case, no 'tỉnh'/'thành phố', single spaces."""
    text = strip_accents(name.strip().lower())
    text = " ".join(text.replace("–", "-").replace(" - ", "-").replace("-", " - ").split())
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.replace("thua thien - hue", "thua thien hue")


#: Every province of 2008-2025, by matching key.
PROVINCES: dict[str, Province] = {_key(n): Province(n, m) for n, m in _TABLE}
#: The 34 provinces from 1 July 2025, by matching key.
MERGED_PROVINCES: dict[str, MergedProvince] = {_key(n): MergedProvince(n, f) for n, f in _MERGED}


def choices(*, lang: str = "vi") -> list[str]:
    """Every accepted province choice as the user reads it, for a select box or ``--province`` help.

    Former provinces first (``"Bắc Giang — 107°00' (EPSG:9214)"``), then the merged provinces of 2025 whose
    former parts share one meridian.
    """
    return [label(p, lang=lang) for p in sorted(PROVINCES.values(), key=lambda p: _key(p.name))]


def label(province: Province, *, lang: str = "vi") -> str:
    """``"Bắc Giang — 107°00' (EPSG:9214)"``; a zone with no EPSG code says so."""
    code = province.epsg
    if code is not None:
        zone = f"EPSG:{code}"
    else:
        zone = "không có mã EPSG, dùng định nghĩa riêng" if lang == "vi" else "no EPSG code, custom definition"
    return f"{province.name} — {province.meridian_text} ({zone})"


def _candidates_text(merged: MergedProvince, lang: str) -> str:
    parts = [f"{name} ({PROVINCES[_key(name)].meridian_text})" for name in merged.former]
    return ", ".join(parts)


def find_province(name: str, *, lang: str = "vi") -> Province:
    """The province (before 2025) whose TM-3 zone data from ``name`` is in.

    ``name`` may be a province of 2008-2025 ("Bắc Giang", "bac giang", "Tỉnh Bắc Giang"), a label from
    :func:`choices`, or a province of 2025 whose former parts all use one meridian ("Huế", "Lào Cai"). A
    merged province of 2025 whose former parts use different meridians (Bắc Ninh = Bắc Ninh + Bắc Giang) is
    ambiguous unless written as the former province ("Bắc Giang", or "Bắc Ninh cũ"): :class:`CrsError`
    lists the choices. An unknown name raises :class:`CrsError` too.
    """
    text = name.split("—")[0]
    key = _key(text)
    want_old = False
    for suffix in _OLD_SUFFIXES:
        if key.endswith(suffix):
            key, want_old = key[: -len(suffix)].strip(), True
    for suffix in _NEW_SUFFIXES:
        if key.endswith(suffix):
            key = key[: -len(suffix)].strip()
    old = PROVINCES.get(key)
    merged = MERGED_PROVINCES.get(key)
    if old is not None and (want_old or merged is None):
        return old
    if merged is not None:
        meridians = set(merged.meridians().values())
        if len(meridians) == 1:
            return PROVINCES[_key(merged.former[0])]
        listed = _candidates_text(merged, lang)
        raise CrsError(
            f"Tỉnh «{merged.name}» (từ 1/7/2025) gồm các tỉnh cũ dùng kinh tuyến trục khác nhau: {listed}. "
            "Dữ liệu giữ múi chiếu của nơi đo đạc: hãy chọn tỉnh cũ nơi thửa đất được đo "
            f"(ví dụ «{merged.former[-1]}» hoặc «{merged.former[0]} cũ»).",
            f"Province '{merged.name}' (from 1 July 2025) merges former provinces with different central "
            f"meridians: {listed}. Data keeps the zone it was surveyed in: pick the former province where the "
            f"parcels were surveyed (e.g. '{merged.former[-1]}' or '{merged.former[0]} cũ').",
        )
    raise CrsError(
        f"Không biết tỉnh «{name}». Hãy ghi tên tỉnh như «Bắc Giang» (xem danh sách: python -m gis provinces).",
        f"Unknown province '{name}'. Write a province name such as 'Bắc Giang' (list: python -m gis provinces).",
    )


def provinces_with_meridian(central_meridian: float) -> list[str]:
    """The provinces (2008-2025) whose zone has this central meridian."""
    return [p.name for p in PROVINCES.values() if abs(p.central_meridian - central_meridian) < 1e-9]


#: Boxes (west, south, east, north; degrees) for the two meridians with no provincial EPSG code, from the EPSG
#: extents of their provinces: 4547 ("Vietnam - 104°20'E to 106°10'E by province - Hanoi") for 105°00' and
#: 4558 ("Vietnam - Quang Ngai") for 108°00'.
_UNCODED_AREAS: dict[float, tuple[float, float, float, float]] = {
    105.0: (104.37, 8.97, 106.19, 21.58),
    108.0: (108.23, 14.53, 109.2, 15.49),
}


def province_area(province: Province):  # noqa: ANN201 - gis.core.placement.Area (imported where used, like pyproj)
    """The box a province's data must fall in, in longitude and latitude.

    No province outlines are shipped, so this is the EPSG area of use of the province's TM-3 zone: one box
    around every province on that meridian (for Bắc Giang, Bắc Giang and Thừa Thiên Huế together). It catches
    data placed in another zone or hundreds of km away, not data in a neighbouring province of the same zone.
    :func:`gis.core.placement.outside` adds a margin of :data:`gis.core.placement.AREA_MARGIN_DEG`.
    """
    from pyproj import CRS

    from gis.core.placement import Area

    others = [name for name in provinces_with_meridian(province.central_meridian) if name != province.name]
    shared_vi = f" (khung chung của các tỉnh dùng kinh tuyến trục {province.meridian_text}" + (
        f": {province.name}, {', '.join(others)})" if others else ")")
    shared_en = f" (the box of the provinces on the {province.meridian_text} meridian" + (
        f": {province.name}, {', '.join(others)})" if others else ")")
    if province.epsg is not None:
        use = CRS.from_epsg(province.epsg).area_of_use
        assert use is not None  # every provincial zone code has one
        box = (use.west, use.south, use.east, use.north)
    else:
        box = _UNCODED_AREAS[province.central_meridian]
    return Area(*box, f"tỉnh {province.name}{shared_vi}", f"province {province.name}{shared_en}")
