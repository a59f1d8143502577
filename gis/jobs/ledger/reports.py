"""What the land ledger tells: the parcels of a date, a parcel's history, and the changes between two dates.

:func:`state_as_of` (the parcels of a date), :func:`dataset_as_of` (a dataset whose parcels are those of a
date, for :func:`gis.jobs.summary.summarise` and the pages), :func:`history` (a parcel's changes, parents and
children), :func:`changes_between` (what changed between two dates, by kind, land-use group and village, with
rice land and pond area lost and gained) and :func:`entries_refs` (the parcel references of entries).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import pandas as pd

from gis.core import landuse
from gis.files.io import Dataset
from gis.jobs.ledger.model import Entry, LandStore, LedgerError
from gis.jobs.ledger.parcels import parse_ref, ref_of


def state_as_of(store: LandStore, date: dt.date | None = None) -> gpd.GeoDataFrame:
    """The parcels in force on ``date`` (the current ones when None), in the dataset's schema plus
    ``parcel_id``, ``version_id``, ``valid_from``, ``valid_to``, ``entry_from``, ``entry_to``."""
    return store.as_of(date)


def dataset_as_of(dataset: Dataset, store: LandStore, date: dt.date | None = None) -> Dataset:
    """``dataset`` with its parcels replaced by those in force on ``date`` (the other layers unchanged)."""
    parcels = store.as_of(date)
    return Dataset(folder=dataset.folder, layers={**dataset.layers, "parcels": parcels}, builtin=dataset.builtin)


@dataclass
class HistoryItem:
    """One change in a parcel's history, with the parcels before and after it as ``SHEET/PARCEL``."""

    entry: Entry
    before: list[str]
    after: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {**self.entry.as_dict(), "before_refs": self.before, "after_refs": self.after}


@dataclass
class ParcelHistory:
    """A parcel's history: its identity, whether it is current, its changes (oldest first), the parcels it
    came from (``parents``) and those it became (``children``), as ``SHEET/PARCEL``."""

    ref: str
    parcel_id: str
    current: bool
    items: list[HistoryItem] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"parcel": self.ref, "parcel_id": self.parcel_id, "current": self.current,
                "parents": self.parents, "children": self.children, "changes": [i.as_dict() for i in self.items]}


def _own_initial(entry: Entry, parcel_id: str) -> Entry:
    """The initial entry cut down to the versions of ``parcel_id`` (it opened every parcel of the dataset)."""
    if entry.kind != "initial":
        return entry
    keep = [(v, p) for v, p in zip(entry.after, entry.after_parcels, strict=True) if p == parcel_id]
    return replace(entry, after=tuple(v for v, _ in keep), after_parcels=tuple(p for _, p in keep))


def history(store: LandStore, ref: str | None = None, *, parcel_id: str | None = None) -> ParcelHistory:
    """The history of parcel ``ref`` (``"SHEET/PARCEL"``; the current parcel of that number, else the last that
    had it) or of the parcel with identity ``parcel_id``."""
    if parcel_id is None:
        sheet, number = parse_ref(ref or "")
        ids = store.ever_numbered(sheet, number)
        if not ids:
            raise LedgerError(f"Không có thửa {sheet}/{number} trong sổ biến động.",
                              f"There is no parcel {sheet}/{number} in the ledger.")
        live = store.find(sheet, number)
        parcel_id = str(live["parcel_id"].iloc[0]) if len(live) else ids[-1]
    entries = [_own_initial(e, parcel_id) for e in store.entries(parcel_ids=[parcel_id])]
    version_ids = {v for e in entries for v in (*e.before, *e.after)}
    versions = store.versions(sorted(version_ids))
    refs = {r["version_id"]: ref_of(r) for _, r in versions.iterrows()}
    own = versions[versions["parcel_id"] == parcel_id]
    if own.empty:
        raise LedgerError(f"Không có thửa mang mã {parcel_id}.", f"There is no parcel with identity {parcel_id}.")
    latest = own.iloc[-1]
    out = ParcelHistory(ref=ref_of(latest), parcel_id=parcel_id, current=bool(own["valid_to"].isna().any()))
    for entry in entries:
        out.items.append(HistoryItem(entry, [refs.get(v, v) for v in entry.before],
                                     [refs.get(v, v) for v in entry.after]))
        if parcel_id in entry.after_parcels and parcel_id not in entry.before_parcels:
            out.parents += [refs[v] for v, p in zip(entry.before, entry.before_parcels, strict=True)
                            if p != parcel_id and refs.get(v) not in out.parents]
        if parcel_id in entry.before_parcels and parcel_id not in entry.after_parcels:
            out.children += [refs[v] for v, p in zip(entry.after, entry.after_parcels, strict=True)
                             if p != parcel_id and refs.get(v) not in out.children]
    return out


