"""The land ledger (gis.jobs.ledger): real geometry on a generated grid of parcels in VN-2000 (EPSG:9214), a real
GeoPackage store in tmp_path, real SQLite transactions and a real SIGKILL."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gis.__main__ import main
from gis.core.recovery_settings import RecoverySettings
from gis.files.io import BUILTIN_DATA_DIR, load_dataset
from gis.files.schema import normalise_parcels
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.model import Decision, LedgerError
from gis.jobs.ledger.opening import ledger_name, open_folder_store
from gis.jobs.ledger.parcels import next_numbers, ref_of
from gis.jobs.ledger.reports import changes_between, history
from gis.jobs.ledger.schema import PAUSE_ENV
from gis.jobs.ledger.store import SqliteLandStore
from gis.jobs.summary import summarise

E0, N0 = 397_000.0, 2_361_000.0
ROOT = Path(__file__).resolve().parent.parent
SEED = dt.date(2023, 1, 1)
D1, D2, D3 = dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2024, 5, 1)
LOOSE = RecoverySettings(sliver_m2=1.0)  # no minimum per group: only pieces under 1 m² are refused


def grid(cols: int = 3, rows: int = 2, *, w: float = 100.0, h: float = 100.0, uses: list[str] | None = None,
         owners: list[str] | None = None) -> gpd.GeoDataFrame:
    """A grid of w x h m parcels on sheet 12, numbered 1.. row by row, in the internal schema."""
    n = cols * rows
    geoms = [shapely.box(E0 + i * w, N0 + j * h, E0 + (i + 1) * w, N0 + (j + 1) * h)
             for j in range(rows) for i in range(cols)]
    frame = gpd.GeoDataFrame({
        "SHBANDO": [12] * n, "SHTHUA": list(range(1, n + 1)),
        "MALOAIDAT": uses or ["LUC", "LUC", "NTS", "LUC", "ONT", "LUC"][:n],
        "TENCHU": owners or ["Nguyễn Văn Ước", "Nguyễn Văn Ước", "Đỗ Đức Mạnh", "Trần Thị Bưởi", "Ngô Quý Ỷ",
                             "Nguyễn Văn Ước"][:n],
        "DIACHI": ["Thôn Cấm, xã Lương Phong"] * (n // 2) + ["Thôn Giữa, xã Lương Phong"] * (n - n // 2),
    }, geometry=geoms, crs=9214)
    return normalise_parcels(frame, source="grid")


def new_store(folder: Path, parcels: gpd.GeoDataFrame | None = None) -> SqliteLandStore:
    store = SqliteLandStore.open(folder / "ledger.gpkg", dataset="grid")
    store.seed(grid() if parcels is None else parcels, date=SEED, by="tester")
    return store


def vline(x: float) -> shapely.LineString:
    return shapely.LineString([(x, N0 - 1), (x, N0 + 1000)])


def snapshot(frame: gpd.GeoDataFrame) -> list[tuple]:
    """What a state is: each parcel's identity, number, use, user, legal area and exact geometry."""
    rows = frame.sort_values("parcel_id")
    return [(r.parcel_id, r.sheet, r.parcel_no, r.land_use, r.owner,
             None if pd.isna(getattr(r, "legal_area_m2", None)) else r.legal_area_m2, r.geometry.wkb)
            for r in rows.itertuples()]


# ------------------------------------------------------------------------------------------------ the store


def test_seed_gives_the_dataset_back_and_is_a_geopackage(tmp_path):
    parcels = grid()
    store = new_store(tmp_path, parcels)
    state = store.as_of(SEED)
    assert list(state["parcel_no"]) == [1, 2, 3, 4, 5, 6]
    assert state["map_area_m2"].tolist() == pytest.approx([10_000.0] * 6)
    assert state["group"].tolist() == parcels["group"].tolist()
    assert state["parcel_id"].nunique() == 6
    assert store.as_of(SEED - dt.timedelta(days=1)).empty  # nothing before the data's date
    import pyogrio

    layers = dict(pyogrio.list_layers(store.path))
    assert "parcel_versions" in layers and "ledger" in layers
    assert len(gpd.read_file(store.path, layer="parcel_versions")) == 6
    # seeding twice keeps the first state
    assert store.seed(parcels, date=D1).entry_id == 1 and len(store.as_of()) == 6


def test_ledger_and_versions_refuse_edits_and_deletes(tmp_path):
    store = new_store(tmp_path)
    con = sqlite3.connect(store.path)
    for sql in ("UPDATE ledger SET kind = 'x'", "DELETE FROM ledger", "DELETE FROM ledger_parcels",
                "DELETE FROM parcel_versions", "UPDATE parcel_versions SET attrs = '{}'",
                "UPDATE parcel_versions SET geom = NULL"):
        with pytest.raises(sqlite3.DatabaseError):
            con.execute(sql)
    con.close()


