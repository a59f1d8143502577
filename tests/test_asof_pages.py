"""The app-wide "as of" date (the sidebar's), run without a browser (AppTest), each test in its own workspace
($LUONGPHONG_WORKSPACE) on the built-in data: without ledger changes the figures are exactly the data's; with a
recovery entered in the ledger the overview's "before/after recovery" figures are the ledger's (checked against
shapely areas of the parcels); after a split the map page's card shows the new parcel with its attributes, and
the day before it is not there."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from gis.core import landuse
from gis.core.i18n import number
from gis.files.io import ROOT, load_dataset
from gis.jobs.ledger import asof
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.model import key_text
from gis.jobs.ledger.opening import open_store
from gis.jobs.summary import recovered_union, summarise
from tests.test_ledger_page import big_parcel

AS_OF = "as_of"


@pytest.fixture(scope="module")
def data():
    return load_dataset()


@pytest.fixture
def ws(tmp_path, monkeypatch):
    path = tmp_path / "ws" / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    monkeypatch.chdir(ROOT)
    return path


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page(path)
    at.run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_without_ledger_changes_the_overview_is_the_datas_whatever_the_date(ws, data):
    figures = summarise(data)
    at = page("app_pages/overview.py")
    today = metrics(at)
    assert today["Đất trồng lúa sau thu hồi (ha)"] == number(figures.rice_ha_after_recovery, 1)
    assert today["Số thửa đất"] == number(figures.parcel_count, 0)
    assert f"Số liệu tính đến ngày {dt.date.today():%d/%m/%Y}" in captions(at)
    assert "đất thu hồi" in captions(at)  # the undated layers are named
    at.sidebar.date_input(key=AS_OF).set_value(dt.date(2024, 6, 1)).run()
    assert not at.exception, at.exception
    assert metrics(at) == today
    assert "Số liệu tính đến ngày 01/06/2024" in captions(at)


def _rice_outside_recovery(data):
    """The largest rice parcel that no recovery boundary touches, as ``SHEET/PARCEL`` with its geometry."""
    cut = recovered_union(data.get("recovered_land"), data.parcels.crs)
    rice = data.parcels[data.parcels["land_use_main"].isin(landuse.RICE_CODES)]
    free = rice[~rice.geometry.intersects(cut)]
    row = free.loc[free.geometry.area.idxmax()]
    return f"{key_text(row['sheet'])}/{key_text(row['parcel_no'])}", row.geometry


def test_a_recovery_entered_in_the_ledger_gives_the_overviews_before_and_after(ws, data):
    ref, geom = _rice_outside_recovery(data)
    store = open_store(data)
    day = dt.date(2024, 3, 1)
    ch.recover(store, ref, land_use="SKN", owner="UBND xã Hiệp Hòa", project="Cụm công nghiệp", date=day,
               decision="2315/QĐ-UBND")
    # apart from the tool's figures: shapely areas of the data's rice parcels, less the recovered-land layer
    cut = recovered_union(data.get("recovered_land"), data.parcels.crs)
    rice = data.parcels[data.parcels["land_use_main"].isin(landuse.RICE_CODES)]
    before_ha = float(shapely.area(rice.geometry.to_numpy()).sum()) / 10_000
    after_ha = (float(shapely.area(shapely.difference(rice.geometry.to_numpy(), cut)).sum()) - geom.area) / 10_000
    at = page("app_pages/overview.py")
    shown = metrics(at)
    assert shown["Đất trồng lúa trước thu hồi (ha)"] == number(before_ha, 1)
    assert shown["Đất trồng lúa sau thu hồi (ha)"] == number(after_ha, 1)
    assert geom.area > 1000  # the recovered parcel moves the one-decimal figure
    assert number(after_ha, 1) != number(after_ha + geom.area / 10_000, 1)
    # the day before the recovery: the data's figures
    at.sidebar.date_input(key=AS_OF).set_value(day - dt.timedelta(days=1)).run()
    assert not at.exception, at.exception
    assert metrics(at)["Đất trồng lúa sau thu hồi (ha)"] == number(after_ha + geom.area / 10_000, 1)
    assert "Số liệu tính đến ngày 29/02/2024" in captions(at)
    # before the data's first state: the date input starts there
    assert at.sidebar.date_input(key=AS_OF).min == dt.date(2023, 1, 1)


def test_the_map_card_after_a_split_shows_the_new_parcels_attributes(ws, data):
    ref, line = big_parcel(data.parcels)
    store = open_store(data)
    entry = ch.split(store, ref, line, date=dt.date.today(), decision="125/QĐ-UBND", by="tester")
    new_ref = entry.detail["new"][0]
    parent = data.parcels[(data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text))
                          == ref].iloc[0]
    at = page("app_pages/map.py")
    now = asof.dated(data).parcels  # the parcels the page shows, labelled by their order in the ledger
    keys = now["sheet"].map(key_text) + "/" + now["parcel_no"].map(key_text)
    at.session_state["map_selected"] = now.index[(keys == new_ref).to_numpy()][0]
    at.run()
    assert not at.exception, at.exception
    (table,) = [e.dataframe[0].value for e in at.expander if e.label == "Thông tin thửa đất"]
    values = dict(zip(table["Thông tin"], table["Giá trị"], strict=True))
    assert values["Chủ sử dụng đất"] == parent["owner"] and values["Thửa số"] == new_ref.split("/")[1]
    assert str(parent["land_use"]) in values["Mã loại đất"]
    assert not {"version_id", "parcel_id", "valid_from", "entry_from", "seq"} & set(values)
    (history,) = [e.dataframe[0].value for e in at.expander if e.label == "Lịch sử biến động"]
    assert list(history["Loại biến động"]) == ["Tách thửa"] and history["Thửa trước"].iloc[0] == ref
    assert f"Số liệu tính đến ngày {dt.date.today():%d/%m/%Y}" in captions(at)
    # the day before: the parent is in force, the new parcel is not (the selection is let go)
    at.sidebar.date_input(key=AS_OF).set_value(dt.date.today() - dt.timedelta(days=1)).run()
    assert not at.exception, at.exception
    assert at.session_state["map_selected"] is None
    # the parent selected by its label in the data as read: the same parcel, its own number
    label = data.parcels.index[(data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text)
                                == ref).to_numpy()][0]
    at.session_state["map_selected"] = label
    at.run()
    assert not at.exception, at.exception
    (table,) = [e.dataframe[0].value for e in at.expander if e.label == "Thông tin thửa đất"]
    values = dict(zip(table["Thông tin"], table["Giá trị"], strict=True))
    assert values["Thửa số"] == ref.split("/")[1] and values["Chủ sử dụng đất"] == parent["owner"]
