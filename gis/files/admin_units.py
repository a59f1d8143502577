"""Administrative units, current and former: the words every title and header is built from.

Since 1 July 2025 there are no districts, and many communes were merged: the built-in data of the former xã
Lương Phong (huyện Hiệp Hòa, tỉnh Bắc Giang) now lies in **xã Hiệp Hòa, tỉnh Bắc Ninh** (Nghị quyết
1658/NQ-UBTVQH15). A dataset carries its unit as a dict (``admin_unit`` in an import's ``source.json``, or
in ``dataset.json`` beside the built-in data)::

    {"current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh",
                 "commune_code": "07840", "province_code": "24"},
     "former": {"level": "xã", "name": "Lương Phong", "district": "Hiệp Hòa", "province": "Bắc Giang"}}

``former`` is ``None`` for data made after the merger. :func:`from_dict` turns that into an
:class:`AdminUnit`; :func:`title`, :func:`coverage`, :func:`committee` and :func:`council` give the words.
A former unit is always named with "cũ". :func:`mergers` reads ``gis/data/admin_units_2025.toml``: the new
communes with their former units, codes and the resolution that made them.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gis.core.errors import GisError
from gis.core.paths import data_path, package_path

MERGERS_FILE = package_path("data", "admin_units_2025.toml")
#: Files of a dataset folder that may carry its unit, in the order they are read.
UNIT_FILES = ("dataset.json", "source.json")
#: The national motto block that heads every official document (quốc hiệu, tiêu ngữ).
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

#: Commune-level units of 2025 and before, with their English words.
LEVELS = {"xã": "commune", "phường": "ward", "thị trấn": "township", "đặc khu": "special zone"}
#: Provincial and district levels (the district level ended on 1 July 2025).
UPPER_LEVELS = {"tỉnh": "province", "thành phố": "city", "huyện": "district", "thị xã": "town", "quận": "district"}
WORD_OLD = ("cũ", "former")


class AdminUnitError(GisError):
    """An administrative unit that cannot be read: a missing name or level, a wrong shape."""


@dataclass(frozen=True)
class CurrentUnit:
    """A commune-level unit of today: ``xã Hiệp Hòa, tỉnh Bắc Ninh``."""

    level: str
    name: str
    province: str
    commune_code: str = ""
    province_code: str = ""
    province_level: str = "tỉnh"


@dataclass(frozen=True)
class FormerUnit:
    """A unit that no longer exists: ``xã Lương Phong (huyện Hiệp Hòa, tỉnh Bắc Giang)``."""

    level: str
    name: str
    district: str = ""
    province: str = ""
    code: str = ""
    district_level: str = "huyện"
    province_level: str = "tỉnh"


@dataclass(frozen=True)
class AdminUnit:
    """The unit a dataset belongs to today and, for data older than the merger, the former one it covers."""

    current: CurrentUnit
    former: FormerUnit | None = None

    def to_dict(self) -> dict[str, Any]:
        """The dict stored with a dataset (see the module)."""
        current = {"level": self.current.level, "name": self.current.name, "province": self.current.province,
                   "commune_code": self.current.commune_code, "province_code": self.current.province_code}
        former = None
        if self.former is not None:
            former = {"level": self.former.level, "name": self.former.name, "district": self.former.district,
                      "province": self.former.province}
            if self.former.code:
                former["code"] = self.former.code
        return {"current": current, "former": former}


# ------------------------------------------------------------------------------------------ reading


def _text(data: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise AdminUnitError(f"Đơn vị hành chính: «{where}.{key}» phải là chữ (đang là {type(value).__name__}).",
                             f"Administrative unit: '{where}.{key}' must be text (it is {type(value).__name__}).")
    text = " ".join(str(value).split())
    if required and not text:
        raise AdminUnitError(f"Đơn vị hành chính: thiếu «{where}.{key}». Hãy ghi tên và cấp (ví dụ «xã», "
                             "«Hiệp Hòa», «Bắc Ninh»).",
                             f"Administrative unit: '{where}.{key}' is missing. Give the level and the names "
                             "(e.g. 'xã', 'Hiệp Hòa', 'Bắc Ninh').")
    return text


def _level(data: Mapping[str, Any], where: str) -> str:
    level = _text(data, "level", where, required=True).lower()
    if level not in LEVELS:
        raise AdminUnitError(f"Đơn vị hành chính: cấp «{level}» không có; hãy dùng {', '.join(LEVELS)}.",
                             f"Administrative unit: there is no level '{level}'; use {', '.join(LEVELS)}.")
    return level


def from_dict(data: Mapping[str, Any] | None) -> AdminUnit | None:
    """The unit described by ``data`` (see the module); ``None`` when ``data`` is ``None`` or empty.

    Raises :class:`AdminUnitError` when the dict lacks the current unit's level, name or province, or names a
    level that does not exist.
    """
    if not data:
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("current"), Mapping):
        raise AdminUnitError("Đơn vị hành chính phải có phần «current» (đơn vị hiện nay).",
                             "An administrative unit needs its 'current' part (the unit of today).")
    cur = data["current"]
    current = CurrentUnit(level=_level(cur, "current"), name=_text(cur, "name", "current", required=True),
                          province=_text(cur, "province", "current", required=True),
                          commune_code=_text(cur, "commune_code", "current", required=False),
                          province_code=_text(cur, "province_code", "current", required=False))
    old = data.get("former")
    former = None
    if old:
        if not isinstance(old, Mapping):
            raise AdminUnitError("Đơn vị hành chính: phần «former» (đơn vị cũ) phải là một bảng tên.",
                                 "Administrative unit: the 'former' part must be a table of names.")
        former = FormerUnit(level=_level(old, "former"), name=_text(old, "name", "former", required=True),
                            district=_text(old, "district", "former", required=False),
                            province=_text(old, "province", "former", required=False),
                            code=_text(old, "code", "former", required=False))
    return AdminUnit(current=current, former=former)


def _folder_json(folder: Path) -> list[dict[str, Any]]:
    out = []
    for name in UNIT_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AdminUnitError(f"Không đọc được «{path.name}» trong «{folder.name}»: {exc}.",
                                 f"Cannot read '{path.name}' in '{folder.name}': {exc}.") from exc
        if isinstance(data, dict):
            out.append(data)
    return out


def of_folder(folder: str | Path) -> AdminUnit | None:
    """The unit recorded in a dataset folder (``dataset.json``, then ``source.json``); ``None`` if none is."""
    for data in _folder_json(Path(folder)):
        if data.get("admin_unit"):
            return from_dict(data["admin_unit"])
    return None


def of_dataset(dataset: Any) -> AdminUnit | None:
    """The unit of a :class:`gis.files.io.Dataset`: its ``admin_unit`` attribute if it has one, else its folder's."""
    unit = getattr(dataset, "admin_unit", None)
    if isinstance(unit, AdminUnit):
        return unit
    if isinstance(unit, Mapping):
        return from_dict(unit)
    return of_folder(dataset.folder)