def test_split_gives_new_numbers_areas_and_history(tmp_path):
    store = new_store(tmp_path)
    entry = ch.split(store, "12/1", vline(E0 + 40), date=D1, decision=Decision("15/QĐ-UBND", D1, "UBND xã"),
                     by="can_bo")
    assert entry.kind == "split" and entry.entered_by == "can_bo"
    now = store.as_of().set_index("parcel_no")
    assert 1 not in now.index
    assert now.loc[7, "map_area_m2"] == pytest.approx(6000.0) and now.loc[8, "map_area_m2"] == pytest.approx(4000.0)
    assert now.loc[7, "legal_area_m2"] == 6000.0
    assert now.loc[7, "owner"] == "Nguyễn Văn Ước" and now.loc[7, "land_use"] == "LUC"
    # the state of the day before still has parcel 1, and only it
    before = store.as_of(D1 - dt.timedelta(days=1))
    assert sorted(before["parcel_no"]) == [1, 2, 3, 4, 5, 6]
    past = history(store, "12/1")
    assert not past.current and past.children == ["12/7", "12/8"]
    assert [i.entry.kind for i in past.items] == ["initial", "split"]
    assert past.items[1].entry.decision == Decision("15/QĐ-UBND", D1, "UBND xã")
    child = history(store, "12/8")
    assert child.current and child.parents == ["12/1"]


def test_numbers_are_never_given_twice(tmp_path):
    store = new_store(tmp_path)
    ch.split(store, "12/1", vline(E0 + 50), date=D1, decision="1")          # 7, 8
    ch.merge(store, ["12/7", "12/8"], date=D2, decision="2")                 # 9, not 1
    assert next_numbers(store, "12", 2) == [10, 11]
    assert sorted(store.as_of()["parcel_no"]) == [2, 3, 4, 5, 6, 9]


def test_refusals_write_nothing(tmp_path):
    store = new_store(tmp_path)
    strict = RecoverySettings(minimum_parcel_m2={"rice": 500.0})
    count = len(store.entries())

    def refused(call, word: str) -> None:
        with pytest.raises(LedgerError) as info:
            call()
        assert word in info.value.en, info.value.en
        assert info.value.vi and info.value.vi != info.value.en
        assert len(store.entries()) == count and store.problems() == []

    refused(lambda: ch.split(store, "12/1", vline(E0 + 3), date=D1, decision="1", settings=strict), "minimum 500")
    refused(lambda: ch.split(store, "12/1", vline(E0 + 150), date=D1, decision="1"), "does not cross")
    refused(lambda: ch.merge(store, ["12/1", "12/6"], date=D1, decision="1"), "not neighbours")
    refused(lambda: ch.merge(store, ["12/1", "12/4"], date=D1, decision="1"), "land user")
    refused(lambda: ch.merge(store, ["12/2", "12/3"], date=D1, decision="1"), "land use")
    refused(lambda: ch.correct_geometry(store, {"12/1": shapely.box(E0, N0, E0 + 120, N0 + 100)}, date=D1,
                                        decision="1"), "overlaps the neighbouring parcel 12/2")
    refused(lambda: ch.correct_geometry(store, {"12/1": shapely.box(E0, N0, E0 + 90, N0 + 100)}, date=D1,
                                        decision="1"), "gap")
    refused(lambda: ch.change_land_use(store, "12/1", "XYZ", date=D1, decision="1"), "not in the code list")
    refused(lambda: ch.change_land_use(store, "12/1", "SKN", date=D1, decision=" "), "number of the document")
    refused(lambda: ch.change_land_use(store, "12/1", "SKN", date=SEED - dt.timedelta(days=1), decision="1"),
            "order of time")
    refused(lambda: ch.change_land_use(store, "12/99", "SKN", date=D1, decision="1"), "no parcel 12/99")
    refused(lambda: ch.change_land_use(store, "12-1", "SKN", date=D1, decision="1"), "SHEET/PARCEL")
    ch.split(store, "12/1", vline(E0 + 50), date=D1, decision="1")
    count = len(store.entries())
    refused(lambda: ch.change_land_use(store, "12/1", "SKN", date=D2, decision="2"), "no longer current")


def test_moving_a_shared_boundary_is_one_change_of_two_parcels(tmp_path):
    store = new_store(tmp_path)
    entry = ch.correct_geometry(store, {"12/1": shapely.box(E0, N0, E0 + 110, N0 + 100),
                                        "12/2": shapely.box(E0 + 110, N0, E0 + 200, N0 + 100)},
                                date=D1, decision="1")
    assert len(entry.before) == len(entry.after) == 2
    now = store.as_of().set_index("parcel_no")
    assert now.loc[1, "map_area_m2"] == pytest.approx(11_000.0)
    assert now.loc[1, "parcel_id"] == store.as_of(SEED).set_index("parcel_no").loc[1, "parcel_id"]  # same identity


