"""The workspace GeoPackage: survives restarts, opens in GDAL, loses nothing to two writers at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import box

from gis.io import ROOT
from gis.workspace import FIELDS_TABLE, VALUES_TABLE, Workspace

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
from gis.workspace import Workspace
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
