"""Land recovery (thu hồi đất): what a project boundary takes, parcel by parcel.

The computation, in the order it runs:

1. :func:`prepare_boundary` checks a boundary layer (empty, no CRS, lines or points instead of polygons,
   self-intersections repaired and reported), picks one project of a multi-project file, reprojects it to
   the parcels' CRS (and says so) and dissolves it into one polygonal shape.
2. :func:`measure` finds the parcels the boundary takes. The spatial index gives the parcels whose box meets
   the boundary's box; the boundary's rings, cut into short segments, find through the same index the few
   parcels the boundary line crosses ("cut" parcels). Every other candidate lies wholly inside or wholly
   outside. A grid of tiles over the boundary decides most of them at once (a parcel whose box meets no
   piece of the rings but meets a tile wholly inside the boundary is inside); a point-in-polygon test
   against the prepared boundary decides the rest (the centre of its box, or one of its vertices when its
   box is near the rings). An inside parcel takes its whole drawn area. Only the cut parcels are
   intersected. This is exact, and within a
   small factor of the bare GEOS intersection of the cut parcels (``benchmarks/recovery.py``).
3. :func:`recover` turns the measurement into the officer's table: recovered area (rounded to 0.1 m², as on
   certificates), remaining area (the drawn remainder, so that recovered + remaining = drawn area), the
   remainder from the legal area (its own column), share, status (``whole`` or ``partial``) and flags, then the summaries by land-use code and group, village and owner, and the totals.
4. :func:`recovered_parts` gives the recovered parts and the remainders as geometries, for the map and the
   GeoPackage export.

Flags (a parcel can carry several):

``sliver``
    the recovered part is under the sliver tolerance (1 m² by default): digitising mismatch, listed but
    kept out of every total and summary.
``remainder_sliver``
    the remainder is under the sliver tolerance: the parcel counts as wholly recovered.
``below_minimum``
    the remaining area of a partly recovered parcel is below the minimum parcel size of its land-use group.
``area_mismatch``
    legal and drawn area differ by more than the cadastral tolerance ΔP = 0.0004 × M × √P at the scale
    1:M of the parcel's sheet (:func:`gis.files.checks.area_tolerance_m2`, the rule of the Data page's check and
    the parcel card too): a hint to check ("cần kiểm tra"), not an error.

Nothing here imports streamlit or folium, reads a file other than the settings, or mutates its inputs: the
user's parcel and boundary files are read by :mod:`gis.jobs.recovery_files`, through the same reader as
``gis import`` (:func:`gis.files.sources.read_source`).
"""

from __future__ import annotations

import functools
import math
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.core import landuse
from gis.core.crs import describe, require_crs, require_projected
from gis.core.errors import DataSourceError, GeometryError, SchemaError
from gis.core.paths import package_path
from gis.core.text import Text, texts
from gis.files.checks import DEFAULT_SCALE, area_tolerance_m2, parcel_scales, parse_scale
from gis.files.schema import ONE_TYPE, map_values

M2_PER_HA = 10_000.0
DEFAULT_SETTINGS_PATH = package_path("recovery_settings.toml")

#: Parcel statuses: ``outside`` only appears in :attr:`Recovery.status`, aligned to every parcel.
STATUSES = ("outside", "whole", "partial")
FLAGS = ("sliver", "remainder_sliver", "below_minimum", "area_mismatch")

#: Flag -> (Vietnamese, English) label, for tables and workbooks.
FLAG_LABELS: dict[str, Text] = texts({
    "sliver": ("Phần sót dưới ngưỡng (không tính vào tổng)", "Sliver under tolerance (out of totals)"),
    "remainder_sliver": ("Phần còn lại dưới ngưỡng, tính thu hồi toàn bộ",
                         "Remainder under tolerance, counted as whole"),
    "below_minimum": ("Phần còn lại nhỏ hơn diện tích tối thiểu", "Remainder below minimum parcel size"),
    "area_mismatch": ("Diện tích pháp lý và đo trên bản đồ chênh lệch quá hạn sai, cần kiểm tra",
                      "Legal and drawn area differ beyond the tolerance: to check"),
})
STATUS_LABELS: dict[str, Text] = texts({
    "whole": ("Thu hồi toàn bộ", "Wholly recovered"),
    "partial": ("Thu hồi một phần", "Partly recovered"),
    "outside": ("Ngoài ranh giới", "Outside"),
})

#: Intersections smaller than this (a square millimetre) are floating-point noise along shared edges.
NOISE_M2 = 1e-6

#: Length (m) of the pieces the boundary's rings are cut into to find the parcels they cross.
SEGMENT_M = 50.0

#: How the names of land users that are organisations begin, not households (hộ gia đình): the commune's
#: People's Committee, village communities, schools, companies, co-operatives, pagodas ... An owner whose
#: name starts with one of these (ignoring case, followed by a space or the end) is never counted as a
#: severely affected household.
ORGANISATION_PREFIXES = (
    "UBND", "Ủy ban nhân dân", "Uỷ ban nhân dân", "HĐND", "Cộng đồng dân cư", "Cộng đồng", "Trường",
    "Công ty", "Cty", "Hợp tác xã", "HTX", "Doanh nghiệp", "Tổ chức", "Ban quản lý", "BQL", "Trạm y tế",
    "Bệnh viện", "Nhà văn hóa", "Nhà văn hoá", "Sân vận động", "Trụ sở", "Chùa", "Đình", "Đền", "Miếu",
    "Nhà thờ", "Giáo xứ", "Quỹ đất", "Nông trường", "Lâm trường", "Công an", "Quân đội", "Bưu điện",
    "Chi nhánh", "Văn phòng",
)

_POLYGONAL = {"Polygon", "MultiPolygon"}
_LINEAR = {"LineString", "MultiLineString", "LinearRing"}
_POINTS = {"Point", "MultiPoint"}


# --------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RecoverySettings:
    """Tolerances and thresholds of a recovery report (see ``gis/recovery_settings.toml``).

    Parameters
    ----------
    sliver_m2
        Recovered parts (and remainders) under this area are slivers.
    default_scale, sheet_scales
        The map scale (M of 1:M) of the legal-area tolerance (:func:`gis.files.checks.area_tolerance_m2`): per
        map sheet (keys as the sheet numbers are written), else ``default_scale``; a scale field in the
        data wins over both.
    severe_share_pct, over_share_pct
        The support tiers for households losing farm land (Nghị định 88/2024/NĐ-CP, Điều 19 khoản 1):
        from ``severe_share_pct`` to ``over_share_pct`` (both included), and over ``over_share_pct``.
        Households in either tier are severely affected.
    minimum_parcel_m2
        Minimum parcel size per land-use group; groups not listed have none.
    placeholder
        True while the figures are placeholders, not the province's.
    source
        Where the figures come from (a file path, or "built-in defaults").
    """

    sliver_m2: float = 1.0
    default_scale: int = DEFAULT_SCALE
    sheet_scales: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    severe_share_pct: float = 30.0
    over_share_pct: float = 70.0
    minimum_parcel_m2: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    placeholder: bool = True
    source: str = "built-in defaults"


_SETTINGS_KEYS: dict[str, dict[str, str]] = {
    "tolerances": {"sliver_m2": "sliver_m2"},
    "households": {"severe_share_pct": "severe_share_pct", "over_share_pct": "over_share_pct"},
}