def test_a_change_made_meanwhile_is_refused(tmp_path):
    """Two officers split the same parcel: the second commit finds its parcel closed and writes nothing."""
    store = new_store(tmp_path)
    parent, pieces = ch.split_pieces(store, "12/1", vline(E0 + 50))
    ch.change_land_user(store, "12/1", "Lương Thị Hằng", date=D1, decision="1")
    from gis.jobs.ledger.model import NewEntry

    with pytest.raises(LedgerError, match="changed by someone else"):
        store.commit(NewEntry("split", D2, Decision("2")), ends=list(parent["version_id"]), adds=pieces)
    assert store.problems() == [] and len(store.entries()) == 2


def test_reversal_restores_the_earlier_state_exactly(tmp_path):
    store = new_store(tmp_path)
    ch.split(store, "12/1", vline(E0 + 30), date=D1, decision="1")
    before = snapshot(store.as_of())
    merge = ch.merge(store, ["12/7", "12/8", "12/2"], date=D2, decision="2")
    assert len(store.as_of()) == 5
    undo = ch.reverse(store, merge.entry_id, date=D3, decision="3")
    assert undo.reverses == merge.entry_id
    assert snapshot(store.as_of()) == before
    assert len(store.as_of(D2)) == 5  # the merge stays in the record for its dates
    with pytest.raises(LedgerError, match="already reversed"):
        ch.reverse(store, merge.entry_id, date=D3, decision="4")
    # a change whose parcels changed since cannot be reversed before the later one
    split = ch.split(store, "12/3", vline(E0 + 250), date=D3, decision="5")
    ch.change_land_use(store, "12/10", "NTS", date=D3, decision="6")
    with pytest.raises(LedgerError, match="reverse those first"):
        ch.reverse(store, split.entry_id, date=D3, decision="7")
    with pytest.raises(LedgerError, match="initial"):
        ch.reverse(store, 1, date=D3, decision="8")
    assert store.problems() == []


def test_changes_between_counts_rice_lost_and_agrees_with_the_states(tmp_path):
    store = new_store(tmp_path)
    ch.split(store, "12/1", vline(E0 + 40), date=D1, decision="1")
    ch.change_land_use(store, "12/7", "SKN", date=D2, decision="2")          # 6000 m² of rice to industry
    ch.recover(store, "12/3", part=shapely.box(E0 + 200, N0, E0 + 230, N0 + 100), land_use="DGT",
               owner="UBND xã Hiệp Hòa", project="Đường trục xã", date=D3, decision="3")  # 3000 m² of pond
    found = changes_between(store, D1, D3)
    assert found.by_kind == {"change_land_use": 1, "recovery": 1, "split": 1}
    assert found.rice.lost_m2 == pytest.approx(6000.0) and found.rice.gained_m2 == pytest.approx(0.0)
    assert found.ponds.lost_m2 == pytest.approx(3000.0)
    first = store.as_of(D1 - dt.timedelta(days=1))
    last = store.as_of(D3)
    for group in {*first["group"], *last["group"]}:
        net = last.loc[last["group"] == group, "map_area_m2"].sum() - first.loc[first["group"] == group,
                                                                                   "map_area_m2"].sum()
        got = found.by_group[group].net_m2 if group in found.by_group else 0.0
        assert got == pytest.approx(net, abs=1e-6), group
    assert found.by_village["Cấm"].lost_m2 == pytest.approx(0.0)  # area moved between groups, not villages
    only_d2 = changes_between(store, D2, D2)
    assert only_d2.by_kind == {"change_land_use": 1}
    recovered = store.as_of().set_index("parcel_no")
    assert recovered.loc[9, "land_use"] == "DGT" and recovered.loc[9, "recovered_for"] == "Đường trục xã"
    assert recovered.loc[10, "land_use"] == "NTS" and recovered.loc[10, "map_area_m2"] == pytest.approx(7000.0)


# ------------------------------------------------------------------------------------------------ properties


def _run_ops(store: SqliteLandStore, ops: list[tuple]) -> None:
    day = D1
    for op in ops:
        day += dt.timedelta(days=1)
        now = store.as_of()
        before = snapshot(now)
        try:
            if op[0] == "split":
                row = now.iloc[op[1] % len(now)]
                minx, miny, maxx, maxy = row.geometry.bounds
                if op[3]:
                    x = minx + (maxx - minx) * op[2]
                    line = shapely.LineString([(x, miny - 1), (x, maxy + 1)])
                else:
                    y = miny + (maxy - miny) * op[2]
                    line = shapely.LineString([(minx - 1, y), (maxx + 1, y)])
                ch.split(store, ref_of(row), line, date=day, decision="t", settings=LOOSE)
            else:
                a = now.iloc[op[1] % len(now)]
                touching = now[now.geometry.intersection(a.geometry).length > 0.5]
                touching = touching[touching["version_id"] != a["version_id"]]
                if touching.empty:
                    continue
                b = touching.iloc[op[2] % len(touching)]
                ch.merge(store, [ref_of(a), ref_of(b)], date=day, decision="t")
        except LedgerError:
            assert snapshot(store.as_of()) == before  # a refusal changes nothing


