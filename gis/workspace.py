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

A planned field is a draft (``state = 'draft'``) until it is adopted with the number and date of the decision
that adopts it (:meth:`Workspace.adopt_field`); only adopted fields count toward the plan's figures
(:func:`gis.fields.counted_fields`). Un-adopting is explicit (:meth:`Workspace.unadopt_field`) and the audit
keeps the decision that was withdrawn. Each field keeps the CRS it was drawn in (``srs``: ``EPSG:<code>`` or
the WKT) and the dataset it was drawn on (``dataset``: ``"builtin"`` or the import folder's name, see
:func:`dataset_id`); its geometry is stored in that CRS, so it comes back where it was drawn. The geometry
column's declared CRS is the table's (EPSG:9214); a row whose ``srs`` differs holds coordinates of its own CRS.
Files made before these columns existed are migrated when opened: their fields become drafts of the built-in
data in EPSG:9214 (what the workspace assumed then), and the migration is recorded in the audit.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from gis.core.crs import LUONG_PHONG_EPSG
from gis.errors import DataSourceError, GisError
from gis.paths import default_workspace_dir, workspace_file
from gis.text import Text, texts

if TYPE_CHECKING:
    from gis.io import Dataset

DEFAULT_WORKSPACE = default_workspace_dir() / "workspace.gpkg"
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
#: The audit action of the migration that made the fields of an older file drafts.
MIGRATION_ACTION = "migrate_fields_to_drafts"
#: A planned field's state: drawn and saved (dự thảo), or adopted by a decision (đã phê duyệt).
DRAFT, ADOPTED = "draft", "adopted"
STATE_LABELS: dict[str, Text] = texts({DRAFT: ("Dự thảo", "Draft"), ADOPTED: ("Đã phê duyệt", "Adopted")})
#: The data the workspace's first fields were drawn on (before each field named its dataset).
BUILTIN_DATASET = "builtin"
#: Columns a planned field has beyond the first schema: name -> SQL declaration (added by the migration).
_FIELD_COLUMNS = {"state": f"TEXT NOT NULL DEFAULT '{DRAFT}'", "decision": "TEXT", "decision_date": "TEXT",
                  "adopted_by": "TEXT", "adopted_at": "TEXT", "dataset": "TEXT", "srs": "TEXT"}
#: The longest decision text kept (a decision number and its issuer fit in far less).
DECISION_MAX_CHARS = 200


def workspace_path() -> Path:
    """The workspace file: ``$LUONGPHONG_WORKSPACE`` when set, else ``workspace.gpkg`` in :func:`gis.paths.default_workspace_dir`."""
    return workspace_file()


def _who(by: str | None) -> str:
    """``by``, or the user of this machine when the caller is local (the command line, a script)."""
    if by:
        return by
    from gis.accounts import local_user

    return local_user().name


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dataset_id(dataset: Dataset) -> str:
    """The id that ties saved geometry to its dataset: ``"builtin"``, or the data folder's name (``hiep-hoa``
    for the merged commune, an import's ``imports/<name>-<stamp>`` folder, whose ``source.json`` says where it
    came from)."""
    from gis.io import BUILTIN_DATA_DIR

    return BUILTIN_DATASET if dataset.folder.resolve() == BUILTIN_DATA_DIR.resolve() else dataset.folder.name


def srs_text(crs: object) -> str:
    """A CRS as stored in the workspace: ``EPSG:<code>`` when it is exactly an EPSG CRS, else its WKT.

    The WKT is GDAL's WKT 1, which keeps a custom VN-2000 zone's datum shift exactly as given (pyproj's WKT 2
    reads back as a different CRS); WKT 2 only when WKT 1 cannot express the CRS.
    """
    parsed = CRS.from_user_input(crs)
    authority = parsed.to_authority(min_confidence=100)
    if authority is not None and authority[0] == "EPSG":
        return f"EPSG:{authority[1]}"
    return parsed.to_wkt("WKT1_GDAL") or parsed.to_wkt()


