"""The ledger file's tables (a GeoPackage QGIS opens as it is), and how its rows are written: a parcel
version (attributes as JSON, derived columns recomputed on reading), a ledger entry, a clearance step.

What is kept
------------
``parcel_versions`` (a feature table)
    One row per version of a parcel: ``version_id`` (unique), ``parcel_id`` (the parcel's stable identity,
    a uuid that survives changes of sheet or number), ``sheet`` and ``parcel_no`` (as text),
    ``valid_from`` (included) and ``valid_to`` (excluded; empty while the version is current), the entries
    that opened and closed it, every other attribute (JSON) and the geometry. A version is never changed nor
    deleted; the only update allowed is closing it once (``valid_to``, ``entry_to``), by SQLite triggers.
``ledger``
    One row per change: kind (:data:`gis.jobs.ledger.model.KINDS`), the date it takes effect, the decision
    (number, date, issuing body), who entered it and when, the entry it reverses (for a reversal), a note and the job's parameters
    (JSON). ``ledger_parcels`` lists the versions each entry closed (``before``) and opened (``after``).
    Both are append-only (triggers): a wrong entry is undone by a reversing entry, never edited.
``clearance_stages``
    The steps of site clearance reached by each parcel of each project
    (:class:`~gis.jobs.ledger.model.StageRecord`), append-only; a handing over is written in the same transaction as the recovery entry it makes.

Test hook: when ``LUONGPHONG_LEDGER_PAUSE`` names a file, :func:`pause_for_test` (called by
:meth:`gis.jobs.ledger.store.SqliteLandStore.commit` after the ledger rows and before the parcel versions) writes
that file and waits until it is removed (the kill -9 test).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Sequence
from itertools import repeat
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from gis.core import landuse
from gis.jobs.ledger.model import DERIVED, KINDS, VERSION_COLUMNS, LedgerError, NewEntry, StageRecord, key_text, new_ids
from gis.store.gpkg import gpkg_blobs
from gis.store.rows import now_iso

VERSIONS = "parcel_versions"
LEDGER = "ledger"
LINKS = "ledger_parcels"
META = "ledger_meta"
STAGES = "clearance_stages"
PAUSE_ENV = "LUONGPHONG_LEDGER_PAUSE"


def create_tables(con: sqlite3.Connection) -> None:
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
    create_stages(con)
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


def create_stages(con: sqlite3.Connection) -> None:
    """The clearance steps table, append-only (idempotent: made on the first step in older files)."""
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


def register_geometry(con: sqlite3.Connection, crs: CRS) -> int:
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


def json_default(value: object) -> object:
    """A value JSON cannot write (numpy numbers, timestamps), as one it can."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp | dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def clean(value: object) -> object:
    """``value``, or None for a missing one (NaN, NA, NaT)."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def attrs_json(row: dict[str, Any]) -> str:
    """The attributes of a version as stored (derived and version columns left out)."""
    skip = {*DERIVED, *VERSION_COLUMNS, "geometry", "minx", "miny", "maxx", "maxy", "seq"}
    return json.dumps({k: clean(v) for k, v in row.items() if k not in skip}, ensure_ascii=False,
                      default=json_default)


def derive(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add the derived columns (land-use code, group, drawn area) to a frame of versions, in place."""
    from gis.core.area import area_m2

    if "land_use" in frame.columns:
        frame["land_use"] = frame["land_use"].map(landuse.normalise)
        frame["land_use_main"] = frame["land_use"].map(landuse.primary_code)
        frame["group"] = frame["land_use"].map(landuse.group_of)
    frame["map_area_m2"] = area_m2(frame, source=VERSIONS) if len(frame) else pd.Series(dtype="float64")
    return frame


def insert_entry(con: sqlite3.Connection, entry: NewEntry, *, by: str) -> tuple[int, str]:
    """Append the ledger row of ``entry`` entered ``by`` a user; returns its id and time stamp."""
    if entry.kind not in KINDS:
        raise LedgerError(f"Loại biến động «{entry.kind}» không có (dùng: {', '.join(KINDS[1:])}).",
                          f"Unknown kind of change '{entry.kind}' (known: {', '.join(KINDS[1:])}).")
    stamp = now_iso()
    cur = con.execute(
        f"INSERT INTO {LEDGER} (kind, date, decision_no, decision_date, issuing_body, note, entered_by, "
        "entered_at, reverses, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry.kind, entry.date.isoformat(), entry.decision.number,
         entry.decision.date.isoformat() if entry.decision.date else None, entry.decision.body, entry.note,
         by, stamp, entry.reverses, json.dumps(entry.detail, ensure_ascii=False, default=json_default)))
    return int(cur.lastrowid or 0), stamp

#: Versions written per ``executemany``: the rows of one batch are built at a time, so memory stays bounded.
BATCH_ROWS = 50_000


