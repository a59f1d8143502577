"""The workspace: one GeoPackage that keeps what the user makes (planned fields, values entered by hand).

A GeoPackage is an SQLite file that QGIS opens as it is. Every change here is one SQLite transaction taken
with ``BEGIN IMMEDIATE``, so a crash leaves the file as it was before the change, and two processes (two
browser tabs, the app and the command line) saving at once wait for each other instead of losing a write.
Every row carries the time it was last changed and who changed it (``changed_by``: an account name, or
``local:<OS user>`` for the user of this machine, see :mod:`gis.accounts`). Every change also appends a row
(time, user, action, object) to the ``audit`` table in the same transaction; that table refuses updates and
deletes (SQLite triggers). Files made before these columns existed get them at their next change.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gis.crs import LUONG_PHONG_EPSG
from gis.errors import DataSourceError
from gis.io import ROOT

DEFAULT_WORKSPACE = ROOT / "workspace" / "workspace.gpkg"
FIELDS_TABLE = "planned_fields"
VALUES_TABLE = "manual_values"
AUDIT_TABLE = "audit"
_TIMEOUT_S = 30.0


def workspace_path() -> Path:
    """The workspace file: ``$LUONGPHONG_WORKSPACE`` when set, else ``workspace/workspace.gpkg``."""
    env = os.environ.get("LUONGPHONG_WORKSPACE")
    return Path(env) if env else DEFAULT_WORKSPACE


def _who(by: str | None) -> str:
    """``by``, or the user of this machine when the caller is local (the command line, a script)."""
    if by:
        return by
    from gis.accounts import local_user

    return local_user().name


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _gpkg_blob(geom: shapely.Geometry, srs_id: int) -> bytes:
    """A GeoPackage geometry blob: the standard header with an XY envelope, then little-endian WKB."""
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", srs_id) + struct.pack("<4d", minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1)


def _from_blob(blob: bytes) -> shapely.Geometry:
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    return shapely.from_wkb(blob[8 + envelope:])


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
        if not path.exists():
            ws._create()
        return ws

    def _create(self) -> None:
        import pyogrio

        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp.gpkg")
        empty = gpd.GeoDataFrame(
            {"field_id": pd.Series(dtype="int64"), "name": pd.Series(dtype="str"),
             "village": pd.Series(dtype="str"), "note": pd.Series(dtype="str"),
             "created_at": pd.Series(dtype="str"), "updated_at": pd.Series(dtype="str")},
            geometry=gpd.GeoSeries([], crs=self.srs_id), crs=self.srs_id,
        )
        # no R-tree: its triggers call SpatiaLite functions that plain sqlite3 writers do not have
        pyogrio.write_dataframe(empty, tmp, layer=FIELDS_TABLE, driver="GPKG", geometry_type="Polygon",
                                layer_options={"SPATIAL_INDEX": "NO"})
        values = pd.DataFrame({"key": pd.Series(dtype="str"), "value": pd.Series(dtype="float64"),
                               "note": pd.Series(dtype="str"), "entered_at": pd.Series(dtype="str")})
        pyogrio.write_dataframe(values, tmp, layer=VALUES_TABLE, driver="GPKG", append=False)
        with sqlite3.connect(tmp) as con:
            con.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{FIELDS_TABLE}_id ON {FIELDS_TABLE}(field_id)")
            self._ensure_schema(con)
        con.close()
        try:
            os.link(tmp, self.path)  # atomic, and refuses to replace a file another process just made
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise DataSourceError(
                f"Không mở được tệp không gian làm việc «{self.path}»: {exc}.",
                f"Cannot open the workspace file '{self.path}': {exc}.",
            ) from exc
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    @staticmethod
    def _ensure_schema(con: sqlite3.Connection) -> None:
        """Add what older workspace files lack: the ``changed_by`` columns and the append-only audit table."""
        for table in (FIELDS_TABLE, VALUES_TABLE):
            columns = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
            if "changed_by" not in columns:
                con.execute(f"ALTER TABLE {table} ADD COLUMN changed_by TEXT")
        if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (AUDIT_TABLE,)).fetchone():
            return
        con.execute(f"CREATE TABLE {AUDIT_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
                    "user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL)")
        for event in ("UPDATE", "DELETE"):
            con.execute(f"CREATE TRIGGER {AUDIT_TABLE}_no_{event.lower()} BEFORE {event} ON {AUDIT_TABLE} "
                        "BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END")
        # registered as an attribute table, so QGIS and GDAL list it beside the others
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                    "VALUES (?, 'attributes', ?, 'who changed what', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (AUDIT_TABLE, AUDIT_TABLE))

    @staticmethod
    def _audit(con: sqlite3.Connection, *, at: str, by: str, action: str, obj: str) -> None:
        con.execute(f"INSERT INTO {AUDIT_TABLE} (at, user, action, object) VALUES (?, ?, ?, ?)", (at, by, action, obj))

    def record(self, action: str, obj: str, *, by: str | None = None) -> None:
        """Append an audit row for a change made outside this file (an import folder), in its own transaction."""
        with self._transaction() as con:
            self._ensure_schema(con)
            self._audit(con, at=now_iso(), by=_who(by), action=action, obj=obj)

    def audit(self) -> list[tuple[str, str, str, str]]:
        """Every change recorded so far: ``(time, user, action, object)``, oldest first."""
        with sqlite3.connect(self.path, timeout=_TIMEOUT_S) as con:
            found = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (AUDIT_TABLE,)).fetchone()
            rows = con.execute(f"SELECT at, user, action, object FROM {AUDIT_TABLE} ORDER BY fid").fetchall() \
                if found else []
        con.close()
        return [(at, user, action, obj) for at, user, action, obj in rows]

    # -- planned concentrated fields ------------------------------------------------------------------
    def save_field(self, geometry: shapely.Geometry, *, name: str, village: str = "", note: str = "",
                   field_id: int | None = None, by: str | None = None) -> int:
        """Save a planned field (a new one, or replace ``field_id``) as changed ``by`` a user; returns its id.

        ``by`` is the account name, or ``None`` for the user of this machine (``local:<OS user>``).
        """
        stamp = now_iso()
        who = _who(by)
        blob = _gpkg_blob(geometry, self.srs_id)
        with self._transaction() as con:
            self._ensure_schema(con)
            if field_id is None:
                row = con.execute(f"SELECT COALESCE(MAX(field_id), 0) + 1 FROM {FIELDS_TABLE}").fetchone()
                field_id = int(row[0])
                con.execute(
                    f"INSERT INTO {FIELDS_TABLE} (geom, field_id, name, village, note, created_at, updated_at, "
                    "changed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (blob, field_id, name, village, note, stamp, stamp, who))
                action = "add_field"
            else:
                cur = con.execute(
                    f"UPDATE {FIELDS_TABLE} SET geom = ?, name = ?, village = ?, note = ?, updated_at = ?, "
                    "changed_by = ? WHERE field_id = ?", (blob, name, village, note, stamp, who, field_id))
                if cur.rowcount == 0:
                    raise DataSourceError(f"Không có cánh đồng số {field_id}.", f"There is no field {field_id}.")
                action = "replace_field"
            self._audit(con, at=stamp, by=who, action=action, obj=f"{FIELDS_TABLE}/{field_id}: {name}")
            self._touch_contents(con, FIELDS_TABLE, stamp)
        return field_id

    def rename_field(self, field_id: int, name: str, *, by: str | None = None) -> None:
        """Rename a planned field, as changed ``by`` a user (see :meth:`save_field`)."""
        stamp = now_iso()
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            con.execute(f"UPDATE {FIELDS_TABLE} SET name = ?, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (name, stamp, who, field_id))
            self._audit(con, at=stamp, by=who, action="rename_field", obj=f"{FIELDS_TABLE}/{field_id}: {name}")
            self._touch_contents(con, FIELDS_TABLE, stamp)

    def delete_field(self, field_id: int, *, by: str | None = None) -> None:
        """Delete a planned field, as done ``by`` a user (see :meth:`save_field`)."""
        stamp = now_iso()
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            row = con.execute(f"SELECT name FROM {FIELDS_TABLE} WHERE field_id = ?", (field_id,)).fetchone()
            con.execute(f"DELETE FROM {FIELDS_TABLE} WHERE field_id = ?", (field_id,))
            self._audit(con, at=stamp, by=who, action="delete_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {row[0] if row else ''}")
            self._touch_contents(con, FIELDS_TABLE, stamp)

    def fields(self) -> gpd.GeoDataFrame:
        """The planned fields, in the workspace CRS."""
        with sqlite3.connect(self.path, timeout=_TIMEOUT_S) as con:
            rows = con.execute(
                f"SELECT field_id, name, village, note, created_at, updated_at, geom FROM {FIELDS_TABLE} "
                "ORDER BY field_id").fetchall()
        cols = ["field_id", "name", "village", "note", "created_at", "updated_at"]
        frame = pd.DataFrame([r[:-1] for r in rows], columns=cols)
        return gpd.GeoDataFrame(frame, geometry=[_from_blob(r[-1]) for r in rows], crs=self.srs_id)

    # -- values entered by hand -----------------------------------------------------------------------
    def set_value(self, key: str, value: float, *, note: str = "", by: str | None = None) -> str:
        """Record a value entered by hand for target ``key`` ``by`` a user (see :meth:`save_field`); returns the
        time it was entered."""
        stamp = now_iso()
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            con.execute(f"INSERT INTO {VALUES_TABLE} (key, value, note, entered_at, changed_by) "
                        "VALUES (?, ?, ?, ?, ?)", (key, float(value), note, stamp, who))
            self._audit(con, at=stamp, by=who, action="set_value", obj=f"{VALUES_TABLE}/{key} = {float(value)!r}")
            self._touch_contents(con, VALUES_TABLE, stamp)
        return stamp

    def values(self) -> dict[str, tuple[float, str, str]]:
        """The latest value entered for each key: ``{key: (value, entered_at, note)}``."""
        with sqlite3.connect(self.path, timeout=_TIMEOUT_S) as con:
            rows = con.execute(
                f"SELECT key, value, entered_at, note FROM {VALUES_TABLE} ORDER BY entered_at, fid").fetchall()
        return {k: (float(v), at, note or "") for k, v, at, note in rows}

    @staticmethod
    def _touch_contents(con: sqlite3.Connection, table: str, stamp: str) -> None:
        con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                    (stamp.replace("+00:00", "Z"), table))