def load_settings(path: str | Path | None = None) -> RecoverySettings:
    """Read recovery settings from a TOML file (the shipped defaults when ``path`` is ``None``).

    Every problem in the file is collected and reported together in one :class:`SchemaError`
    (:class:`DataSourceError` when the file is missing or not valid TOML), naming the file and the key.
    """
    path = Path(path) if path is not None else DEFAULT_SETTINGS_PATH
    if not path.is_file():
        raise DataSourceError(
            f"Không tìm thấy tệp cấu hình thu hồi đất «{path}».",
            f"Land recovery settings file '{path}' was not found.",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataSourceError(
            f"Tệp cấu hình «{path.name}» không đúng cú pháp TOML: {exc}. Hãy sửa dòng được chỉ ra.",
            f"Settings file '{path.name}' is not valid TOML: {exc}. Fix the line it points to.",
        ) from exc
    return settings_from_dict(data, source=str(path))


def settings_from_dict(data: Mapping[str, Any], *, source: str = "settings") -> RecoverySettings:
    """Build :class:`RecoverySettings` from parsed TOML, collecting every problem into one error."""
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}

    def number(where: str, value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append((f"«{where}» phải là một số (đang là {value!r})",
                             f"'{where}' must be a number (it is {value!r})"))
            return None
        if value < 0:
            problems.append((f"«{where}» không được âm (đang là {value})",
                             f"'{where}' must not be negative (it is {value})"))
            return None
        return float(value)

    known_top = {"placeholder", "minimum_parcel_m2", "area_tolerance", *_SETTINGS_KEYS}
    for key in data:
        if key not in known_top:
            problems.append((f"mục «{key}» không được hỗ trợ", f"unknown entry '{key}'"))
    if "placeholder" in data:
        if isinstance(data["placeholder"], bool):
            values["placeholder"] = data["placeholder"]
        else:
            problems.append(("«placeholder» phải là true hoặc false", "'placeholder' must be true or false"))
    for table, keys in _SETTINGS_KEYS.items():
        section = data.get(table, {})
        if not isinstance(section, Mapping):
            problems.append((f"«{table}» phải là một bảng [{table}]", f"'{table}' must be a [{table}] table"))
            continue
        for key, value in section.items():
            if key not in keys:
                problems.append((f"khóa «{table}.{key}» không được hỗ trợ (dùng: {', '.join(keys)})",
                                 f"unknown key '{table}.{key}' (known: {', '.join(keys)})"))
                continue
            parsed = number(f"{table}.{key}", value)
            if parsed is not None:
                values[keys[key]] = parsed
    tolerance = data.get("area_tolerance", {})
    sheet_scales: dict[str, int] = {}
    if not isinstance(tolerance, Mapping):
        problems.append(("«area_tolerance» phải là một bảng [area_tolerance]",
                         "'area_tolerance' must be an [area_tolerance] table"))
        tolerance = {}
    for key, value in tolerance.items():
        if key == "default_scale":
            if parse_scale(value) is None or isinstance(value, str):
                problems.append((f"«area_tolerance.default_scale» phải là mẫu số tỷ lệ, ví dụ 2000 (đang là "
                                 f"{value!r})", f"'area_tolerance.default_scale' must be a scale denominator such "
                                 f"as 2000 (it is {value!r})"))
            else:
                values["default_scale"] = parse_scale(value)
        elif key == "sheet_scales" and isinstance(value, Mapping):
            for sheet, scale in value.items():
                parsed_scale = None if isinstance(scale, str) else parse_scale(scale)
                if parsed_scale is None:
                    problems.append((f"«area_tolerance.sheet_scales.{sheet}» phải là mẫu số tỷ lệ, ví dụ 1000 "
                                     f"(đang là {scale!r})", f"'area_tolerance.sheet_scales.{sheet}' must be a "
                                     f"scale denominator such as 1000 (it is {scale!r})"))
                else:
                    sheet_scales[str(sheet).strip()] = parsed_scale
        elif key not in ("formula", "source"):
            problems.append((f"khóa «area_tolerance.{key}» không được hỗ trợ (dùng: default_scale, sheet_scales)",
                             f"unknown key 'area_tolerance.{key}' (known: default_scale, sheet_scales)"))
    minimum = data.get("minimum_parcel_m2", {})
    sizes: dict[str, float] = {}
    if not isinstance(minimum, Mapping):
        problems.append(("«minimum_parcel_m2» phải là một bảng", "'minimum_parcel_m2' must be a table"))
    else:
        for group, value in minimum.items():
            if group not in landuse.GROUPS:
                problems.append((f"nhóm đất «{group}» không có (dùng: {', '.join(landuse.GROUPS)})",
                                 f"unknown land-use group '{group}' (known: {', '.join(landuse.GROUPS)})"))
                continue
            parsed = number(f"minimum_parcel_m2.{group}", value)
            if parsed is not None:
                sizes[group] = parsed
    if values.get("severe_share_pct", 30.0) > values.get("over_share_pct", 70.0):
        problems.append(("«households.severe_share_pct» phải nhỏ hơn «households.over_share_pct»",
                         "'households.severe_share_pct' must be below 'households.over_share_pct'"))
    if problems:
        raise SchemaError(
            f"Tệp cấu hình thu hồi đất «{source}» có lỗi: " + "; ".join(p[0] for p in problems) + ".",
            f"Land recovery settings '{source}' have errors: " + "; ".join(p[1] for p in problems) + ".",
        )
    return RecoverySettings(minimum_parcel_m2=MappingProxyType(sizes), sheet_scales=MappingProxyType(sheet_scales),
                            source=source, **values)


def is_organisation(owner: object, *, prefixes: tuple[str, ...] = ORGANISATION_PREFIXES) -> bool:
    """Whether a land user's name is an organisation's rather than a household's (see
    :data:`ORGANISATION_PREFIXES`); a missing name is not an organisation."""
    if not isinstance(owner, str):
        return False
    name = unicodedata.normalize("NFC", " ".join(owner.split())).casefold()
    heads = _heads(prefixes)
    return name in heads[0] or name.startswith(heads[1])


@functools.lru_cache(maxsize=8)
def _heads(prefixes: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The prefixes as :func:`is_organisation` compares them (NFC, case-folded), once: whole names, and
    names followed by a space."""
    heads = [unicodedata.normalize("NFC", prefix).casefold() for prefix in prefixes]
    return frozenset(heads), tuple(h + " " for h in heads)


#: The fields that identify a land user, in the order they are trusted (internal names of gis.files.schema): the
#: citizen ID (CCCD / CMND) and the land-user code of the registry export. The certificate number (số GCN) is
#: not one: since 2009 a certificate is issued per parcel (the built-in data has 12 442 numbers for 12 459
#: parcels), so it would make every parcel its own land user and no household would lose a share of its land.
IDENTITY_FIELDS = ("citizen_id", "user_code")

#: How land users are told apart -> (Vietnamese, English), for the pages and the workbook.
IDENTITY_LABELS: dict[str, Text] = texts({
    "citizen_id": ("Chủ sử dụng được nhận diện theo số CCCD / định danh cá nhân",
                   "Land users identified by citizen ID"),
    "user_code": ("Chủ sử dụng được nhận diện theo mã chủ sử dụng", "Land users identified by land-user code"),
    "name_address": ("Chủ sử dụng được nhận diện theo họ tên và địa chỉ (dữ liệu không có số CCCD hay mã chủ sử "
                     "dụng): hai người trùng tên, cùng địa chỉ sẽ bị gộp làm một",
                     "Land users identified by name and address (the data has no citizen ID or land-user code): "
                     "two namesakes at one address are merged"),
})

#: The support tiers for households losing agricultural land (Nghị định 88/2024/NĐ-CP, Điều 19 khoản 1, hỗ trợ
#: ổn định đời sống), with the decree's wording; ``{low}`` and ``{high}`` are the settings' thresholds.
TIER_WORDING: dict[str, Text] = texts({
    "30_70": ("Thu hồi từ {low:g}% đến {high:g}% diện tích đất nông nghiệp đang sử dụng",
              "Losing from {low:g} % to {high:g} % of the agricultural land in use"),
    "over_70": ("Thu hồi trên {high:g}% diện tích đất nông nghiệp đang sử dụng",
                "Losing over {high:g} % of the agricultural land in use"),
})
#: The tiers with the shipped thresholds (30 % and 70 %).
TIERS: dict[str, Text] = {key: wording.format(low=30, high=70) for key, wording in TIER_WORDING.items()}


def tier_labels(settings: RecoverySettings, *, lang: str = "vi") -> dict[str, str]:
    """Tier key -> the decree's wording with the settings' thresholds, in ``lang``."""
    return {key: wording(lang).format(low=settings.severe_share_pct, high=settings.over_share_pct)
            for key, wording in TIER_WORDING.items()}


def tier_of(share_pct: float, *, settings: RecoverySettings) -> str:
    """The support tier of a household losing ``share_pct`` (to 0.1 %) of its agricultural land: ``"30_70"``
    from the lower threshold to the upper one (both included), ``"over_70"`` above it, ``""`` below."""
    share = round(float(share_pct), 1)
    if share > settings.over_share_pct:
        return "over_70"
    if share >= settings.severe_share_pct:
        return "30_70"
    return ""


def identity_label(basis: str, *, lang: str = "vi") -> str:
    """How land users were told apart (:func:`land_user_keys`), in ``lang``."""
    return IDENTITY_LABELS.get(basis, IDENTITY_LABELS["name_address"])(lang)


def _plain(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


def land_user_keys(parcels: pd.DataFrame) -> tuple[pd.Series, str]:
    """One key per parcel naming its land user, and how users are told apart.

    A land user is identified by the first identity field the data holds (:data:`IDENTITY_FIELDS`: citizen
    ID, land-user code), compared without spaces and case; otherwise, and on a parcel
    whose identity field is blank, by name and address (Unicode NFC, case and runs of spaces ignored; the
    village when there is no address), since many people share a name. A parcel with neither gives ``"?"``.
    The card's "other parcels", the recovery tables by owner and the count of severely affected households
    all use these keys.

    Returns
    -------
    (keys, basis)
        ``keys`` aligned to ``parcels``; ``basis`` a key of :data:`IDENTITY_LABELS`.
    """
    users = land_users(parcels)
    return pd.Series(users.keys(users.codes), index=parcels.index, dtype="object"), users.basis


@dataclass(frozen=True)
class LandUsers:
    """The land user of each parcel as an integer code (:func:`land_users`): equal codes, equal keys of
    :func:`land_user_keys`; the key text is made only for the codes asked (:meth:`keys`)."""

    # per parcel: an identity (0 .. len(ids) - 1), a name and place pair (len(ids) + owner * len(places) + place,
    # positions in the lists below), or -1 ("?": neither)
    codes: np.ndarray
    ids: list[str]  # the identity keys ("citizen_id:…")
    owners: list[str | None]  # distinct owner names, case-folded (None: no name)
    places: list[str]  # distinct addresses (or villages), case-folded ("" when blank)
    basis: str

    def keys(self, codes: np.ndarray) -> np.ndarray:
        """The keys of :func:`land_user_keys` for ``codes``, one string per code (made once per distinct code)."""
        distinct, inverse = np.unique(np.asarray(codes, dtype=np.int64), return_inverse=True)
        k, p = len(self.ids), len(self.places)
        text = [("?" if c < 0 else self.ids[c] if c < k
                 else f"name:{self.owners[(c - k) // p]}|{self.places[(c - k) % p]}") for c in distinct.tolist()]
        return np.array(text, dtype=object)[inverse.ravel()] if len(text) else np.empty(0, dtype=object)


def land_users(parcels: pd.DataFrame) -> LandUsers:
    """The land user of each parcel as codes (see :func:`land_user_keys` for how users are told apart): the
    names, addresses and identity fields are normalised once per distinct value, then compared as integers."""
    index = parcels.index
    basis = "name_address"
    id_codes: np.ndarray | None = None
    ids: list[str] = []
    for name in IDENTITY_FIELDS:
        if name in parcels.columns:
            def _id(value: object, name: str = name) -> str | None:
                plain = _plain(value)
                return None if plain is None else f"{name}:{plain.replace(' ', '').casefold()}"

            codes, distinct = _mapped_codes(parcels[name], _id)  # once per distinct value
            if len(distinct) > 1:  # some parcel has an identity
                basis, id_codes, ids = name, codes, distinct[:-1]  # type: ignore[assignment]
                break
    where = "address" if "address" in parcels.columns else "village"
    owner_codes, owners = _mapped_codes(_column(parcels, "owner", index), _folded)
    place_codes, places = _mapped_codes(_column(parcels, where, index), lambda v: _folded(v) or "")
    k, p = len(ids), len(places)
    by_name = np.where(owner_codes == len(owners) - 1, -1, k + owner_codes.astype(np.int64) * p + place_codes)
    if id_codes is not None:
        by_name = np.where(id_codes < len(ids), id_codes, by_name)
    return LandUsers(codes=by_name.astype(np.int64), ids=ids, owners=owners, places=places,  # type: ignore[arg-type]
                     basis=basis)


def _folded(value: object) -> str | None:
    plain = _plain(value)
    return None if plain is None else plain.casefold()


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Codes of ``values`` (strings or None) into a list of its distinct values, None the last one."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct: list[str | None] = [*uniques.tolist(), None]
    return np.where(codes < 0, len(distinct) - 1, codes), distinct


def _mapped_codes(values: pd.Series, fn: Callable[[Any], str | None]) -> tuple[np.ndarray, list[str | None]]:
    """``_codes(map_values(values, fn))`` without a mapped value per row: ``fn`` on the distinct values, their
    results coded in the order of their first appearance, then one look-up per row (a province's million
    owner names hold a few hundred thousand distinct ones)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ONE_TYPE:
        return _codes(map_values(values, fn))
    raw, uniques = pd.factorize(values, use_na_sentinel=True)
    if not isinstance(uniques, np.ndarray) and pd.api.types.is_string_dtype(uniques.dtype):
        uniques = uniques.to_numpy(dtype=object)  # an Arrow array is slow to walk value by value
    missing = np.flatnonzero(raw < 0)
    mapped = [fn(u) for u in uniques]
    at = len(mapped)  # where the blanks' value first appears among the distinct values
    if len(missing):
        first = int(missing[0])
        at = int(raw[:first].max()) + 1 if first else 0
        mapped.insert(at, fn(values.iloc[first]))
    codes, distinct = _codes(pd.Series(mapped, dtype=object))
    positions = np.where(raw < 0, at, raw + (raw >= at)) if len(missing) else raw
    return codes[positions], distinct


# --------------------------------------------------------------------------------------------- boundary


#: Something the user should know about the input (a repair, a reprojection): a :class:`gis.core.text.Text`.
Note = Text

@dataclass(frozen=True)
class Boundary:
    """A project boundary ready for :func:`measure`: one valid polygonal shape in the parcels' CRS."""

    geometry: shapely.Geometry
    crs: CRS
    name: str
    source: str
    notes: tuple[Note, ...] = ()
    features: int = 1

    @property
    def area_m2(self) -> float:
        return float(self.geometry.area)


#: Columns searched for a project's name, in order (TENDUAN is the built-in layer's).
NAME_FIELDS = ("TENDUAN", "TenDuAn", "ten_du_an", "name", "Name", "NAME", "TEN", "ten")
DECISION_FIELDS = ("SOQD", "SoQD", "so_qd")


def _name_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _feature_label(frame: pd.DataFrame, pos: int, name_col: str | None) -> str:
    label = f"#{pos + 1}"
    if name_col is not None:
        value = frame[name_col].iloc[pos]
        if isinstance(value, str) and value.strip():
            label += f" «{value.strip()}»"
    return label


def select_project(frame: gpd.GeoDataFrame, project: str, *, source: str = "boundary") -> gpd.GeoDataFrame:
    """The feature(s) of a multi-project boundary layer whose name or decision number matches ``project``.

    An exact match (ignoring case) wins; then a number ``N`` alone picks the N-th feature; otherwise a
    unique partial match. Raises :class:`DataSourceError` listing the projects when nothing, or more than one
    project, matches.
    """
    columns = [c for c in (_name_column(frame, NAME_FIELDS), _name_column(frame, DECISION_FIELDS)) if c]
    wanted = project.strip().casefold()
    text = {c: frame[c].astype("string").fillna("").str.strip().str.casefold() for c in columns}
    exact = np.zeros(len(frame), dtype=bool)
    partial = np.zeros(len(frame), dtype=bool)
    for values in text.values():
        exact |= (values == wanted).to_numpy(dtype=bool)
        partial |= values.str.contains(wanted, regex=False).to_numpy(dtype=bool)
    chosen = exact if exact.any() else partial
    if not exact.any() and wanted.isdigit() and 1 <= int(wanted) <= len(frame):
        chosen = np.zeros(len(frame), dtype=bool)
        chosen[int(wanted) - 1] = True
    name_col = columns[0] if columns else None
    listing = "; ".join(_feature_label(frame, i, name_col) for i in range(len(frame)))
    if not chosen.any():
        raise DataSourceError(
            f"Không có dự án «{project}» trong «{source}». Các dự án có trong tệp: {listing}.",
            f"No project '{project}' in '{source}'. The file holds: {listing}.",
        )
    if chosen.sum() > 1 and not exact.any():
        hits = "; ".join(_feature_label(frame, int(i), name_col) for i in np.flatnonzero(chosen))
        raise DataSourceError(
            f"«{project}» khớp với nhiều dự án trong «{source}»: {hits}. Hãy ghi tên đầy đủ hơn.",
            f"'{project}' matches several projects in '{source}': {hits}. Give a fuller name.",
        )
    return frame.iloc[np.flatnonzero(chosen)]


def _polygon_parts(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of a geometry collection, dissolved; ``None`` when it holds none."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL and not p.is_empty]
    if not parts:
        return None
    return shapely.union_all(parts)


def prepare_boundary(
    frame: gpd.GeoDataFrame,
    *,
    crs: CRS | str | int,
    source: str = "boundary",
    project: str | None = None,
) -> Boundary:
    """Check a boundary layer and make it one valid polygonal shape in ``crs`` (the parcels' CRS).

    Parameters
    ----------
    frame
        The boundary layer as read (one or several features).
    crs
        The parcels' CRS, which areas are measured in; the boundary is reprojected to it and a note says so.
    source
        The file or layer name, for messages.
    project
        Pick one project of a multi-project layer by name or decision number (see :func:`select_project`);
        ``None`` takes every feature, dissolved.

    Raises :class:`DataSourceError` for a layer with no features, :class:`gis.core.errors.CrsError` for one with
    no CRS, and :class:`GeometryError` listing every feature that is a line or a point rather than a polygon.
    Self-intersecting polygons are repaired (``make_valid``) and reported in :attr:`Boundary.notes`.
    """
    target = CRS.from_user_input(crs)
    require_projected(target, source="parcels")
    require_crs(frame.crs, source=source)
    notes: list[Note] = []
    present = ~(frame.geometry.isna().to_numpy() | frame.geometry.is_empty.to_numpy())
    if not present.any():
        raise DataSourceError(
            f"Tệp ranh giới «{source}» rỗng: không có vùng nào. Hãy kiểm tra đã lưu ranh giới dự án vào tệp "
            "và chọn đúng lớp.",
            f"Boundary file '{source}' is empty: it holds no shape. Check that the project boundary was saved "
            "to the file and that the right layer was chosen.",
        )
    if project is not None:
        frame = select_project(frame, project, source=source)
    name_col = _name_column(frame, NAME_FIELDS)
    if len(frame) > 1 and project is None:
        notes.append(Note(
            f"Tệp «{source}» có {len(frame)} đối tượng: đã gộp tất cả thành một ranh giới. Để chỉ lấy một dự án, "
            "hãy chọn dự án đó (dòng lệnh: --project).",
            f"'{source}' holds {len(frame)} features: all were dissolved into one boundary. To take one project, "
            "choose it (command line: --project).",
        ))

    geoms = shapely.force_2d(frame.geometry.to_numpy())
    if not CRS.from_user_input(frame.crs).equals(target, ignore_axis_order=True):
        geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(target).to_numpy()
        notes.append(Note(
            f"Ranh giới «{source}» ở hệ tọa độ {describe(frame.crs)}; đã chuyển sang hệ của lớp thửa đất "
            f"{describe(target)}.",
            f"Boundary '{source}' is in {describe(frame.crs)}; it was reprojected to the parcels' CRS "
            f"{describe(target)}.",
        ))

    problems: list[tuple[str, str]] = []
    polygons: list[shapely.Geometry] = []
    for pos, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        label = _feature_label(frame, pos, name_col)
        kind = geom.geom_type
        if kind in _LINEAR:
            problems.append((f"đối tượng {label} là đường ({kind}), không phải vùng",
                             f"feature {label} is a line ({kind}), not a polygon"))
            continue
        if kind in _POINTS:
            problems.append((f"đối tượng {label} là điểm ({kind}), không phải vùng",
                             f"feature {label} is a point ({kind}), not a polygon"))
            continue
        if kind not in _POLYGONAL:
            parts = _polygon_parts(geom)
            if parts is None:
                problems.append((f"đối tượng {label} ({kind}) không chứa vùng nào",
                                 f"feature {label} ({kind}) holds no polygon"))
                continue
            geom = parts
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            repaired = _polygon_parts(shapely.make_valid(geom, method="structure"))
            if repaired is None:
                problems.append((f"đối tượng {label} không hợp lệ ({reason}) và không sửa được",
                                 f"feature {label} is invalid ({reason}) and cannot be repaired"))
                continue
            notes.append(Note(
                f"Ranh giới {label} tự cắt hoặc không hợp lệ ({reason}); đã tự động sửa. Diện tích sau khi "
                f"sửa: {repaired.area:,.1f} m². Hãy kiểm tra lại ranh giới trong QGIS.".replace(",", "."),
                f"Boundary {label} is self-intersecting or invalid ({reason}); it was repaired automatically. "
                f"Area after repair: {repaired.area:,.1f} m². Check the boundary in QGIS.",
            ))
            geom = repaired
        polygons.append(geom)
    if problems:
        raise GeometryError(
            f"Ranh giới «{source}» phải là vùng khép kín (Polygon): " + "; ".join(p[0] for p in problems)
            + ". Trong QGIS, dùng Vector › Geometry Tools › Lines to Polygons để chuyển đường thành vùng.",
            f"Boundary '{source}' must be closed polygons: " + "; ".join(p[1] for p in problems)
            + ". In QGIS, Vector › Geometry Tools › Lines to Polygons turns lines into polygons.",
        )
    shape = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    if shape.geom_type not in _POLYGONAL:
        shape = _polygon_parts(shape) or shapely.Polygon()
    if shape.is_empty or shape.area == 0:
        raise GeometryError(
            f"Ranh giới «{source}» có diện tích bằng 0. Hãy kiểm tra các đỉnh của vùng.",
            f"Boundary '{source}' has zero area. Check the polygon's vertices.",
        )
    if project is not None and name_col is not None and len(frame) == 1:
        name = str(frame[name_col].iloc[0])
    elif name_col is not None and len(frame) == 1:
        name = str(frame[name_col].iloc[0])
    elif name_col is not None:
        name = "; ".join(str(v) for v in frame[name_col])
    else:
        name = Path(source).stem
    shapely.prepare(shape)
    return Boundary(geometry=shape, crs=target, name=name, source=source, notes=tuple(notes),
                    features=int(len(frame)))


def project_choices(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """The projects of a boundary layer as ``(value, label)`` pairs for a picker.

    ``value`` is what :func:`select_project` (``project=``) picks exactly that feature with: its position
    ``"1"``, ``"2"`` ... (names can repeat or be missing); ``label`` its name and decision number when
    the layer has them (``"Cụm công nghiệp ... (2315/QĐ-UBND)"``), else ``"#1"``.
    """
    name_col = _name_column(frame, NAME_FIELDS)
    decision_col = _name_column(frame, DECISION_FIELDS)
    out = []
    for pos in range(len(frame)):
        name = frame[name_col].iloc[pos] if name_col else None
        decision = frame[decision_col].iloc[pos] if decision_col else None
        label = str(name).strip() if isinstance(name, str) and name.strip() else f"#{pos + 1}"
        if isinstance(decision, str) and decision.strip():
            label += f" ({decision.strip()})"
        out.append((str(pos + 1), label))
    return out


def boundary_from_geometry(geometry: shapely.Geometry, *, crs: CRS | str | int, name: str = "",
                           source: str = "boundary") -> Boundary:
    """Wrap a shape already in ``crs`` (a polygon drawn on the map, say) with the same checks."""
    frame = gpd.GeoDataFrame({"geometry": [geometry]}, crs=crs)
    prepared = prepare_boundary(frame, crs=crs, source=source)
    return Boundary(geometry=prepared.geometry, crs=prepared.crs, name=name or prepared.name, source=source,
                    notes=prepared.notes)


# ------------------------------------------------------------------------------------------- measuring


def _ring_segments(shape: shapely.Geometry, *, segment_m: float) -> np.ndarray:
    """The rings of a polygonal shape cut into straight pieces of at most ``segment_m``."""
    rings = shapely.get_rings(shapely.get_parts(shape))
    rings = shapely.segmentize(rings, segment_m)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    starts = coords[:-1][same]
    ends = coords[1:][same]
    return shapely.linestrings(np.stack([starts, ends], axis=1))


def _area_of(geoms: np.ndarray) -> np.ndarray:
    return shapely.area(geoms) if len(geoms) else np.zeros(0)


def _drawn_areas(parcels: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray | None:
    """The drawn areas :func:`gis.files.schema.normalise_parcels` computed once on reading, when present."""
    if isinstance(parcels, gpd.GeoDataFrame) and "map_area_m2" in parcels.columns:
        values = parcels["map_area_m2"].to_numpy()
        if values.dtype.kind == "f":
            return values
    return None


def measure(
    parcels: gpd.GeoDataFrame | gpd.GeoSeries,
    boundary: Boundary | shapely.Geometry,
    *,
    segment_m: float = SEGMENT_M,
    tile_parcels: float = 64.0,
) -> pd.DataFrame:
    """Recovered area of every parcel the boundary takes: the fast, exact core of :func:`recover`.

    Uses the layer's spatial index when it has one (``parcels.sindex``, built once and kept by geopandas
    with the frame; otherwise only the parcels in the boundary's box are indexed, for this call) and, for
    a frame in the internal schema, the drawn areas in its ``map_area_m2`` column (computed once on reading
    by :func:`gis.files.schema.normalise_parcels`; a bare GeoSeries has them measured here). The boundary must
    already be in the parcels' CRS (see :func:`prepare_boundary`). ``segment_m`` and ``tile_parcels`` (parcels
    per tile) tune the search, never the result.

    Returns
    -------
    pandas.DataFrame
        One row per parcel with a recovered area above :data:`NOISE_M2`, indexed like ``parcels`` and in its order:
        ``map_area_m2`` (drawn area), ``recovered_m2`` (exact, unrounded) and ``inside`` (True when the
        parcel lies wholly inside the boundary, so that it was not intersected).
    """
    shape = boundary.geometry if isinstance(boundary, Boundary) else boundary
    series = parcels.geometry if isinstance(parcels, gpd.GeoDataFrame) else parcels
    geoms = series.array.to_numpy()
    columns = {"map_area_m2": np.zeros(0), "recovered_m2": np.zeros(0), "inside": np.zeros(0, dtype=bool)}
    if shape is None or shape.is_empty or len(geoms) == 0:
        return pd.DataFrame(columns, index=series.index[:0])
    shapely.prepare(shape)
    sindex = series.sindex if series.has_sindex else _BoxTree(geoms, shape.bounds)
    n = len(geoms)
    boxed = sindex.query(shape)  # parcels whose box meets the boundary's box
    if len(boxed) == 0:
        return pd.DataFrame(columns, index=series.index[:0])
    segments = _ring_segments(shape, segment_m=segment_m)
    seg_of, near_all = sindex.query(segments)  # parcels whose box meets a piece of the boundary's rings
    cut = np.unique(near_all[shapely.intersects(segments[seg_of], geoms[near_all])])
    near = np.zeros(n, dtype=bool)
    near[near_all] = True
    inside = np.zeros(n, dtype=bool)
    # A parcel whose box meets no piece of the rings ("far") has its whole box on one side of the boundary.
    # Far parcels meeting a tile wholly inside the boundary are inside; the others in tiles the rings cross
    # are decided by the centre of their box; those only in tiles outside the boundary are outside.
    tiles, tile_inside, tile_crossed = _tiles(shape, len(boxed), per_tile=tile_parcels)
    if tile_inside.any():
        inside[sindex.query(tiles[tile_inside])[1]] = True
        inside &= ~near
    if tile_crossed.any():
        candidates = np.unique(sindex.query(tiles[tile_crossed])[1])
        candidates = candidates[~inside[candidates] & ~near[candidates]]
        bounds = shapely.bounds(geoms[candidates])
        inside[candidates[shapely.contains_xy(shape, (bounds[:, 0] + bounds[:, 2]) / 2,
                                              (bounds[:, 1] + bounds[:, 3]) / 2)]] = True
    # A parcel near the rings that the rings do not cross lies on one side too: one of its vertices says
    # which (unless it has parts on both sides: those are intersected).
    rest = np.setdiff1d(np.unique(near_all), cut, assume_unique=True)
    rest_geoms = geoms[rest]
    multi = shapely.get_num_geometries(rest_geoms) > 1
    if multi.any():
        cut = np.union1d(cut, rest[multi])
        rest, rest_geoms = rest[~multi], rest_geoms[~multi]
    if len(rest):
        counts = shapely.get_num_coordinates(rest_geoms)
        first = shapely.get_coordinates(rest_geoms)[np.cumsum(counts) - counts]
        inside[rest[shapely.contains_xy(shape, first[:, 0], first[:, 1])]] = True

    cut_geoms = geoms[cut]
    try:
        cut_areas = _area_of(shapely.intersection(cut_geoms, shape))
    except shapely.errors.GEOSException:  # an invalid parcel: repair it for this measurement only
        cut_areas = _area_of(shapely.intersection(shapely.make_valid(cut_geoms), shape))
    code = inside.view(np.int8).copy()  # 1 inside, 2 cut, 0 outside
    code[cut] = 2
    recovered_all = np.zeros(n)
    recovered_all[cut] = cut_areas
    positions = np.flatnonzero(code)
    drawn_all = _drawn_areas(parcels)
    drawn = drawn_all[positions] if drawn_all is not None else _area_of(geoms[positions])
    is_inside = code[positions] == 1
    recovered = np.where(is_inside, drawn, recovered_all[positions])
    keep = recovered > NOISE_M2
    return pd.DataFrame(
        {"map_area_m2": drawn[keep], "recovered_m2": recovered[keep], "inside": is_inside[keep]},
        index=series.index[positions[keep]],
    )


class _BoxTree:
    """A spatial index of only the geometries whose box meets ``box``, answering ``query`` with positions in
    the whole array as ``GeoSeries.sindex.query`` does: for a layer read for one computation (a command),
    building the index of a province's million parcels costs more than the rest of the measurement."""

    def __init__(self, geoms: np.ndarray, box: tuple[float, float, float, float]) -> None:
        bounds = shapely.bounds(geoms)
        with np.errstate(invalid="ignore"):  # empty geometries have NaN bounds: never in the box
            self.positions = np.flatnonzero((bounds[:, 0] <= box[2]) & (bounds[:, 2] >= box[0])
                                            & (bounds[:, 1] <= box[3]) & (bounds[:, 3] >= box[1]))
        self.tree = shapely.STRtree(geoms[self.positions])

    def query(self, geometry: shapely.Geometry | np.ndarray) -> np.ndarray:
        found = self.tree.query(geometry)
        if found.ndim == 2:
            return np.vstack([found[0], self.positions[found[1]]])
        return self.positions[found]


def _tiles(shape: shapely.Geometry, count: int, *, per_tile: float = 64.0) -> tuple[np.ndarray, ...]:
    """A grid of tiles over the boundary's box, about ``per_tile`` parcels each (``count`` in the box).

    Returns the tiles, which lie wholly inside the boundary, and which the boundary's rings cross.
    """
    x0, y0, x1, y1 = shape.bounds
    side = math.sqrt(max((x1 - x0) * (y1 - y0), 1e-9) / max(count, 1) * per_tile)
    kx = int(np.clip(math.ceil((x1 - x0) / side), 1, 64))
    ky = int(np.clip(math.ceil((y1 - y0) / side), 1, 64))
    xs, ys = np.linspace(x0, x1, kx + 1), np.linspace(y0, y1, ky + 1)
    left, bottom = np.meshgrid(xs[:-1], ys[:-1])
    right, top = np.meshgrid(xs[1:], ys[1:])
    tiles = shapely.box(left.ravel(), bottom.ravel(), right.ravel(), top.ravel())
    inside = shapely.contains_properly(shape, tiles)
    crossed = ~inside & shapely.intersects(shape, tiles)
    return tiles, inside, crossed


# -------------------------------------------------------------------------------------------- the report


def _round01(values: pd.Series | np.ndarray) -> np.ndarray:
    """Areas as certificates give them: to 0.1 m² (half away from zero, not banker's rounding)."""
    arr = np.asarray(values, dtype=float)
    return np.sign(arr) * np.floor(np.abs(arr) * 10 + 0.5 + 1e-9) / 10


def _column(parcels: pd.DataFrame, name: str, index: pd.Index) -> pd.Series:
    if name in parcels.columns:
        return parcels[name].reindex(index)
    return pd.Series(pd.NA, index=index, dtype="object", name=name)


@dataclass(frozen=True)
class Totals:
    """The figures of a recovery, slivers excluded (areas in m², rounded per parcel to 0.1 m²)."""

    parcels: int
    whole: int
    partial: int
    slivers: int
    below_minimum: int
    area_mismatch: int
    owners: int
    households: int
    severe_owners: int
    tier_30_70: int
    tier_over_70: int
    recovered_m2: float
    legal_m2: float
    drawn_m2: float
    remaining_m2: float
    remaining_legal_m2: float
    rice_m2: float
    pond_m2: float
    farm_m2: float
    boundary_m2: float
    uncovered_m2: float
    sliver_m2: float

    @property
    def recovered_ha(self) -> float:
        return self.recovered_m2 / M2_PER_HA

    @property
    def rice_ha(self) -> float:
        return self.rice_m2 / M2_PER_HA

    @property
    def pond_ha(self) -> float:
        return self.pond_m2 / M2_PER_HA

    def as_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = dict(self.__dict__)
        out.update(recovered_ha=self.recovered_ha, rice_ha=self.rice_ha, pond_ha=self.pond_ha)
        return out


@dataclass(frozen=True)
class Recovery:
    """The result of :func:`recover`: what a project boundary takes, parcel by parcel, and its summaries.

    Attributes
    ----------
    table
        One row per parcel touched (slivers included, flagged), indexed like the parcels: ``sheet``,
        ``parcel_no``, ``land_use``, ``land_use_main``, ``group``, ``owner``, ``village``, ``owner_id``,
        ``legal_area_m2``, ``map_area_m2`` (drawn area to 0.1 m²), ``map_area_exact_m2``, ``recovered_m2``
        (to 0.1 m²), ``recovered_exact_m2``, ``inside``
        (wholly inside, not intersected), ``remaining_m2`` (the drawn remainder: ``map_area_m2`` minus
        ``recovered_m2``, so the two add up to the drawn area; a ``remainder_sliver`` keeps its sliver here
        though the parcel counts as whole), ``remaining_legal_m2`` (legal area minus
        recovered, 0 when wholly recovered: what the minimum parcel size is checked on), ``scale`` and
        ``area_tolerance_m2`` (the sheet's scale denominator and the legal-area tolerance at it),
        ``recovered_pct``, ``status`` (``whole``/``partial``), ``flags`` (a tuple of flag names) and one
        boolean column per flag.
    status
        ``outside``/``whole``/``partial`` for every parcel, aligned to the parcels (for the map).
    by_land_use, by_group, by_village, by_owner
        Summaries, slivers excluded; ``by_owner`` has one row per land user (``owner_id``, see
        :func:`land_user_keys`) with the support ``tier`` of households.
    totals
        :class:`Totals`.
    owner_identity
        How land users were told apart (a key of :data:`IDENTITY_LABELS`).
    """

    table: pd.DataFrame
    status: pd.Series
    by_land_use: pd.DataFrame
    by_group: pd.DataFrame
    by_village: pd.DataFrame
    by_owner: pd.DataFrame
    totals: Totals
    boundary: Boundary
    settings: RecoverySettings
    notes: tuple[Note, ...] = ()
    owner_identity: str = "name_address"

    @property
    def counted(self) -> pd.DataFrame:
        """The rows that count in totals (every row but the slivers)."""
        return self.table[~self.table["sliver"]]

    @property
    def slivers(self) -> pd.DataFrame:
        return self.table[self.table["sliver"]]

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flags"].map(bool)]

    @property
    def rice_m2(self) -> float:
        """Rice land taken (m²), for the targets page."""
        return self.totals.rice_m2

    @property
    def pond_m2(self) -> float:
        """Aquaculture pond area taken (m²), for the targets page."""
        return self.totals.pond_m2


def _flags_of(row_flags: dict[str, np.ndarray], n: int) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [() for _ in range(n)]
    for name in FLAGS:
        for pos in np.flatnonzero(row_flags[name]):
            out[pos] = (*out[pos], name)
    return out


def _summary(counted: pd.DataFrame, key: str | list[str], *, fill: str = "?") -> pd.DataFrame:
    keys = [key] if isinstance(key, str) else key
    frame = counted.assign(**{k: counted[k].astype("object").where(counted[k].notna(), fill) for k in keys})
    grouped = frame.groupby(keys, sort=False, dropna=False)
    out = pd.DataFrame({
        "parcels": grouped.size(),
        "whole": grouped["status"].agg(lambda s: int((s == "whole").sum())),
        "partial": grouped["status"].agg(lambda s: int((s == "partial").sum())),
        "recovered_m2": grouped["recovered_m2"].sum().round(1),
    })
    out["recovered_ha"] = out["recovered_m2"] / M2_PER_HA
    return out.sort_values("recovered_m2", ascending=False, kind="stable").reset_index()


def recover(
    parcels: gpd.GeoDataFrame,
    boundary: Boundary | shapely.Geometry,
    *,
    settings: RecoverySettings | None = None,
    source: str = "parcels",
) -> Recovery:
    """What ``boundary`` takes from ``parcels``: the officer's table, its summaries and totals.

    Parameters
    ----------
    parcels
        A parcel layer in the internal schema (:func:`gis.files.schema.normalise_parcels`), in a projected CRS.
    boundary
        A :class:`Boundary` from :func:`prepare_boundary` (or a bare shape already in the parcels' CRS).
    settings
        Tolerances and thresholds; the shipped defaults (placeholders) when ``None``.
    source
        The parcel layer's name, for messages.

    Raises :class:`GeometryError` when the boundary touches no parcel (with both extents, since a wrong
    CRS is the usual cause).
    """
    crs = require_projected(parcels.crs, source=source)
    if not isinstance(boundary, Boundary):
        boundary = boundary_from_geometry(boundary, crs=crs)
    elif not CRS.from_user_input(boundary.crs).equals(crs, ignore_axis_order=True):
        raise GeometryError(
            f"Ranh giới «{boundary.source}» ở hệ {describe(boundary.crs)}, lớp thửa đất ở {describe(crs)}. "
            "Hãy chuẩn bị ranh giới theo hệ tọa độ của lớp thửa đất.",
            f"Boundary '{boundary.source}' is in {describe(boundary.crs)}, the parcels in {describe(crs)}. "
            "Prepare the boundary in the parcels' CRS.",
        )
    settings = settings if settings is not None else load_settings()
    measured = measure(parcels, boundary)
    if measured.empty:
        bx = ", ".join(f"{v:,.0f}" for v in boundary.geometry.bounds)
        px = ", ".join(f"{v:,.0f}" for v in parcels.total_bounds)
        raise GeometryError(
            f"Ranh giới «{boundary.source}» không chạm thửa đất nào của lớp «{source}». Phạm vi ranh giới "
            f"({bx}) nằm ngoài phạm vi thửa đất ({px}) trong hệ {describe(crs)}: hãy kiểm tra hệ tọa độ của "
            "tệp ranh giới (thiếu hoặc sai .prj, tọa độ X/Y đảo nhau) và đúng xã.",
            f"Boundary '{boundary.source}' touches no parcel of '{source}'. The boundary's extent ({bx}) lies "
            f"outside the parcels' ({px}) in {describe(crs)}: check the boundary file's CRS (a missing or "
            "wrong .prj, X and Y swapped) and that it belongs to this commune.",
        )
    idx = measured.index
    table = pd.DataFrame(index=idx)
    for name in ("sheet", "parcel_no", "land_use", "land_use_main", "group", "owner", "village"):
        table[name] = _column(parcels, name, idx)
    users = land_users(parcels)  # codes for every parcel; key texts only for the parcels taken
    identity = users.basis
    taken_codes = users.codes[parcels.index.get_indexer(idx)]
    table["owner_id"] = pd.Series(users.keys(taken_codes), index=idx, dtype="object")
    drawn = measured["map_area_m2"].to_numpy()
    exact = measured["recovered_m2"].to_numpy()
    legal_source = _column(parcels, "legal_area_m2", idx)
    legal = pd.to_numeric(legal_source, errors="coerce").to_numpy(dtype=float)
    legal_known = np.isfinite(legal)
    legal = np.where(legal_known, legal, _round01(drawn))
    remainder_map = drawn - exact
    sliver = exact < settings.sliver_m2
    near_whole = ~measured["inside"].to_numpy() & (remainder_map < settings.sliver_m2) & ~sliver
    remainder_sliver = near_whole & (remainder_map > NOISE_M2)  # not when the boundary follows the edges
    whole = measured["inside"].to_numpy() | near_whole
    # Areas to 0.1 m² as certificates give them; the remainder is the drawn one, so that recovered +
    # remaining = drawn area for every parcel, in every output (a remainder sliver stays in it, flagged).
    drawn01 = _round01(drawn)
    recovered = _round01(exact)
    remaining = np.round(drawn01 - recovered, 1)
    remaining_legal = np.where(whole, 0.0, np.maximum(_round01(legal - recovered), 0.0))
    # the minimum parcel size follows the main code's group (a mixed ONT+CLN lot keeps the residential one)
    groups = map_values(table["land_use_main"], landuse.group_of)  # once per distinct code
    minimum = map_values(groups, lambda g: settings.minimum_parcel_m2.get(g, 0.0) if isinstance(g, str) else 0.0
                         ).to_numpy(dtype=float)
    below = ~whole & ~sliver & (remaining_legal < minimum)
    # the one rule of legal against drawn area (the Data page's check and the parcel card use it too)
    scales = parcel_scales(_column(parcels, "scale", idx) if "scale" in parcels.columns else None,
                           table["sheet"], n=len(idx), sheet_scales=settings.sheet_scales,
                           default_scale=settings.default_scale)
    legal_positive = legal_known & (legal > 0)
    allowed = area_tolerance_m2(np.where(legal_positive, legal, 0.0), scale=scales)
    mismatch = legal_positive & (np.abs(drawn - legal) > allowed)
    flag_arrays = {"sliver": sliver, "remainder_sliver": remainder_sliver, "below_minimum": below,
                   "area_mismatch": mismatch}
    table["legal_area_m2"] = legal
    table["map_area_m2"] = drawn01
    table["map_area_exact_m2"] = drawn
    table["recovered_m2"] = recovered
    table["recovered_exact_m2"] = exact
    table["remaining_m2"] = remaining
    table["remaining_legal_m2"] = remaining_legal
    table["area_tolerance_m2"] = allowed
    table["scale"] = scales.astype(int)
    table["inside"] = measured["inside"].to_numpy()
    table["recovered_pct"] = np.where(drawn > 0, exact / np.where(drawn > 0, drawn, 1.0) * 100.0, 0.0)
    table["status"] = np.where(whole, "whole", "partial")
    table["flags"] = _flags_of(flag_arrays, len(table))
    for name, values in flag_arrays.items():
        table[name] = values

    codes = np.zeros(len(parcels), dtype=np.int8)
    codes[parcels.index.get_indexer(idx)] = np.where(whole, 1, 2)
    status = pd.Series(pd.Categorical.from_codes(codes, categories=list(STATUSES)), index=parcels.index,
                       name="status")

    counted = table[~table["sliver"]]
    by_land_use = _summary(counted, "land_use").rename(columns={"land_use": "code"})  # ONT+CLN: own row
    by_land_use.insert(1, "group", by_land_use["code"].map(landuse.group_of))
    by_group = _summary(counted, "group", fill="unknown")
    by_village = _summary(counted, "village")
    owners_per_village = counted.assign(village=counted["village"].astype("object").fillna("?")).groupby(
        "village", sort=False)["owner_id"].nunique()
    by_village.insert(1, "owners", by_village["village"].map(owners_per_village).astype(int))
    by_owner = _owners(parcels, counted, users, taken_codes[~sliver], settings=settings)

    is_farm = counted["group"].isin(landuse.FARM_GROUPS)
    boundary_m2 = boundary.area_m2
    totals = Totals(
        parcels=int(len(counted)),
        whole=int((counted["status"] == "whole").sum()),
        partial=int((counted["status"] == "partial").sum()),
        slivers=int(sliver.sum()),
        below_minimum=int(below.sum()),
        area_mismatch=int(mismatch.sum()),
        owners=int(len(by_owner)),
        households=int(by_owner["household"].sum()),
        severe_owners=int(by_owner["severe"].sum()),
        tier_30_70=int((by_owner["tier"] == "30_70").sum()),
        tier_over_70=int((by_owner["tier"] == "over_70").sum()),
        recovered_m2=round(float(counted["recovered_m2"].sum()), 1),
        legal_m2=round(float(counted["legal_area_m2"].sum()), 1),
        drawn_m2=round(float(counted["map_area_m2"].sum()), 1),
        remaining_m2=round(float(counted["remaining_m2"].sum()), 1),
        remaining_legal_m2=round(float(counted["remaining_legal_m2"].sum()), 1),
        rice_m2=round(float(counted.loc[counted["land_use_main"].isin(landuse.RICE_CODES), "recovered_m2"]
                            .sum()), 1),
        pond_m2=round(float(counted.loc[counted["land_use_main"].isin(landuse.AQUACULTURE_CODES),
                                        "recovered_m2"].sum()), 1),
        farm_m2=round(float(counted.loc[is_farm, "recovered_m2"].sum()), 1),
        boundary_m2=boundary_m2,
        uncovered_m2=max(boundary_m2 - float(exact.sum()), 0.0),
        sliver_m2=round(float(table.loc[table["sliver"], "recovered_exact_m2"].sum()), 2),
    )
    notes = list(boundary.notes)
    invalid = ~shapely.is_valid(parcels.geometry.reindex(idx).array.to_numpy())
    if invalid.any():
        notes.append(Note(
            f"{int(invalid.sum())} thửa đất trong ranh giới có hình học không hợp lệ; đã sửa tạm để tính "
            "diện tích. Hãy sửa chúng trong dữ liệu gốc.",
            f"{int(invalid.sum())} parcels inside the boundary have invalid geometry; they were repaired for "
            "this computation only. Fix them in the source data.",
        ))
    if settings.placeholder:
        notes.append(placeholder_note(settings))
    return Recovery(table=table, status=status, by_land_use=by_land_use, by_group=by_group,
                    by_village=by_village, by_owner=by_owner, totals=totals, boundary=boundary,
                    settings=settings, notes=tuple(notes), owner_identity=identity)


def placeholder_note(settings: RecoverySettings) -> Note:
    """What every report says while ``settings.placeholder`` is true."""
    return Note(
        "Các ngưỡng (diện tích tối thiểu, phần sót, hộ bị ảnh hưởng nặng) là giá trị tạm, chưa phải số "
        f"liệu của tỉnh ({settings.source}).",
        "The thresholds (minimum parcel size, sliver, severely affected) are placeholders, not the "
        f"province's figures ({settings.source}).",
    )


def _villages_of(taken: pd.DataFrame) -> pd.Series:
    """Per owner (in order of first appearance), the distinct villages of its parcels joined by "; ", in
    order of appearance: a join only for the few owners with parcels in more than one village."""
    pairs = pd.DataFrame({"owner_id": taken["owner_id"].to_numpy(),
                          "village": taken["village"].map(str).to_numpy()}).drop_duplicates()
    several = pairs["owner_id"].duplicated(keep=False).to_numpy()
    out = pd.Series(pairs["village"].to_numpy()[~several], index=pairs["owner_id"].to_numpy()[~several],
                    dtype="str")
    if several.any():
        joined = pairs[several].groupby("owner_id", sort=False)["village"].agg("; ".join)
        out = pd.concat([out, joined])
    order = pd.unique(taken["owner_id"].to_numpy())
    return out.reindex(order)


def _owners(parcels: pd.DataFrame, counted: pd.DataFrame, users: LandUsers, counted_codes: np.ndarray, *,
            settings: RecoverySettings) -> pd.DataFrame:
    """Per land user (:func:`land_user_keys`; ``counted_codes`` are the codes of ``counted``'s parcels):
    parcels, area, share of farm land lost, support tier.

    The share is the user's recovered farm land over all of that user's farm land in the layer (drawn
    areas, so that it never exceeds 100 %), to 0.1 %. ``household`` is False for organisations
    (:func:`is_organisation`: the People's Committee, village communities, schools ...), which have no
    ``tier`` and are never ``severe``: the support tiers are about households' livelihoods.
    """
    cols = ["owner_id", "owner", "village", "household", "parcels", "recovered_m2", "farm_recovered_m2", "farm_m2",
            "farm_share_pct", "tier", "severe"]
    if counted.empty:
        return pd.DataFrame(columns=cols)
    taken = pd.DataFrame({
        "owner_id": counted["owner_id"],
        "owner": counted["owner"].astype("object").where(counted["owner"].notna(), "?"),
        "village": counted["village"].astype("object").where(counted["village"].notna(), "?"),
        "recovered_m2": counted["recovered_m2"],
        "farm_recovered_m2": counted["recovered_exact_m2"].where(counted["group"].isin(landuse.FARM_GROUPS), 0.0),
    }, index=counted.index)
    grouped = taken.groupby("owner_id", sort=False)
    out = pd.DataFrame({
        "owner": grouped["owner"].first(),
        "village": _villages_of(taken),
        "parcels": grouped.size(),
        "recovered_m2": grouped["recovered_m2"].sum().round(1),
        "farm_recovered_m2": grouped["farm_recovered_m2"].sum(),
    })
    mine = np.isin(users.codes, np.unique(counted_codes))  # every parcel of the users the boundary takes from
    farm = _column(parcels, "group", parcels.index).isin(landuse.FARM_GROUPS).to_numpy()
    drawn = _drawn_areas(parcels)  # the areas measured on reading, when the frame has them
    areas = drawn[mine] if drawn is not None else shapely.area(parcels.geometry.array.to_numpy()[mine])
    held = pd.Series(np.where(farm[mine], areas, 0.0),
                     index=parcels.index[mine])
    farm_total = held.groupby(users.codes[mine], sort=False).sum()
    farm_total.index = users.keys(farm_total.index.to_numpy())
    out["farm_m2"] = farm_total.reindex(out.index).fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(out["farm_m2"] > 0, out["farm_recovered_m2"] / out["farm_m2"] * 100.0, 0.0)
    out["farm_share_pct"] = np.round(np.minimum(share, 100.0), 1)
    out = out.rename_axis("owner_id").reset_index()
    out["household"] = ~out["owner"].map(is_organisation).astype(bool)
    out["tier"] = [tier_of(pct, settings=settings) if household and farm_lost > 0 else ""
                   for pct, household, farm_lost in zip(out["farm_share_pct"], out["household"],
                                                        out["farm_recovered_m2"], strict=True)]
    out["severe"] = out["tier"] != ""
    out = out.sort_values(["recovered_m2"], ascending=False, kind="stable").reset_index(drop=True)
    return out[cols]


# ------------------------------------------------------------------------------------------ geometries


def _polygonal_array(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygons (intersections along shared edges give lines too)."""
    out = np.asarray(geoms, dtype=object).copy()
    kinds = shapely.get_type_id(out)
    mixed = np.flatnonzero(kinds == 7)  # GeometryCollection
    for pos in mixed:
        out[pos] = _polygon_parts(out[pos]) or shapely.Polygon()
    return out


def recovered_parts(parcels: gpd.GeoDataFrame, result: Recovery) -> gpd.GeoDataFrame:
    """The recovered parts and the remainders of the parcels touched, as geometries.

    One row per recovered part (``part == "recovered"``, every parcel touched, slivers included) and one
    per remainder (``part == "remaining"``, every parcel not wholly inside; a ``remainder_sliver`` parcel
    counts as whole but its sliver of a remainder is kept, so that the parts of each parcel add up to it), with the parcel's attributes,
    ``parcel_id`` (the parcel's index label), ``area_m2`` (the part's drawn area), ``status`` and ``flags``
    (``;``-separated). In the parcels' CRS.
    """
    table = result.table
    shape = result.boundary.geometry
    geoms = parcels.geometry.reindex(table.index).array.to_numpy()
    inside = table["inside"].to_numpy(dtype=bool)
    recovered = geoms.copy()
    cut = ~inside
    if cut.any():
        recovered[cut] = _polygonal_array(shapely.intersection(geoms[cut], shape))
    partial = cut.copy()  # remainders of the remainder slivers too, so that parts add up to each parcel
    remainders = _polygonal_array(shapely.difference(geoms[partial], shape)) if partial.any() \
        else np.empty(0, dtype=object)
    nonempty = ~shapely.is_empty(remainders) & (shapely.area(remainders) > NOISE_M2)
    partial[np.flatnonzero(partial)[~nonempty]] = False
    remainders = remainders[nonempty]
    attrs = pd.DataFrame({
        "parcel_id": table.index.to_numpy(),
        "sheet": table["sheet"].to_numpy(),
        "parcel": table["parcel_no"].to_numpy(),
        "land_use": table["land_use"].to_numpy(),
        "owner": table["owner"].to_numpy(),
        "village": table["village"].to_numpy(),
        "status": table["status"].to_numpy(),
        "flags": table["flags"].map(";".join).to_numpy(),
    })
    rec = attrs.assign(part="recovered")
    rem = attrs[partial].assign(part="remaining")
    frame = gpd.GeoDataFrame(
        pd.concat([rec, rem], ignore_index=True),
        geometry=np.concatenate([recovered, remainders]),
        crs=parcels.crs,
    )
    frame.insert(len(frame.columns) - 1, "area_m2", frame.geometry.area.to_numpy())
    return frame
