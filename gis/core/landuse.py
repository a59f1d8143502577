"""Land-use codes (mã loại đất): names, groups, map colours, and the codes the 2024 rules replaced.

The list lives in ``gis/data/land_use_codes.csv`` (one row a code: ``code, name_vi, name_vi_2014, name_en,
group, r, g, b, status, maps_to, source, note``). It holds:

- every code of the 2024 Land Law's statistics and inventory circular, **Thông tư 08/2024/TT-BTNMT**
  (Phụ lục II, mục A), with its 2024 name, and its summary codes (LUA, LNP, OCT, CQA, DSN, CSK, SCC, CCC,
  TVC, CSD; status ``summary``). The non-agricultural groups follow **Luật Đất đai 2024, Điều 9 khoản 3**
  (đất ở; đất xây dựng trụ sở cơ quan; đất quốc phòng, an ninh; đất xây dựng công trình sự nghiệp; đất sản
  xuất, kinh doanh phi nông nghiệp; đất sử dụng vào mục đích công cộng; đất tôn giáo, tín ngưỡng; đất nghĩa
  trang ...; đất có mặt nước chuyên dùng; đất phi nông nghiệp khác), which moves roads (DGT) and irrigation
  (DTL) into public land;
- every code of the cadastral-map circular, **Thông tư 25/2014/TT-BTNMT** (Phụ lục 01, mã loại đất; as
  amended by Thông tư 33/2017/TT-BTNMT), which existing cadastral data carries, with its 2014 name in
  ``name_vi_2014``, and the summary and coastal-water codes of the 2013 statistics circular (Thông tư
  27/2018/TT-BTNMT);
- codes the 2024 rules dropped or merged, as ``legacy`` rows with the 2024 code they map to in ``maps_to``:
  LUN → LUK, BHK and NHK → HNK, DTS → DSK, SKT → SKK, SKX → SKC, DDT and DDL → DDD, SMN → TVC; the
  coastal-water codes MVB, MVT, MVR and MVK have no 2024 code. A legacy code is known (never reported as
  unknown) and counted in the group of the code it maps to.

Where the values come from, and what is not verified. The circulars' own text (Công báo) could not be
reached from this project's sources. The 2024 names come from the national land database's code catalogue
(VBDLIS/MPLIS ``LoaiMucDichSuDung``, seen in public repositories) checked against the wording of Luật Đất
đai 2024 Điều 9; the 2014 names and the colours from public tables of the 2014/2018 lists that agree with
each other and with ``docs/domain.md``. Colours are the RGB fills of the land-use status map symbols
(ký hiệu bản đồ hiện trạng sử dụng đất; Thông tư 25/2014 itself draws cadastral parcels without fills).
The ``note`` column names every value not verified: the colours of the codes new in 2024 (CNT, DMT, DKT,
DCT, DPC, DDD, MCS: their family's colour is used), the LMU and TON colours, the legacy mappings of LUN,
DTS, SKT and SKX, and whether TT 08/2024 keeps DSH (Đất sinh hoạt cộng đồng, the code of a village hall)
beside DKV. Check them against the circulars before a map or table is signed.

Mixed codes. A parcel value such as ``"ONT+CLN"`` (also ``"ont, cln"``, ``"ONT;CLN"``) carries several
purposes. Without an area per purpose in the data (no export seen carries one) it is reported as its own
row, named ``"ONT+CLN (hỗn hợp)"``, never as its first code; its group is the parts' group when they share
one, else ``"mixed"``. On maps it takes the colour of its first code, and the legend names it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gis.core.paths import package_path

#: The code table, package data.
CODES_FILE = package_path("data", "land_use_codes.csv")

#: Land-use groups (keys used across the tool and in recovery_settings.toml), with their Vietnamese and
#: English names. Agricultural groups follow Luật Đất đai 2024 Điều 9 khoản 2 (rice split out of the annual
#: crops), non-agricultural ones Điều 9 khoản 3, unused land Điều 9 khoản 4.
GROUPS: dict[str, tuple[str, str]] = {
    "rice": ("Đất trồng lúa", "Rice land"),
    "annual": ("Đất trồng cây hằng năm khác", "Other annual crop land"),
    "perennial": ("Đất trồng cây lâu năm", "Perennial crop land"),
    "forest": ("Đất lâm nghiệp", "Forestry land"),
    "aquaculture": ("Đất nuôi trồng thủy sản", "Aquaculture land"),
    "livestock": ("Đất chăn nuôi tập trung", "Concentrated livestock land"),
    "salt": ("Đất làm muối", "Salt production land"),
    "other_agri": ("Đất nông nghiệp khác", "Other agricultural land"),
    "residential": ("Đất ở", "Residential land"),
    "offices": ("Đất xây dựng trụ sở cơ quan", "Government office land"),
    "defence": ("Đất quốc phòng, an ninh", "Defence and security land"),
    "public_service": ("Đất xây dựng công trình sự nghiệp", "Public service facility land"),
    "production": ("Đất sản xuất, kinh doanh phi nông nghiệp", "Non-farm production and business land"),
    "public": ("Đất sử dụng vào mục đích công cộng", "Public-purpose land"),
    "religious": ("Đất tôn giáo, đất tín ngưỡng", "Religious and belief land"),
    "cemetery": ("Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng; đất cơ sở lưu giữ tro cốt",
                 "Cemeteries, funeral homes, crematoria and columbaria"),
    "water": ("Đất có mặt nước chuyên dùng", "Special-use water surface"),
    "other_nonagri": ("Đất phi nông nghiệp khác", "Other non-agricultural land"),
    "unused": ("Đất chưa sử dụng", "Unused land"),
    "mixed": ("Đất nhiều mục đích (hỗn hợp)", "Several land uses (mixed)"),
}

#: Groups that count as farm land (đất nông nghiệp), for the share of a household's farm land lost.
FARM_GROUPS = frozenset({"rice", "annual", "perennial", "forest", "aquaculture", "livestock", "salt",
                         "other_agri"})

#: Row statuses in the code table.
STATUSES = ("current", "legacy", "summary")


@dataclass(frozen=True)
class LandUse:
    """One land-use code with its names, group, map colour and standing under the 2024 rules."""

    code: str
    name_vi: str
    name_en: str
    group: str | None
    rgb: tuple[int, int, int]
    status: str = "current"
    maps_to: str | None = None
    name_vi_2014: str | None = None
    source: str = ""
    note: str = ""

    @property
    def hex_colour(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


def load_codes(path: Path = CODES_FILE) -> dict[str, LandUse]:
    """Read the code table (``gis/data/land_use_codes.csv``) into ``{code: LandUse}``, in file order."""
    out: dict[str, LandUse] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code = row["code"].strip().upper()
            out[code] = LandUse(
                code=code, name_vi=row["name_vi"].strip(), name_en=row["name_en"].strip(),
                group=row["group"].strip() or None,
                rgb=(int(row["r"]), int(row["g"]), int(row["b"])),
                status=row["status"].strip(), maps_to=row["maps_to"].strip() or None,
                name_vi_2014=row["name_vi_2014"].strip() or None,
                source=row["source"].strip(), note=row["note"].strip())
    return out


LAND_USES: dict[str, LandUse] = load_codes()

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

_MIXED_WORD = {"vi": "hỗn hợp", "en": "mixed"}


def split_codes(value: object) -> list[str]:
    """Split a land-use value into its codes: ``"ONT+CLN"`` gives ``["ONT", "CLN"]``.

    ``+``, ``,``, ``;``, ``/`` and spaces all separate codes; codes are upper-cased and stripped, and a
    code repeated in one value is kept once. An empty or missing value gives an empty list.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return []
    text = str(value).strip().upper()
    if not text:
        return []
    for sep in (",", ";", "/", " "):
        text = text.replace(sep, "+")
    out: list[str] = []
    for part in text.split("+"):
        if part and part not in out:
            out.append(part)
    return out