def insert_versions(con: sqlite3.Connection, frame: gpd.GeoDataFrame, *, entry_id: int, day: str, srs_id: int
                    ) -> list[tuple[str, str]]:
    """Append the versions in ``frame`` opened by entry ``entry_id`` on ``day`` (geometry in ``srs_id``);
    returns their ``(version_id, parcel_id)``, ids assigned where missing.

    Each column is turned into what is stored once per distinct value (:func:`clean`, :func:`key_text`, the
    JSON of :func:`attrs_json`), not row by row: the rows are those :func:`attrs_json` and
    :func:`gis.store.gpkg.gpkg_blob` give, at a fraction of the time for a whole layer.
    """
    count = len(frame)
    if count == 0:
        return []
    next_seq = int(con.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {VERSIONS}").fetchone()[0])
    given = _column(frame, "version_id")
    missing = [pos for pos, v in enumerate(given) if not (isinstance(v, str) and v)]
    fresh = iter(new_ids(len(missing)))
    version_ids = list(given)
    for pos in missing:
        version_ids[pos] = next(fresh)
    parcel_ids = [str(v) for v in _column(frame, "parcel_id")]
    seqs = []
    for value in _column(frame, "seq"):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            value, next_seq = next_seq, next_seq + 1
        seqs.append(int(value))
    sheets = _each(_column(frame, "sheet"), key_text)
    numbers = _each(_column(frame, "parcel_no"), key_text)
    land_uses = _each(_column(frame, "land_use"), clean)
    owners = _each(_column(frame, "owner"), clean)
    attrs = _attrs_texts(frame)
    geoms = frame.geometry.to_numpy()
    for first in range(0, count, BATCH_ROWS):
        last = min(first + BATCH_ROWS, count)
        bounds = shapely.bounds(geoms[first:last])
        part = slice(first, last)
        rows = zip(gpkg_blobs(geoms[part], srs_id, bounds), version_ids[part], parcel_ids[part], sheets[part],
                   numbers[part], land_uses[part], owners[part], repeat(day), repeat(entry_id), seqs[part],
                   *(bounds[:, k].tolist() for k in range(4)), attrs[part])
        con.executemany(
            f"INSERT INTO {VERSIONS} (geom, version_id, parcel_id, sheet, parcel_no, land_use, owner, valid_from, "
            "entry_from, seq, minx, miny, maxx, maxy, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    return list(zip(version_ids, parcel_ids, strict=True))


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    """The values of column ``name`` as Python objects (None for every row when there is no such column)."""
    return frame[name].tolist() if name in frame.columns else [None] * len(frame)


def _each(values: list[Any], fn: Any) -> list[Any]:
    """``fn`` of each value, computed once per distinct value (of the same type: 1, 1.0 and True differ)."""
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        try:
            key = value if type(value) is str else (type(value), value)
            result = done[key]
        except KeyError:
            result = done[key] = fn(value)
        except TypeError:  # not hashable
            result = fn(value)
        out.append(result)
    return out


def _json_value(value: object) -> str:
    """``value`` as :func:`attrs_json` writes it (JSON's own quoting of a text, as ``json.dumps`` does)."""
    if type(value) is str:
        return encode_basestring(value)
    return json.dumps(clean(value), ensure_ascii=False, default=json_default)


def _attrs_texts(frame: gpd.GeoDataFrame) -> list[str]:
    """:func:`attrs_json` of every row of ``frame``, built column by column."""
    skip = {*DERIVED, *VERSION_COLUMNS, "geometry", "minx", "miny", "maxx", "maxy", "seq", frame.geometry.name}
    parts = []
    for name in (c for c in frame.columns if c not in skip):
        prefix = json.dumps(name, ensure_ascii=False) + ": "
        column = frame[name]
        if column.dtype == np.float64:  # JSON's own text of a float (float.__repr__), NaN as null
            values = column.to_numpy()
            texts_ = [prefix + t for t in map(float.__repr__, values.tolist())]
            for pos in np.flatnonzero(~np.isfinite(values)).tolist():
                texts_[pos] = prefix + _json_value(float(values[pos]))
        else:
            texts_ = [prefix + t for t in _each(column.tolist(), _json_value)]
        parts.append(texts_)
    if not parts:
        return ["{}"] * len(frame)
    return ["{" + ", ".join(row) + "}" for row in zip(*parts, strict=True)]


def insert_stages(con: sqlite3.Connection, records: Sequence[StageRecord], *, by: str) -> None:
    """Append the clearance steps ``records`` entered ``by`` a user (the table made first in older files)."""
    create_stages(con)
    stamp = now_iso()
    con.executemany(
        f"INSERT INTO {STAGES} (project, parcel_id, ref, land_user, stage, date, document, note, entered_by, "
        "entered_at, entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(r.project, r.parcel_id, r.ref, r.land_user, r.stage, r.date.isoformat(), r.document, r.note, by, stamp,
          r.entry_id) for r in records])


def pause_for_test() -> None:
    """The kill -9 test's hook (see the module): announce the pause in the named file, wait until it is gone."""
    path = os.environ.get(PAUSE_ENV)
    if not path:
        return
    marker = Path(path)
    marker.write_text(str(os.getpid()), encoding="utf-8")
    while marker.exists():
        time.sleep(0.01)

