"""How the ledger writes its rows: the ids (RFC 9562 version 7), the GeoPackage geometry blob (typed from the
GeoPackage 1.3 and WKB specifications), and the column-by-column row building of ``insert_versions``, which must
store exactly what the row-by-row definitions (:func:`attrs_json`, :func:`key_text`, :func:`clean`) give."""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
import time
import uuid

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.jobs.ledger import schema
from gis.jobs.ledger.model import key_text, new_id, new_ids
from gis.store.gpkg import from_blob, gpkg_blob, gpkg_blobs


def test_ids_are_version_7_uuids_increasing_and_unique():
    before_ms = time.time_ns() // 1_000_000
    first = new_ids(1_000)
    one = new_id()
    second = new_ids(50_000)
    after_ms = time.time_ns() // 1_000_000
    ids = [*first, one, *second]
    assert len(set(ids)) == len(ids) == 51_001
    assert ids == sorted(ids)  # increasing, across calls in the same millisecond too
    for text in (first[0], one, second[-1]):
        parsed = uuid.UUID(hex=text)
        assert parsed.hex == text and len(text) == 32
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert before_ms <= parsed.int >> 80 <= after_ms + 1  # the first 48 bits: Unix time in milliseconds
    assert new_ids(0) == []


def _wkb_polygon(ring: list[tuple[float, float]]) -> bytes:
    """ISO WKB of a one-ring polygon, little-endian: byte order 1, type 3, ring count, point count, points."""
    return (struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(ring))
            + b"".join(struct.pack("<2d", x, y) for x, y in ring))


def test_geometry_blob_is_the_geopackage_standard_one():
    ring = [(1.0, 2.0), (3.0, 2.0), (3.0, 5.0), (1.0, 5.0), (1.0, 2.0)]
    square = shapely.Polygon(ring)
    # GeoPackage 1.3, 2.1.3: "GP", version 0, flags 0b00000011 (envelope [minx, maxx, miny, maxy], little-endian),
    # srs_id as int32, the envelope as four doubles, then the WKB
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", 9214) + struct.pack("<4d", 1.0, 3.0, 2.0, 5.0)
    expected = header + _wkb_polygon(ring)
    assert gpkg_blob(square, 9214) == expected
    other = shapely.Polygon([(10.0, 20.0), (12.0, 20.0), (11.0, 23.0), (10.0, 20.0)])
    blobs = gpkg_blobs(np.array([square, None, other], dtype=object), 9214)
    assert blobs[0] == expected and blobs[1] is None
    assert blobs[2][8:40] == struct.pack("<4d", 10.0, 12.0, 20.0, 23.0)
    assert from_blob(blobs[2]).equals(other) and from_blob(None) is None


def _versions(frame: gpd.GeoDataFrame, monkeypatch, *, batch: int) -> list[tuple]:
    monkeypatch.setattr(schema, "BATCH_ROWS", batch)
    con = sqlite3.connect(":memory:")
    schema.create_tables(con)
    con.execute(f"INSERT INTO {schema.VERSIONS} (version_id, parcel_id, valid_from, entry_from, seq, attrs) "
                "VALUES ('old', 'old', '2020-01-01', 1, 41, '{}')")  # new rows are numbered after seq 41
    written = schema.insert_versions(con, frame, entry_id=7, day="2024-05-06", srs_id=9214)
    rows = con.execute(f"SELECT geom, version_id, parcel_id, sheet, parcel_no, land_use, owner, valid_from, "
                       f"entry_from, seq, minx, miny, maxx, maxy, attrs FROM {schema.VERSIONS} WHERE fid > 1 "
                       "ORDER BY fid").fetchall()
    assert [(r[1], r[2]) for r in rows] == written
    return rows


