"""Planned fields are drafts until a decision adopts them; saved geometry keeps its CRS and its dataset.

The figures are checked against shapely computations written here, on the layers read straight from the
built-in shapefiles (not through the code under test).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import box

from gis.core.crs import tm3_crs
from gis.core.errors import GisError
from gis.files.io import BUILTIN_DATA_DIR, ROOT, load_dataset
from gis.jobs import fields
from gis.jobs.targets.measure import evaluate
from gis.jobs.targets.plan import load_plan
from gis.jobs.targets.status import MET, NOT_MET
from gis.store.rows import ADOPTED, DRAFT, FIELDS_TABLE, MIGRATION_ACTION, VALUES_TABLE
from gis.store.workspace import Workspace

#: A 25 ha block of rice land in thôn Đông, away from every project (EPSG:9214).
NEW_FIELD = box(398300, 2359300, 398800, 2359800)
DECISION = "Quyết định số 123/QĐ-UBND"


@pytest.fixture(scope="module")
def builtin():
    return load_dataset()


def independent_fields_total_ha(extra: shapely.Geometry | None = None) -> float:
    """Kept fields ("Duy trì") and ``extra``, outside recovered land, from the shapefiles: the plan's measure."""
    kept = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "concentrated_fields.shp")
    recovered = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "recovered_land.shp").to_crs(kept.crs)
    kept = kept[kept["TRANGTHAI"].str.strip() == "Duy trì"]
    shape = shapely.union_all(kept.geometry.to_numpy())
    if extra is not None:
        shape = shapely.union(shape, extra)
    return shapely.difference(shape, shapely.union_all(recovered.geometry.to_numpy())).area / 1e4


def by_key(results):
    return {r.target.key: r for r in results}


def test_a_draft_does_not_count_and_an_adopted_field_does(builtin, tmp_path: Path):
    plan = load_plan()
    ws = Workspace.open(tmp_path / "ws.gpkg")
    field_id = ws.save_field(NEW_FIELD, name="Cánh đồng mới thôn Đông", village="Đông")
    assert ws.fields()["state"].tolist() == [DRAFT]
    draft = by_key(evaluate(plan, builtin, planned_fields=ws.fields()))
    assert draft["concentrated_fields_total_ha"].measured == pytest.approx(independent_fields_total_ha(), abs=1e-6)
    assert draft["concentrated_fields"].measured == 3 and draft["concentrated_fields"].status == NOT_MET

    ws.adopt_field(field_id, decision=DECISION, decision_date="2024-05-10", by="lan")
    adopted = by_key(evaluate(plan, builtin, planned_fields=ws.fields()))
    expected = independent_fields_total_ha(NEW_FIELD)
    assert expected > 100 > independent_fields_total_ha()  # the new field is what meets "more than 100 ha"
    assert adopted["concentrated_fields_total_ha"].measured == pytest.approx(expected, abs=1e-6)
    assert adopted["concentrated_fields_total_ha"].status == MET
    assert adopted["concentrated_fields"].measured == 4 and adopted["concentrated_fields"].status == MET

    row = ws.fields().iloc[0]
    assert (row["state"], row["decision"], row["decision_date"], row["adopted_by"]) == (
        ADOPTED, DECISION, "2024-05-10", "lan")
    # a field drawn on other data never counts here, adopted or not
    other = Workspace.open(tmp_path / "other.gpkg")
    other_id = other.save_field(NEW_FIELD, name="Của bộ dữ liệu khác", dataset="imported-2024")
    other.adopt_field(other_id, decision=DECISION, decision_date=date(2024, 5, 10))
    elsewhere = by_key(evaluate(plan, builtin, planned_fields=other.fields()))
    assert elsewhere["concentrated_fields"].measured == 3


