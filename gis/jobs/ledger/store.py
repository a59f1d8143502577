"""The land store: parcel versions valid over date intervals, and the ledger of the changes that made them.

The interface is :class:`~gis.jobs.ledger.model.LandStore`; :class:`SqliteLandStore` keeps one GeoPackage per dataset in the
workspace (``<workspace>/ledger/<dataset>.gpkg``, a file QGIS opens as it is). A server database (PostGIS)
can stand behind the same protocol later without touching the jobs (:mod:`gis.jobs.ledger.changes`) or the pages.

The tables are described in :mod:`gis.jobs.ledger.schema`, the kinds of change and the protocol in
:mod:`gis.jobs.ledger.model`.

Every change (:meth:`SqliteLandStore.commit`) is one SQLite transaction taken with ``BEGIN IMMEDIATE``:
the ledger rows and the parcel versions are written together or not at all, and a change whose parcels
were changed by someone else meanwhile is refused. The state of a date ``d`` is the versions with
``valid_from <= d < valid_to``: a change dated ``d`` is in force on ``d``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from gis.core.errors import DataSourceError
from gis.jobs.ledger.model import (
    DERIVED,
    VERSION_COLUMNS,
    Decision,
    Entry,
    LedgerError,
    NewEntry,
    StageRecord,
    key_text,
    new_id,
    new_ids,
)
from gis.jobs.ledger.schema import (
    LEDGER,
    LINKS,
    META,
    STAGES,
    VERSIONS,
    create_tables,
    derive,
    insert_entry,
    insert_stages,
    insert_versions,
    pause_for_test,
    register_geometry,
)
from gis.store.faults import corrupt_error, workspace_write_error, writable
from gis.store.gpkg import from_blob, transaction
from gis.store.rows import TIMEOUT_S, acting_user, now_iso


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
        workspace file, :class:`gis.store.workspace.Workspace`), every change also appends a row to the workspace's
        audit table, in the same transaction (the workspace is attached to it)."""
        store = cls(Path(path), dataset, Path(audit) if audit is not None else None)
        if not store.path.exists():
            fault = writable(store.path)
            if fault is not None:
                raise fault
            try:
                store.path.parent.mkdir(parents=True, exist_ok=True)
                con = sqlite3.connect(store.path, timeout=TIMEOUT_S, isolation_level=None)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    create_tables(con)
                    con.execute("COMMIT")
                finally:
                    con.close()
            except (OSError, sqlite3.Error) as exc:
                raise workspace_write_error(store.path, exc) from exc
        return store

    # -- reading -------------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=TIMEOUT_S)
        except sqlite3.Error as exc:
            raise corrupt_error(self.path, exc) from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        try:
            con = self._connect()
            try:
                return con.execute(sql, params).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise corrupt_error(self.path, exc) from exc

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
        geoms = [from_blob(r[8]) for r in rows]
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
        """One write (:func:`gis.store.gpkg.transaction`) with the workspace attached for its audit row; the
        workspace's schema is brought up to date before the first one."""
        fault = writable(self.path)
        if fault is not None:
            raise fault
        if self.audit_path is not None and not self._audit_ready:
            from gis.store.workspace import Workspace

            Workspace.open(self.audit_path).ensure_schema()  # made the first time, else checked
            self._audit_ready = True
        with transaction(self.path, attach=self.audit_path, log_root=self._log_root, log_fault=False) as con:
            yield con

    @property
    def _log_root(self) -> Path:
        """The workspace folder whose log records this store's saves."""
        return (self.audit_path or self.path).parent

    def _audit(self, con: sqlite3.Connection, *, by: str, action: str, obj: str) -> None:
        """Append the workspace's audit row of a change, in the change's transaction (when there is a workspace)."""
        if self.audit_path is not None:
            con.execute("INSERT INTO ws.audit (at, user, action, object) VALUES (?, ?, ?, ?)",
                        (now_iso(), by, action, obj))

    def seed(self, parcels: gpd.GeoDataFrame, *, date: dt.date, by: str | None = None, note: str = "",
             source: str = "") -> Entry:
        if parcels.crs is None:
            raise DataSourceError("Lớp thửa đất không có hệ tọa độ: không ghi được vào sổ biến động.",
                                  "The parcel layer has no CRS: it cannot be written to the ledger.")
        who = acting_user(by)
        frame = parcels.copy(deep=False)  # the columns added below are the copy's only
        frame["parcel_id"] = new_ids(len(frame))
        frame["seq"] = np.arange(1, len(frame) + 1)
        columns = [c for c in parcels.columns if c != parcels.geometry.name and c not in DERIVED]
        dtypes = {c: str(parcels[c].dtype) for c in columns}
        try:
            with self._transaction() as con:
                if con.execute(f"SELECT 1 FROM {META} WHERE key = 'crs'").fetchone():
                    con.execute("ROLLBACK")
                    entries = self._entries("WHERE kind = 'initial'")
                    return entries[0]
                srs_id = register_geometry(con, CRS.from_user_input(parcels.crs))
                meta = {"dataset": self.dataset, "source": source, "data_date": date.isoformat(),
                        "seeded_at": now_iso(), "crs": CRS.from_user_input(parcels.crs).to_wkt(),
                        "srs_id": str(srs_id), "columns": json.dumps(columns), "dtypes": json.dumps(dtypes)}
                con.executemany(f"INSERT INTO {META} (key, value) VALUES (?, ?)", list(meta.items()))
                self._meta_cache = meta
                entry_id, _ = insert_entry(con, NewEntry("initial", date, Decision(""), note=note,
                                                               detail={"source": source, "parcels": len(frame)}),
                                                 by=who)
                written = insert_versions(con, frame, entry_id=entry_id, day=date.isoformat(), srs_id=self.srs_id)
                con.executemany(f"INSERT INTO {LINKS} (entry_id, role, version_id, parcel_id) VALUES (?, 'after', ?, ?)",
                                [(entry_id, v, p) for v, p in written])
                self._audit(con, by=who, action="ledger_initial",
                            obj=f"{LEDGER}/{self.dataset}#{entry_id}: {len(written)} parcels from {source}")
        except BaseException:  # any failure, Ctrl+C included: the cached metadata is dropped, the error goes on
            self._meta_cache = None
            raise
        return self.entry(entry_id)

    def commit(self, entry: NewEntry, *, ends: Sequence[str], adds: gpd.GeoDataFrame, by: str | None = None,
               stages: Sequence[StageRecord] = ()) -> Entry:
        who = acting_user(by)
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
            entry_id, _ = insert_entry(con, entry, by=who)
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
            pause_for_test()
            con.executemany(f"UPDATE {VERSIONS} SET valid_to = ?, entry_to = ? WHERE version_id = ?",
                            [(day, entry_id, v) for v in ends])
            insert_versions(con, adds, entry_id=entry_id, day=day, srs_id=self.srs_id)
            if stages:
                insert_stages(con, [replace(r, entry_id=entry_id) for r in stages], by=who)
            self._audit(con, by=who, action=f"ledger_{entry.kind}", obj=f"{LEDGER}/{self.dataset}#{entry_id}: "
                        f"{len(ends)} -> {len(adds)} parcel versions, {entry.decision.number}")
        return self.entry(entry_id)

    # -- site clearance ------------------------------------------------------------------------------
    def add_stages(self, records: Sequence[StageRecord], *, by: str | None = None) -> None:
        if not records:
            return
        who = acting_user(by)
        with self._transaction() as con:
            insert_stages(con, records, by=who)
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