def test_rows_are_those_of_the_row_by_row_definitions(monkeypatch):
    boxes = [shapely.box(x, 0, x + 10, 10) for x in range(0, 70, 10)]
    frame = gpd.GeoDataFrame({
        "parcel_id": [f"p{k}" for k in range(7)],
        "version_id": ["v-kept", None, "", np.nan, "v-other", None, None],
        "seq": [3.0, np.nan, 5.0, np.nan, np.nan, 9.0, np.nan],
        "sheet": [12, 12.0, "012", " 7 ", np.nan, None, "A1"],
        "parcel_no": [1.0, 2.5, "3", None, "x", 10, 11],
        "land_use": ["LUC", np.nan, "ONT+CLN", None, "NTS", "LUC", "DGT"],
        "owner": ["Nguyễn Văn \"A\"", None, "Lê Thị B\\C", "Trần\nD", np.nan, "Hộ ông Đ", ""],
        "legal_area_m2": [100.0, np.nan, np.inf, -0.0, 1e-7, 123456789.125, -np.inf],
        "count": pd.array([1, None, 3, 4, 5, 6, 7], dtype="Int64"),
        "mixed": [1, 1.0, True, "1", None, np.int64(2), np.float32(0.1)],
        "flag": [True, False, True, False, True, False, True],
        "when": pd.to_datetime(["2024-01-02", None, "2023-12-31", "2024-01-02", None, "2020-02-29", "2021-03-04"]),
        "day": [dt.date(2024, 1, 2), None, dt.date(2023, 1, 1), None, None, None, None],
        "map_area_m2": np.arange(7.0),  # derived: never stored
        "group": ["a"] * 7,
    }, geometry=boxes, crs=9214)
    expected_attrs = [schema.attrs_json(r) for r in frame.drop(columns="geometry").to_dict(orient="records")]
    for batch in (3, 50_000):
        rows = _versions(frame, monkeypatch, batch=batch)
        assert [r[14] for r in rows] == expected_attrs
        assert [r[0] for r in rows] == [gpkg_blob(g, 9214) for g in boxes]
        assert [r[10:14] for r in rows] == [g.bounds for g in boxes]
        assert [r[3] for r in rows] == ["12", "12", "12", "7", "", "", "A1"] == [key_text(v) for v in frame["sheet"]]
        assert [r[4] for r in rows] == ["1", "2.5", "3", "", "x", "10", "11"]
        assert [r[5] for r in rows] == ["LUC", None, "ONT+CLN", None, "NTS", "LUC", "DGT"]
        assert [r[6] for r in rows] == ["Nguyễn Văn \"A\"", None, "Lê Thị B\\C", "Trần\nD", None, "Hộ ông Đ", ""]
        # a row's own seq is kept; the others numbered in order after the highest seq already stored (41)
        assert [r[9] for r in rows] == [3, 42, 5, 43, 44, 9, 45]
        ids = [r[1] for r in rows]
        assert ids[0] == "v-kept" and ids[4] == "v-other" and len(set(ids)) == 7
        assert all(len(ids[k]) == 32 and uuid.UUID(hex=ids[k]).version == 7 for k in (1, 2, 3, 5, 6))
        assert {r[7] for r in rows} == {"2024-05-06"} and {r[8] for r in rows} == {7}
    # the mixed column keeps each value's own type: 1, 1.0, true and "1" are four different JSON values
    assert [expected_attrs[k].split('"mixed": ')[1].split(",")[0] for k in range(4)] == ["1", "1.0", "true", '"1"']
    assert '"legal_area_m2": Infinity' in expected_attrs[2] and '"legal_area_m2": -0.0' in expected_attrs[3]


def test_no_rows_writes_nothing(monkeypatch):
    empty = gpd.GeoDataFrame({"parcel_id": []}, geometry=[], crs=9214)
    con = sqlite3.connect(":memory:")
    schema.create_tables(con)
    assert schema.insert_versions(con, empty, entry_id=1, day="2024-01-01", srs_id=9214) == []


@pytest.mark.parametrize("count", [1, 4])
def test_blobs_of_many_equal_the_blob_of_each(count):
    geoms = np.array([shapely.Point(k, -k).buffer(3.0 + k) for k in range(count)], dtype=object)
    assert gpkg_blobs(geoms, 4326) == [gpkg_blob(g, 4326) for g in geoms]