OPS = st.lists(st.one_of(
    st.tuples(st.just("split"), st.integers(0, 50), st.floats(0.05, 0.95), st.booleans()),
    st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 5))), min_size=1, max_size=8)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_splits_and_merges_keep_area_coverage_and_replay(tmp_path, ops):
    parcels = grid(3, 2, w=60.0, h=45.0, uses=["LUC"] * 6, owners=["Ngô Quý Ỷ"] * 6)
    area0 = float(parcels.geometry.area.sum())
    union0 = shapely.union_all(parcels.geometry.to_numpy())
    folder = tmp_path / uuid.uuid4().hex  # one store per example, inside the test's tmp_path
    folder.mkdir()
    store = new_store(folder, parcels)
    _run_ops(store, ops)
    now = store.as_of()
    geoms = now.geometry.to_numpy()
    assert abs(float(now["map_area_m2"].sum()) - area0) <= 1e-6 * area0
    assert shapely.coverage_is_valid(shapely.GeometryCollection(list(geoms)))
    assert abs(shapely.union_all(geoms).area - union0.area) <= 1e-6 * area0
    assert store.problems() == []
    assert store.replay() == set(now["version_id"])
    assert snapshot(store.as_of(D1)) == snapshot(store.as_of(SEED))  # the past is untouched
    entries = [e for e in store.entries() if e.kind != "initial"]
    if entries:  # reversing the last change gives back the state before it
        last = entries[-1]
        earlier = snapshot(store.as_of(last.date - dt.timedelta(days=1)))
        ch.reverse(store, last.entry_id, date=last.date + dt.timedelta(days=1), decision="undo")
        assert snapshot(store.as_of()) == earlier


# ------------------------------------------------------------------------------------------------ kill -9

KILL_SCRIPT = """
import datetime as dt, sys
from pathlib import Path
import shapely
from gis.jobs.ledger.store import SqliteLandStore
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.opening import ledger_name
store = SqliteLandStore.open(Path(sys.argv[1]), dataset="grid", audit=Path(sys.argv[2]))
ch.split(store, "12/1", shapely.LineString([(397040, 2360990), (397040, 2361200)]), date=dt.date(2024, 3, 1),
         decision="killed")
print("done")
"""


def test_kill_9_in_the_middle_of_a_change_leaves_both_or_neither(tmp_path):
    from gis.store.workspace import Workspace

    store = new_store(tmp_path)
    audit = tmp_path / "ws" / "workspace.gpkg"  # the workspace's audit table is written in the same transaction
    Workspace.open(audit)
    before = snapshot(store.as_of())
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_ENV: str(marker), "PYTHONPATH": str(ROOT)}
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store.path), str(audit)], env=env,
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, errors.read_text()
        assert time.monotonic() < deadline, "the change never reached the pause"
        time.sleep(0.02)
    # paused after the ledger rows, before the parcel versions: killed there
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    reopened = SqliteLandStore.open(store.path, dataset="grid")
    assert [e.kind for e in reopened.entries()] == ["initial"]
    assert snapshot(reopened.as_of()) == before
    assert reopened.problems() == []
    assert [a for a in Workspace.open(audit).audit() if a[2].startswith("ledger_")] == []
    # and the store still works: the same change, not killed, writes both
    marker.unlink(missing_ok=True)
    env.pop(PAUSE_ENV)
    done = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(store.path), str(audit)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [e.kind for e in reopened.entries()] == ["initial", "split"]
    assert sorted(reopened.as_of()["parcel_no"]) == [2, 3, 4, 5, 6, 7, 8]
    assert reopened.problems() == []
    assert [a[2] for a in Workspace.open(audit).audit() if a[2].startswith("ledger_")] == ["ledger_split"]


# ------------------------------------------------------------------------------------------------ commands


