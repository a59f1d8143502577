"""Any date's state (gis.jobs.ledger.asof): the figures, the plan's targets and the commands asked as of a date.

Real geometry with known answers: a grid of 100 m x 100 m parcels in VN-2000 (the ledger tests' grid) in a real
GeoPackage dataset folder, its ledger in a real workspace under tmp_path, a recovered-land layer of known
boundaries, the project's real 2024 plan. The "before" and "after recovery" answers are computed apart with
shapely from the boxes themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from openpyxl import load_workbook

from gis.__main__ import main
from gis.files.io import load_dataset
from gis.jobs.ledger import asof
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.model import LedgerError
from gis.jobs.ledger.opening import open_store
from gis.jobs.summary import summarise
from gis.jobs.targets.measure import evaluate
from gis.jobs.targets.plan import load_plan
from tests.test_ledger import E0, N0, grid

RECOVERY_DAY = dt.date(2024, 3, 1)
PART_DAY = dt.date(2024, 4, 1)
#: The recovered-land layer's boundary (another project, not entered in the ledger): the west half of 12/6.
OTHER_PROJECT = shapely.box(E0 + 200, N0 + 100, E0 + 250, N0 + 200)
#: The part of 12/4 recovered in the ledger (30 m wide strip on its west side).
PART = shapely.box(E0 - 5, N0 + 100 - 5, E0 + 30, N0 + 205)
PLAN = load_plan()
RICE_BEFORE = PLAN.roles["rice_before"]
RICE_AFTER = PLAN.roles["rice_area"]


def box(col: int, row: int) -> shapely.Polygon:
    """The grid's parcel in column ``col``, row ``row`` (numbered 1 + col + 3 * row)."""
    return shapely.box(E0 + col * 100, N0 + row * 100, E0 + (col + 1) * 100, N0 + (row + 1) * 100)


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A dataset folder (grid parcels and a recovered-land layer, real GeoPackages) with its own workspace."""
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    out = tmp_path / "data"
    out.mkdir()
    raw = grid()[["sheet", "parcel_no", "land_use", "owner", "address", "geometry"]]
    raw.rename(columns={"sheet": "SHBANDO", "parcel_no": "SHTHUA", "land_use": "MALOAIDAT", "owner": "TENCHU",
                        "address": "DIACHI"}).to_file(out / "parcels.gpkg")
    gpd.GeoDataFrame({"TENDUAN": ["Cụm công nghiệp"], "SOQD": ["2315/QĐ-UBND"], "NAM": [2023]},
                     geometry=[OTHER_PROJECT], crs=9214).to_file(out / "recovered_land.gpkg")
    (out / "source.json").write_text(json.dumps({"data_date": "2023-12-31"}), encoding="utf-8")
    return out


def measured(dataset, key: str) -> float:
    found = next(r for r in evaluate(PLAN, dataset) if r.target.key == key)
    assert found.measured is not None
    return found.measured


def test_without_changes_the_figures_are_exactly_the_datas(folder):
    data = load_dataset(folder)
    today = summarise(data).as_dict()
    targets = [(r.target.key, r.measured, r.status) for r in evaluate(PLAN, data)]
    day = dt.date(2024, 6, 1)
    assert summarise(asof.dated(data, day)).as_dict() == today  # no ledger at all
    assert not (Path(folder).parent / "ws" / "ledger").exists()  # asking never seeds a ledger
    store = open_store(data)  # a ledger with its initial state only
    same = asof.dated(data, day)
    assert same.as_of == day and same.parcels is data.parcels
    assert summarise(same).as_dict() == today
    assert [(r.target.key, r.measured, r.status) for r in evaluate(PLAN, same)] == targets
    with pytest.raises(LedgerError, match="31/12/2023"):
        asof.dated(data, dt.date(2023, 12, 30), store=store)
    assert asof.undated_layers(data) == ["recovered_land"]
    assert "đất thu hồi" in asof.undated_text(data, "vi")


def test_before_and_after_recovery_come_from_the_ledger(folder):
    data = load_dataset(folder)
    store = open_store(data)
    ch.recover(store, "12/1", land_use="SKN", owner="UBND xã Hiệp Hòa", project="Cụm công nghiệp",
               date=RECOVERY_DAY, decision="2315/QĐ-UBND")
    ch.recover(store, "12/4", part=PART, land_use="DGT", owner="UBND xã Hiệp Hòa", project="Đường trục xã",
               date=PART_DAY, decision="88/QĐ-UBND")
    rice = {1: box(0, 0), 2: box(1, 0), 4: box(0, 1), 6: box(2, 1)}  # LUC in the grid
    before_m2 = sum(g.area for g in rice.values())
    after_parts = [rice[2], rice[4].difference(PART), rice[6]]  # 12/1 wholly and 12/4's strip taken
    after_m2 = sum(shapely.difference(g, OTHER_PROJECT).area for g in after_parts)  # less the layer's boundary
    assert before_m2 == pytest.approx(40_000.0) and after_m2 == pytest.approx(40_000 - 10_000 - 3_000 - 5_000)

    now = asof.dated(data, dt.date(2024, 6, 1))
    figures = summarise(now)
    assert figures.rice_ha_before_recovery == pytest.approx(before_m2 / 10_000)
    assert figures.rice_ha_after_recovery == pytest.approx(after_m2 / 10_000)
    assert figures.parcel_count == 7  # 12/4 became two new parcels
    assert measured(now, RICE_BEFORE) == pytest.approx(before_m2 / 10_000)
    assert measured(now, RICE_AFTER) == pytest.approx(after_m2 / 10_000)
    source = next(r for r in evaluate(PLAN, now) if r.target.key == RICE_BEFORE).source_vi
    assert "sổ biến động" in source

    # between the two recoveries: only the first is in force
    between = asof.dated(data, RECOVERY_DAY)
    between_m2 = sum(shapely.difference(g, OTHER_PROJECT).area for g in (rice[2], rice[4], rice[6]))
    assert summarise(between).rice_ha_before_recovery == pytest.approx(before_m2 / 10_000)
    assert measured(between, RICE_AFTER) == pytest.approx(between_m2 / 10_000)
    # before any recovery: the parcels of that day, the layer's boundary subtracted after
    early = asof.dated(data, RECOVERY_DAY - dt.timedelta(days=1))
    assert early.parcels_before_recovery is None
    assert summarise(early).rice_ha_before_recovery == pytest.approx(before_m2 / 10_000)
    assert summarise(early).rice_ha_after_recovery == pytest.approx((before_m2 - 5_000) / 10_000)

    # the first recovery reversed: "before" is the land before the second one (12/1 is rice again)
    ch.reverse(store, 2, date=dt.date(2024, 5, 1), decision="99/QĐ-UBND")
    later = asof.dated(data, dt.date(2024, 6, 1))
    assert [e.entry_id for e in asof.recoveries(store, dt.date(2024, 6, 1))] == [3]
    assert later.parcels_before_recovery is not None
    assert summarise(later).rice_ha_before_recovery == pytest.approx(before_m2 / 10_000)
    with_back = after_m2 + rice[1].area
    assert summarise(later).rice_ha_after_recovery == pytest.approx(with_back / 10_000)


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_targets_command_as_of_a_date_with_its_workbook(folder, tmp_path, capsys):
    data = load_dataset(folder)
    store = open_store(data)
    ch.recover(store, "12/1", land_use="SKN", owner="UBND xã Hiệp Hòa", date=RECOVERY_DAY, decision="2315/QĐ")
    out = tmp_path / "targets.xlsx"
    code, text, err = _cli(capsys, "targets", "--data", str(folder), "--as-of", "2024-06-01", "--json",
                           "--out", str(out))
    assert code == 0, err
    found = {r["key"]: r["measured"] for r in json.loads(text)}
    assert found[RICE_BEFORE] == pytest.approx(4.0)  # 12/1 counted before its recovery
    rice_after = sum(shapely.difference(g, OTHER_PROJECT).area for g in (box(1, 0), box(0, 1), box(2, 1)))
    assert found[RICE_AFTER] == pytest.approx(rice_after / 10_000)
    sheet = load_workbook(out).active
    assert "Số liệu tính đến ngày 01/06/2024" in sheet["A2"].value
    code, text, err = _cli(capsys, "targets", "--data", str(folder), "--as-of", "2024-02-01", "--json")
    early = {r["key"]: r["measured"] for r in json.loads(text)}
    assert early[RICE_AFTER] == pytest.approx((40_000 - 5_000) / 10_000)  # 12/1 still rice then
    code, text, err = _cli(capsys, "targets", "--data", str(folder), "--as-of", "2023-01-01")
    assert code == 2 and "31/12/2023" in err and "Traceback" not in err
    code, text, err = _cli(capsys, "targets", "--data", str(folder), "--as-of", "2024-06-01")
    assert "Số liệu tính đến ngày 01/06/2024" in text and "đất thu hồi" in text


def test_printed_map_as_of_a_date_says_so(folder, tmp_path, capsys):
    import pypdf

    data = load_dataset(folder)
    store = open_store(data)
    ch.recover(store, "12/1", land_use="SKN", owner="UBND xã Hiệp Hòa", date=RECOVERY_DAY, decision="2315/QĐ")
    out = tmp_path / "map.pdf"
    code, text, err = _cli(capsys, "export-map", "--data", str(folder), "--as-of", "2024-06-01", "--paper", "A4",
                           "--out", str(out))
    assert code == 0, err
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "Số liệu tính đến ngày 01/06/2024" in " ".join(words.split())
    assert "đất thu hồi" in words  # the undated layer named


def test_every_layer_a_dataset_can_hold_but_the_dated_ones_is_named_in_both_languages():
    """The undated-layers note names each layer in words (the built-in data has a "district" layer, which the
    Map page's note once showed as "district" in Vietnamese)."""
    from gis.files.io import LAYERS

    undated = [name for name in LAYERS if name not in asof.DATED_LAYERS]
    assert undated and set(undated) <= set(asof.LAYER_WORDS)
    for name in undated:
        vi, en = asof.LAYER_WORDS[name].get("vi"), asof.LAYER_WORDS[name].get("en")
        assert vi and en and vi != name and vi != en