def test_adoption_needs_a_decision_and_a_real_day_and_is_withdrawn_only_explicitly(tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws.gpkg")
    field_id = ws.save_field(NEW_FIELD, name="Thử")
    tomorrow_but_one = (date.today() + timedelta(days=3)).isoformat()
    for decision, day in (("", "2024-05-10"), ("   ", "2024-05-10"), (DECISION, "2024-02-30"),
                          (DECISION, "10/05/2024"), (DECISION, ""), (DECISION, "2024-5-1"),
                          (DECISION, tomorrow_but_one), ("x" * 201, "2024-05-10")):
        with pytest.raises(GisError) as caught:
            ws.adopt_field(field_id, decision=decision, decision_date=day)
        assert caught.value.vi and caught.value.en
    assert ws.fields()["state"].tolist() == [DRAFT]
    ws.adopt_field(field_id, decision=f"  {DECISION} ", decision_date="2024-05-10", by="lan")
    assert ws.fields()["decision"].tolist() == [DECISION]
    for change in (lambda: ws.adopt_field(field_id, decision="QĐ khác", decision_date="2024-06-01"),
                   lambda: ws.delete_field(field_id),
                   lambda: ws.save_field(box(0, 0, 1, 1), name="Thay", field_id=field_id)):
        with pytest.raises(GisError):
            change()
    assert ws.fields()["state"].tolist() == [ADOPTED] and ws.fields().area.iloc[0] == pytest.approx(NEW_FIELD.area)
    ws.rename_field(field_id, "Tên mới", by="lan")  # a name is not what the decision adopted
    ws.unadopt_field(field_id, reason="quyết định bị thu hồi", by="hoa")
    row = ws.fields().iloc[0]
    assert row["state"] == DRAFT and row["decision"] == "" and row["name"] == "Tên mới"
    actions = [(user, action, obj) for _at, user, action, obj in ws.audit()]
    assert [a[:2] for a in actions] == [("local:" + actions[0][0].split(":", 1)[1], "add_field"),
                                        ("lan", "adopt_field"), ("lan", "rename_field"), ("hoa", "unadopt_field")]
    assert DECISION in actions[-1][2] and "2024-05-10" in actions[-1][2] and "quyết định bị thu hồi" in actions[-1][2]
    ws.delete_field(field_id)  # a draft again: it can go
    assert ws.fields().empty


def old_workspace(path: Path, geometry: shapely.Geometry) -> None:
    """A workspace file as the tool wrote it before fields had states, datasets and CRS columns."""
    frame = gpd.GeoDataFrame(
        {"field_id": [1], "name": ["Cánh đồng cũ"], "village": ["Đông"], "note": [""],
         "created_at": ["2024-03-01T00:00:00+00:00"], "updated_at": ["2024-03-01T00:00:00+00:00"]},
        geometry=[geometry], crs=9214)
    pyogrio.write_dataframe(frame, path, layer=FIELDS_TABLE, driver="GPKG", geometry_type="Polygon",
                            layer_options={"SPATIAL_INDEX": "NO"})
    values = pd.DataFrame({"key": ["pigs"], "value": [28000.0], "note": [""],
                           "entered_at": ["2024-03-01T00:00:00+00:00"]})
    pyogrio.write_dataframe(values, path, layer=VALUES_TABLE, driver="GPKG", append=False)


def test_an_old_workspace_file_is_migrated_and_its_fields_become_drafts(builtin, tmp_path: Path):
    path = tmp_path / "ws.gpkg"
    old_workspace(path, NEW_FIELD)
    with sqlite3.connect(path) as con:
        columns = {row[1] for row in con.execute(f"PRAGMA table_info({FIELDS_TABLE})")}
    con.close()
    assert "state" not in columns and "changed_by" not in columns
    ws = Workspace.open(path)
    frame = ws.fields()
    assert frame["name"].tolist() == ["Cánh đồng cũ"] and frame["state"].tolist() == [DRAFT]
    assert frame["dataset"].tolist() == ["builtin"] and frame["srs"].tolist() == ["EPSG:9214"]
    assert frame.crs.to_epsg() == 9214 and frame.geometry.iloc[0].equals_exact(NEW_FIELD, 1e-9)
    assert ws.migrated_drafts() == 1
    assert [a[2] for a in ws.audit()] == [MIGRATION_ACTION]
    assert Workspace.open(path).audit() == ws.audit()  # opened again: migrated once
    assert ws.values()["pigs"][0] == 28000.0
    # a migrated draft does not count until adopted
    plan = load_plan()
    assert by_key(evaluate(plan, builtin, planned_fields=ws.fields()))["concentrated_fields"].measured == 3
    ws.adopt_field(1, decision=DECISION, decision_date="2024-05-10")
    assert by_key(evaluate(plan, builtin, planned_fields=ws.fields()))["concentrated_fields"].measured == 4
    assert pyogrio.read_dataframe(path, layer=FIELDS_TABLE)["state"].tolist() == [ADOPTED]  # GDAL reads it


@pytest.mark.parametrize("crs", [CRS.from_epsg(9210), CRS.from_epsg(9205), tm3_crs(105.0)],
                         ids=["EPSG:9210", "EPSG:9205", "TM-3 105°00' (no EPSG code)"])
def test_a_field_drawn_in_another_zone_comes_back_where_it_was_drawn(crs: CRS, tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws.gpkg")
    # a field with a hole, 1 cm detail in its corners, in the other zone's own coordinates
    outline = shapely.Polygon([(512_345.67, 2_345_678.91), (512_845.68, 2_345_678.92), (512_845.69, 2_346_178.93),
                               (512_345.66, 2_346_178.94)],
                              holes=[[(512_400.01, 2_345_700.02), (512_420.03, 2_345_700.04),
                                      (512_420.05, 2_345_720.06)]])
    ws.save_field(NEW_FIELD, name="Lương Phong")
    ws.save_field(outline, name="Tỉnh khác", crs=crs, dataset="imports-other-zone")
    back = Workspace.open(tmp_path / "ws.gpkg").fields(dataset="imports-other-zone")
    assert back["name"].tolist() == ["Tỉnh khác"] and CRS.from_user_input(back.crs).equals(crs)
    got = shapely.get_coordinates(back.geometry.iloc[0])
    assert got.shape == shapely.get_coordinates(outline).shape
    assert np.abs(got - shapely.get_coordinates(outline)).max() < 0.001
    assert back.geometry.iloc[0].area == pytest.approx(outline.area, abs=1e-6)
    # listed only for its dataset, and the built-in data's field stays in EPSG:9214
    mine = Workspace.open(tmp_path / "ws.gpkg").fields(dataset="builtin")
    assert mine["name"].tolist() == ["Lương Phong"] and mine.crs.to_epsg() == 9214
    assert mine.geometry.iloc[0].equals_exact(NEW_FIELD, 1e-9)
    # GDAL sees the stored coordinates, and the row says in which CRS they are
    raw = pyogrio.read_dataframe(tmp_path / "ws.gpkg", layer=FIELDS_TABLE)
    other = raw[raw["name"] == "Tỉnh khác"].iloc[0]
    assert CRS.from_user_input(other["srs"]).equals(crs)
    assert np.abs(shapely.get_coordinates(other.geometry) - shapely.get_coordinates(outline)).max() < 0.001


def run_gis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gis", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_command_saves_adopts_and_lists_fields(builtin, tmp_path: Path):
    ws_path = tmp_path / "ws" / "ws.gpkg"
    env = {"LUONGPHONG_WORKSPACE": str(ws_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    saved = run_gis("fields", "save", "--suggestion", "1", "--name", "Cánh đồng mới", env=env)
    assert saved.returncode == 0, saved.stderr
    assert "dự thảo" in saved.stdout
    listed = run_gis("fields", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    planned = [i for i in items if i["kind"] == "planned"]
    assert [(i["name"], i["state"], i["decision"], i["decision_date"]) for i in planned] == [
        ("Cánh đồng mới", "draft", None, None)]
    assert all(i["srs"] == "EPSG:9214" and i["dataset"] == "builtin" for i in items)
    assert {i["state"] for i in items if i["kind"] == "existing"} == {None}
    # the area and rice land of the saved outline, by shapely here
    outline = Workspace.open(ws_path).fields().geometry.iloc[0]
    rice = builtin.parcels[builtin.parcels["land_use_main"].isin(["LUC", "LUK", "LUA", "LUN"])]
    rice_ha = float(sum(g.intersection(outline).area for g in rice.geometry)) / 1e4
    assert planned[0]["area_ha"] == pytest.approx(outline.area / 1e4, abs=1e-4)
    assert planned[0]["rice_ha"] == pytest.approx(rice_ha, abs=1e-4)

    def fields_count() -> float:
        done = run_gis("targets", "--json", env=env)
        assert done.returncode == 0, done.stderr
        return {r["key"]: r for r in json.loads(done.stdout)}["concentrated_fields"]["measured"]

    assert fields_count() == 3  # a draft does not count
    refused = run_gis("fields", "adopt", "Cánh đồng mới", "--decision", " ", "--date", "2024-05-10", env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr and "quyết định" in refused.stderr
    refused = run_gis("fields", "adopt", "Cánh đồng mới", "--decision", DECISION, "--date", "2024-13-01", env=env)
    assert refused.returncode == 2 and "2024-13-01" in refused.stderr
    unknown = run_gis("fields", "adopt", "Không có", "--decision", DECISION, "--date", "2024-05-10", env=env)
    assert unknown.returncode == 2 and "Không có" in unknown.stderr
    adopted = run_gis("fields", "adopt", "Cánh đồng mới", "--decision", DECISION, "--date", "2024-05-10", env=env)
    assert adopted.returncode == 0, adopted.stderr
    planned = [i for i in json.loads(run_gis("fields", "list", "--json", env=env).stdout) if i["kind"] == "planned"]
    assert [(i["state"], i["decision"], i["decision_date"]) for i in planned] == [("adopted", DECISION, "2024-05-10")]
    assert fields_count() == 4


def zone_dataset(folder: Path, crs: CRS) -> Path:
    """A small data folder in another province's zone: 4 x 6 rice strips 20 m x 50 m, 5 m roads between."""
    folder.mkdir(parents=True)
    x0, y0 = 512_000.0, 2_345_000.0
    geoms, rows = [], []
    for r in range(4):
        for c in range(6):
            x, y = x0 + c * 25, y0 + r * 55
            geoms.append(box(x, y, x + 20, y + 50))
            rows.append({"SHBANDO": 1, "SHTHUA": r * 6 + c + 1, "MALOAIDAT": "LUC", "TENCHU": f"Chủ {c}",
                         "DIACHI": "Thôn Một"})
    pyogrio.write_dataframe(gpd.GeoDataFrame(rows, geometry=geoms, crs=crs), folder / "parcels.gpkg",
                            driver="GPKG")
    return folder


def test_a_field_from_a_file_is_saved_on_its_dataset_in_its_zone(tmp_path: Path):
    crs = CRS.from_epsg(9210)
    data = zone_dataset(tmp_path / "imports" / "xa-khac-20240501", crs)
    outline = box(512_000 - 1, 2_345_000 - 1, 512_000 + 3 * 25 - 5 + 1, 2_345_000 + 2 * 55 - 5 + 1)  # 3 x 2 strips
    drawn = tmp_path / "ranh_gioi.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"ten": ["Ranh giới"]}, geometry=[outline], crs=crs), drawn,
                            driver="GPKG")
    ws_path = tmp_path / "ws" / "ws.gpkg"
    env = {"LUONGPHONG_WORKSPACE": str(ws_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    saved = run_gis("fields", "save", "--file", str(drawn), "--name", "Cánh đồng xã khác", "--data", str(data),
                    env=env)
    assert saved.returncode == 0, saved.stderr
    items = json.loads(run_gis("fields", "list", "--json", "--data", str(data), env=env).stdout)
    assert [(i["name"], i["state"], i["srs"], i["dataset"]) for i in items] == [
        ("Cánh đồng xã khác", "draft", "EPSG:9210", "xa-khac-20240501")]
    assert items[0]["rice_ha"] == pytest.approx(6 * 20 * 50 / 1e4, abs=1e-6)
    assert items[0]["area_ha"] == pytest.approx(outline.area / 1e4, abs=1e-6)
    back = Workspace.open(ws_path).fields(dataset="xa-khac-20240501")
    assert np.abs(shapely.get_coordinates(back.geometry.iloc[0]) - shapely.get_coordinates(outline)).max() < 0.001
    builtin_items = json.loads(run_gis("fields", "list", "--json", env=env).stdout)
    assert "Cánh đồng xã khác" not in [i["name"] for i in builtin_items]


def test_the_field_table_shows_each_saved_fields_state_for_its_dataset_only(builtin, tmp_path: Path):
    ws = Workspace.open(tmp_path / "ws.gpkg")
    a = ws.save_field(NEW_FIELD, name="Phê duyệt")
    ws.save_field(box(398900, 2359300, 399000, 2359400), name="Dự thảo")
    ws.save_field(NEW_FIELD, name="Khác", dataset="imports-x")
    ws.adopt_field(a, decision=DECISION, decision_date="2024-05-10")
    table = fields.field_table(builtin, ws.fields(dataset="builtin"))
    planned = table[table["status"] == fields.PLANNED]
    assert planned[["name", "state", "decision", "decision_date"]].values.tolist() == [
        ["Phê duyệt", ADOPTED, DECISION, "2024-05-10"], ["Dự thảo", DRAFT, "", ""]]
    assert fields.field_table(builtin, ws.fields())["name"].tolist().count("Khác") == 0
    assert [fields.state_label(s) for s in (DRAFT, ADOPTED, "")] == ["Dự thảo", "Đã phê duyệt", ""]
    counted = fields.counted_fields(ws.fields(), builtin)
    assert counted is not None and counted["name"].tolist() == ["Phê duyệt"]
