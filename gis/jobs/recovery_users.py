"""Who loses land in a recovery: land users told apart, organisations told from households, support tiers.

:func:`land_users` gives every parcel a land-user code (the first identity field filled in,
:data:`IDENTITY_FIELDS`, else the owner's name with the village or address), so that the owners' summary
counts each household once across its parcels; :func:`is_organisation` keeps the commune's People's
Committee, schools, companies, pagodas ... (:data:`ORGANISATION_PREFIXES`) out of the households severely
affected; :func:`tier_of` puts a household's share of farm land lost into its support tier (Nghị định
88/2024/NĐ-CP, Điều 19 khoản 1).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gis.core.recovery_settings import RecoverySettings
from gis.core.text import Text, texts
from gis.files.schema import ONE_TYPE, map_values

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


def tiers_of(shares_pct: np.ndarray, *, settings: RecoverySettings) -> np.ndarray:
    """:func:`tier_of` of each share in ``shares_pct`` (already rounded to 0.1 %), as an array of Python strings."""
    shares = np.asarray(shares_pct, dtype=float)
    tiers = np.select([shares > settings.over_share_pct, shares >= settings.severe_share_pct], ["over_70", "30_70"],
                      "")
    return tiers.astype(object)


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
        inverse, distinct = pd.factorize(np.asarray(codes, dtype=np.int64).ravel())  # hashed, not sorted
        k, p = len(self.ids), len(self.places)
        text = [("?" if c < 0 else self.ids[c] if c < k
                 else f"name:{self.owners[(c - k) // p]}|{self.places[(c - k) % p]}") for c in distinct.tolist()]
        return np.array(text, dtype=object)[inverse] if len(text) else np.empty(0, dtype=object)


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
    owner_codes, owners = _mapped_codes(_column(parcels, "owner", index), _folded, _fold_many)
    place_codes, places = _mapped_codes(_column(parcels, where, index), lambda v: _folded(v) or "",
                                        lambda u: [f or "" for f in _fold_many(u)])
    k, p = len(ids), len(places)
    by_name = np.where(owner_codes == len(owners) - 1, -1, k + owner_codes.astype(np.int64) * p + place_codes)
    if id_codes is not None:
        by_name = np.where(id_codes < len(ids), id_codes, by_name)
    return LandUsers(codes=by_name.astype(np.int64), ids=ids, owners=owners, places=places,  # type: ignore[arg-type]
                     basis=basis)


def _folded(value: object) -> str | None:
    plain = _plain(value)
    return None if plain is None else plain.casefold()


#: The precomposed Vietnamese letters (lower case; the upper case ones too in :data:`_FOLDS_IN_ARROW`).
_VI_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
#: Texts made only of printable ASCII and precomposed Vietnamese letters: already in NFC, no whitespace but the
#: space, and lower-cased by Arrow as :meth:`str.casefold` does, so that Arrow folds them as :func:`_folded` does.
_FOLDS_IN_ARROW = "^[\\x20-\\x7e" + _VI_LETTERS + _VI_LETTERS.upper() + "]*$"


def _fold_in_arrow(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The texts of ``values`` folded in Arrow as :func:`_folded` folds them, and which of them
    :data:`_FOLDS_IN_ARROW` covers (the others are left to Python); None when ``values`` are not all texts."""
    arrow = _fold_arrow(values)
    if arrow is None:
        return None
    folded, covered = arrow
    return folded.to_numpy(zero_copy_only=False).astype(object), covered


def _fold_arrow(values: np.ndarray) -> tuple[Any, np.ndarray] | None:
    """:func:`_fold_in_arrow` with the folded texts left as an Arrow array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(values) or pd.api.types.infer_dtype(values, skipna=False) != "string":
        return None
    try:
        texts = pa.array(values, type=pa.string())
    except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate Arrow will not take
        return None
    covered = pc.match_substring_regex(texts, _FOLDS_IN_ARROW).to_numpy(zero_copy_only=False).astype(bool)
    if pc.any(pc.match_substring(texts, "  ")).as_py():  # runs of spaces made one (the regex only if some text has one)
        texts = pc.replace_substring_regex(texts, " +", " ")
    return pc.utf8_lower(pc.utf8_trim(texts, " ")), covered


def _fold_many(values: Any) -> list[str | None]:
    """:func:`_folded` of each of ``values``: in Arrow for the texts :data:`_FOLDS_IN_ARROW` covers (most names
    and addresses), value by value for the rest."""
    values = np.asarray(values, dtype=object)
    arrow = _fold_in_arrow(values)
    if arrow is None:
        return [_folded(v) for v in values]
    out, covered = arrow
    out[out == ""] = None
    for k in np.flatnonzero(~covered).tolist():
        out[k] = _folded(values[k])
    return out.tolist()


def organisations(owners: pd.Series | np.ndarray) -> np.ndarray:
    """:func:`is_organisation` of each owner's name (with the default prefixes), as a boolean array: the names
    :data:`_FOLDS_IN_ARROW` covers compared in Arrow, the others by :func:`is_organisation`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = np.asarray(owners, dtype=object)
    arrow = _fold_arrow(names)
    if arrow is None:
        return np.array([is_organisation(n) for n in names], dtype=bool)
    texts, covered = arrow
    whole, starts = _heads(ORGANISATION_PREFIXES)
    found = pc.is_in(texts, value_set=pa.array(sorted(whole), type=pa.string()))
    for head in starts:
        found = pc.or_(found, pc.starts_with(texts, head))
    out = found.to_numpy(zero_copy_only=False).astype(bool)
    for k in np.flatnonzero(~covered).tolist():
        out[k] = is_organisation(names[k])
    return out


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str | None]]:
    """Codes of ``values`` (strings or None) into a list of its distinct values, None the last one."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct: list[str | None] = [*uniques.tolist(), None]
    return np.where(codes < 0, len(distinct) - 1, codes), distinct


def _mapped_codes(values: pd.Series, fn: Callable[[Any], str | None],
                  many: Callable[[Any], list[str | None]] | None = None) -> tuple[np.ndarray, list[str | None]]:
    """``_codes(map_values(values, fn))`` without a mapped value per row: ``fn`` on the distinct values, their
    results coded in the order of their first appearance, then one look-up per row (a province's million
    owner names hold a few hundred thousand distinct ones)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ONE_TYPE:
        return _codes(map_values(values, fn))
    raw, uniques = pd.factorize(values, use_na_sentinel=True)
    if not isinstance(uniques, np.ndarray) and pd.api.types.is_string_dtype(uniques.dtype):
        uniques = uniques.to_numpy(dtype=object)  # an Arrow array is slow to walk value by value
    missing = np.flatnonzero(raw < 0)
    mapped = many(uniques) if many is not None else [fn(u) for u in uniques]
    at = len(mapped)  # where the blanks' value first appears among the distinct values
    if len(missing):
        first = int(missing[0])
        at = int(raw[:first].max()) + 1 if first else 0
        mapped.insert(at, fn(values.iloc[first]))
    codes, distinct = _codes(pd.Series(mapped, dtype=object))
    positions = np.where(raw < 0, at, raw + (raw >= at)) if len(missing) else raw
    return codes[positions], distinct



def _column(parcels: pd.DataFrame, name: str, index: pd.Index) -> pd.Series:
    if name in parcels.columns:
        return parcels[name].reindex(index)
    return pd.Series(pd.NA, index=index, dtype="object", name=name)
