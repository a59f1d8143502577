"""What the land ledger is made of, and what a store of it must do: the kinds of change, a change's
decision and entry, a clearance step, and the :class:`LandStore` protocol the jobs and pages use.

A store keeps parcel versions valid over date intervals and the ledger of the changes that made them (see
:mod:`gis.jobs.ledger.store` for the SQLite implementation and what it keeps); nothing here reads or writes one.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
from pyproj import CRS

from gis.core.errors import GisError
from gis.core.text import Text, texts

#: The kinds of change; ``initial`` is the first state, seeded from the dataset's parcels.
KINDS = ("initial", "split", "merge", "change_land_use", "change_land_user", "correct_geometry", "correct_area",
         "recovery", "reversal")

#: Kind -> (Vietnamese, English) label.
KIND_LABELS: dict[str, Text] = texts({
    "initial": ("Hiện trạng ban đầu", "Initial state"),
    "split": ("Tách thửa", "Split"),
    "merge": ("Hợp thửa", "Merge"),
    "change_land_use": ("Chuyển mục đích sử dụng đất", "Change of land use"),
    "change_land_user": ("Chuyển quyền sử dụng đất", "Change of land user"),
    "correct_geometry": ("Chỉnh lý hình thể thửa", "Correction of geometry"),
    "correct_area": ("Chỉnh lý diện tích", "Correction of area"),
    "recovery": ("Thu hồi đất", "Recovery"),
    "reversal": ("Hủy bỏ biến động đã ghi", "Reversal"),
})


#: Columns recomputed on reading (never stored in ``attrs``).
DERIVED = ("land_use_main", "group", "map_area_m2")
#: Columns of the versions table besides ``attrs`` and the geometry, as :meth:`LandStore.as_of` returns them.
VERSION_COLUMNS = ("version_id", "parcel_id", "valid_from", "valid_to", "entry_from", "entry_to")



class LedgerError(GisError):
    """A change that cannot be made (a parcel not found, a refused geometry, a date out of order)."""


@dataclass(frozen=True)
class Decision:
    """The document that decides a change: its number, date and issuing body."""

    number: str
    date: dt.date | None = None
    body: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "date": self.date.isoformat() if self.date else None, "body": self.body}


@dataclass(frozen=True)
class Entry:
    """One change of the ledger: what kind, when in force, decided by which document, entered by whom and when,
    the versions it closed (``before``) and opened (``after``) and the parcels they are versions of."""

    entry_id: int
    kind: str
    date: dt.date
    decision: Decision
    entered_by: str
    entered_at: str
    note: str = ""
    reverses: int | None = None
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    before_parcels: tuple[str, ...] = ()
    after_parcels: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        return KIND_LABELS.get(self.kind, Text(self.kind, self.kind))(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "kind": self.kind, "date": self.date.isoformat(),
                "decision": self.decision.as_dict(), "entered_by": self.entered_by, "entered_at": self.entered_at,
                "note": self.note, "reverses": self.reverses, "before": list(self.before),
                "after": list(self.after), "before_parcels": list(self.before_parcels),
                "after_parcels": list(self.after_parcels), "detail": self.detail}


@dataclass(frozen=True)
class NewEntry:
    """A change to commit: everything of an :class:`Entry` that the store does not assign."""

    kind: str
    date: dt.date
    decision: Decision
    note: str = ""
    reverses: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StageRecord:
    """One step of site clearance (giải phóng mặt bằng) reached by a parcel of a project: the stage (see
    :data:`gis.jobs.ledger.clearance.STAGES`), its date and document, the parcel (identity and number) and its land
    user at the time, a note, who entered it and when, and the ledger entry of the recovery it made (handing
    over the land), if any."""

    project: str
    parcel_id: str
    ref: str
    land_user: str
    stage: str
    date: dt.date
    document: str = ""
    note: str = ""
    entered_by: str = ""
    entered_at: str = ""
    entry_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "parcel_id": self.parcel_id, "parcel": self.ref,
                "land_user": self.land_user, "stage": self.stage, "date": self.date.isoformat(),
                "document": self.document, "note": self.note, "entered_by": self.entered_by,
                "entered_at": self.entered_at, "entry_id": self.entry_id}


class LandStore(Protocol):
    """What the jobs and the pages need of a store; see :mod:`gis.jobs.ledger.store` for the meaning of each part."""

    dataset: str

    def is_seeded(self) -> bool:
        """Whether the first state has been written."""
        ...

    def seed(self, parcels: gpd.GeoDataFrame, *, date: dt.date, by: str | None = None, note: str = "") -> Entry:
        """Write ``parcels`` (internal schema) as the first state, valid from ``date``: the ``initial`` entry."""
        ...

    def as_of(self, date: dt.date | None = None, *, bbox: tuple[float, float, float, float] | None = None
              ) -> gpd.GeoDataFrame:
        """The parcel versions in force on ``date`` (the current ones when None), optionally only those whose
        box meets ``bbox``; the dataset's columns plus :data:`VERSION_COLUMNS`."""
        ...

    def versions(self, version_ids: Iterable[str] | None = None, *, parcel_ids: Iterable[str] | None = None
                 ) -> gpd.GeoDataFrame:
        """Versions by id or by parcel id (all when both are None), in the frame of :meth:`as_of`."""
        ...

    def entries(self, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                parcel_ids: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> list[Entry]:
        """The ledger, by date then entry id, optionally limited to dates in ``[date_from, date_to]``, to
        entries touching ``parcel_ids`` and to entries of the ``kinds`` given."""
        ...

    def entry(self, entry_id: int) -> Entry:
        """One entry; :class:`LedgerError` when there is none."""
        ...

    def commit(self, entry: NewEntry, *, ends: Sequence[str], adds: gpd.GeoDataFrame, by: str | None = None,
               stages: Sequence[StageRecord] = ()) -> Entry:
        """Write ``entry``, close the versions ``ends`` on its date and open ``adds`` (frame of :meth:`as_of`
        columns; ``parcel_id`` given, ``version_id`` assigned when missing), and the clearance ``stages`` it
        completes (their ``entry_id`` set to the new entry's), all or nothing."""
        ...

    def stages(self, project: str | None = None) -> list[StageRecord]:
        """The clearance steps recorded (of ``project``, or every project), oldest first."""
        ...

    def add_stages(self, records: Sequence[StageRecord], *, by: str | None = None) -> None:
        """Append clearance steps, all or nothing."""
        ...

    def sheet_numbers(self, sheet: str) -> list[str]:
        """Every parcel number ever used on ``sheet`` (any version)."""
        ...

    def find(self, sheet: object, parcel_no: object, *, date: dt.date | None = None) -> gpd.GeoDataFrame:
        """The versions numbered ``sheet``/``parcel_no`` in force on ``date`` (current when None)."""
        ...

    def ever_numbered(self, sheet: object, parcel_no: object) -> list[str]:
        """The parcel ids that have ever carried ``sheet``/``parcel_no``, oldest first."""
        ...

    @property
    def crs(self) -> CRS:
        """The CRS of the parcels."""
        ...


def key_text(value: object) -> str:
    """A sheet or parcel number as the text it is compared by: ``12``, ``12.0`` and ``"012"`` give ``"12"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if number.is_integer():
        return str(int(number))
    return text


_ID_LOCK = threading.Lock()
_ID_CLOCK = [0, 0]  # the last millisecond given and the next counter in it
_COUNTER_BITS = 30


def new_ids(count: int) -> list[str]:
    """``count`` new stable identities: UUIDs of version 7 (RFC 9562, section 5.7) in hex, in increasing order.

    A version 7 UUID starts with the time in milliseconds, so a ledger's indexes on its ids grow at their end
    instead of at random places: seeding a million parcels took half the CPU time of random (version 4) ids
    (24 s against 49 s, on the benchmarks' machine). Here the 30 bits after the time are a counter (RFC 9562, section 6.2, method 1),
    so ids given in the same millisecond, in this process, are still increasing and never equal; the last 44
    bits are random, for ids given in the same millisecond by another process.
    """
    if count <= 0:
        return []
    with _ID_LOCK:
        ms = time.time_ns() // 1_000_000
        last, counter = _ID_CLOCK
        if ms <= last:
            ms = last
        else:
            counter = 0
        if counter + count >= 1 << _COUNTER_BITS:  # (a billion ids in a millisecond) borrow the next one
            ms, counter = ms + 1, 0
        _ID_CLOCK[:] = [ms, counter + count]
    counters = np.arange(counter, counter + count, dtype=np.uint64)
    random = np.frombuffer(os.urandom(8 * count), dtype=np.uint64) & np.uint64((1 << 44) - 1)
    words = np.empty((count, 2), dtype=">u8")
    words[:, 0] = np.uint64(ms << 16 | 0x7 << 12) | (counters >> np.uint64(18))
    words[:, 1] = np.uint64(0b10 << 62) | ((counters & np.uint64((1 << 18) - 1)) << np.uint64(44)) | random
    text = words.tobytes().hex()
    return [text[i:i + 32] for i in range(0, 32 * count, 32)]


def new_id() -> str:
    """A new stable identity (see :func:`new_ids`)."""
    return new_ids(1)[0]
