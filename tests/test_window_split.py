"""A large GeoPackage layer is read in two halves at once (gis.files.window): the same rows, fids, shapes and
recovery as one read, also when the fids are not 1, 2, ... (rows deleted), on real files in tmp_path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import shapely
from test_recovery_window import _files

from gis.files import window
from gis.jobs.recovery import recover
from gis.jobs.recovery_files import read_recovery_files


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, split_from: int) -> window.Window:
    monkeypatch.setattr(window, "SPLIT_READ_FEATURES", split_from)
    found = window.open_window(path)
    assert found is not None
    return found


def _delete(path: Path, where: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(f"DELETE FROM thua_dat WHERE {where}")


# "fid <= 15" leaves fids 16 to 40: the first half (fids up to 25 // 2) is empty, and so is the project
@pytest.mark.parametrize(("deleted", "project"), [(None, True), ("fid <= 15", False), ("fid > 30", True),
                                                  ("fid % 3 = 0", True)])
def test_a_layer_read_in_two_halves_is_the_layer_read_at_once(tmp_path, monkeypatch, deleted, project):
    parcels_path, boundary_path = _files(tmp_path)
    if deleted:
        _delete(parcels_path, deleted)
    whole = _read(parcels_path, monkeypatch, 10**9)
    halves = _read(parcels_path, monkeypatch, 1)
    pd.testing.assert_frame_equal(halves.source.frame, whole.source.frame, check_exact=True)
    assert halves.fids.tolist() == whole.fids.tolist() and len(whole.fids) == len(whole.source.frame)
    assert pa.concat_arrays(halves.wkb.chunks).equals(pa.concat_arrays(whole.wkb.chunks))
    everything = list(range(len(whole.fids)))
    assert shapely.equals_exact(halves.shapes(everything), whole.shapes(everything)).all()

    if not project:
        return
    monkeypatch.setattr(window, "SPLIT_READ_FEATURES", 10**9)
    one = read_recovery_files(parcels_path, boundary_path)
    monkeypatch.setattr(window, "SPLIT_READ_FEATURES", 1)
    two = read_recovery_files(parcels_path, boundary_path)
    assert one.windowed and two.windowed
    pd.testing.assert_frame_equal(recover(two.parcels, two.boundary).table, recover(one.parcels, one.boundary).table,
                                  check_exact=True)


def test_two_halves_coded_apart_are_coded_as_in_one_pass():
    # first half: b, -, a; second: c, a, -, d, b. In one pass the distinct values are b, a, c, d (first
    # appearance) and the rows' codes 0, -1, 1 | 2, 1, -1, 3, 0 (worked out by hand)
    first = window._encoded(pa.table({"owner": pa.array(["b", None, "a"])}))["owner"]
    second = window._encoded(pa.table({"owner": pa.chunked_array([["c", "a"], [None, "d", "b"]])}))["owner"]
    codes, values = window._joined(first, second)
    assert codes.tolist() == [0, -1, 1, 2, 1, -1, 3, 0]
    assert values.to_pylist() == ["b", "a", "c", "d"]
    # and as pandas factorizes the whole column (what a read in one pass is compared with)
    expected_codes, expected_values = pd.factorize(pd.Series(["b", None, "a", "c", "a", None, "d", "b"]))
    assert codes.tolist() == expected_codes.tolist() and values.to_pylist() == list(expected_values)


def test_an_empty_half_or_a_half_of_missing_values_is_coded():
    empty = window._encoded(pa.table({"owner": pa.chunked_array([], type=pa.string())}))["owner"]
    missing = window._encoded(pa.table({"owner": pa.array([None, None], type=pa.string())}))["owner"]
    other = window._encoded(pa.table({"owner": pa.array(["x", None])}))["owner"]
    codes, values = window._joined(empty, other)
    assert codes.tolist() == [0, -1] and values.to_pylist() == ["x"]
    codes, values = window._joined(other, empty)
    assert codes.tolist() == [0, -1] and values.to_pylist() == ["x"]
    codes, values = window._joined(missing, other)
    assert codes.tolist() == [-1, -1, 0, -1] and values.to_pylist() == ["x"]
    codes, values = window._joined(other, missing)
    assert codes.tolist() == [0, -1, -1, -1] and values.to_pylist() == ["x"]
