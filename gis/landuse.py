"""Land-use codes (mã loại đất): names, groups and map colours.

The codes are those of the 2013 Land Law (Circular 25/2014 for cadastral maps, 27/2018 for statistics),
which existing cadastral data carries, plus the few the 2024 law adds or renames. Colours are the RGB
values of the two public lists quoted in ``docs/domain.md`` (not yet checked against the circular's annex).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Land-use groups, with their Vietnamese and English names.
GROUPS: dict[str, tuple[str, str]] = {
    "rice": ("Đất trồng lúa", "Rice land"),
    "annual": ("Đất trồng cây hằng năm khác", "Other annual crops"),
    "perennial": ("Đất trồng cây lâu năm", "Perennial crops"),
    "aquaculture": ("Đất nuôi trồng thủy sản", "Aquaculture"),
    "forest": ("Đất rừng", "Forest"),
    "other_agri": ("Đất nông nghiệp khác", "Other agricultural land"),
    "residential": ("Đất ở", "Residential land"),
    "public": ("Đất công trình công cộng, cơ quan", "Public facilities and offices"),
    "production": ("Đất sản xuất, kinh doanh phi nông nghiệp", "Non-farm production and business"),
    "transport": ("Đất giao thông", "Roads"),
    "irrigation": ("Đất thủy lợi", "Irrigation"),
    "religious": ("Đất tôn giáo, tín ngưỡng", "Religious and belief land"),
    "cemetery": ("Đất nghĩa trang, nghĩa địa", "Cemeteries"),
    "water": ("Đất sông, suối, mặt nước chuyên dùng", "Rivers and water bodies"),
    "unused": ("Đất chưa sử dụng", "Unused land"),
}

#: Groups that count as farm land (đất nông nghiệp), for the share of a household's farm land lost.
FARM_GROUPS = frozenset({"rice", "annual", "perennial", "aquaculture", "forest", "other_agri"})


@dataclass(frozen=True)
class LandUse:
    """One land-use code with its names, group and map colour."""

    code: str
    name_vi: str
    name_en: str
    group: str
    rgb: tuple[int, int, int]

    @property
    def hex_colour(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


_ROWS: list[tuple[str, str, str, str, tuple[int, int, int]]] = [
    ("LUA", "Đất trồng lúa", "Rice land", "rice", (255, 252, 130)),
    ("LUC", "Đất chuyên trồng lúa", "Rice-only land", "rice", (255, 252, 140)),
    ("LUK", "Đất trồng lúa còn lại", "Other rice land", "rice", (255, 252, 150)),
    ("LUN", "Đất trồng lúa nương", "Upland rice", "rice", (255, 252, 150)),
    ("HNK", "Đất trồng cây hằng năm khác", "Other annual crops", "annual", (255, 240, 180)),
    ("BHK", "Đất bằng trồng cây hằng năm khác", "Other annual crops (flat)", "annual", (255, 240, 180)),
    ("NHK", "Đất nương rẫy trồng cây hằng năm khác", "Other annual crops (upland)", "annual", (255, 240, 180)),
    ("CLN", "Đất trồng cây lâu năm", "Perennial crops", "perennial", (255, 210, 160)),
    ("NTS", "Đất nuôi trồng thủy sản", "Aquaculture", "aquaculture", (170, 255, 255)),
    ("RSX", "Đất rừng sản xuất", "Production forest", "forest", (180, 255, 180)),
    ("RPH", "Đất rừng phòng hộ", "Protection forest", "forest", (190, 255, 30)),
    ("RDD", "Đất rừng đặc dụng", "Special-use forest", "forest", (110, 255, 100)),
    ("CNT", "Đất chăn nuôi tập trung", "Concentrated livestock", "other_agri", (245, 255, 180)),
    ("NKH", "Đất nông nghiệp khác", "Other agricultural land", "other_agri", (245, 255, 180)),
    ("ONT", "Đất ở tại nông thôn", "Rural residential", "residential", (255, 208, 255)),
    ("ODT", "Đất ở tại đô thị", "Urban residential", "residential", (255, 160, 255)),
    ("TSC", "Đất xây dựng trụ sở cơ quan", "Offices", "public", (255, 170, 160)),
    ("DGD", "Đất xây dựng cơ sở giáo dục và đào tạo", "Schools", "public", (255, 170, 160)),
    ("DYT", "Đất xây dựng cơ sở y tế", "Health facilities", "public", (255, 170, 160)),
    ("DVH", "Đất xây dựng cơ sở văn hóa", "Cultural facilities", "public", (255, 170, 160)),
    ("DTT", "Đất xây dựng cơ sở thể dục thể thao", "Sports facilities", "public", (255, 170, 160)),
    ("SKN", "Đất cụm công nghiệp", "Industrial cluster", "production", (250, 170, 160)),
    ("SKK", "Đất khu công nghiệp", "Industrial park", "production", (250, 170, 160)),
    ("TMD", "Đất thương mại, dịch vụ", "Trade and services", "production", (250, 170, 160)),
    ("SKC", "Đất cơ sở sản xuất phi nông nghiệp", "Non-farm production sites", "production", (250, 170, 160)),
    ("DGT", "Đất giao thông", "Roads", "transport", (255, 170, 50)),
    ("DTL", "Đất thủy lợi", "Irrigation canals", "irrigation", (170, 255, 255)),
    ("TON", "Đất cơ sở tôn giáo", "Religious land", "religious", (255, 170, 160)),
    ("TIN", "Đất cơ sở tín ngưỡng", "Belief land", "religious", (255, 170, 160)),
    ("NTD", "Đất nghĩa trang, nghĩa địa", "Cemeteries", "cemetery", (210, 210, 210)),
    ("SON", "Đất sông, ngòi, kênh, rạch, suối", "Rivers and canals", "water", (160, 255, 255)),
    ("MNC", "Đất có mặt nước chuyên dùng", "Ponds and lakes (non-farm)", "water", (160, 255, 255)),
    ("BCS", "Đất bằng chưa sử dụng", "Unused flat land", "unused", (255, 255, 254)),
    ("DCS", "Đất đồi núi chưa sử dụng", "Unused hill land", "unused", (255, 255, 254)),
]

LAND_USES: dict[str, LandUse] = {r[0]: LandUse(*r) for r in _ROWS}

#: Rice land codes: what "rice land" means in the plan.
RICE_CODES = frozenset(c for c, lu in LAND_USES.items() if lu.group == "rice")
#: Aquaculture (pond) codes.
AQUACULTURE_CODES = frozenset({"NTS"})

UNKNOWN_COLOUR = (200, 200, 200)
#: How a parcel with no land-use code (blank or NULL: normal for roads and water) is named and drawn.
NO_CODE_NAME = ("chưa có loại đất", "no land-use code")
NO_CODE_COLOUR = UNKNOWN_COLOUR  # the grey the map draws them in


def _code(value: object) -> str | None:
    """``value`` as a code to look up, or None when it is blank, NULL or NaN (never a float to upper-case)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text.upper() or None