@pytest.fixture
def grid_folder(tmp_path, monkeypatch):
    """A dataset folder with the grid's parcels (a real GeoPackage) and its own workspace."""
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    folder = tmp_path / "data"
    folder.mkdir()
    raw = grid()[["sheet", "parcel_no", "land_use", "owner", "address", "geometry"]]
    raw.rename(columns={"sheet": "SHBANDO", "parcel_no": "SHTHUA", "land_use": "MALOAIDAT", "owner": "TENCHU",
                        "address": "DIACHI"}).to_file(folder / "parcels.gpkg")
    (folder / "source.json").write_text(json.dumps({"data_date": "2023-12-31"}), encoding="utf-8")
    return folder


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_end_to_end(grid_folder, tmp_path, capsys):
    data = str(grid_folder)
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "split", "--parcel", "12/1",
                          "--line", f"{E0 + 40} {N0 - 1}, {E0 + 40} {N0 + 101}", "--decision", "15/QĐ-UBND",
                          "--body", "UBND xã Hiệp Hòa", "--date", "2024-03-01")
    assert code == 0, err
    assert "Tách thửa" in out and "12/7, 12/8" in out
    line_file = tmp_path / "line.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([(E0 + 120, N0 - 1), (E0 + 120, N0 + 101)])],
                     crs=9214).to_file(line_file)
    code, out, err = _cli(capsys, "--lang", "en", "changes", "add", "--data", data, "--kind", "split", "--parcel",
                          "12/2", "--line-file", str(line_file), "--decision", "16/QĐ", "--date", "2024-03-02",
                          "--json")
    assert code == 0, err
    assert json.loads(out)["after_refs"] == ["12/9", "12/10"]  # largest first: x 120-200, then x 100-120
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "merge", "--parcel", "12/7",
                          "--parcel", "12/10", "--decision", "17/QĐ", "--date", "2024-04-01")
    assert code == 0, err
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "change_land_use", "--parcel", "12/11",
                          "--land-use", "SKN", "--decision", "18/QĐ", "--date", "2024-05-01")
    assert code == 0, err
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "change_land_user", "--parcel", "12/4",
                          "--owner", "Lương Thị Hằng", "--owner-id", "001190012345", "--decision", "19/QĐ",
                          "--date", "2024-05-01")
    assert code == 0, err
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "reversal", "--reverses", "5",
                          "--decision", "20/QĐ", "--date", "2024-05-02")
    assert code == 0, err

    code, out, err = _cli(capsys, "changes", "list", "--data", data, "--from", "2024-04-01", "--json")
    listed = json.loads(out)
    assert [c["kind"] for c in listed["changes"]] == ["merge", "change_land_use", "change_land_user", "reversal"]
    assert listed["summary"]["rice"]["lost_m2"] == pytest.approx(8000.0)  # 12/11 (6000 + 2000 m²) to SKN
    code, out, err = _cli(capsys, "--lang", "en", "history", "--data", data, "12/11", "--json")
    found = json.loads(out)
    assert found["parents"] == ["12/7", "12/10"] and found["current"]
    assert [c["kind"] for c in found["changes"]] == ["merge", "change_land_use", "reversal"]
    assert found["changes"][2]["reverses"] == found["changes"][1]["entry_id"]
    assert found["changes"][0]["decision"]["number"] == "17/QĐ"
    code, out, err = _cli(capsys, "history", "--data", data, "12/1")
    assert code == 0 and "12/7, 12/8" in out and "15/QĐ-UBND" in out
    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    actions = [a[2] for a in Workspace.open(workspace_path()).audit() if a[2].startswith("ledger_")]
    assert actions == ["ledger_initial", "ledger_split", "ledger_split", "ledger_merge", "ledger_change_land_use",
                       "ledger_change_land_user", "ledger_reversal"]

    # summary as of the day before each change equals the summary of the data before it
    original = summarise(load_dataset(grid_folder)).as_dict()
    code, out, err = _cli(capsys, "summary", data, "--as-of", "2024-02-29", "--json")
    as_of = json.loads(out)
    assert as_of.pop("as_of") == "2024-02-29"
    assert as_of == original
    code, out, err = _cli(capsys, "summary", data, "--as-of", "2024-05-01", "--json")
    later = json.loads(out)
    assert later["rice_ha_before_recovery"] == pytest.approx(original["rice_ha_before_recovery"] - 0.8)
    assert later["commune_ha"] == pytest.approx(original["commune_ha"])
    code, out, err = _cli(capsys, "summary", data, "--as-of", "2022-01-01", "--json")
    assert code == 2 and "31/12/2023" in err  # before the data's date (source.json data_date): refused


def test_cli_refusals_are_messages_not_tracebacks(grid_folder, capsys):
    data = str(grid_folder)
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "split", "--parcel", "12/1",
                          "--line", "397003 2360999, 397003 2361101", "--decision", "1", "--date", "2024-03-01")
    assert code == 2 and "tối thiểu 500 m²" in err and "Traceback" not in err
    code, out, err = _cli(capsys, "--lang", "en", "changes", "add", "--data", data, "--kind", "merge", "--parcel",
                          "12/1", "--decision", "1", "--date", "2024-03-01")
    assert code == 2 and "at least two --parcel" in err
    code, out, err = _cli(capsys, "--lang", "en", "history", "--data", data, "7/77")
    assert code == 2 and "no parcel 7/77" in err
    code, out, err = _cli(capsys, "--lang", "en", "changes", "add", "--data", data, "--kind", "split", "--parcel",
                          "12/1", "--line", "a b, c", "--decision", "1", "--date", "2024-03-01")
    assert code == 2 and "cannot be read" in err


# ------------------------------------------------------------------------------------------------ site clearance

HEADER = ["STT", "Tờ", "Thửa", "Chủ sử dụng", "Giai đoạn", "Ngày", "Văn bản", "Ghi chú"]


