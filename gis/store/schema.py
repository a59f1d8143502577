"""The workspace file's tables: making a new file, and bringing an older one up to the present schema.

A new file has the planned fields (a GeoPackage feature table, without R-tree: its triggers call SpatiaLite
functions that plain sqlite3 writers do not have), the values entered by hand and the append-only audit table
(SQLite triggers refuse its updates and deletes). Files made before the ``changed_by`` columns, the audit
table, or the planned fields' state, decision, dataset and CRS existed get them at their next change; their
fields become drafts of the built-in data in the table's CRS, recorded in the audit.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from gis.core.crs import LUONG_PHONG_EPSG
from gis.core.errors import DataSourceError
from gis.store.gpkg import append_audit
from gis.store.rows import (
    AUDIT_TABLE,
    BUILTIN_DATASET,
    DRAFT,
    FIELDS_TABLE,
    MIGRATION_ACTION,
    TIMEOUT_S,
    VALUES_TABLE,
    now_iso,
)

#: Columns a planned field has beyond the first schema: name -> SQL declaration (added by the migration).
FIELD_COLUMNS = {"state": f"TEXT NOT NULL DEFAULT '{DRAFT}'", "decision": "TEXT", "decision_date": "TEXT",
                 "adopted_by": "TEXT", "adopted_at": "TEXT", "dataset": "TEXT", "srs": "TEXT"}


def needs_migration(path: Path) -> bool:
    """Whether the file at ``path`` lacks the planned fields' state, decision, dataset and CRS columns."""
    try:
        with sqlite3.connect(path, timeout=TIMEOUT_S) as con:
            columns = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
        con.close()
    except sqlite3.Error as exc:
        raise DataSourceError(
            f"Không đọc được tệp không gian làm việc «{path}»: {exc}.",
            f"Cannot read the workspace file '{path}': {exc}.",
        ) from exc
    return bool(columns) and not set(FIELD_COLUMNS) <= columns


def create_file(path: Path, srs_id: int) -> None:
    """Make an empty workspace at ``path`` (in EPSG:``srs_id``): written aside, then linked into place, so a
    file another process has just made is kept."""
    import geopandas as gpd  # here only: opening a workspace that exists needs neither
    import pandas as pd
    import pyogrio

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg")
    empty = gpd.GeoDataFrame(
        {"field_id": pd.Series(dtype="int64"), "name": pd.Series(dtype="str"),
         "village": pd.Series(dtype="str"), "note": pd.Series(dtype="str"),
         "created_at": pd.Series(dtype="str"), "updated_at": pd.Series(dtype="str")},
        geometry=gpd.GeoSeries([], crs=srs_id), crs=srs_id,
    )
    # no R-tree: its triggers call SpatiaLite functions that plain sqlite3 writers do not have
    pyogrio.write_dataframe(empty, tmp, layer=FIELDS_TABLE, driver="GPKG", geometry_type="Polygon",
                            layer_options={"SPATIAL_INDEX": "NO"})
    values = pd.DataFrame({"key": pd.Series(dtype="str"), "value": pd.Series(dtype="float64"),
                           "note": pd.Series(dtype="str"), "entered_at": pd.Series(dtype="str")})
    pyogrio.write_dataframe(values, tmp, layer=VALUES_TABLE, driver="GPKG", append=False)
    with sqlite3.connect(tmp) as con:
        con.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{FIELDS_TABLE}_id ON {FIELDS_TABLE}(field_id)")
        ensure_schema(con)
    con.close()
    try:
        os.link(tmp, path)  # atomic, and refuses to replace a file another process just made
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def ensure_schema(con: sqlite3.Connection) -> None:
    """Add what older workspace files lack: the ``changed_by`` columns, the append-only audit table, and the
    planned fields' state, decision, dataset and CRS (existing fields become drafts, recorded in the audit)."""
    for table in (FIELDS_TABLE, VALUES_TABLE):
        columns = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if columns and "changed_by" not in columns:
            con.execute(f"ALTER TABLE {table} ADD COLUMN changed_by TEXT")
    if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (AUDIT_TABLE,)).fetchone():
        create_audit(con)
    columns = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
    missing = [c for c in FIELD_COLUMNS if c not in columns]
    if not missing:
        return
    for column in missing:
        con.execute(f"ALTER TABLE {FIELDS_TABLE} ADD COLUMN {column} {FIELD_COLUMNS[column]}")
    row = con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (FIELDS_TABLE,)).fetchone()
    table_srs = f"EPSG:{row[0] if row else LUONG_PHONG_EPSG}"
    con.execute(f"UPDATE {FIELDS_TABLE} SET dataset = ? WHERE dataset IS NULL", (BUILTIN_DATASET,))
    con.execute(f"UPDATE {FIELDS_TABLE} SET srs = ? WHERE srs IS NULL", (table_srs,))
    n = int(con.execute(f"SELECT COUNT(*) FROM {FIELDS_TABLE}").fetchone()[0])
    if n:
        append_audit(con, at=now_iso(), by="system", action=MIGRATION_ACTION,
                     obj=f"{FIELDS_TABLE}: {n} fields became drafts of dataset '{BUILTIN_DATASET}' in "
                         f"{table_srs} (no adopting decision recorded)")


def create_audit(con: sqlite3.Connection) -> None:
    """Make the append-only audit table, registered in ``gpkg_contents``."""
    con.execute(f"CREATE TABLE {AUDIT_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
                "user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL)")
    for event in ("UPDATE", "DELETE"):
        con.execute(f"CREATE TRIGGER {AUDIT_TABLE}_no_{event.lower()} BEFORE {event} ON {AUDIT_TABLE} "
                    "BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END")
    # registered as an attribute table, so QGIS and GDAL list it beside the others
    con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                "VALUES (?, 'attributes', ?, 'who changed what', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (AUDIT_TABLE, AUDIT_TABLE))

