"""The workspace: one GeoPackage that keeps what the user makes (planned fields, values entered by hand).

A GeoPackage is an SQLite file that QGIS opens as it is. Every change here is one SQLite transaction taken
with ``BEGIN IMMEDIATE``, so a crash leaves the file as it was before the change, and two processes (two
browser tabs, the app and the command line) saving at once wait for each other instead of losing a write.
Every row carries the time it was last changed and who changed it (``changed_by``: an account name, or
``local:<OS user>`` for the user of this machine, see :mod:`gis.accounts`). Every change also appends a row
(time, user, action, object) to the ``audit`` table in the same transaction; that table refuses updates and
deletes (SQLite triggers). Files made before these columns existed get them at their next change.

Faults of the workspace itself (a read-only folder or file, a full disk, a damaged file) raise
:class:`WorkspaceError` with a message that says what is wrong and what to do; :func:`workspace_fault`
finds them before any work, so a page can show what it can read and refuse only the saving. A damaged file
is never repaired nor replaced: it is opened read-only to look at it, and kept as it is.
"""

from __future__ import annotations

import errno
import os
import shutil
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
#: Below this much free space (bytes) in the workspace's folder, saving is refused before it is tried.
MIN_FREE_BYTES = 1 << 20
_SQLITE_HEADER = b"SQLite format 3\x00"

_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class WorkspaceError(DataSourceError):
    """The workspace cannot be written or read: ``kind`` is ``read_only``, ``full``, ``corrupt`` or ``other``."""

    def __init__(self, vi: str, en: str, *, kind: str = "other") -> None:
        super().__init__(vi, en)
        self.kind = kind


def _read_only_error(path: Path, detail: object) -> WorkspaceError:
    return WorkspaceError(
        f"Không ghi được vào không gian làm việc «{path}»: thư mục hoặc tệp chỉ cho phép đọc ({detail}). Vẫn xem "
        "được dữ liệu, nhưng không lưu được gì. Hãy cấp quyền ghi cho thư mục này (hoặc chép nó ra ổ đĩa ghi được) "
        "rồi thử lại.",
        f"Cannot write to the workspace '{path}': the folder or file is read-only ({detail}). The data can still "
        "be viewed, but nothing can be saved. Give write permission to this folder (or copy it to a writable "
        "drive) and try again.", kind="read_only")


def _full_error(path: Path, detail: object) -> WorkspaceError:
    return WorkspaceError(
        f"Ổ đĩa chứa không gian làm việc «{path}» đã đầy ({detail}): không lưu được gì, dữ liệu đã lưu vẫn nguyên. "
        "Hãy giải phóng chỗ trống trên ổ đĩa (xóa tệp tạm, tệp cũ không cần) rồi lưu lại.",
        f"The drive holding the workspace '{path}' is full ({detail}): nothing can be saved; what was saved is "
        "intact. Free some space on the drive (delete temporary or old files you do not need) and save again.",
        kind="full")


def _busy_error(path: Path, detail: object) -> WorkspaceError:
    return WorkspaceError(
        f"Không gian làm việc «{path}» đang bận (một lần lưu khác chưa xong: {detail}). Hãy thử lại sau ít giây.",
        f"The workspace '{path}' is busy (another save has not finished: {detail}). Try again in a few seconds.")


def _corrupt_error(path: Path, detail: object) -> WorkspaceError:
    if "locked" in str(detail).lower() or "busy" in str(detail).lower():
        return _busy_error(path, detail)
    return WorkspaceError(
        f"Tệp không gian làm việc «{path}» bị hỏng ({detail}). Tệp được giữ nguyên, không sửa, không ghi đè. "
        "Hãy chép bản sao lưu gần nhất vào chỗ của nó, hoặc đổi tên tệp hỏng (ví dụ thêm «.hong») để phần mềm tạo "
        "tệp mới; cho đến khi đó không lưu được gì.",
        f"The workspace file '{path}' is damaged ({detail}). It is kept as it is: not repaired, not overwritten. "
        "Copy the latest backup in its place, or rename the damaged file (e.g. add '.broken') so that a new one is "
        "made; until then nothing can be saved.", kind="corrupt")


def free_bytes(path: Path) -> int | None:
    """Free space on the drive holding ``path`` (or its nearest existing parent); None when unknown."""
    folder = next((p for p in (path, *path.parents) if p.exists()), None)
    try:
        return shutil.disk_usage(folder).free if folder is not None else None
    except OSError:
        return None


def check_free_space(path: Path) -> None:
    """Refuse to start writing under ``path`` when its drive has less than :data:`MIN_FREE_BYTES` free."""
    free = free_bytes(path)
    if free is not None and free < MIN_FREE_BYTES:
        raise _full_error(path, f"còn {free} byte trống, cần ít nhất {MIN_FREE_BYTES} byte")