def normalise(value: object) -> str | None:
    """The canonical form of a land-use value: ``" ont, cln "`` gives ``"ONT+CLN"``; empty gives ``None``."""
    return "+".join(split_codes(value)) or None


def primary_code(value: object) -> str | None:
    """The first (main) code of a land-use value, or ``None`` when there is none."""
    codes = split_codes(value)
    return codes[0] if codes else None


def is_mixed(value: object) -> bool:
    """Whether a land-use value carries more than one code (``"ONT+CLN"``)."""
    return len(split_codes(value)) > 1


def is_known(code: str | None) -> bool:
    """Whether ``code`` (one code) is in the list: current, legacy or summary."""
    return code is not None and code.strip().upper() in LAND_USES


def unknown_codes(value: object) -> list[str]:
    """The codes of a land-use value that are not in the list (``"ONT+XYZ"`` gives ``["XYZ"]``)."""
    return [c for c in split_codes(value) if c not in LAND_USES]


def current_code(code: str | None) -> str | None:
    """The 2024 code of ``code``: a legacy code's ``maps_to`` (``"BHK"`` gives ``"HNK"``), else the code.

    ``None`` for an unknown code and for a legacy code with no 2024 counterpart (the coastal-water codes).
    """
    if code is None:
        return None
    lu = LAND_USES.get(code.strip().upper())
    if lu is None:
        return None
    return lu.maps_to if lu.status == "legacy" else lu.code


