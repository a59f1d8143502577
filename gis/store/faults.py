"""Faults of the workspace itself, found before any work and told in words the officer can act on.

A read-only folder or file, a full disk, a damaged file or a busy one raise :class:`WorkspaceError` (with its
``kind``) saying what is wrong and what to do; :func:`workspace_fault` finds them without writing anything,
so a page can show what it can read and refuse only the saving; :func:`workspace_write_error` turns an
OSError, SQLite or GDAL error met while writing into one. A damaged file is never repaired nor replaced: it is
opened read-only to look at it, and kept as it is.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from gis.core.errors import DataSourceError
from gis.store.rows import FIELDS_TABLE, TIMEOUT_S, VALUES_TABLE, workspace_path

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


def corrupt_error(path: Path, detail: object) -> WorkspaceError:
    """The fault of a damaged file at ``path`` (told as busy when ``detail`` says it is locked)."""
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
        return corrupt_error(path, text)  # "locked": told as busy, not damaged
    return WorkspaceError(
        f"Không ghi được vào không gian làm việc «{path}»: {text}. Hãy kiểm tra ổ đĩa và quyền ghi rồi thử lại.",
        f"Cannot write to the workspace '{path}': {text}. Check the drive and the write permission and try again.")


def verify(path: Path) -> None:
    """Raise :class:`WorkspaceError` (``corrupt``) when ``path`` is not a readable workspace; never writes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise WorkspaceError(
            f"Không đọc được tệp không gian làm việc «{path}» ({exc.strerror or exc}). Hãy kiểm tra quyền đọc.",
            f"Cannot read the workspace file '{path}' ({exc.strerror or exc}). Check the read permission.") from exc
    if not head.startswith(_SQLITE_HEADER):
        raise corrupt_error(path, "không phải tệp GeoPackage/SQLite" if head else "tệp rỗng")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=TIMEOUT_S)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            check = con.execute("PRAGMA quick_check(1)").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise corrupt_error(path, exc) from exc
    if check is None or check[0] != "ok":
        raise corrupt_error(path, check[0] if check else "quick_check")
    missing = [t for t in (FIELDS_TABLE, VALUES_TABLE) if t not in tables]
    if missing:
        raise corrupt_error(path, f"thiếu bảng {', '.join(missing)}")


def writable(path: Path) -> WorkspaceError | None:
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
            verify(path)
        except WorkspaceError as exc:
            return exc
    return writable(path)
