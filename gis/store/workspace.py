"""The workspace: one GeoPackage that keeps what the user makes (planned fields, values entered by hand).

A GeoPackage is an SQLite file that QGIS opens as it is. Every change here is one SQLite transaction taken
with ``BEGIN IMMEDIATE``, so a crash leaves the file as it was before the change, and two processes (two
browser tabs, the app and the command line) saving at once wait for each other instead of losing a write.
Every row carries the time it was last changed and who changed it (``changed_by``: an account name, or
``local:<OS user>`` for the user of this machine, see :mod:`gis.store.accounts`). Every change also appends a row
(time, user, action, object) to the ``audit`` table in the same transaction; that table refuses updates and
deletes (SQLite triggers). Files made before these columns existed get them at their next change.

Faults of the workspace itself (a read-only folder or file, a full disk, a damaged file) raise
:class:`~gis.store.faults.WorkspaceError` (see :mod:`gis.store.faults`); the transaction is
:func:`gis.store.gpkg.transaction`, the tables and their migration are in :mod:`gis.store.schema`.

A planned field is a draft (``state = 'draft'``) until it is adopted with the number and date of the decision
that adopts it (:meth:`Workspace.adopt_field`); only adopted fields count toward the plan's figures
(:func:`gis.jobs.fields.counted_fields`). Un-adopting is explicit (:meth:`Workspace.unadopt_field`) and the audit
keeps the decision that was withdrawn. Each field keeps the CRS it was drawn in (``srs``: ``EPSG:<code>`` or
the WKT) and the dataset it was drawn on (``dataset``: ``"builtin"`` or the import folder's name, see
:func:`~gis.store.rows.dataset_id`); its geometry is stored in that CRS, so it comes back where it was drawn. The geometry
column's declared CRS is the table's (EPSG:9214); a row whose ``srs`` differs holds coordinates of its own CRS.
Files made before these columns existed are migrated when opened: their fields become drafts of the built-in
data in EPSG:9214 (what the workspace assumed then), and the migration is recorded in the audit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from gis.core.crs import LUONG_PHONG_EPSG
from gis.core.errors import DataSourceError, GisError
from gis.store import schema
from gis.store.faults import WorkspaceError, corrupt_error, verify, workspace_fault, workspace_write_error
from gis.store.gpkg import append_audit, from_blob, gpkg_blob, touch_contents, transaction
from gis.store.rows import (
    ADOPTED,
    AUDIT_TABLE,
    BUILTIN_DATASET,
    DRAFT,
    FIELDS_TABLE,
    MIGRATION_ACTION,
    TIMEOUT_S,
    VALUES_TABLE,
    acting_user,
    now_iso,
    parse_decision,
    srs_text,
    workspace_path,
)

if TYPE_CHECKING:  # geopandas, pandas, shapely, pyproj imported where used: an import's audit record needs none
    import geopandas as gpd
    import shapely


def empty_fields(srs_id: int = LUONG_PHONG_EPSG, *, crs: object | None = None) -> gpd.GeoDataFrame:
    """No planned fields, with the columns :meth:`Workspace.fields` returns (for a workspace that cannot be read),
    in ``crs`` (default: the workspace's, EPSG:``srs_id``)."""
    cols = ["field_id", "name", "village", "note", "state", "decision", "decision_date", "adopted_by",
            "adopted_at", "dataset", "srs", "created_at", "updated_at", "changed_by"]
    import geopandas as gpd
    import pandas as pd

    target = crs if crs is not None else srs_id
    return gpd.GeoDataFrame(pd.DataFrame({c: pd.Series(dtype="int64" if c == "field_id" else "object") for c in cols}),
                            geometry=gpd.GeoSeries([], crs=target), crs=target)


def read_planned(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The planned fields of the workspace at ``path``; none when it does not exist or cannot be read."""
    path = Path(path) if path is not None else workspace_path()
    if not path.exists():
        return empty_fields()
    try:
        return Workspace.open(path).fields()
    except WorkspaceError:
        return empty_fields()


@dataclass
class Workspace:
    """A workspace file; create it with :meth:`open`."""

    path: Path
    srs_id: int = LUONG_PHONG_EPSG

    @classmethod
    def open(cls, path: str | Path | None = None, *, srs_id: int = LUONG_PHONG_EPSG) -> Workspace:
        """Open the workspace at ``path``, creating an empty one (both tables) the first time."""
        path = Path(path) if path is not None else workspace_path()
        ws = cls(path=path, srs_id=srs_id)
        if path.exists():
            verify(path)
            if schema.needs_migration(path):
                try:
                    ws.ensure_schema()
                except WorkspaceError as exc:  # read as it is (older fields read as drafts); migrated when writable
                    if exc.kind not in ("read_only", "full"):
                        raise
        else:
            import pyogrio  # here only: it imports geopandas

            try:
                schema.create_file(path, srs_id)
            except (OSError, sqlite3.Error) as exc:
                raise workspace_write_error(path, exc) from exc
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                    pyogrio.errors.GeometryError) as exc:  # GDAL's errors while writing the new file
                raise workspace_write_error(path, exc) from exc
        return ws

    def ensure_schema(self) -> None:
        """Bring the file up to the present schema (see :mod:`gis.store.schema`) in one transaction; nothing
        else is changed. The ledger store calls it before its first change that the workspace audits."""
        with self._transaction() as con:
            schema.ensure_schema(con)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.path) as con:
            yield con


    def record(self, action: str, obj: str, *, by: str | None = None) -> None:
        """Append an audit row for a change made outside this file (an import folder), in its own transaction."""
        with self._transaction() as con:
            schema.ensure_schema(con)
            append_audit(con, at=now_iso(), by=acting_user(by), action=action, obj=obj)

    def audit(self) -> list[tuple[str, str, str, str]]:
        """Every change recorded so far: ``(time, user, action, object)``, oldest first."""
        with sqlite3.connect(self.path, timeout=TIMEOUT_S) as con:
            found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (AUDIT_TABLE,)).fetchone()
            rows = con.execute(f"SELECT at, user, action, object FROM {AUDIT_TABLE} ORDER BY fid").fetchall() \
                if found else []
        con.close()
        return [(at, user, action, obj) for at, user, action, obj in rows]

    def _read(self, sql: str) -> list[tuple]:
        try:
            con = sqlite3.connect(self.path, timeout=TIMEOUT_S)
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise corrupt_error(self.path, exc) from exc

    # -- planned concentrated fields ------------------------------------------------------------------
    def save_field(self, geometry: shapely.Geometry, *, name: str, village: str = "", note: str = "",
                   field_id: int | None = None, crs: object | None = None, dataset: str = BUILTIN_DATASET,
                   by: str | None = None) -> int:
        """Save a planned field as a draft (a new one, or replace draft ``field_id``) as changed ``by`` a user;
        returns its id.

        ``geometry`` is in ``crs``, the CRS of the data it was drawn on (default: the workspace's, EPSG:9214),
        and is stored in that CRS; ``dataset`` is that data's id (:func:`dataset_id`). ``by`` is the account
        name, or ``None`` for the user of this machine (``local:<OS user>``). An adopted field is not replaced:
        un-adopt it first (:meth:`unadopt_field`).
        """
        stamp = now_iso()
        who = acting_user(by)
        srs = srs_text(crs if crs is not None else self.srs_id)
        blob = gpkg_blob(geometry, self.srs_id)
        with self._transaction() as con:
            schema.ensure_schema(con)
            if field_id is None:
                row = con.execute(f"SELECT COALESCE(MAX(field_id), 0) + 1 FROM {FIELDS_TABLE}").fetchone()
                field_id = int(row[0])
                con.execute(
                    f"INSERT INTO {FIELDS_TABLE} (geom, field_id, name, village, note, created_at, updated_at, "
                    "changed_by, state, dataset, srs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (blob, field_id, name, village, note, stamp, stamp, who, DRAFT, dataset, srs))
                action = "add_field"
            else:
                self._state_of(con, field_id, refuse_adopted=True)
                con.execute(
                    f"UPDATE {FIELDS_TABLE} SET geom = ?, name = ?, village = ?, note = ?, updated_at = ?, "
                    "changed_by = ?, dataset = ?, srs = ? WHERE field_id = ?",
                    (blob, name, village, note, stamp, who, dataset, srs, field_id))
                action = "replace_field"
            append_audit(con, at=stamp, by=who, action=action, obj=f"{FIELDS_TABLE}/{field_id}: {name}")
            touch_contents(con, FIELDS_TABLE, stamp)
        return field_id

    @staticmethod
    def _state_of(con: sqlite3.Connection, field_id: int, *, refuse_adopted: bool = False) -> tuple[str, str]:
        """``(state, name)`` of a field; raises when there is none, or (``refuse_adopted``) when it is adopted."""
        row = con.execute(f"SELECT state, name, decision FROM {FIELDS_TABLE} WHERE field_id = ?",
                          (field_id,)).fetchone()
        if row is None:
            raise DataSourceError(f"Không có cánh đồng số {field_id}.", f"There is no field {field_id}.")
        if refuse_adopted and row[0] == ADOPTED:
            raise GisError(f"Cánh đồng số {field_id} «{row[1]}» đã được phê duyệt ({row[2]}): không sửa hoặc xóa "
                           "được. Muốn sửa, hãy bỏ phê duyệt trước.",
                           f"Field {field_id} '{row[1]}' is adopted ({row[2]}): it cannot be changed or deleted. "
                           "To change it, un-adopt it first.")
        return str(row[0]), str(row[1] or "")

    def field_id_of(self, name: str) -> int:
        """The id of the field named ``name`` (or whose id is ``name``); raises when none or several match."""
        with sqlite3.connect(self.path, timeout=TIMEOUT_S) as con:
            rows = con.execute(f"SELECT field_id FROM {FIELDS_TABLE} WHERE name = ? OR CAST(field_id AS TEXT) = ?",
                               (name.strip(), name.strip())).fetchall()
        con.close()
        if len(rows) != 1:
            what = "không có" if not rows else f"có {len(rows)}"
            raise GisError(f"Trong không gian làm việc {what} cánh đồng tên «{name}»: ghi đúng tên hoặc số cánh "
                           "đồng (xem `python -m gis fields list`).",
                           f"The workspace has {'no' if not rows else len(rows)} field named '{name}': give its "
                           "exact name or number (see `python -m gis fields list`).")
        return int(rows[0][0])

    def adopt_field(self, field_id: int, *, decision: str, decision_date: str | date,
                    by: str | None = None) -> None:
        """Adopt a draft field by the decision ``decision`` of ``decision_date`` (``YYYY-MM-DD``), as done ``by`` a
        user; from then on it counts toward the plan's figures.

        Raises :class:`GisError` for an empty decision, a bad or future date, a missing or already adopted field.
        """
        text, day = parse_decision(decision, decision_date)
        stamp = now_iso()
        who = acting_user(by)
        with self._transaction() as con:
            schema.ensure_schema(con)
            state, name = self._state_of(con, field_id)
            if state == ADOPTED:
                raise GisError(f"Cánh đồng số {field_id} «{name}» đã được phê duyệt rồi.",
                               f"Field {field_id} '{name}' is already adopted.")
            con.execute(f"UPDATE {FIELDS_TABLE} SET state = ?, decision = ?, decision_date = ?, adopted_by = ?, "
                        "adopted_at = ?, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (ADOPTED, text, day, who, stamp, stamp, who, field_id))
            append_audit(con, at=stamp, by=who, action="adopt_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {name} — {text}, {day}")
            touch_contents(con, FIELDS_TABLE, stamp)

    def unadopt_field(self, field_id: int, *, reason: str = "", by: str | None = None) -> None:
        """Make an adopted field a draft again, as done ``by`` a user; the field is kept, and the audit keeps the
        decision withdrawn and ``reason``."""
        stamp = now_iso()
        who = acting_user(by)
        with self._transaction() as con:
            schema.ensure_schema(con)
            state, name = self._state_of(con, field_id)
            if state != ADOPTED:
                raise GisError(f"Cánh đồng số {field_id} «{name}» chưa được phê duyệt.",
                               f"Field {field_id} '{name}' is not adopted.")
            decision, day = con.execute(f"SELECT decision, decision_date FROM {FIELDS_TABLE} WHERE field_id = ?",
                                        (field_id,)).fetchone()
            con.execute(f"UPDATE {FIELDS_TABLE} SET state = ?, decision = NULL, decision_date = NULL, "
                        "adopted_by = NULL, adopted_at = NULL, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (DRAFT, stamp, who, field_id))
            append_audit(con, at=stamp, by=who, action="unadopt_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {name} — withdrawn {decision}, {day}"
                            + (f"; reason: {reason.strip()}" if reason.strip() else ""))
            touch_contents(con, FIELDS_TABLE, stamp)

    def rename_field(self, field_id: int, name: str, *, by: str | None = None) -> None:
        """Rename a planned field, as changed ``by`` a user (see :meth:`save_field`)."""
        stamp = now_iso()
        who = acting_user(by)
        with self._transaction() as con:
            schema.ensure_schema(con)
            con.execute(f"UPDATE {FIELDS_TABLE} SET name = ?, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (name, stamp, who, field_id))
            append_audit(con, at=stamp, by=who, action="rename_field", obj=f"{FIELDS_TABLE}/{field_id}: {name}")
            touch_contents(con, FIELDS_TABLE, stamp)

    def delete_field(self, field_id: int, *, by: str | None = None) -> None:
        """Delete a draft field, as done ``by`` a user (see :meth:`save_field`); an adopted one is refused."""
        stamp = now_iso()
        who = acting_user(by)
        with self._transaction() as con:
            schema.ensure_schema(con)
            row = con.execute(f"SELECT name, state, decision FROM {FIELDS_TABLE} WHERE field_id = ?",
                              (field_id,)).fetchone()
            if row is not None and row[1] == ADOPTED:
                self._state_of(con, field_id, refuse_adopted=True)
            con.execute(f"DELETE FROM {FIELDS_TABLE} WHERE field_id = ?", (field_id,))
            append_audit(con, at=stamp, by=who, action="delete_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {row[0] if row else ''}")
            touch_contents(con, FIELDS_TABLE, stamp)

    def fields(self, *, dataset: str | None = None, crs: object | None = None) -> gpd.GeoDataFrame:
        """The planned fields (of ``dataset`` only, when given), in ``crs``.

        Without ``crs`` the frame is in the CRS the fields were drawn in when they share one (the fields of one
        dataset do), else in the first field's; without fields, in the workspace's. Columns: ``field_id``,
        ``name``, ``village``, ``note``, ``state`` (:data:`DRAFT` or :data:`ADOPTED`), ``decision``,
        ``decision_date``, ``adopted_by``, ``adopted_at``, ``dataset``, ``srs`` (the CRS it is stored in),
        ``created_at``, ``updated_at``, ``changed_by``.
        """
        import geopandas as gpd
        import pandas as pd
        from pyproj import CRS

        cols = ["field_id", "name", "village", "note", "state", "decision", "decision_date", "adopted_by",
                "adopted_at", "dataset", "srs", "created_at", "updated_at", "changed_by"]
        params: tuple[str, ...] = ()
        try:
            con = sqlite3.connect(self.path, timeout=TIMEOUT_S)
            try:
                have = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
                query = f"SELECT {', '.join(c if c in have else 'NULL' for c in cols)}, geom FROM {FIELDS_TABLE}"
                if dataset is not None and "dataset" in have:
                    query += " WHERE dataset = ?"
                    params = (dataset,)
                rows = con.execute(query + " ORDER BY field_id", params).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise corrupt_error(self.path, exc) from exc
        frame = pd.DataFrame([r[:-1] for r in rows], columns=cols)
        if "state" not in have:  # an older file that could not be migrated (read-only): what the migration gives
            frame["state"], frame["dataset"], frame["srs"] = DRAFT, BUILTIN_DATASET, f"EPSG:{self.srs_id}"
            if dataset is not None:
                keep = (frame["dataset"] == dataset).to_numpy()
                frame, rows = frame[keep].reset_index(drop=True), [r for r, k in zip(rows, keep, strict=True) if k]
        for col in ("name", "village", "note", "decision", "decision_date", "adopted_by", "adopted_at"):
            frame[col] = frame[col].fillna("").astype(str)
        geoms = gpd.GeoSeries([from_blob(r[-1]) for r in rows], index=frame.index)
        srs_list = frame["srs"].tolist()
        target = CRS.from_user_input(crs) if crs is not None else (
            CRS.from_user_input(srs_list[0]) if srs_list else CRS.from_user_input(self.srs_id))
        for srs in dict.fromkeys(srs_list):
            here = frame["srs"] == srs
            geoms[here] = gpd.GeoSeries(geoms[here], crs=CRS.from_user_input(srs)).to_crs(target).to_numpy()
        return gpd.GeoDataFrame(frame, geometry=geoms.to_numpy(), crs=target)

    def migrated_drafts(self) -> int:
        """How many fields the migration to drafts found (0 when this file was made with states)."""
        found = [obj for _at, _user, action, obj in self.audit() if action == MIGRATION_ACTION]
        if not found:
            return 0
        head = found[0].split(":", 1)[1].strip().split(" ", 1)[0]
        return int(head) if head.isdigit() else 0

    # -- values entered by hand -----------------------------------------------------------------------
    def set_value(self, key: str, value: float, *, note: str = "", by: str | None = None) -> str:
        """Record a value entered by hand for target ``key`` ``by`` a user (see :meth:`save_field`); returns the
        time it was entered."""
        stamp = now_iso()
        who = acting_user(by)
        with self._transaction() as con:
            schema.ensure_schema(con)
            con.execute(f"INSERT INTO {VALUES_TABLE} (key, value, note, entered_at, changed_by) "
                        "VALUES (?, ?, ?, ?, ?)", (key, float(value), note, stamp, who))
            append_audit(con, at=stamp, by=who, action="set_value", obj=f"{VALUES_TABLE}/{key} = {float(value)!r}")
            touch_contents(con, VALUES_TABLE, stamp)
        return stamp

    def values(self) -> dict[str, tuple[float, str, str]]:
        """The latest value entered for each key: ``{key: (value, entered_at, note)}``."""
        rows = self._read(f"SELECT key, value, entered_at, note FROM {VALUES_TABLE} ORDER BY entered_at, fid")
        return {k: (float(v), at, note or "") for k, v, at, note in rows}



def open_for_reading(path: str | Path | None = None) -> tuple[Workspace | None, WorkspaceError | None]:
    """For the commands that only read: the workspace (None when absent or damaged) and its fault, if any.

    A read-only or full workspace is still read (the fault is returned to be told); a damaged one is not.
    """
    path = Path(path) if path is not None else workspace_path()
    fault = workspace_fault(path)
    if not path.exists() or (fault is not None and fault.kind == "corrupt"):
        return None, fault
    return Workspace.open(path), fault
