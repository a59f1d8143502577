"""Land recovery (thu hồi đất): what a project boundary takes, parcel by parcel.

The computation, in the order it runs, across the recovery's modules:

1. :func:`gis.jobs.recovery_boundary.prepare_boundary` checks a boundary layer, picks one project of a
   multi-project file, reprojects it to the parcels' CRS and dissolves it into one polygonal shape.
2. :func:`gis.jobs.recovery_measure.measure` finds the parcels the boundary takes and how much of each.
3. :func:`recover` (here) turns the measurement into the officer's table: recovered area (rounded to 0.1 m², as on
   certificates), remaining area (the drawn remainder, so that recovered + remaining = drawn area), the
   remainder from the legal area (its own column), share, status (``whole`` or ``partial``) and flags, then
   the summaries by land-use code and group, village and owner (land users told apart by
   :mod:`gis.jobs.recovery_users`), and the totals.
4. :func:`gis.jobs.recovery_parts.recovered_parts` gives the recovered parts and the remainders as
   geometries, for the map and the GeoPackage export.

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
    1:M of the parcel's sheet (:func:`gis.core.area_tolerance.area_tolerance_m2`, the rule of the Data page's check and
    the parcel card too): a hint to check ("cần kiểm tra"), not an error.
``invalid_geometry``
    the parcel's shape is invalid (a ring crossing or touching itself, a hole outside its shell): its drawn,
    recovered and remaining areas are those of its repair (:func:`gis.core.area.repaired`, a bow-tie counting
    both its lobes, a spike nothing), so that they add up as for any parcel; the recovery's notes count them.

Nothing here imports streamlit or folium, reads a file or mutates its inputs: the settings are read by
:mod:`gis.core.recovery_settings`, the user's parcel and boundary files by :mod:`gis.jobs.recovery_files`,
through the same reader as ``gis import`` (:func:`gis.files.sources.read_source`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.core import landuse
from gis.core.area_tolerance import area_tolerance_m2
from gis.core.crs import describe, require_projected
from gis.core.errors import GeometryError
from gis.core.recovery_settings import RecoverySettings, load_settings
from gis.core.text import Text, texts
from gis.files.checks import parcel_scales
from gis.files.schema import map_values
from gis.jobs.recovery_boundary import Boundary, Note, boundary_from_geometry
from gis.jobs.recovery_measure import NOISE_M2, measure
from gis.jobs.recovery_owners import owner_table, owners_per_village
from gis.jobs.recovery_users import (
    LandUsers,
    _column,
    land_users,
)

M2_PER_HA = 10_000.0

#: Parcel statuses: ``outside`` only appears in :attr:`Recovery.status`, aligned to every parcel.
STATUSES = ("outside", "whole", "partial")
FLAGS = ("sliver", "remainder_sliver", "below_minimum", "area_mismatch", "invalid_geometry")

#: Flag -> (Vietnamese, English) label, for tables and workbooks.
FLAG_LABELS: dict[str, Text] = texts({
    "sliver": ("Phần sót dưới ngưỡng (không tính vào tổng)", "Sliver under tolerance (out of totals)"),
    "remainder_sliver": ("Phần còn lại dưới ngưỡng, tính thu hồi toàn bộ",
                         "Remainder under tolerance, counted as whole"),
    "below_minimum": ("Phần còn lại nhỏ hơn diện tích tối thiểu", "Remainder below minimum parcel size"),
    "area_mismatch": ("Diện tích pháp lý và đo trên bản đồ chênh lệch quá hạn sai, cần kiểm tra",
                      "Legal and drawn area differ beyond the tolerance: to check"),
    "invalid_geometry": ("Hình học không hợp lệ: diện tích tính theo hình đã sửa tạm, cần sửa trong dữ liệu gốc",
                         "Invalid geometry: areas of the shape repaired for this computation; fix it in the source "
                         "data"),
})
STATUS_LABELS: dict[str, Text] = texts({
    "whole": ("Thu hồi toàn bộ", "Wholly recovered"),
    "partial": ("Thu hồi một phần", "Partly recovered"),
    "outside": ("Ngoài ranh giới", "Outside"),
})


def _round01(values: pd.Series | np.ndarray) -> np.ndarray:
    """Areas as certificates give them: to 0.1 m² (half away from zero, not banker's rounding)."""
    arr = np.asarray(values, dtype=float)
    return np.sign(arr) * np.floor(np.abs(arr) * 10 + 0.5 + 1e-9) / 10


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
        :func:`~gis.jobs.recovery_users.land_user_keys`) with the support ``tier`` of households.
    totals
        :class:`Totals`.
    owner_identity
        How land users were told apart (a key of :data:`~gis.jobs.recovery_users.IDENTITY_LABELS`).
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