def parse_decision(decision: str, decision_date: str | date) -> tuple[str, str]:
    """The decision's number and its date (ISO ``YYYY-MM-DD``), checked.

    Raises :class:`GisError` for an empty or over-long decision, or a date that is not a real
    ``YYYY-MM-DD`` day or lies in the future.
    """
    text = " ".join(str(decision or "").split())
    if not text:
        raise GisError("Chưa nhập số quyết định phê duyệt (ví dụ «Quyết định số 123/QĐ-UBND»): chưa phê duyệt.",
                       "The number of the adopting decision is empty (e.g. 'Quyết định số 123/QĐ-UBND'): "
                       "not adopted.")
    if len(text) > DECISION_MAX_CHARS:
        raise GisError(f"Số quyết định dài quá {DECISION_MAX_CHARS} ký tự: chỉ ghi số và cơ quan ban hành.",
                       f"The decision is longer than {DECISION_MAX_CHARS} characters: give its number and issuer.")
    if isinstance(decision_date, date):
        day = decision_date
    else:
        raw = str(decision_date or "").strip()
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else date.min
        except ValueError:
            day = date.min
        if day == date.min:
            raise GisError(f"Ngày quyết định «{decision_date}» không hợp lệ: ghi theo dạng NNNN-TT-NN, ví dụ "
                           "2024-05-10.",
                           f"The decision date '{decision_date}' is not valid: write it as YYYY-MM-DD, e.g. "
                           "2024-05-10.")
    if day > datetime.now(UTC).date() + timedelta(days=1):  # a day of slack: Vietnam is ahead of UTC
        raise GisError(f"Ngày quyết định {day.isoformat()} ở tương lai: ghi ngày quyết định đã ký.",
                       f"The decision date {day.isoformat()} is in the future: give the date it was signed.")
    return text, day.isoformat()


def _gpkg_blob(geom: shapely.Geometry, srs_id: int) -> bytes:
    """A GeoPackage geometry blob: the standard header with an XY envelope, then little-endian WKB."""
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", srs_id) + struct.pack("<4d", minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom, byte_order=1)


def _from_blob(blob: bytes) -> shapely.Geometry:
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    return shapely.from_wkb(blob[8 + envelope:])