def dataset_name(dataset: Any) -> str:
    """A dataset's name: its ``name`` attribute, the ``name`` in its folder's files, else the folder's name
    (``dataset`` may also be the folder itself)."""
    name = getattr(dataset, "name", None)
    if isinstance(name, str) and name.strip():
        return name.strip()
    folder = Path(dataset) if isinstance(dataset, str | Path) else Path(dataset.folder)
    for data in _folder_json(folder):
        if isinstance(data.get("name"), str) and data["name"].strip():
            return str(data["name"]).strip()
    return folder.name


# ------------------------------------------------------------------------------------------ words


def _i(lang: str) -> int:
    return 0 if lang == "vi" else 1


def _named(level: str, name: str, lang: str, table: Mapping[str, str]) -> str:
    if lang == "vi":
        return f"{level} {name}"
    return f"{name} {table.get(level, level)}"


def unit_name(unit: AdminUnit, lang: str = "vi") -> str:
    """The current commune alone: ``xã Hiệp Hòa`` (``Hiệp Hòa commune``)."""
    return _named(unit.current.level, unit.current.name, lang, LEVELS)


def title(unit: AdminUnit, lang: str = "vi") -> str:
    """The current unit: ``xã Hiệp Hòa, tỉnh Bắc Ninh`` (``Hiệp Hòa commune, Bắc Ninh province``)."""
    province = _named(unit.current.province_level, unit.current.province, lang, UPPER_LEVELS)
    return f"{unit_name(unit, lang)}, {province}"