def workbook(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Theo dõi giải phóng mặt bằng — dự án Cụm công nghiệp"])  # a title line above the header
    sheet.append(HEADER)
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    book.save(path)
    return path


def test_clearance_spreadsheet_rows_matched_unmatched_and_conflicting(tmp_path):
    from gis.jobs.ledger import clearance as cl
    from gis.jobs.ledger import clearance_sheets

    store = new_store(tmp_path)
    project = "Cụm công nghiệp Lương Phong"
    cl.record(store, project, "12/1", "notice", date=dt.date(2024, 1, 10), document="01/TB-UBND")
    cl.record(store, project, "12/2", "notice", date=dt.date(2024, 1, 10), document="01/TB-UBND")
    path = workbook(tmp_path / "gpmb.xlsx", [
        [12, 1, "", "Kiểm đếm", dt.datetime(2024, 1, 15), "BB 12", ""],                  # row 3: recorded
        ["", "", "nguyễn văn ước", "Công khai phương án", "01/02/2024", "05/TB", ""],     # 4: 12/1 and 12/2
        [12, 99, "", "Kiểm đếm", "15/01/2024", "", ""],                                   # 5: no parcel
        [12, 3, "Nguyễn Văn Ước", "Kiểm đếm", "15/01/2024", "", ""],                      # 6: not his parcel
        [12, 1, "", "kiem dem", "20/01/2024", "", ""],                                    # 7: other date in file
        [12, 2, "", "Thông báo thu hồi đất", "10/01/2024", "01/TB-UBND", ""],             # 8: already
        ["", "", "Trần Thị Bưởi", "Thông báo", "10/01/2024", "", ""],                     # 9: none in project
        ["", "", "Người Lạ", "Thông báo", "10/01/2024", "", ""],                          # 10: unknown user
        [12, 5, "", "đang làm", "10/01/2024", "", ""],                                    # 11: unknown stage
        [12, 5, "", "Thông báo", "", "", ""],                                             # 12: no date
        [12, 1, "", "Thông báo", "12/01/2024", "", ""],                                   # 13: other date in store
        [12, 2, "", "Bàn giao mặt bằng", "01/03/2024", "", ""],                           # 14: no --land-use/--to
        [12, 4, "", "Thông báo thu hồi đất", "05/01/2024", "02/TB", "hộ vắng nhà"],  # 15: recorded
    ])
    result = clearance_sheets.load(store, project, path, by="can_bo")
    outcome = {r.row: (r.outcome, r.parcels, r.reason_en) for r in result.rows}
    assert outcome[3][:2] == ("recorded", ["12/1"])
    assert outcome[4][:2] == ("recorded", ["12/1", "12/2"])
    assert outcome[5][0] == "unmatched" and "no parcel 12/99" in outcome[5][2]
    assert outcome[6][0] == "conflict" and "Đỗ Đức Mạnh" in outcome[6][2]
    assert outcome[7][0] == "conflict" and "recorded on 15/01/2024" in outcome[7][2]
    assert outcome[8][0] == "already"
    assert outcome[9][0] == "unmatched" and "no parcel in the project" in outcome[9][2]
    assert outcome[10][0] == "unmatched" and "no land user 'Người Lạ'" in outcome[10][2]
    assert outcome[11][0] == "unmatched" and "unknown stage" in outcome[11][2]
    assert outcome[12][0] == "unmatched" and "date" in outcome[12][2]
    assert outcome[13][0] == "conflict" and "recorded on 10/01/2024" in outcome[13][2]
    assert outcome[14][0] == "unmatched" and "--land-use" in outcome[14][2]
    assert outcome[15][:2] == ("recorded", ["12/4"])
    assert len(result.rows) == 13
    assert [e.kind for e in store.entries()] == ["initial"]  # nothing handed over yet

    found = cl.status(store, project, today=dt.date(2024, 3, 15))
    assert found.by_stage["plan_published"].parcels == 2 and found.by_stage["plan_published"].households == 1
    assert found.by_stage["plan_published"].area_m2 == pytest.approx(20_000.0)
    assert found.by_stage["notice"].parcels == 1
    assert sorted(found.stuck["parcel"]) == ["12/1", "12/2", "12/4"]

    # handing over: the step and the parcel's recovery in the ledger, together; going back is a conflict
    later = workbook(tmp_path / "gpmb2.xlsx", [
        [12, 2, "", "Bàn giao mặt bằng", "01/03/2024", "09/QĐ-UBND", ""],
        [12, 2, "", "Kiểm đếm", "05/03/2024", "", ""],  # 2 has no inventory, but is further on
    ])
    result = clearance_sheets.load(store, project, later, handover=cl.HandOver("SKN", "Ban QLDA huyện"))
    assert [r.outcome for r in result.rows] == ["recorded", "conflict"]
    assert "later step" in result.rows[1].reason_en
    recovery = store.entries()[-1]
    assert recovery.kind == "recovery" and recovery.decision.number == "09/QĐ-UBND"
    assert recovery.detail["project"] == project
    now = store.as_of().set_index("parcel_no")
    assert now.loc[2, "land_use"] == "SKN" and now.loc[2, "owner"] == "Ban QLDA huyện"
    handed = [s for s in store.stages(project) if s.stage == "handed_over"]
    assert len(handed) == 1 and handed[0].entry_id == recovery.entry_id
    assert handed[0].land_user == "Nguyễn Văn Ước"  # the user who handed it over
    found = cl.status(store, project, today=dt.date(2024, 3, 15))
    assert found.by_stage["handed_over"].parcels == 1 and "12/2" not in set(found.stuck["parcel"])
    assert store.problems() == []
    with pytest.raises(LedgerError, match="Projects with steps: Cụm công nghiệp"):
        cl.status(store, "Đường trục")


def test_clearance_commands(grid_folder, tmp_path, capsys):
    from openpyxl import load_workbook

    data = str(grid_folder)
    path = workbook(tmp_path / "gpmb.xlsx", [
        [12, 1, "", "Thông báo", "10/01/2024", "01/TB", "+84 912 345 678 gọi lại"],
        [12, 2, "", "Bàn giao mặt bằng", "01/03/2024", "09/QĐ", ""],
        [12, 77, "", "Thông báo", "10/01/2024", "", ""],
    ])
    code, out, err = _cli(capsys, "clearance", "load", "CCN", str(path), "--data", data, "--land-use", "SKN",
                          "--to", "Ban QLDA")
    assert code == 0, err
    assert "đã ghi: 2" in out and "dòng 5: không khớp" in out
    code, out, err = _cli(capsys, "clearance", "status", "CCN", "--data", data, "--today", "2024-03-15", "--json")
    found = json.loads(out)
    assert found["by_stage"]["notice"]["parcels"] == 1 and found["by_stage"]["handed_over"]["parcels"] == 1
    report = tmp_path / "bao-cao.xlsx"
    code, out, err = _cli(capsys, "clearance", "report", "CCN", "--data", data, "--out", str(report),
                          "--today", "2024-03-15")
    assert code == 0, err
    book = load_workbook(report)
    assert book.sheetnames[0] == "Tong hop"
    cells = [c for row in book.worksheets[1].iter_rows() for c in row if c.value == "+84 912 345 678 gọi lại"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)  # formula-like text stays text
    code, out, err = _cli(capsys, "history", "--data", data, "12/2", "--json")
    assert [c["kind"] for c in json.loads(out)["changes"]] == ["initial", "recovery"]
    code, out, err = _cli(capsys, "--lang", "en", "clearance", "status", "Nothing", "--data", data)
    assert code == 2 and "Projects with steps: CCN" in err


def test_each_dataset_has_its_own_ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    assert ledger_name(BUILTIN_DATA_DIR) == "builtin"
    imported = tmp_path / "ws" / "imports" / "luong-phong-20240101"
    imported.mkdir(parents=True)
    assert ledger_name(imported) == "luong-phong-20240101"
    a, b = tmp_path / "a" / "data", tmp_path / "b" / "data"
    assert ledger_name(a) != ledger_name(b) and ledger_name(a).startswith("data-")


LOOP_SCRIPT = """
import datetime as dt, sys
from pathlib import Path
from gis.jobs.ledger.store import SqliteLandStore
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.opening import open_folder_store
store = SqliteLandStore.open(Path(sys.argv[1]), dataset="grid")
day = max(e.date for e in store.entries())  # go on from the last change of the previous run
names = ["Lương Thị Hằng", "Nguyễn Văn Ước"]
print("ready", flush=True)
n = 0
while True:
    n += 1
    ch.change_land_user(store, "12/2", names[n % 2], date=day + dt.timedelta(days=n), decision=f"{n}/HĐ")
"""


def test_kill_9_at_random_points_of_a_stream_of_changes(tmp_path):
    """A process entering change after change is killed at random moments: every time, each entry has its
    parcel versions and every version its entry, and the parcel has exactly one current version."""
    import random

    store = new_store(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(15)
    written = 0
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", LOOP_SCRIPT, str(store.path)], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        # the stream has entered at least one change of its own (a loaded machine can be slow to start it),
        # then it is killed at a random moment of what follows
        deadline = time.monotonic() + 120
        while len(store.entries()) < written + 1:
            assert proc.poll() is None and time.monotonic() < deadline, "the stream entered no change"
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.2))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        entries = store.entries()
        assert store.problems() == []
        assert len(store.find("12", "2")) == 1
        assert store.replay() == set(store.as_of()["version_id"])
        assert len(entries) >= written + 1
        written = len(entries)
    assert written > 1  # changes were made, and kills landed among them


