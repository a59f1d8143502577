"""The workspace GeoPackage: survives restarts, opens in GDAL, loses nothing to two writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import box

from gis.core.errors import DataSourceError
from gis.files.io import ROOT
from gis.store.accounts import local_user
from gis.store.rows import AUDIT_TABLE, FIELDS_TABLE, VALUES_TABLE
from gis.store.workspace import Workspace

E, N = 397_000.0, 2_361_000.0


def test_fields_are_saved_renamed_deleted_and_stamped(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws.gpkg")
    a = ws.save_field(box(E, N, E + 100, N + 100), name="Thử", village="Đông")
    b = ws.save_field(box(E, N, E + 200, N + 100), name="Thử 2")
    ws.rename_field(a, "Cánh đồng mới")
    ws.delete_field(b)
    again = Workspace.open(tmp_path / "ws.gpkg")  # a restart
    fields = again.fields()
    assert list(fields["name"]) == ["Cánh đồng mới"] and fields.area.iloc[0] == 10_000.0
    assert fields["updated_at"].iloc[0] >= fields["created_at"].iloc[0]


def test_gdal_and_qgis_can_read_the_workspace(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws.gpkg")
    ws.save_field(box(E, N, E + 100, N + 50), name="Một")
    ws.set_value("pigs", 28_000)
    layers = dict(pyogrio.list_layers(tmp_path / "ws.gpkg"))
    assert layers[FIELDS_TABLE] == "Polygon" and VALUES_TABLE in layers
    frame = gpd.read_file(tmp_path / "ws.gpkg", layer=FIELDS_TABLE)
    assert frame.crs.to_epsg() == 9214 and frame.area.iloc[0] == 5_000.0


WRITER = """
import sys
from shapely.geometry import box
from gis.store.workspace import Workspace
ws = Workspace.open(sys.argv[1])
for i in range(int(sys.argv[3])):
    ws.save_field(box(i, 0, i + 1, 1), name=f"{sys.argv[2]}-{i}")
    ws.set_value(f"{sys.argv[2]}-{i}", i)
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "40"], cwd=ROOT)
             for name in ("tab1", "tab2")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ws = Workspace.open(path)
    names = set(ws.fields()["name"])
    assert len(names) == 80 and {f"tab1-{i}" for i in range(40)} <= names
    assert len(ws.values()) == 80
    assert sorted(ws.fields()["field_id"]) == list(range(1, 81))


def test_every_change_records_who_made_it_in_the_same_transaction(tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    ws = Workspace.open(path)
    a = ws.save_field(box(E, N, E + 100, N + 100), name="Thử", by="lan")
    ws.rename_field(a, "Cánh đồng Đông", by="hoa")
    ws.set_value("pigs", 28_000, by="lan")
    b = ws.save_field(box(E, N, E + 50, N + 50), name="Tạm")  # no account: the user of this machine
    ws.delete_field(b, by="hoa")
    with pytest.raises(DataSourceError):  # a refused change leaves no audit row
        ws.save_field(box(E, N, E + 10, N + 10), name="Không có", field_id=99, by="lan")
    local = local_user().name
    assert [(user, action, obj) for _, user, action, obj in ws.audit()] == [
        ("lan", "add_field", f"{FIELDS_TABLE}/1: Thử"),
        ("hoa", "rename_field", f"{FIELDS_TABLE}/1: Cánh đồng Đông"),
        ("lan", "set_value", f"{VALUES_TABLE}/pigs = 28000.0"),
        (local, "add_field", f"{FIELDS_TABLE}/2: Tạm"),
        ("hoa", "delete_field", f"{FIELDS_TABLE}/2: Tạm"),
    ]
    con = sqlite3.connect(path)
    assert con.execute(f"SELECT changed_by FROM {FIELDS_TABLE}").fetchall() == [("hoa",)]
    assert con.execute(f"SELECT changed_by FROM {VALUES_TABLE}").fetchall() == [("lan",)]
    for sql in (f"UPDATE {AUDIT_TABLE} SET user = 'x'", f"DELETE FROM {AUDIT_TABLE}"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()
    # GDAL sees the audit as a table beside the layers
    assert AUDIT_TABLE in dict(pyogrio.list_layers(path))
    audit = pyogrio.read_dataframe(path, layer=AUDIT_TABLE)
    assert list(audit["user"]) == ["lan", "hoa", "lan", local, "hoa"]


def test_a_workspace_from_before_the_audit_gets_it_at_its_next_change(tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    Workspace.open(path).save_field(box(E, N, E + 100, N + 100), name="Cũ")
    con = sqlite3.connect(path)  # make it look like a file written before this version
    with con:
        for table in (FIELDS_TABLE, VALUES_TABLE):
            con.execute(f"ALTER TABLE {table} DROP COLUMN changed_by")
        con.execute(f"DROP TABLE {AUDIT_TABLE}")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = ?", (AUDIT_TABLE,))
    con.close()
    ws = Workspace.open(path)
    assert ws.audit() == [] and list(ws.fields()["name"]) == ["Cũ"]
    ws.set_value("pigs", 1, by="lan")
    ws.rename_field(1, "Mới", by="lan")
    assert [a[1:3] for a in ws.audit()] == [("lan", "set_value"), ("lan", "rename_field")]
    con = sqlite3.connect(path)
    assert con.execute(f"SELECT name, changed_by FROM {FIELDS_TABLE}").fetchall() == [("Mới", "lan")]
    con.close()