def group_of(value: object) -> str | None:
    """The group key of a land-use value, or ``None`` when a code in it is unknown or has no group.

    One code gives its group (a legacy code the group of the code it maps to). A mixed value gives its
    parts' group when they all share one (``"LUC+LUK"`` is ``"rice"``), else ``"mixed"``.
    """
    codes = split_codes(value)
    if not codes:
        return None
    groups = []
    for code in codes:
        lu = LAND_USES.get(code)
        if lu is None or lu.group is None:
            return None
        groups.append(lu.group)
    return groups[0] if len(set(groups)) == 1 else "mixed"


def label_of(value: object, *, lang: str = "vi") -> str:
    """The short label of a land-use value: the code, or ``"ONT+CLN (hỗn hợp)"`` for a mixed one."""
    codes = split_codes(value)
    if len(codes) > 1:
        return f"{'+'.join(codes)} ({_MIXED_WORD.get(lang, _MIXED_WORD['en'])})"
    return codes[0] if codes else ""


def name_of(value: object, *, lang: str = "vi") -> str:
    """The name of a land-use value in ``lang`` (``"vi"`` or ``"en"``).

    A mixed value gives its parts' names joined with ``" + "`` and marked ``(hỗn hợp)`` / ``(mixed)``;
    unknown codes are returned as they are.
    """
    codes = split_codes(value)
    if not codes:  # blank, NULL or NaN: normal for roads and water
        return NO_CODE_NAME[0 if lang == "vi" else 1]
    names = []
    for code in codes:
        lu = LAND_USES.get(code)
        names.append(code if lu is None else (lu.name_vi if lang == "vi" else lu.name_en))
    if len(names) == 1:
        return names[0]
    return f"{' + '.join(names)} ({_MIXED_WORD.get(lang, _MIXED_WORD['en'])})"


def group_name(group: str | None, *, lang: str = "vi") -> str:
    """The name of a land-use group in ``lang``."""
    if group is None or group not in GROUPS:
        return "Không rõ" if lang == "vi" else "Unknown"
    vi, en = GROUPS[group]
    return vi if lang == "vi" else en


def colour_of(value: object) -> tuple[int, int, int]:
    """The map colour of a land-use value as RGB: its first code's colour; grey for an unknown code.

    A mixed value (``"ONT+CLN"``) takes the colour of its first code, as the web map does.
    """
    code = primary_code(value)
    if code is None:
        return NO_CODE_COLOUR
    lu = LAND_USES.get(code)
    return lu.rgb if lu else UNKNOWN_COLOUR


def table(*, lang: str = "vi") -> pd.DataFrame:
    """The code table as a frame: code, name, group, group name, colour, status and the 2024 code."""
    return pd.DataFrame(
        [
            {
                "code": lu.code,
                "name": lu.name_vi if lang == "vi" else lu.name_en,
                "group": lu.group,
                "group_name": group_name(lu.group, lang=lang),
                "colour": lu.hex_colour,
                "status": lu.status,
                "maps_to": lu.maps_to,
            }
            for lu in LAND_USES.values()
        ]
    )