def test_clearance_sheet_over_the_rows_limit_is_refused_before_reading(tmp_path):
    from openpyxl import Workbook

    from gis.core.errors import DataSourceError
    from gis.core.limits import limits
    from gis.jobs.ledger import clearance_sheets

    store = new_store(tmp_path)
    book = Workbook()
    book.active.append(HEADER)
    book.active.cell(row=limits().rows + 1, column=1, value="x")  # one far cell declares the whole range
    book.save(tmp_path / "big.xlsx")
    with pytest.raises(DataSourceError, match="'rows' in gis/limits.toml"):
        clearance_sheets.load(store, "CCN", tmp_path / "big.xlsx")


def test_a_new_land_users_id_goes_where_the_data_keeps_identities(tmp_path):
    store = new_store(tmp_path)  # the grid has no citizen ID nor land-user code
    ch.change_land_user(store, "12/1", "Lương Thị Hằng", owner_id="001190012345", date=D1, decision="1")
    row = store.as_of().set_index("parcel_no").loc[1]
    assert row["owner"] == "Lương Thị Hằng" and row["owner_id"] == "001190012345"
    assert "citizen_id" not in store.as_of().columns
    with_ids = grid()
    with_ids["citizen_id"] = [f"0011900{n:05d}" for n in range(6)]
    other = SqliteLandStore.open(tmp_path / "ids.gpkg", dataset="ids")
    other.seed(with_ids, date=SEED)
    ch.change_land_user(other, "12/1", "Lương Thị Hằng", owner_id="001190099999", date=D1, decision="1")
    assert other.as_of().set_index("parcel_no").loc[1, "citizen_id"] == "001190099999"
    assert other.as_of(SEED).set_index("parcel_no").loc[1, "citizen_id"] == "001190000000"