@dataclass
class AreaChange:
    """Area gained and lost (m²) by one land-use group or village over a period."""

    gained_m2: float = 0.0
    lost_m2: float = 0.0

    @property
    def net_m2(self) -> float:
        return self.gained_m2 - self.lost_m2

    def as_dict(self) -> dict[str, float]:
        return {"gained_m2": round(self.gained_m2, 2), "lost_m2": round(self.lost_m2, 2),
                "net_m2": round(self.net_m2, 2)}


@dataclass
class ChangeSummary:
    """What changed from ``date_from`` to ``date_to`` (both included): the entries, counted by kind; the area
    gained and lost by land-use group and by village (per entry: what its new parcels have more or less than
    the parcels it closed); rice land (``rice``) and aquaculture ponds (``ponds``) gained and lost.

    The net change of a group is the difference of its area between the state of the day before
    ``date_from`` and the state of ``date_to``."""

    date_from: dt.date | None
    date_to: dt.date | None
    entries: list[Entry]
    by_kind: dict[str, int]
    by_group: dict[str, AreaChange]
    by_village: dict[str, AreaChange]
    rice: AreaChange
    ponds: AreaChange

    def as_dict(self) -> dict[str, Any]:
        return {"date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
                "entries": len(self.entries), "by_kind": self.by_kind,
                "by_group": {k: v.as_dict() for k, v in self.by_group.items()},
                "by_village": {k: v.as_dict() for k, v in self.by_village.items()},
                "rice": self.rice.as_dict(), "ponds": self.ponds.as_dict()}


def _add(target: dict[str, AreaChange], key: str, delta: float) -> None:
    item = target.setdefault(key, AreaChange())
    if delta > 0:
        item.gained_m2 += delta
    elif delta < 0:
        item.lost_m2 -= delta


def _sums(frame: gpd.GeoDataFrame, key: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in frame["map_area_m2"].groupby(key.fillna("?")).sum().items()}


def changes_between(store: LandStore, date_from: dt.date | None = None, date_to: dt.date | None = None
                    ) -> ChangeSummary:
    """The changes dated from ``date_from`` to ``date_to`` (both included; open ends when None), summarised
    (see :class:`ChangeSummary`). The initial state is not a change."""
    entries = [e for e in store.entries(date_from=date_from, date_to=date_to) if e.kind != "initial"]
    ids = sorted({v for e in entries for v in (*e.before, *e.after)})
    versions = store.versions(ids).set_index("version_id", drop=False) if ids else None
    by_kind: dict[str, int] = {}
    by_group: dict[str, AreaChange] = {}
    by_village: dict[str, AreaChange] = {}
    rice, ponds = AreaChange(), AreaChange()
    for entry in entries:
        by_kind[entry.kind] = by_kind.get(entry.kind, 0) + 1
        if versions is None:
            continue
        before = versions.loc[list(entry.before)] if entry.before else versions.iloc[0:0]
        after = versions.loc[list(entry.after)] if entry.after else versions.iloc[0:0]
        for attr, target in (("group", by_group), ("village", by_village)):
            if attr not in versions.columns:
                continue
            was, now = _sums(before, before[attr]), _sums(after, after[attr])
            for key in sorted({*was, *now}):
                _add(target, key, now.get(key, 0.0) - was.get(key, 0.0))
        for codes, item in ((landuse.RICE_CODES, rice), (landuse.AQUACULTURE_CODES, ponds)):
            delta = float(after.loc[after["land_use_main"].isin(codes), "map_area_m2"].sum()
                          - before.loc[before["land_use_main"].isin(codes), "map_area_m2"].sum())
            if delta > 0:
                item.gained_m2 += delta
            else:
                item.lost_m2 -= delta
    return ChangeSummary(date_from, date_to, entries, dict(sorted(by_kind.items())), by_group, by_village,
                         rice, ponds)


def entries_refs(store: LandStore, entries: Iterable[Entry]) -> dict[str, str]:
    """Version id -> ``SHEET/PARCEL`` for every version the ``entries`` closed or opened (for listings)."""
    ids = sorted({v for e in entries for v in (*e.before, *e.after)})
    if not ids:
        return {}
    return {r["version_id"]: ref_of(r) for _, r in store.versions(ids).iterrows()}