def empty_fields(srs_id: int = LUONG_PHONG_EPSG, *, crs: object | None = None) -> gpd.GeoDataFrame:
    """No planned fields, with the columns :meth:`Workspace.fields` returns (for a workspace that cannot be read),
    in ``crs`` (default: the workspace's, EPSG:``srs_id``)."""
    cols = ["field_id", "name", "village", "note", "state", "decision", "decision_date", "adopted_by",
            "adopted_at", "dataset", "srs", "created_at", "updated_at", "changed_by"]
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
            _verify(path)
            if ws._needs_migration():
                try:
                    with ws._transaction() as con:
                        ws._ensure_schema(con)
                except WorkspaceError as exc:  # read as it is (older fields read as drafts); migrated when writable
                    if exc.kind not in ("read_only", "full"):
                        raise
        else:
            try:
                ws._create()
            except (OSError, sqlite3.Error) as exc:
                raise workspace_write_error(path, exc) from exc
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                    pyogrio.errors.GeometryError) as exc:  # GDAL's errors while writing the new file
                raise workspace_write_error(path, exc) from exc
        return ws

    def _needs_migration(self) -> bool:
        """Whether the file lacks the planned fields' state, decision, dataset and CRS columns."""
        try:
            with sqlite3.connect(self.path, timeout=_TIMEOUT_S) as con:
                columns = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
            con.close()
        except sqlite3.Error as exc:
            raise DataSourceError(
                f"Không đọc được tệp không gian làm việc «{self.path}»: {exc}.",
                f"Cannot read the workspace file '{self.path}': {exc}.",
            ) from exc
        return bool(columns) and not set(_FIELD_COLUMNS) <= columns

    def _create(self) -> None:
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
            log_not_saved(self.path, fault)
            raise fault
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise workspace_write_error(self.path, exc) from exc
        try:
            con.execute("BEGIN IMMEDIATE")
            mark = audit_mark(con)
            yield con
            con.execute("COMMIT")
            saved = audit_since(con, mark)
        except sqlite3.Error as exc:
            _rollback(con)
            error = workspace_write_error(self.path, exc)
            log_not_saved(self.path, error)
            raise error from exc
        except BaseException as exc:
            _rollback(con)
            log_not_saved(self.path, exc)
            raise
        finally:
            con.close()
        log_saved(self.path, saved)

    @staticmethod
    def _ensure_schema(con: sqlite3.Connection) -> None:
        """Add what older workspace files lack: the ``changed_by`` columns, the append-only audit table, and the
        planned fields' state, decision, dataset and CRS (existing fields become drafts, recorded in the audit)."""
        for table in (FIELDS_TABLE, VALUES_TABLE):
            columns = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
            if columns and "changed_by" not in columns:
                con.execute(f"ALTER TABLE {table} ADD COLUMN changed_by TEXT")
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (AUDIT_TABLE,)).fetchone():
            Workspace._create_audit(con)
        columns = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
        missing = [c for c in _FIELD_COLUMNS if c not in columns]
        if not missing:
            return
        for column in missing:
            con.execute(f"ALTER TABLE {FIELDS_TABLE} ADD COLUMN {column} {_FIELD_COLUMNS[column]}")
        row = con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (FIELDS_TABLE,)).fetchone()
        table_srs = f"EPSG:{row[0] if row else LUONG_PHONG_EPSG}"
        con.execute(f"UPDATE {FIELDS_TABLE} SET dataset = ? WHERE dataset IS NULL", (BUILTIN_DATASET,))
        con.execute(f"UPDATE {FIELDS_TABLE} SET srs = ? WHERE srs IS NULL", (table_srs,))
        n = int(con.execute(f"SELECT COUNT(*) FROM {FIELDS_TABLE}").fetchone()[0])
        if n:
            Workspace._audit(con, at=now_iso(), by="system", action=MIGRATION_ACTION,
                             obj=f"{FIELDS_TABLE}: {n} fields became drafts of dataset '{BUILTIN_DATASET}' in "
                                 f"{table_srs} (no adopting decision recorded)")

    @staticmethod
    def _create_audit(con: sqlite3.Connection) -> None:
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
        who = _who(by)
        srs = srs_text(crs if crs is not None else self.srs_id)
        blob = _gpkg_blob(geometry, self.srs_id)
        with self._transaction() as con:
            self._ensure_schema(con)
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
            self._audit(con, at=stamp, by=who, action=action, obj=f"{FIELDS_TABLE}/{field_id}: {name}")
            self._touch_contents(con, FIELDS_TABLE, stamp)
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
        with sqlite3.connect(self.path, timeout=_TIMEOUT_S) as con:
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
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            state, name = self._state_of(con, field_id)
            if state == ADOPTED:
                raise GisError(f"Cánh đồng số {field_id} «{name}» đã được phê duyệt rồi.",
                               f"Field {field_id} '{name}' is already adopted.")
            con.execute(f"UPDATE {FIELDS_TABLE} SET state = ?, decision = ?, decision_date = ?, adopted_by = ?, "
                        "adopted_at = ?, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (ADOPTED, text, day, who, stamp, stamp, who, field_id))
            self._audit(con, at=stamp, by=who, action="adopt_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {name} — {text}, {day}")
            self._touch_contents(con, FIELDS_TABLE, stamp)

    def unadopt_field(self, field_id: int, *, reason: str = "", by: str | None = None) -> None:
        """Make an adopted field a draft again, as done ``by`` a user; the field is kept, and the audit keeps the
        decision withdrawn and ``reason``."""
        stamp = now_iso()
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            state, name = self._state_of(con, field_id)
            if state != ADOPTED:
                raise GisError(f"Cánh đồng số {field_id} «{name}» chưa được phê duyệt.",
                               f"Field {field_id} '{name}' is not adopted.")
            decision, day = con.execute(f"SELECT decision, decision_date FROM {FIELDS_TABLE} WHERE field_id = ?",
                                        (field_id,)).fetchone()
            con.execute(f"UPDATE {FIELDS_TABLE} SET state = ?, decision = NULL, decision_date = NULL, "
                        "adopted_by = NULL, adopted_at = NULL, updated_at = ?, changed_by = ? WHERE field_id = ?",
                        (DRAFT, stamp, who, field_id))
            self._audit(con, at=stamp, by=who, action="unadopt_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {name} — withdrawn {decision}, {day}"
                            + (f"; reason: {reason.strip()}" if reason.strip() else ""))
            self._touch_contents(con, FIELDS_TABLE, stamp)

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
        """Delete a draft field, as done ``by`` a user (see :meth:`save_field`); an adopted one is refused."""
        stamp = now_iso()
        who = _who(by)
        with self._transaction() as con:
            self._ensure_schema(con)
            row = con.execute(f"SELECT name, state, decision FROM {FIELDS_TABLE} WHERE field_id = ?",
                              (field_id,)).fetchone()
            if row is not None and row[1] == ADOPTED:
                self._state_of(con, field_id, refuse_adopted=True)
            con.execute(f"DELETE FROM {FIELDS_TABLE} WHERE field_id = ?", (field_id,))
            self._audit(con, at=stamp, by=who, action="delete_field",
                        obj=f"{FIELDS_TABLE}/{field_id}: {row[0] if row else ''}")
            self._touch_contents(con, FIELDS_TABLE, stamp)

    def fields(self, *, dataset: str | None = None, crs: object | None = None) -> gpd.GeoDataFrame:
        """The planned fields (of ``dataset`` only, when given), in ``crs``.

        Without ``crs`` the frame is in the CRS the fields were drawn in when they share one (the fields of one
        dataset do), else in the first field's; without fields, in the workspace's. Columns: ``field_id``,
        ``name``, ``village``, ``note``, ``state`` (:data:`DRAFT` or :data:`ADOPTED`), ``decision``,
        ``decision_date``, ``adopted_by``, ``adopted_at``, ``dataset``, ``srs`` (the CRS it is stored in),
        ``created_at``, ``updated_at``, ``changed_by``.
        """
        cols = ["field_id", "name", "village", "note", "state", "decision", "decision_date", "adopted_by",
                "adopted_at", "dataset", "srs", "created_at", "updated_at", "changed_by"]
        params: tuple[str, ...] = ()
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S)
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
            raise _corrupt_error(self.path, exc) from exc
        frame = pd.DataFrame([r[:-1] for r in rows], columns=cols)
        if "state" not in have:  # an older file that could not be migrated (read-only): what the migration gives
            frame["state"], frame["dataset"], frame["srs"] = DRAFT, BUILTIN_DATASET, f"EPSG:{self.srs_id}"
            if dataset is not None:
                keep = (frame["dataset"] == dataset).to_numpy()
                frame, rows = frame[keep].reset_index(drop=True), [r for r, k in zip(rows, keep, strict=True) if k]
        for col in ("name", "village", "note", "decision", "decision_date", "adopted_by", "adopted_at"):
            frame[col] = frame[col].fillna("").astype(str)
        geoms = gpd.GeoSeries([_from_blob(r[-1]) for r in rows], index=frame.index)
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