def former_name(unit: AdminUnit, lang: str = "vi") -> str:
    """The former commune alone, marked old: ``xã Lương Phong cũ`` (``former Lương Phong commune``); ``""``
    when the unit has no former one."""
    if unit.former is None:
        return ""
    if lang == "vi":
        return f"{unit.former.level} {unit.former.name} {WORD_OLD[0]}"
    return f"{WORD_OLD[1]} {_named(unit.former.level, unit.former.name, lang, LEVELS)}"


def coverage(unit: AdminUnit, lang: str = "vi") -> str:
    """What the data covers: ``địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)`` (``the area of
    the former Lương Phong commune (former Hiệp Hòa district, Bắc Giang province)``); ``""`` when the unit has
    no former one."""
    former = unit.former
    if former is None:
        return ""
    upper = [_named(former.district_level, former.district, lang, UPPER_LEVELS) if former.district else "",
             _named(former.province_level, former.province, lang, UPPER_LEVELS) if former.province else ""]
    upper = [u for u in upper if u]
    if lang == "vi":
        where = f" ({', '.join(upper)} {WORD_OLD[0]})" if upper else ""
        return f"địa bàn {former_name(unit, lang)}{where}"
    where = f" ({WORD_OLD[1]} {', '.join(upper)})" if upper else ""
    return f"the area of the {former_name(unit, lang)}{where}"


def full(unit: AdminUnit, lang: str = "vi") -> str:
    """Current unit and coverage: ``xã Hiệp Hòa, tỉnh Bắc Ninh — địa bàn xã Lương Phong cũ (...)``."""
    cover = coverage(unit, lang)
    return f"{title(unit, lang)} — {cover}" if cover else title(unit, lang)


def committee(unit: AdminUnit) -> str:
    """The People's Committee, as headed on paper: ``ỦY BAN NHÂN DÂN XÃ HIỆP HÒA``."""
    return f"ỦY BAN NHÂN DÂN {unit_name(unit).upper()}"


def council(unit: AdminUnit) -> str:
    """The People's Council, as headed on paper: ``HỘI ĐỒNG NHÂN DÂN XÃ HIỆP HÒA``."""
    return f"HỘI ĐỒNG NHÂN DÂN {unit_name(unit).upper()}"


def signing_place(unit: AdminUnit) -> str:
    """Where a document is dated: the commune's name alone (``Hiệp Hòa``, as in "Hiệp Hòa, ngày ...")."""
    return unit.current.name


def place(dataset: Any, lang: str = "vi") -> str:
    """The words naming a dataset in titles: its unit's :func:`title`, or its name when it has no unit
    (never another dataset's unit)."""
    unit = of_dataset(dataset)
    return title(unit, lang) if unit is not None else dataset_name(dataset)


NO_UNIT = ("khu vực dữ liệu", "data area")


def heading(unit: AdminUnit | None, lang: str = "vi") -> tuple[str, str]:
    """The words of a page heading: the commune (``xã Hiệp Hòa``; ``khu vực dữ liệu`` for data with no unit)
    and the line under it (``Địa bàn xã Lương Phong cũ (...)``, or ``""``)."""
    if unit is None:
        return NO_UNIT[_i(lang)], ""
    cover = coverage(unit, lang)
    return unit_name(unit, lang), cover[:1].upper() + cover[1:]


def app_title(unit: AdminUnit | None, name: str, lang: str = "vi") -> str:
    """The app's title (the browser tab): ``Bản đồ đất đai xã Hiệp Hòa``; with no unit, the dataset's name
    (``Bản đồ đất đai — thua_dat``), never another dataset's unit."""
    from gis.core.i18n import t

    words = t("app_title", lang)
    if unit is None:
        return f"{words} — {name}" if name else words
    return f"{words} {unit_name(unit)}" if lang == "vi" else f"{words} of {unit_name(unit, lang)}"


def full_place(dataset: Any, lang: str = "vi") -> str:
    """Like :func:`place`, with what the data covers: :func:`full` of its unit, or its name."""
    unit = of_dataset(dataset)
    return full(unit, lang) if unit is not None else dataset_name(dataset)


# ------------------------------------------------------------------------------------------ the merger list


