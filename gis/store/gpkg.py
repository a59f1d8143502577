"""One write to a GeoPackage, shared by the workspace and the ledger store: the transaction, its audit rows
and its log lines, and the GeoPackage geometry blob.

:func:`transaction` is the only way either store writes: ``BEGIN IMMEDIATE`` (two processes saving at once
wait for each other instead of losing a write), ``COMMIT`` at the end, ``ROLLBACK`` on any failure (a crash
leaves the file as it was), SQLite's errors told as workspace faults (:mod:`gis.store.faults`). The audit rows
the transaction wrote are logged as ``save ok`` lines once it is committed; a rolled-back change is logged as
refused or failed (see :mod:`gis.core.logs`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from gis.core.errors import GisError
from gis.store.faults import workspace_write_error, writable
from gis.store.rows import AUDIT_TABLE, TIMEOUT_S

if TYPE_CHECKING:  # shapely imported where used: an audit record needs none
    import numpy as np
    import shapely


@contextmanager
def transaction(path: Path, *, attach: Path | None = None, log_root: Path | None = None,
                log_fault: bool = True) -> Iterator[sqlite3.Connection]:
    """One write to the GeoPackage at ``path``, as described in the module.

    Parameters
    ----------
    path
        The file written (it must exist).
    attach
        The workspace file to attach as ``ws``, whose ``ws.audit`` rows the change appends (for a file other
        than the workspace); without it, the audit table is ``path``'s own.
    log_root
        The workspace folder whose log records the save (default: ``path``'s folder).
    log_fault
        Whether a fault found before writing (read-only, full) is logged as well as raised.

    The body may roll back itself (``ROLLBACK``): nothing is then committed nor logged as saved.
    """
    fault = writable(path)
    if fault is not None:
        if log_fault:
            log_not_saved(path, fault, root=log_root)
        raise fault
    try:
        con = sqlite3.connect(path, timeout=TIMEOUT_S, isolation_level=None)
        if attach is not None:
            con.execute("ATTACH DATABASE ? AS ws", (str(attach),))
    except sqlite3.Error as exc:
        raise workspace_write_error(path, exc) from exc
    table = "ws.audit" if attach is not None else AUDIT_TABLE
    saved: list[tuple[str, str, str]] = []
    try:
        con.execute("BEGIN IMMEDIATE")
        mark = audit_mark(con, table)
        yield con
        if con.in_transaction:
            con.execute("COMMIT")
            saved = audit_since(con, mark, table)
    except sqlite3.Error as exc:
        rollback(con)
        error = workspace_write_error(path, exc)
        log_not_saved(path, error, root=log_root)
        raise error from exc
    except BaseException as exc:  # any other failure, Ctrl+C included: rolled back, logged, raised on
        rollback(con)
        log_not_saved(path, exc, root=log_root)
        raise
    finally:
        con.close()
    log_saved(path, saved, root=log_root)


def append_audit(con: sqlite3.Connection, *, at: str, by: str, action: str, obj: str,
                 table: str = AUDIT_TABLE) -> None:
    """Append one audit row (time, user, action, object) in the transaction of ``con``."""
    con.execute(f"INSERT INTO {table} (at, user, action, object) VALUES (?, ?, ?, ?)", (at, by, action, obj))


def touch_contents(con: sqlite3.Connection, table: str, stamp: str) -> None:
    """Set ``table``'s ``last_change`` in ``gpkg_contents`` to ``stamp`` (what QGIS shows as its last change)."""
    con.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                (stamp.replace("+00:00", "Z"), table))


_HEADER = [("magic", "S2"), ("version", "u1"), ("flags", "u1"), ("srs_id", "<i4"), ("envelope", "<f8", (4,))]


def gpkg_blob(geom: shapely.Geometry, srs_id: int) -> bytes:
    """A GeoPackage geometry blob: the standard header with an XY envelope, then little-endian WKB."""
    import numpy as np

    blob = gpkg_blobs(np.array([geom], dtype=object), srs_id)[0]
    if blob is None:
        raise ValueError("a missing geometry has no GeoPackage blob")
    return blob


def gpkg_blobs(geoms: np.ndarray, srs_id: int, bounds: np.ndarray | None = None) -> list[bytes | None]:
    """:func:`gpkg_blob` of each geometry of ``geoms`` (``bounds``: their ``shapely.bounds``, when known);
    None (SQL NULL, which a GeoPackage allows) for a missing one.

    The header (GeoPackage 1.3, section 2.1.3): ``GP``, version 0, flags 0b011 (an XY envelope, little-endian),
    the srs_id, then the envelope as minx, maxx, miny, maxy.
    """
    import numpy as np
    import shapely

    if bounds is None:
        bounds = shapely.bounds(geoms)
    header = np.zeros(len(geoms), dtype=np.dtype(_HEADER))
    header["magic"] = b"GP"
    header["flags"] = 0b00000011
    header["srs_id"] = srs_id
    header["envelope"] = bounds[:, [0, 2, 1, 3]]
    raw = header.tobytes()
    size = header.dtype.itemsize
    return [None if wkb is None else raw[k * size:(k + 1) * size] + wkb
            for k, wkb in enumerate(shapely.to_wkb(geoms, byte_order=1).tolist())]


def from_blob(blob: bytes | None) -> shapely.Geometry | None:
    """The geometry of a GeoPackage geometry blob (any envelope); None for NULL."""
    if blob is None:
        return None
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0b111]
    import shapely

    return shapely.from_wkb(blob[8 + envelope:])


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
    ``root`` (default: ``path``'s folder; see :mod:`gis.core.logs`)."""
    from gis.core import logs
    for user, action, obj in rows:
        logs.event("save", "ok", user=user, file=path.name, detail=f"{action}: {obj}", root=root or path.parent)


def log_not_saved(path: Path, exc: BaseException, *, root: Path | None = None) -> None:
    """A ``save refused`` (the user's request, a GisError) or ``save failed`` line for a rolled-back change."""
    from gis.core import logs
    if isinstance(exc, GisError):
        logs.event("save", "refused", file=path.name, detail=exc.en, level=logging.WARNING, root=root or path.parent)
    elif isinstance(exc, Exception):
        logs.event("save", "failed", file=path.name, detail=f"{type(exc).__name__}: {exc}", level=logging.ERROR,
                   root=root or path.parent)


def rollback(con: sqlite3.Connection) -> None:
    """Roll back what ``con`` began, if anything."""
    try:
        con.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # nothing began (BEGIN itself failed), or SQLite already rolled back after a full disk

