"""The land store: parcel versions valid over date intervals, and the ledger of the changes that made them.

The interface is :class:`LandStore`; :class:`SqliteLandStore` keeps one GeoPackage per dataset in the
workspace (``<workspace>/ledger/<dataset>.gpkg``, a file QGIS opens as it is). A server database (PostGIS)
can stand behind the same protocol later without touching the jobs (:mod:`gis.ledger.changes`) or the pages.

What is kept
------------
``parcel_versions`` (a feature table)
    One row per version of a parcel: ``version_id`` (unique), ``parcel_id`` (the parcel's stable identity,
    a uuid that survives changes of sheet or number), ``sheet`` and ``parcel_no`` (as text),
    ``valid_from`` (included) and ``valid_to`` (excluded; empty while the version is current), the entries
    that opened and closed it, every other attribute (JSON) and the geometry. A version is never changed nor
    deleted; the only update allowed is closing it once (``valid_to``, ``entry_to``), by SQLite triggers.
``ledger``
    One row per change: kind (:data:`KINDS`), the date it takes effect, the decision (number, date, issuing
    body), who entered it and when, the entry it reverses (for a reversal), a note and the job's parameters
    (JSON). ``ledger_parcels`` lists the versions each entry closed (``before``) and opened (``after``).
    Both are append-only (triggers): a wrong entry is undone by a reversing entry, never edited.
``clearance_stages``
    The steps of site clearance reached by each parcel of each project (:class:`StageRecord`), append-only;
    a handing over is written in the same transaction as the recovery entry it makes.

Every change (:meth:`SqliteLandStore.commit`) is one SQLite transaction taken with ``BEGIN IMMEDIATE``:
the ledger rows and the parcel versions are written together or not at all, and a change whose parcels
were changed by someone else meanwhile is refused. The state of a date ``d`` is the versions with
``valid_from <= d < valid_to``: a change dated ``d`` is in force on ``d``.

Test hook: when ``LUONGPHONG_LEDGER_PAUSE`` names a file, :meth:`SqliteLandStore.commit` writes that file
after the ledger rows and before the parcel versions, and waits until it is removed (the kill -9 test).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis import landuse
from gis.errors import DataSourceError, GisError
from gis.text import Text, texts
from gis.workspace import (
    _corrupt_error,
    _from_blob,
    _gpkg_blob,
    _rollback,
    _who,
    _writable,
    audit_mark,
    audit_since,
    log_not_saved,
    log_saved,
    now_iso,
    workspace_write_error,
)

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

VERSIONS = "parcel_versions"
LEDGER = "ledger"
LINKS = "ledger_parcels"
META = "ledger_meta"
STAGES = "clearance_stages"
PAUSE_ENV = "LUONGPHONG_LEDGER_PAUSE"
_TIMEOUT_S = 30.0
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
    :data:`gis.ledger.clearance.STAGES`), its date and document, the parcel (identity and number) and its land
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
    """What the jobs and the pages need of a store; see the module for the meaning of each part."""

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


def new_id() -> str:
    """A new stable identity (a uuid4 in hex)."""
    return uuid.uuid4().hex


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _clean(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def attrs_json(row: dict[str, Any]) -> str:
    """The attributes of a version as stored (derived and version columns left out)."""
    skip = {*DERIVED, *VERSION_COLUMNS, "geometry", "minx", "miny", "maxx", "maxy", "seq"}
    return json.dumps({k: _clean(v) for k, v in row.items() if k not in skip}, ensure_ascii=False,
                      default=_json_default)


def derive(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the derived columns (land-use code, group, drawn area) to a frame of versions, in place."""
    from gis.area import area_m2

    if "land_use" in frame.columns:
        frame["land_use"] = frame["land_use"].map(landuse.normalise)
        frame["land_use_main"] = frame["land_use"].map(landuse.primary_code)
        frame["group"] = frame["land_use"].map(landuse.group_of)
    frame["map_area_m2"] = area_m2(frame, source=VERSIONS) if len(frame) else pd.Series(dtype="float64")
    return frame


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class SqliteLandStore:
    """The land store of one dataset in a GeoPackage file (see the module); create it with :meth:`open`."""

    def __init__(self, path: Path, dataset: str, audit: Path | None = None) -> None:
        self.path = Path(path)
        self.dataset = dataset
        self.audit_path = Path(audit) if audit is not None else None
        self._audit_ready = False
        self._meta_cache: dict[str, str] | None = None

    # -- opening -------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, dataset: str, audit: str | Path | None = None) -> SqliteLandStore:
        """The store at ``path`` (made empty, without parcels, when it is not there). With ``audit`` (the
        workspace file, :class:`gis.workspace.Workspace`), every change also appends a row to the workspace's
        audit table, in the same transaction (the workspace is attached to it)."""
        store = cls(Path(path), dataset, Path(audit) if audit is not None else None)
        if not store.path.exists():
            fault = _writable(store.path)
            if fault is not None:
                raise fault
            try:
                store.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(store.path, timeout=_TIMEOUT_S, isolation_level=None)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    store._create_tables(con)
                    con.execute("COMMIT")
                finally:
                    con.close()
            except (OSError, sqlite3.Error) as exc:
                raise workspace_write_error(store.path, exc) from exc
        return store

    @staticmethod
    def _create_tables(con: sqlite3.Connection) -> None:
        """The GeoPackage's own tables and the store's (idempotent)."""
        con.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
        con.execute("PRAGMA user_version = 10300")
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER "
                    "PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, "
                    "definition TEXT NOT NULL, description TEXT)")
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT "
                    "NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL "
                    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, "
                    "max_y DOUBLE, srs_id INTEGER)")
        con.execute("CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT "
                    "NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, "
                    "m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name))")
        for srs in ((-1, "Undefined cartesian SRS", "NONE", -1, "undefined"),
                    (0, "Undefined geographic SRS", "NONE", 0, "undefined")):
            con.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_id, srs_name, organization, "
                        "organization_coordsys_id, definition) VALUES (?, ?, ?, ?, ?)", srs)
        con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute(f"CREATE TABLE IF NOT EXISTS {VERSIONS} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, "
                    "version_id TEXT NOT NULL UNIQUE, parcel_id TEXT NOT NULL, sheet TEXT, parcel_no TEXT, "
                    "land_use TEXT, owner TEXT, valid_from TEXT NOT NULL, valid_to TEXT, entry_from INTEGER NOT "
                    "NULL, entry_to INTEGER, seq INTEGER NOT NULL, minx REAL, miny REAL, maxx REAL, maxy REAL, "
                    "attrs TEXT NOT NULL)")
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{VERSIONS}_parcel ON {VERSIONS}(parcel_id)")
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{VERSIONS}_valid ON {VERSIONS}(valid_to, valid_from)")
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{VERSIONS}_number ON {VERSIONS}(sheet, parcel_no)")
        con.execute(f"CREATE TABLE IF NOT EXISTS {LEDGER} (entry_id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT "
                    "NOT NULL, date TEXT NOT NULL, decision_no TEXT NOT NULL, decision_date TEXT, issuing_body "
                    f"TEXT, note TEXT, entered_by TEXT NOT NULL, entered_at TEXT NOT NULL, reverses INTEGER "
                    f"REFERENCES {LEDGER}(entry_id), detail TEXT)")
        con.execute(f"CREATE TABLE IF NOT EXISTS {LINKS} (entry_id INTEGER NOT NULL REFERENCES {LEDGER}(entry_id), "
                    "role TEXT NOT NULL CHECK (role IN ('before', 'after')), version_id TEXT NOT NULL, "
                    "parcel_id TEXT NOT NULL)")
        SqliteLandStore._create_stages(con)
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{LINKS}_entry ON {LINKS}(entry_id)")
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{LINKS}_parcel ON {LINKS}(parcel_id)")
        for table in (LEDGER, LINKS):
            for event in ("UPDATE", "DELETE"):
                con.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{event.lower()} BEFORE {event} ON {table} "
                            f"BEGIN SELECT RAISE(ABORT, 'the {table} table is append-only'); END")
        con.execute(f"CREATE TRIGGER IF NOT EXISTS {VERSIONS}_no_delete BEFORE DELETE ON {VERSIONS} "
                    "BEGIN SELECT RAISE(ABORT, 'parcel versions are never deleted'); END")
        con.execute(
            f"CREATE TRIGGER IF NOT EXISTS {VERSIONS}_close_only BEFORE UPDATE ON {VERSIONS} WHEN "
            "OLD.valid_to IS NOT NULL OR NEW.geom IS NOT OLD.geom OR NEW.attrs IS NOT OLD.attrs OR "
            "NEW.version_id IS NOT OLD.version_id OR NEW.parcel_id IS NOT OLD.parcel_id OR NEW.sheet IS NOT "
            "OLD.sheet OR NEW.parcel_no IS NOT OLD.parcel_no OR NEW.valid_from IS NOT OLD.valid_from OR "
            "NEW.entry_from IS NOT OLD.entry_from OR NEW.land_use IS NOT OLD.land_use OR NEW.owner IS NOT "
            "OLD.owner OR NEW.seq IS NOT OLD.seq "
            "BEGIN SELECT RAISE(ABORT, 'a parcel version is only ever closed, once'); END")
        for table, kind, what in ((LEDGER, "attributes", "the changes of the parcels"),
                                  (LINKS, "attributes", "parcel versions closed and opened by each change")):
            con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
                        "VALUES (?, ?, ?, ?)", (table, kind, table, what))

    @staticmethod
    def _create_stages(con: sqlite3.Connection) -> None:
        con.execute(f"CREATE TABLE IF NOT EXISTS {STAGES} (fid INTEGER PRIMARY KEY AUTOINCREMENT, project TEXT NOT "
                    "NULL, parcel_id TEXT NOT NULL, ref TEXT NOT NULL, land_user TEXT, stage TEXT NOT NULL, date TEXT "
                    "NOT NULL, document TEXT, note TEXT, entered_by TEXT NOT NULL, entered_at TEXT NOT NULL, "
                    f"entry_id INTEGER REFERENCES {LEDGER}(entry_id))")
        con.execute(f"CREATE INDEX IF NOT EXISTS ix_{STAGES}_project ON {STAGES}(project, parcel_id)")
        for event in ("UPDATE", "DELETE"):
            con.execute(f"CREATE TRIGGER IF NOT EXISTS {STAGES}_no_{event.lower()} BEFORE {event} ON {STAGES} "
                        f"BEGIN SELECT RAISE(ABORT, 'the {STAGES} table is append-only'); END")
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES (?, 'attributes', ?, 'site clearance, parcel by parcel')", (STAGES, STAGES))

    def _register_geometry(self, con: sqlite3.Connection, crs: CRS) -> int:
        """Register the versions table as the GeoPackage's feature table in ``crs``; returns its srs_id."""
        epsg = crs.to_epsg()
        srs_id = int(epsg) if epsg else 100000
        con.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys (srs_id, srs_name, organization, "
                    "organization_coordsys_id, definition) VALUES (?, ?, ?, ?, ?)",
                    (srs_id, crs.name, "EPSG" if epsg else "NONE", srs_id, crs.to_wkt()))
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
                    "VALUES (?, 'features', ?, 'every version of every parcel', ?)", (VERSIONS, VERSIONS, srs_id))
        con.execute("INSERT OR IGNORE INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
                    "srs_id, z, m) VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)", (VERSIONS, srs_id))
        return srs_id

    # -- reading -------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise _corrupt_error(self.path, exc) from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            con = self._connect()
            try:
                return con.execute(sql, params).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise _corrupt_error(self.path, exc) from exc

    def _meta(self) -> dict[str, str]:
        if self._meta_cache is None:
            meta = dict(self._query(f"SELECT key, value FROM {META}"))
            if "crs" not in meta:
                return meta
            self._meta_cache = meta
        return self._meta_cache

    def is_seeded(self) -> bool:
        return "crs" in self._meta()

    @property
    def crs(self) -> CRS:
        return CRS.from_wkt(self._meta()["crs"])

    @property
    def srs_id(self) -> int:
        return int(self._meta()["srs_id"])

    def meta(self) -> dict[str, str]:
        """What the store records of its seed: ``dataset``, ``source``, ``data_date``, ``seeded_at``, ``crs``."""
        return dict(self._meta())

    def _frame(self, rows: list[tuple]) -> gpd.GeoDataFrame:
        """Versions rows (``_SELECT`` order) to a frame with the dataset's columns, dtypes and derived columns."""
        meta = self._meta()
        columns: list[str] = json.loads(meta.get("columns", "[]"))
        dtypes: dict[str, str] = json.loads(meta.get("dtypes", "{}"))
        records = [json.loads(r[7]) for r in rows]
        extra = sorted({k for rec in records for k in rec} - set(columns))
        data: dict[str, list[Any]] = {c: [rec.get(c) for rec in records] for c in (*columns, *extra)}
        for pos, col in enumerate(VERSION_COLUMNS):
            data[col] = [r[pos] for r in rows]
        data["seq"] = [r[6] for r in rows]
        frame = pd.DataFrame(data)
        for col in ("entry_from", "entry_to"):
            frame[col] = pd.array(data[col], dtype="Int64")
        known = {c: t for c, t in dtypes.items() if c in frame.columns}
        try:
            frame = frame.astype(known)
        except (TypeError, ValueError):  # a value of another type entered later: cast column by column
            for col, dtype in known.items():
                try:
                    frame[col] = frame[col].astype(dtype)
                except (TypeError, ValueError):
                    pass
        geoms = [_from_blob(r[8]) for r in rows]
        out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)
        return derive(out)

    _SELECT = f"SELECT version_id, parcel_id, valid_from, valid_to, entry_from, entry_to, seq, attrs, geom FROM {VERSIONS}"

    def as_of(self, date: dt.date | None = None, *, bbox: tuple[float, float, float, float] | None = None
              ) -> gpd.GeoDataFrame:
        if date is None:
            where, params = "valid_to IS NULL", list[Any]()
        else:
            day = date.isoformat()
            where, params = "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", list[Any]([day, day])
        if bbox is not None:
            where += " AND maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?"
            params += [bbox[0], bbox[2], bbox[1], bbox[3]]
        return self._frame(self._query(f"{self._SELECT} WHERE {where} ORDER BY seq, fid", params))

    def versions(self, version_ids: Iterable[str] | None = None, *, parcel_ids: Iterable[str] | None = None
                 ) -> gpd.GeoDataFrame:
        if version_ids is None and parcel_ids is None:
            return self._frame(self._query(f"{self._SELECT} ORDER BY fid"))
        column, ids = ("version_id", list(version_ids)) if version_ids is not None else \
            ("parcel_id", list(parcel_ids or []))
        rows: list[tuple] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._query(f"{self._SELECT} WHERE {column} IN ({marks}) ORDER BY fid", chunk)
        return self._frame(rows)

    def find(self, sheet: object, parcel_no: object, *, date: dt.date | None = None) -> gpd.GeoDataFrame:
        """The versions numbered ``sheet``/``parcel_no`` in force on ``date`` (current when None)."""
        params: list[Any] = [key_text(sheet), key_text(parcel_no)]
        where = "sheet = ? AND parcel_no = ?"
        if date is None:
            where += " AND valid_to IS NULL"
        else:
            where += " AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
            params += [date.isoformat(), date.isoformat()]
        return self._frame(self._query(f"{self._SELECT} WHERE {where} ORDER BY fid", params))

    def ever_numbered(self, sheet: object, parcel_no: object) -> list[str]:
        """The parcel ids that have ever carried ``sheet``/``parcel_no``, oldest first."""
        rows = self._query(f"SELECT parcel_id, MIN(fid) FROM {VERSIONS} WHERE sheet = ? AND parcel_no = ? "
                           "GROUP BY parcel_id ORDER BY MIN(fid)", (key_text(sheet), key_text(parcel_no)))
        return [r[0] for r in rows]

    def sheet_numbers(self, sheet: str) -> list[str]:
        return [r[0] for r in self._query(f"SELECT DISTINCT parcel_no FROM {VERSIONS} WHERE sheet = ?",
                                          (key_text(sheet),))]

    def _entries(self, where: str = "", params: Sequence[Any] = ()) -> list[Entry]:
        rows = self._query(f"SELECT entry_id, kind, date, decision_no, decision_date, issuing_body, note, entered_by, "
                           f"entered_at, reverses, detail FROM {LEDGER} {where} ORDER BY date, entry_id", params)
        if not rows:
            return []
        ids = [r[0] for r in rows]
        links: dict[int, dict[str, list[tuple[str, str]]]] = {i: {"before": [], "after": []} for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for entry_id, role, version_id, parcel_id in self._query(
                    f"SELECT entry_id, role, version_id, parcel_id FROM {LINKS} WHERE entry_id IN ({marks}) "
                    "ORDER BY rowid", chunk):
                links[entry_id][role].append((version_id, parcel_id))
        out = []
        for r in rows:
            link = links[r[0]]
            out.append(Entry(
                entry_id=int(r[0]), kind=r[1], date=dt.date.fromisoformat(r[2]),
                decision=Decision(r[3], _date(r[4]), r[5] or ""), note=r[6] or "", entered_by=r[7],
                entered_at=r[8], reverses=r[9], before=tuple(v for v, _ in link["before"]),
                after=tuple(v for v, _ in link["after"]), before_parcels=tuple(p for _, p in link["before"]),
                after_parcels=tuple(p for _, p in link["after"]), detail=json.loads(r[10] or "{}")))
        return out

    def entries(self, *, date_from: dt.date | None = None, date_to: dt.date | None = None,
                parcel_ids: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> list[Entry]:
        clauses: list[str] = []
        params: list[Any] = []
        if kinds is not None:
            wanted = list(kinds)
            if not wanted:
                return []
            clauses.append(f"kind IN ({','.join('?' * len(wanted))})")
            params += wanted
        if date_from is not None:
            clauses.append("date >= ?")
            params.append(date_from.isoformat())
        if date_to is not None:
            clauses.append("date <= ?")
            params.append(date_to.isoformat())
        if parcel_ids is not None:
            ids = list(parcel_ids)
            if not ids:
                return []
            clauses.append(f"entry_id IN (SELECT entry_id FROM {LINKS} WHERE parcel_id IN "
                           f"({','.join('?' * len(ids))}))")
            params += ids
        return self._entries("WHERE " + " AND ".join(clauses) if clauses else "", params)

    def entry(self, entry_id: int) -> Entry:
        found = self._entries("WHERE entry_id = ?", (int(entry_id),))
        if not found:
            raise LedgerError(f"Sổ biến động không có mục số {entry_id} (xem «python -m gis changes list»).",
                              f"The ledger has no entry {entry_id} (see 'python -m gis changes list').")
        return found[0]

    def reversed_by(self) -> dict[int, int]:
        """Entry id -> the id of the entry that reverses it."""
        return {int(a): int(b) for a, b in self._query(
            f"SELECT reverses, entry_id FROM {LEDGER} WHERE reverses IS NOT NULL")}

    # -- writing -------------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write: ``BEGIN IMMEDIATE`` with the workspace attached for its audit row, ``COMMIT`` at the end
        (unless the body rolled back itself), ``ROLLBACK`` on any failure, SQLite's errors told as workspace
        faults (:func:`gis.workspace.workspace_write_error`)."""
        fault = _writable(self.path)
        if fault is not None:
            raise fault
        if self.audit_path is not None and not self._audit_ready:
            from gis.workspace import Workspace

            workspace = Workspace.open(self.audit_path)  # made the first time, else checked
            with workspace._transaction() as ws_con:
                workspace._ensure_schema(ws_con)
            self._audit_ready = True
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
            if self.audit_path is not None:
                con.execute("ATTACH DATABASE ? AS ws", (str(self.audit_path),))
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise workspace_write_error(self.path, exc) from exc
        audit = "ws.audit" if self.audit_path is not None else None
        mark = audit_mark(con, audit) if audit else 0
        saved: list[tuple[str, str, str]] = []
        try:
            yield con
            if con.in_transaction:
                con.execute("COMMIT")
                saved = audit_since(con, mark, audit) if audit else []
        except sqlite3.Error as exc:
            _rollback(con)
            error = workspace_write_error(self.path, exc)
            log_not_saved(self.path, error, root=self._log_root)
            raise error from exc
        except BaseException as exc:
            _rollback(con)
            log_not_saved(self.path, exc, root=self._log_root)
            raise
        finally:
            con.close()
        log_saved(self.path, saved, root=self._log_root)

    @property
    def _log_root(self) -> Path:
        """The workspace folder whose log records this store's saves."""
        return (self.audit_path or self.path).parent

    def _audit(self, con: sqlite3.Connection, *, by: str, action: str, obj: str) -> None:
        """Append the workspace's audit row of a change, in the change's transaction (when there is a workspace)."""
        if self.audit_path is not None:
            con.execute("INSERT INTO ws.audit (at, user, action, object) VALUES (?, ?, ?, ?)",
                        (now_iso(), by, action, obj))

    def _insert_entry(self, con: sqlite3.Connection, entry: NewEntry, *, by: str) -> tuple[int, str]:
        if entry.kind not in KINDS:
            raise LedgerError(f"Loại biến động «{entry.kind}» không có (dùng: {', '.join(KINDS[1:])}).",
                              f"Unknown kind of change '{entry.kind}' (known: {', '.join(KINDS[1:])}).")
        stamp = now_iso()
        cur = con.execute(
            f"INSERT INTO {LEDGER} (kind, date, decision_no, decision_date, issuing_body, note, entered_by, "
            "entered_at, reverses, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.kind, entry.date.isoformat(), entry.decision.number,
             entry.decision.date.isoformat() if entry.decision.date else None, entry.decision.body, entry.note,
             by, stamp, entry.reverses, json.dumps(entry.detail, ensure_ascii=False, default=_json_default)))
        return int(cur.lastrowid or 0), stamp

    def _insert_versions(self, con: sqlite3.Connection, frame: gpd.GeoDataFrame, *, entry_id: int, day: str
                         ) -> list[tuple[str, str]]:
        srs_id = self.srs_id
        next_seq = int(con.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {VERSIONS}").fetchone()[0])
        geoms = frame.geometry.to_numpy()
        bounds = shapely.bounds(geoms)
        rows = []
        written = []
        records = frame.drop(columns=frame.geometry.name).to_dict(orient="records")
        for pos, record in enumerate(records):
            version_id = record.get("version_id")
            if not isinstance(version_id, str) or not version_id:
                version_id = new_id()
            parcel_id = str(record["parcel_id"])
            seq = record.get("seq")
            if seq is None or (isinstance(seq, float) and np.isnan(seq)):
                seq = next_seq
                next_seq += 1
            minx, miny, maxx, maxy = (float(b) for b in bounds[pos])
            rows.append((_gpkg_blob(geoms[pos], srs_id), version_id, parcel_id, key_text(record.get("sheet")),
                         key_text(record.get("parcel_no")), _clean(record.get("land_use")),
                         _clean(record.get("owner")), day, entry_id, int(seq), minx, miny, maxx, maxy,
                         attrs_json(record)))
            written.append((version_id, parcel_id))
        con.executemany(
            f"INSERT INTO {VERSIONS} (geom, version_id, parcel_id, sheet, parcel_no, land_use, owner, valid_from, "
            "entry_from, seq, minx, miny, maxx, maxy, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
        return written

    def seed(self, parcels: gpd.GeoDataFrame, *, date: dt.date, by: str | None = None, note: str = "",
             source: str = "") -> Entry:
        if parcels.crs is None:
            raise DataSourceError("Lớp thửa đất không có hệ tọa độ: không ghi được vào sổ biến động.",
                                  "The parcel layer has no CRS: it cannot be written to the ledger.")
        who = _who(by)
        frame = parcels.copy()
        frame["parcel_id"] = [new_id() for _ in range(len(frame))]
        frame["seq"] = np.arange(1, len(frame) + 1)
        columns = [c for c in parcels.columns if c != parcels.geometry.name and c not in DERIVED]
        dtypes = {c: str(parcels[c].dtype) for c in columns}
        try:
            with self._transaction() as con:
                if con.execute(f"SELECT 1 FROM {META} WHERE key = 'crs'").fetchone():
                    con.execute("ROLLBACK")
                    entries = self._entries("WHERE kind = 'initial'")
                    return entries[0]
                srs_id = self._register_geometry(con, CRS.from_user_input(parcels.crs))
                meta = {"dataset": self.dataset, "source": source, "data_date": date.isoformat(),
                        "seeded_at": now_iso(), "crs": CRS.from_user_input(parcels.crs).to_wkt(),
                        "srs_id": str(srs_id), "columns": json.dumps(columns), "dtypes": json.dumps(dtypes)}
                con.executemany(f"INSERT INTO {META} (key, value) VALUES (?, ?)", list(meta.items()))
                self._meta_cache = meta
                entry_id, _ = self._insert_entry(con, NewEntry("initial", date, Decision(""), note=note,
                                                               detail={"source": source, "parcels": len(frame)}),
                                                 by=who)
                written = self._insert_versions(con, frame, entry_id=entry_id, day=date.isoformat())
                con.executemany(f"INSERT INTO {LINKS} (entry_id, role, version_id, parcel_id) VALUES (?, 'after', ?, ?)",
                                [(entry_id, v, p) for v, p in written])
                self._audit(con, by=who, action="ledger_initial",
                            obj=f"{LEDGER}/{self.dataset}#{entry_id}: {len(written)} parcels from {source}")
        except BaseException:
            self._meta_cache = None
            raise
        return self.entry(entry_id)

    def commit(self, entry: NewEntry, *, ends: Sequence[str], adds: gpd.GeoDataFrame, by: str | None = None,
               stages: Sequence[StageRecord] = ()) -> Entry:
        who = _who(by)
        day = entry.date.isoformat()
        if not self.is_seeded():
            raise LedgerError("Sổ biến động chưa có hiện trạng ban đầu.", "The ledger has no initial state yet.")
        with self._transaction() as con:
            for version_id in ends:
                row = con.execute(f"SELECT valid_from, valid_to, sheet, parcel_no FROM {VERSIONS} "
                                  "WHERE version_id = ?", (version_id,)).fetchone()
                if row is None or row[1] is not None:
                    what = f"{row[2]}/{row[3]}" if row else version_id
                    raise LedgerError(
                        f"Thửa {what} vừa được người khác thay đổi (không còn là hiện trạng): biến động chưa được "
                        "ghi. Hãy tải lại và làm lại.",
                        f"Parcel {what} has just been changed by someone else (it is no longer current): the change "
                        "was not written. Reload and do it again.")
                if row[0] > day:
                    raise LedgerError(
                        f"Ngày biến động {day} trước ngày thửa {row[2]}/{row[3]} có hiện trạng này ({row[0]}): biến "
                        "động phải ghi theo thứ tự thời gian. Hãy kiểm tra ngày.",
                        f"The change's date {day} is before parcel {row[2]}/{row[3]} took its present form "
                        f"({row[0]}): changes are entered in order of time. Check the date.")
            entry_id, _ = self._insert_entry(con, entry, by=who)
            con.executemany(f"INSERT INTO {LINKS} (entry_id, role, version_id, parcel_id) SELECT ?, 'before', "
                            f"version_id, parcel_id FROM {VERSIONS} WHERE version_id = ?",
                            [(entry_id, v) for v in ends])
            adds = adds.copy()
            if "version_id" not in adds.columns:
                adds["version_id"] = None
            adds["version_id"] = [v if isinstance(v, str) and v else new_id() for v in adds["version_id"]]
            con.executemany(f"INSERT INTO {LINKS} (entry_id, role, version_id, parcel_id) VALUES (?, 'after', ?, ?)",
                            [(entry_id, v, str(p)) for v, p in zip(adds["version_id"], adds["parcel_id"],
                                                                    strict=True)])
            _pause_for_test()
            con.executemany(f"UPDATE {VERSIONS} SET valid_to = ?, entry_to = ? WHERE version_id = ?",
                            [(day, entry_id, v) for v in ends])
            self._insert_versions(con, adds, entry_id=entry_id, day=day)
            if stages:
                self._insert_stages(con, [replace(r, entry_id=entry_id) for r in stages], by=who)
            self._audit(con, by=who, action=f"ledger_{entry.kind}", obj=f"{LEDGER}/{self.dataset}#{entry_id}: "
                        f"{len(ends)} -> {len(adds)} parcel versions, {entry.decision.number}")
        return self.entry(entry_id)

    # -- site clearance ------------------------------------------------------------------------------
    def _insert_stages(self, con: sqlite3.Connection, records: Sequence[StageRecord], *, by: str) -> None:
        self._create_stages(con)
        stamp = now_iso()
        con.executemany(
            f"INSERT INTO {STAGES} (project, parcel_id, ref, land_user, stage, date, document, note, entered_by, "
            "entered_at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.project, r.parcel_id, r.ref, r.land_user, r.stage, r.date.isoformat(), r.document, r.note, by, stamp,
              r.entry_id) for r in records])

    def add_stages(self, records: Sequence[StageRecord], *, by: str | None = None) -> None:
        if not records:
            return
        who = _who(by)
        with self._transaction() as con:
            self._insert_stages(con, records, by=who)
            projects = ", ".join(sorted({r.project for r in records}))
            self._audit(con, by=who, action="clearance_stages",
                        obj=f"{STAGES}/{self.dataset}: {len(records)} steps of {projects}")

    def stages(self, project: str | None = None) -> list[StageRecord]:
        if not self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (STAGES,)):
            return []
        where, params = ("WHERE project = ?", [project]) if project is not None else ("", [])
        rows = self._query(f"SELECT project, parcel_id, ref, land_user, stage, date, document, note, entered_by, "
                           f"entered_at, entry_id FROM {STAGES} {where} ORDER BY fid", params)
        return [StageRecord(r[0], r[1], r[2], r[3] or "", r[4], dt.date.fromisoformat(r[5]), r[6] or "", r[7] or "",
                            r[8], r[9], r[10]) for r in rows]

    # -- consistency ---------------------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What is inconsistent between the ledger and the versions (empty when they agree): every entry's
        ``before`` versions closed by it on its date, every ``after`` version opened by it, every version
        opened (and closed) by an entry that lists it."""
        out: list[str] = []
        q = self._query
        out += [f"entry {e}: version {v} listed before but not closed by it" for e, v in q(
            f"SELECT l.entry_id, l.version_id FROM {LINKS} l LEFT JOIN {VERSIONS} v ON v.version_id = l.version_id "
            "AND v.entry_to = l.entry_id WHERE l.role = 'before' AND v.fid IS NULL")]
        out += [f"entry {e}: version {v} listed after but not opened by it" for e, v in q(
            f"SELECT l.entry_id, l.version_id FROM {LINKS} l LEFT JOIN {VERSIONS} v ON v.version_id = l.version_id "
            "AND v.entry_from = l.entry_id WHERE l.role = 'after' AND v.fid IS NULL")]
        out += [f"version {v}: opened by entry {e}, which does not list it" for v, e in q(
            f"SELECT v.version_id, v.entry_from FROM {VERSIONS} v LEFT JOIN {LINKS} l ON l.version_id = "
            "v.version_id AND l.entry_id = v.entry_from AND l.role = 'after' WHERE l.rowid IS NULL")]
        out += [f"version {v}: closed by entry {e}, which does not list it" for v, e in q(
            f"SELECT v.version_id, v.entry_to FROM {VERSIONS} v LEFT JOIN {LINKS} l ON l.version_id = "
            "v.version_id AND l.entry_id = v.entry_to AND l.role = 'before' WHERE v.entry_to IS NOT NULL "
            "AND l.rowid IS NULL")]
        out += [f"entry {e}: closes or opens nothing" for (e,) in q(
            f"SELECT entry_id FROM {LEDGER} WHERE entry_id NOT IN (SELECT entry_id FROM {LINKS})")]
        return out

    def replay(self) -> set[str]:
        """The current version ids rebuilt from the ledger alone: start from nothing and, entry by entry in
        order of date, remove what each closed and add what each opened (compare with :meth:`as_of`)."""
        state: set[str] = set()
        for entry in self.entries():
            missing = set(entry.before) - state
            if missing:
                raise LedgerError(f"Mục {entry.entry_id} đóng phiên bản không có trong hiện trạng: {sorted(missing)}",
                                  f"Entry {entry.entry_id} closes versions not in the state: {sorted(missing)}")
            state -= set(entry.before)
            state |= set(entry.after)
        return state


def _pause_for_test() -> None:
    """The kill -9 test's hook (see the module): announce the pause in the named file, wait until it is gone."""
    path = os.environ.get(PAUSE_ENV)
    if not path:
        return
    marker = Path(path)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    while marker.exists():
        time.sleep(0.01)