@dataclass(frozen=True)
class MergedUnit:
    """A former unit of a merger, with its codes and its commune id in the 2009 census map."""

    level: str
    name: str
    code: str
    district: str
    district_code: str
    province: str
    province_code: str
    census_id: int | None = None

    def label(self) -> str:
        """``xã Lương Phong cũ``."""
        return f"{self.level} {self.name} {WORD_OLD[0]}"


@dataclass(frozen=True)
class Merger:
    """A commune of 2025, the units it was formed from and the resolution that formed it."""

    unit: CurrentUnit
    former: tuple[MergedUnit, ...]
    resolution: str
    resolution_title: str
    issued_by: str
    adopted: dt.date
    effective: dt.date
    clause: str

    def source(self) -> str:
        """``Nghị quyết số 1658/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội``."""
        day = f"{self.adopted.day}/{self.adopted.month}/{self.adopted.year}"
        return f"Nghị quyết số {self.resolution} ngày {day} của {self.issued_by}"


@lru_cache(maxsize=4)
def _mergers(path: str) -> tuple[Merger, ...]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for c in data.get("commune", []):
        unit = CurrentUnit(level=c["level"], name=c["name"], province=c["province"],
                           commune_code=c["commune_code"], province_code=c["province_code"])
        former = tuple(MergedUnit(level=f["level"], name=f["name"], code=f["code"], district=f["district"],
                                  district_code=f["district_code"], province=f["province"],
                                  province_code=f["province_code"], census_id=f.get("census_id"))
                       for f in c.get("former", []))
        out.append(Merger(unit=unit, former=former, resolution=c["resolution"],
                          resolution_title=c["resolution_title"], issued_by=c["issued_by"], adopted=c["adopted"],
                          effective=c["effective"], clause=c["clause"]))
    return tuple(out)


def mergers(path: str | Path | None = None) -> tuple[Merger, ...]:
    """Every commune listed in the merger file (``gis/data/admin_units_2025.toml`` by default)."""
    return _mergers(str(path or MERGERS_FILE))


def merger_of(unit: AdminUnit | None) -> Merger | None:
    """The merger that formed ``unit``'s current commune (matched by commune code, else by names), if listed."""
    if unit is None:
        return None
    for m in mergers():
        if unit.current.commune_code and m.unit.commune_code == unit.current.commune_code:
            return m
        if not unit.current.commune_code and (m.unit.name, m.unit.province) == (unit.current.name,
                                                                                 unit.current.province):
            return m
    return None


# ------------------------------------------------------------------------------------------ outlines

REFERENCE_DIR = data_path("reference")
#: The 2009 census outlines of the former communes (by ``census_id``).
CENSUS_OUTLINES = REFERENCE_DIR / "hiep-hoa-communes-2009.geojson"
#: Province outlines of 2025 the tool holds, by province code (see ``data/reference/README.md``).
PROVINCE_OUTLINES = {"24": REFERENCE_DIR / "bac-ninh-province-2025.geojson"}


@lru_cache(maxsize=4)
def _reference(path: str) -> Any:
    from gis.files.io import read_layer

    return read_layer(path)


def location(unit: AdminUnit, crs: Any) -> tuple[Any, Any] | None:
    """The province outline (a GeoSeries) and the new commune's outline (a shapely geometry) in ``crs``, for
    a commune of the merger list whose province outline the tool holds; ``None`` otherwise.

    The new commune is the union of its former units' 2009 census outlines: approximate (the census maps are
    coarse, and the 2025 boundary follows the former communes' legal ones).
    """
    import shapely

    merger = merger_of(unit)
    path = PROVINCE_OUTLINES.get(unit.current.province_code)
    if merger is None or path is None or not path.is_file() or not CENSUS_OUTLINES.is_file():
        return None
    ids = {f.census_id for f in merger.former if f.census_id is not None}
    census = _reference(str(CENSUS_OUTLINES))
    parts = census[census["commune_id"].astype("int64").isin(ids)]
    if not ids or len(parts) != len(ids):
        return None
    outline = shapely.union_all(parts.to_crs(crs).geometry.to_numpy())
    # the census polygons leave slivers between neighbours: keep the outer ring of each part, no holes
    outline = shapely.union_all([shapely.Polygon(g.exterior) for g in shapely.get_parts(outline)])
    province = _reference(str(path)).to_crs(crs).geometry
    return province, outline