def test_cli_corrections_and_recovery_from_files(grid_folder, tmp_path, capsys):
    data = str(grid_folder)
    shapes = tmp_path / "shapes.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(E0, N0, E0 + 110, N0 + 100), shapely.box(E0 + 110, N0, E0 + 200, N0 + 100)],
                     crs=9214).to_file(shapes)
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "correct_geometry", "--parcel", "12/1",
                          "--parcel", "12/2", "--shape-file", str(shapes), "--decision", "3/BB", "--date", "2024-03-01",
                          "--json")
    assert code == 0, err
    assert json.loads(out)["after_refs"] == ["12/1", "12/2"]
    code, out, err = _cli(capsys, "changes", "add", "--data", data, "--kind", "correct_area", "--parcel", "12/1",
                          "--area", "11000.4", "--decision", "4/QĐ", "--date", "2024-03-02")
    assert code == 0, err
    part = tmp_path / "part.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(E0 + 200, N0 - 10, E0 + 230, N0 + 110)], crs=9214).to_file(part)
    code, out, err = _cli(capsys, "--lang", "en", "changes", "add", "--data", data, "--kind", "recovery", "--parcel",
                          "12/3", "--land-use", "DGT", "--owner", "UBND xã Hiệp Hòa", "--part-file", str(part),
                          "--project", "Đường trục", "--decision", "5/QĐ-UBND", "--date", "2024-04-01")
    assert code == 0, err
    assert "12/7, 12/8" in out
    store = open_folder_store(grid_folder)
    now = store.as_of().set_index("parcel_no")
    assert now.loc[1, "map_area_m2"] == pytest.approx(11_000.0) and now.loc[1, "legal_area_m2"] == 11000.4
    assert now.loc[7, "land_use"] == "DGT" and now.loc[7, "map_area_m2"] == pytest.approx(3000.0)
    assert now.loc[8, "land_use"] == "NTS" and now.loc[8, "map_area_m2"] == pytest.approx(7000.0)
    assert store.problems() == []


def test_clearance_counts_the_parcels_of_the_boundary_not_started(grid_folder, tmp_path, capsys):
    from openpyxl import load_workbook

    data = str(grid_folder)
    gpd.GeoDataFrame({"TENDUAN": ["Cụm công nghiệp", "Đường"]},
                     geometry=[shapely.box(E0 + 50, N0 + 20, E0 + 250, N0 + 80), shapely.box(0, 0, 1, 1)],
                     crs=9214).to_file(grid_folder / "recovered_land.gpkg")
    path = workbook(tmp_path / "gpmb.xlsx", [[12, 2, "", "Kiểm đếm", "10/01/2024", "", ""]])
    assert _cli(capsys, "clearance", "load", "cụm công nghiệp", str(path), "--data", data)[0] == 0
    code, out, err = _cli(capsys, "clearance", "status", "Cụm công nghiệp", "--data", data, "--today", "2024-01-20",
                          "--json")
    found = json.loads(out)
    assert code == 0, err
    assert found["by_stage"]["not_started"]["parcels"] == 2  # 12/1 and 12/3 are taken too
    assert found["by_stage"]["inventory"]["parcels"] == 1
    waiting = [p for p in found["parcels"] if p["stage"] == "not_started"]
    assert sorted(p["parcel"] for p in waiting) == ["12/1", "12/3"] and waiting[0]["date"] is None
    report = tmp_path / "r.xlsx"
    assert _cli(capsys, "clearance", "report", "Cụm công nghiệp", "--data", data, "--out", str(report))[0] == 0
    rows = list(load_workbook(report).worksheets[1].iter_rows(values_only=True))
    assert rows[1][2] == "Chưa bắt đầu" and rows[1][7] is None