def workspace_write_error(path: Path, exc: BaseException) -> WorkspaceError:
    """The :class:`WorkspaceError` for a failure to write under ``path`` (an OSError, SQLite or GDAL error).

    GDAL does not always say that the disk is full (a GeoPackage cut short reports a missing table): when
    the drive has under 64 KB free after the failure, that is taken as the cause.
    """
    if isinstance(exc, WorkspaceError):
        return exc
    free = free_bytes(path)
    if free is not None and free < 64 * 1024 and not isinstance(exc, sqlite3.DatabaseError | OSError):
        return _full_error(path, f"{exc}; còn {free} byte trống")
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return _full_error(path, exc.strerror or exc)
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY_ERRNOS:
        return _read_only_error(path, exc.strerror or exc)
    text = str(exc)
    lower = text.lower()
    if "disk is full" in lower or "no space" in lower or "sqlite_full" in lower:
        return _full_error(path, text)
    if "readonly" in lower or "read-only" in lower or "read only" in lower or "permission denied" in lower:
        return _read_only_error(path, text)
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower or "locked" in lower:
        return _corrupt_error(path, text)  # "locked": told as busy, not damaged
    return WorkspaceError(
        f"Không ghi được vào không gian làm việc «{path}»: {text}. Hãy kiểm tra ổ đĩa và quyền ghi rồi thử lại.",
        f"Cannot write to the workspace '{path}': {text}. Check the drive and the write permission and try again.")


def _verify(path: Path) -> None:
    """Raise :class:`WorkspaceError` (``corrupt``) when ``path`` is not a readable workspace; never writes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise WorkspaceError(
            f"Không đọc được tệp không gian làm việc «{path}» ({exc.strerror or exc}). Hãy kiểm tra quyền đọc.",
            f"Cannot read the workspace file '{path}' ({exc.strerror or exc}). Check the read permission.") from exc
    if not head.startswith(_SQLITE_HEADER):
        raise _corrupt_error(path, "không phải tệp GeoPackage/SQLite" if head else "tệp rỗng")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=_TIMEOUT_S)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            check = con.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise _corrupt_error(path, exc) from exc
    if check is None or check[0] != "ok":
        raise _corrupt_error(path, check[0] if check else "quick_check")
    missing = [t for t in (FIELDS_TABLE, VALUES_TABLE) if t not in tables]
    if missing:
        raise _corrupt_error(path, f"thiếu bảng {', '.join(missing)}")


def _writable(path: Path) -> WorkspaceError | None:
    """Why the workspace at ``path`` cannot be written, tried without writing anything; None when it can."""
    folder = path.parent if path.exists() else next((p for p in path.parents if p.exists()), path.parent)
    if not os.access(folder, os.W_OK):
        return _read_only_error(folder, "không có quyền ghi thư mục")
    if path.exists():
        try:
            with open(path, "r+b"):
                pass  # opened for writing, nothing written: refused on a read-only mount or file
        except OSError as exc:
            return workspace_write_error(path, exc)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < MIN_FREE_BYTES:
        return _full_error(path, f"còn {free} byte trống")
    return None


def workspace_fault(path: str | Path | None = None) -> WorkspaceError | None:
    """What stops the workspace at ``path`` from being read or written (damaged, read-only, full), or None.

    Reads only: a damaged file is looked at read-only and kept as it is.
    """
    path = Path(path) if path is not None else workspace_path()
    if path.exists():
        try:
            _verify(path)
        except WorkspaceError as exc:
            return exc
    return _writable(path)


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


def empty_fields(srs_id: int = LUONG_PHONG_EPSG) -> gpd.GeoDataFrame:
    """No planned fields, with the columns :meth:`Workspace.fields` returns (for a workspace that cannot be read)."""
    cols = ["field_id", "name", "village", "note", "created_at", "updated_at"]
    return gpd.GeoDataFrame(pd.DataFrame({c: pd.Series(dtype="int64" if c == "field_id" else "object") for c in cols}),
                            geometry=gpd.GeoSeries([], crs=srs_id), crs=srs_id)


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
            _verify(path)
        else:
            try:
                ws._create()
            except (OSError, sqlite3.Error) as exc:
                raise workspace_write_error(path, exc) from exc
            except Exception as exc:  # GDAL's errors (pyogrio.errors.*) while writing the new file
                if type(exc).__module__.startswith("pyogrio"):
                    raise workspace_write_error(path, exc) from exc
                raise
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
        fault = _writable(self.path)
        if fault is not None:
            raise fault
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise workspace_write_error(self.path, exc) from exc
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(con)
            raise workspace_write_error(self.path, exc) from exc
        except BaseException:
            _rollback(con)
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

    def _read(self, sql: str) -> list[tuple]:
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise _corrupt_error(self.path, exc) from exc

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
        rows = self._read(f"SELECT field_id, name, village, note, created_at, updated_at, geom FROM {FIELDS_TABLE} "
                          "ORDER BY field_id")
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
        rows = self._read(f"SELECT key, value, entered_at, note FROM {VALUES_TABLE} ORDER BY entered_at, fid")
        return {k: (float(v), at, note or "") for k, v, at, note in rows}

    @staticmethod
    def _touch_contents(con: sqlite3.Connection, table: str, stamp: str) -> None:
        con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                    (stamp.replace("+00:00", "Z"), table))


def _rollback(con: sqlite3.Connection) -> None:
    try:
        con.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # nothing began (BEGIN itself failed), or SQLite already rolled back after a full disk


def open_for_reading(path: str | Path | None = None) -> tuple[Workspace | None, WorkspaceError | None]:
    """For the commands that only read: the workspace (None when absent or damaged) and its fault, if any.

    A read-only or full workspace is still read (the fault is returned to be told); a damaged one is not.
    """
    path = Path(path) if path is not None else workspace_path()
    fault = workspace_fault(path)
    if not path.exists() or (fault is not None and fault.kind == "corrupt"):
        return None, fault
    return Workspace.open(path), fault
