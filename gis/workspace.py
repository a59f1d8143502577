"""The workspace: one GeoPackage that keeps what the user makes (planned fields, values entered by hand).

A GeoPackage is an SQLite file that QGIS opens as it is. Every change here is one SQLite transaction taken
with ``BEGIN IMMEDIATE``, so a crash leaves the file as it was before the change, and two processes (two
browser tabs, the app and the command line) saving at once wait for each other instead of losing a write.
Every row carries the time it was last changed.
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
_TIMEOUT_S = 30.0


def workspace_path() -> Path:
    """The workspace file: ``$LUONGPHONG_WORKSPACE`` when set, else ``workspace/workspace.gpkg``."""
    env = os.environ.get("LUONGPHONG_WORKSPACE")
    return Path(env) if env else DEFAULT_WORKSPACE


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

    # -- planned concentrated fields ------------------------------------------------------------------
    def save_field(self, geometry: shapely.Geometry, *, name: str, village: str = "", note: str = "",
                   field_id: int | None = None) -> int:
        """Save a planned field (a new one, or replace ``field_id``); returns its id."""
        stamp = now_iso()
        blob = _gpkg_blob(geometry, self.srs_id)
        with self._transaction() as con:
            if field_id is None:
                row = con.execute(f"SELECT COALESCE(MAX(field_id), 0) + 1 FROM {FIELDS_TABLE}").fetchone()
                field_id = int(row[0])
                con.execute(
                    f"INSERT INTO {FIELDS_TABLE} (geom, field_id, name, village, note, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)", (blob, field_id, name, village, note, stamp, stamp))
            else:
                cur = con.execute(
                    f"UPDATE {FIELDS_TABLE} SET geom = ?, name = ?, village = ?, note = ?, updated_at = ? "
                    "WHERE field_id = ?", (blob, name, village, note, stamp, field_id))
                if cur.rowcount == 0:
                    raise DataSourceError(f"Không có cánh đồng số {field_id}.", f"There is no field {field_id}.")
            self._touch_contents(con, FIELDS_TABLE, stamp)
        return field_id

    def rename_field(self, field_id: int, name: str) -> None:
        stamp = now_iso()
        with self._transaction() as con:
            con.execute(f"UPDATE {FIELDS_TABLE} SET name = ?, updated_at = ? WHERE field_id = ?",
                        (name, stamp, field_id))
            self._touch_contents(con, FIELDS_TABLE, stamp)

    def delete_field(self, field_id: int) -> None:
        stamp = now_iso()
        with self._transaction() as con:
            con.execute(f"DELETE FROM {FIELDS_TABLE} WHERE field_id = ?", (field_id,))
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
    def set_value(self, key: str, value: float, *, note: str = "") -> str:
        """Record a value entered by hand for target ``key``; returns the time it was entered."""
        stamp = now_iso()
        with self._transaction() as con:
            con.execute(f"INSERT INTO {VALUES_TABLE} (key, value, note, entered_at) VALUES (?, ?, ?, ?)",
                        (key, float(value), note, stamp))
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