def split_codes(value: object) -> list[str]:
    """Split a land-use value into its codes: ``"ONT+CLN"`` gives ``["ONT", "CLN"]``.

    Codes are upper-cased and stripped; an empty or missing value gives an empty list.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    text = str(value).strip().upper()
    if not text:
        return []
    for sep in (",", ";", "/", " "):
        text = text.replace(sep, "+")
    return [part for part in text.split("+") if part]


def primary_code(value: object) -> str | None:
    """The first (main) code of a land-use value, or ``None`` when there is none."""
    codes = split_codes(value)
    return codes[0] if codes else None


def group_of(code: object) -> str | None:
    """The group key of a code, or ``None`` for an unknown or missing code."""
    key = _code(code)
    if key is None:
        return None
    lu = LAND_USES.get(key)
    return lu.group if lu else None


def name_of(code: object, *, lang: str = "vi") -> str:
    """The name of a code in ``lang`` (``"vi"`` or ``"en"``); unknown codes are returned as they are.

    A blank, NULL or NaN code is named :data:`NO_CODE_NAME` ("chưa có loại đất").
    """
    key = _code(code)
    if key is None:
        return NO_CODE_NAME[0 if lang == "vi" else 1]
    lu = LAND_USES.get(key)
    if lu is None:
        return str(code)
    return lu.name_vi if lang == "vi" else lu.name_en


def group_name(group: str | None, *, lang: str = "vi") -> str:
    """The name of a land-use group in ``lang``."""
    if group is None or group not in GROUPS:
        return "Không rõ" if lang == "vi" else "Unknown"
    vi, en = GROUPS[group]
    return vi if lang == "vi" else en


def colour_of(code: object) -> tuple[int, int, int]:
    """The map colour of a code as RGB; grey for an unknown code, a lighter grey for a missing one."""
    key = _code(code)
    if key is None:
        return NO_CODE_COLOUR
    lu = LAND_USES.get(key)
    return lu.rgb if lu else UNKNOWN_COLOUR


def table(*, lang: str = "vi") -> pd.DataFrame:
    """The code table as a frame: code, name, group, group name and colour."""
    return pd.DataFrame(
        [
            {
                "code": lu.code,
                "name": lu.name_vi if lang == "vi" else lu.name_en,
                "group": lu.group,
                "group_name": group_name(lu.group, lang=lang),
                "colour": lu.hex_colour,
            }
            for lu in LAND_USES.values()
        ]
    )