def _taken(parcels: pd.DataFrame, name: str, rows: np.ndarray, index: pd.Index) -> pd.Series:
    """``_column(parcels, name, index)`` for the parcels at positions ``rows`` (those of ``index``)."""
    if name not in parcels.columns:
        return _column(parcels, name, index)
    return parcels[name].take(rows).set_axis(index)


def _summary(counted: pd.DataFrame, key: str | list[str], *, fill: str = "?") -> pd.DataFrame:
    keys = [key] if isinstance(key, str) else key
    # only the columns summed: the keys (blanks filled), the two statuses counted, the area
    frame = pd.DataFrame({k: counted[k].astype("object").where(counted[k].notna(), fill) for k in keys})
    frame["whole"] = (counted["status"] == "whole").to_numpy(dtype=np.int64)
    frame["partial"] = (counted["status"] == "partial").to_numpy(dtype=np.int64)
    frame["recovered_m2"] = counted["recovered_m2"].to_numpy()
    grouped = frame.groupby(keys, sort=False, dropna=False)
    out = pd.DataFrame({
        "parcels": grouped.size(),
        "whole": grouped["whole"].sum(),
        "partial": grouped["partial"].sum(),
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
    users: LandUsers | None = None,
) -> Recovery:
    """What ``boundary`` takes from ``parcels``: the officer's table, its summaries and totals.

    Parameters
    ----------
    parcels
        A parcel layer in the internal schema (:func:`gis.files.schema.normalise_parcels`), in a projected CRS.
    boundary
        A :class:`~gis.jobs.recovery_boundary.Boundary` from :func:`~gis.jobs.recovery_boundary.prepare_boundary` (or a bare shape already in the parcels' CRS).
    settings
        Tolerances and thresholds; the shipped defaults (placeholders) when ``None``.
    source
        The parcel layer's name, for messages.
    users
        :func:`~gis.jobs.recovery_users.land_users` of ``parcels`` when the caller has them already.

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
    # the validity of the parcels taken (their areas, a flag and a note), checked by GEOS without Python's lock
    # beside the land users
    checking = ThreadPoolExecutor(max_workers=1)
    validity = checking.submit(shapely.is_valid, parcels.geometry.reindex(idx).array.to_numpy())
    checking.shutdown(wait=False)
    table = pd.DataFrame(index=idx)
    rows = parcels.index.get_indexer(idx)  # the positions of the parcels taken, looked up once
    for name in ("sheet", "parcel_no", "land_use", "land_use_main", "group", "owner", "village"):
        table[name] = _taken(parcels, name, rows, idx)
    users = users if users is not None else land_users(parcels)  # codes for every parcel; key texts only for the parcels taken
    identity = users.basis
    taken_codes = users.codes[rows]
    table["owner_id"] = pd.Series(users.keys(taken_codes), index=idx, dtype="object")
    drawn = measured["map_area_m2"].to_numpy()
    exact = measured["recovered_m2"].to_numpy()
    invalid = ~validity.result()  # measured as their repairs already (gis.core.area.drawn_areas): flagged here
    legal_source = _taken(parcels, "legal_area_m2", rows, idx)
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
    scales = parcel_scales(_taken(parcels, "scale", rows, idx) if "scale" in parcels.columns else None,
                           table["sheet"], n=len(idx), sheet_scales=settings.sheet_scales,
                           default_scale=settings.default_scale)
    legal_positive = legal_known & (legal > 0)
    allowed = area_tolerance_m2(np.where(legal_positive, legal, 0.0), scale=scales)
    mismatch = legal_positive & (np.abs(drawn - legal) > allowed)
    flag_arrays = {"sliver": sliver, "remainder_sliver": remainder_sliver, "below_minimum": below,
                   "area_mismatch": mismatch, "invalid_geometry": invalid}
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
    codes[rows] = np.where(whole, 1, 2)
    status = pd.Series(pd.Categorical.from_codes(codes, categories=list(STATUSES)), index=parcels.index,
                       name="status")

    counted = table[~table["sliver"]]
    by_land_use = _summary(counted, "land_use").rename(columns={"land_use": "code"})  # ONT+CLN: own row
    by_land_use.insert(1, "group", by_land_use["code"].map(landuse.group_of))
    by_group = _summary(counted, "group", fill="unknown")
    by_village = _summary(counted, "village")
    # the land users as 0, 1, ... in order of first appearance: counted per village and grouped on as integers
    owner_of, owner_keys = pd.factorize(counted["owner_id"].to_numpy(dtype=object))
    by_village.insert(1, "owners", by_village["village"].map(owners_per_village(counted, owner_of)).astype(int))
    by_owner = owner_table(parcels, counted, users, taken_codes[~sliver], settings=settings,
                       owners=(owner_of, owner_keys))

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