def audit_mark(con: sqlite3.Connection, table: str = AUDIT_TABLE) -> int:
    """The last audit row's id before a transaction's changes (0 when there is no audit table yet)."""
    try:
        return int(con.execute(f"SELECT COALESCE(MAX(fid), 0) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0


def audit_since(con: sqlite3.Connection, mark: int, table: str = AUDIT_TABLE) -> list[tuple[str, str, str]]:
    """``(user, action, object)`` of the audit rows written after ``mark``: what a committed transaction saved."""
    try:
        return con.execute(f"SELECT user, action, object FROM {table} WHERE fid > ? ORDER BY fid", (mark,)).fetchall()
    except sqlite3.Error:  # the change is committed; only its log line is lost
        return []


def log_saved(path: Path, rows: list[tuple[str, str, str]], *, root: Path | None = None) -> None:
    """One ``save ok`` line per audit row a transaction on ``path`` wrote, in the log of the workspace folder
    ``root`` (default: ``path``'s folder; see :mod:`gis.logs`)."""
    from gis import logs

    for user, action, obj in rows:
        logs.event("save", "ok", user=user, file=path.name, detail=f"{action}: {obj}", root=root or path.parent)


def log_not_saved(path: Path, exc: BaseException, *, root: Path | None = None) -> None:
    """A ``save refused`` (the user's request, a GisError) or ``save failed`` line for a rolled-back change."""
    from gis import logs

    if isinstance(exc, GisError):
        logs.event("save", "refused", file=path.name, detail=exc.en, level=logging.WARNING, root=root or path.parent)
    elif isinstance(exc, Exception):
        logs.event("save", "failed", file=path.name, detail=f"{type(exc).__name__}: {exc}", level=logging.ERROR,
                   root=root or path.parent)


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
