"""The land users of a recovery, one row each (:func:`owner_table`): parcels, area, share of farm land lost,
support tier; and the number of land users per village (:func:`owners_per_village`). Part of
:func:`gis.jobs.recovery.recover`, the one kernel of the page, the command and the export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gis.core import landuse
from gis.core.recovery_settings import RecoverySettings
from gis.jobs.recovery_measure import _drawn_areas
from gis.jobs.recovery_users import LandUsers, _column, organisations, tiers_of


def _villages_of(owners: np.ndarray, villages: pd.Series) -> pd.Series:
    """Per owner (``owners``: each row's owner as 0, 1, ... in order of first appearance), the distinct villages of
    its rows joined by "; ", in order of appearance: a join only for the few owners with parcels in more than one
    village."""
    village_codes, names = pd.factorize(villages.map(str).to_numpy(dtype=object))
    names = np.asarray(names, dtype=object)
    width = max(len(names), 1)
    pairs = pd.unique(owners.astype(np.int64) * width + village_codes)  # distinct (owner, village), as they appear
    order = np.argsort(pairs // width, kind="stable")  # by owner, each owner's villages as they appear
    owner_of, village_of = np.divmod(pairs[order], width)
    count = int(owner_of[-1]) + 1 if len(owner_of) else 0
    starts = np.searchsorted(owner_of, np.arange(count))
    out = names[village_of[starts]]
    several = np.flatnonzero(np.diff(np.r_[starts, len(owner_of)]) > 1)
    if len(several):
        ends = np.r_[starts[1:], len(owner_of)]
        for owner in several.tolist():
            out[owner] = "; ".join(names[village_of[starts[owner]:ends[owner]]].tolist())
    return pd.Series(out, dtype="str")


def owners_per_village(counted: pd.DataFrame, owner_of: np.ndarray) -> pd.Series:
    """The number of distinct land users (``owner_of``: each row's as 0, 1, ...) per village ("?" for none)."""
    village_of, names = pd.factorize(counted["village"].astype("object").fillna("?").to_numpy(dtype=object))
    width = int(owner_of.max()) + 1 if len(owner_of) else 1
    pairs = pd.unique(village_of.astype(np.int64) * width + owner_of)  # each (village, land user) once
    return pd.Series(np.bincount(pairs // width, minlength=len(names)), index=pd.Index(names, dtype=object))


def owner_table(parcels: pd.DataFrame, counted: pd.DataFrame, users: LandUsers, counted_codes: np.ndarray, *,
            settings: RecoverySettings, owners: tuple[np.ndarray, object]) -> pd.DataFrame:
    """Per land user (:func:`~gis.jobs.recovery_users.land_user_keys`; ``counted_codes`` are the codes of ``counted``'s parcels,
    ``owners`` its ``owner_id`` factorised): parcels, area, share of farm land lost, support tier.

    The share is the user's recovered farm land over all of that user's farm land in the layer (drawn
    areas, so that it never exceeds 100 %), to 0.1 %. ``household`` is False for organisations
    (:func:`~gis.jobs.recovery_users.is_organisation`: the People's Committee, village communities, schools ...), which have no
    ``tier`` and are never ``severe``: the support tiers are about households' livelihoods.
    """
    cols = ["owner_id", "owner", "village", "household", "parcels", "recovered_m2", "farm_recovered_m2", "farm_m2",
            "farm_share_pct", "tier", "severe"]
    if counted.empty:
        return pd.DataFrame(columns=cols)
    owner_of, keys = owners  # the land users as 0, 1, ... in order of first appearance, and their keys
    taken = pd.DataFrame({
        "owner": counted["owner"].astype("object").where(counted["owner"].notna(), "?"),
        "recovered_m2": counted["recovered_m2"],
        "farm_recovered_m2": counted["recovered_exact_m2"].where(counted["group"].isin(landuse.FARM_GROUPS), 0.0),
    }, index=counted.index)
    grouped = taken.groupby(owner_of, sort=False)
    index = pd.Index(np.asarray(keys, dtype=object), dtype=object)
    villages = _villages_of(owner_of, counted["village"].astype("object").where(counted["village"].notna(), "?"))
    out = pd.DataFrame({
        "owner": pd.Series(grouped["owner"].first().to_numpy(), index=index, dtype=object),
        "village": pd.Series(villages.array, index=index),
        "parcels": pd.Series(grouped.size().to_numpy(), index=index),
        "recovered_m2": pd.Series(grouped["recovered_m2"].sum().round(1).to_numpy(), index=index),
        "farm_recovered_m2": pd.Series(grouped["farm_recovered_m2"].sum().to_numpy(), index=index),
    })
    # every parcel of the users the boundary takes from (a hash look-up: numpy's isin sorts)
    mine = pd.Series(users.codes).isin(pd.unique(np.asarray(counted_codes))).to_numpy()
    farm = _column(parcels, "group", parcels.index).isin(landuse.FARM_GROUPS).to_numpy()
    drawn = _drawn_areas(parcels)  # the areas measured on reading, when the frame has them
    areas = drawn[mine] if drawn is not None else shapely.area(parcels.geometry.array.to_numpy()[mine])
    held = pd.Series(np.where(farm[mine], areas, 0.0),
                     index=parcels.index[mine])
    farm_total = held.groupby(users.codes[mine], sort=False).sum()  # by land-user code: one code, one key
    first_rows = np.unique(owner_of, return_index=True)[1]  # each owner's first row, owners in order
    out["farm_m2"] = farm_total.reindex(np.asarray(counted_codes)[first_rows]).fillna(0.0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(out["farm_m2"] > 0, out["farm_recovered_m2"] / out["farm_m2"] * 100.0, 0.0)
    out["farm_share_pct"] = np.round(np.minimum(share, 100.0), 1)
    out = out.rename_axis("owner_id").reset_index()
    out["household"] = ~organisations(out["owner"])
    eligible = out["household"].to_numpy(dtype=bool) & (out["farm_recovered_m2"].to_numpy(dtype=float) > 0)
    out["tier"] = np.where(eligible, tiers_of(out["farm_share_pct"].to_numpy(), settings=settings), "").astype(object)
    out["severe"] = out["tier"] != ""
    out = out.sort_values(["recovered_m2"], ascending=False, kind="stable").reset_index(drop=True)
    return out[cols]
