"""Reversing an entry from the pages (AppTest), each test in its own workspace on the built-in data: on the land
changes page an officer reverses a split with its document and the parcel is back exactly as it was (its
geometry, number and identity); on the map page's card the same form reverses a change of land use; a viewer
sees no form."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT, load_dataset
from gis.jobs.ledger import asof
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.model import key_text
from gis.jobs.ledger.opening import open_store
from gis.jobs.ledger.parcels import parse_ref
from gis.store.accounts import Accounts
from tests.test_ledger_page import big_parcel, frames, text

PASSWORD = "mật khẩu đủ dài"


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


def test_an_officer_reverses_a_split_on_the_ledger_page(ws, data):
    ref, line = big_parcel(data.parcels)
    store = open_store(data)
    before = store.find(*parse_ref(ref))
    split = ch.split(store, ref, line, date=dt.date.today(), decision="125/QĐ-UBND", by="tester")
    child = split.detail["new"][0]
    at = page("app_pages/ledger.py")
    at.text_input(key="ledger_ref_input").set_value(child).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="ledger_reverse_entry").value == split.entry_id
    # without a document number: refused with the reason, nothing written
    at.button(key="ledger_reverse_save").click().run()
    assert "Không hủy được" in text(at) and "số văn bản" in text(at)
    assert len(store.entries()) == 2
    at.text_input(key="ledger_reverse_no").set_value("130/QĐ-UBND")
    at.text_input(key="ledger_reverse_body").set_value("UBND xã Hiệp Hòa")
    at.text_input(key="ledger_reverse_note").set_value("Ghi nhầm thửa")
    at.run()
    at.button(key="ledger_reverse_save").click().run()
    assert not at.exception, at.exception
    assert f"Đã ghi mục 3: hủy bỏ mục {split.entry_id}." in text(at)
    reversal = store.entry(3)
    assert reversal.kind == "reversal" and reversal.reverses == split.entry_id
    assert (reversal.decision.number, reversal.decision.body, reversal.note) == ("130/QĐ-UBND", "UBND xã Hiệp Hòa",
                                                                                 "Ghi nhầm thửa")
    history = frames(at)[0]
    assert list(history["Loại biến động"])[-2:] == ["Tách thửa", "Hủy bỏ biến động đã ghi"]
    assert not [b for b in at.button if b.key == "ledger_reverse_save"]  # nothing left to reverse on the child
    again = store.find(*parse_ref(ref))
    assert len(again) == 1 and again["parcel_id"].iloc[0] == before["parcel_id"].iloc[0]
    assert again.geometry.iloc[0].equals_exact(before.geometry.iloc[0], 0.0)
    assert len(store.as_of()) == len(data.parcels)
    # the app-wide figures follow: as many parcels as the data
    assert len(asof.dated(data).parcels) == len(data.parcels)


def test_the_map_cards_history_reverses_a_change_of_land_use(ws, data):
    ref, _ = big_parcel(data.parcels)
    store = open_store(data)
    old_use = store.find(*parse_ref(ref))["land_use"].iloc[0]
    change = ch.change_land_use(store, ref, "SKN", date=dt.date.today(), decision="88/QĐ-UBND")
    at = page("app_pages/map.py")
    keys = data.parcels["sheet"].map(key_text) + "/" + data.parcels["parcel_no"].map(key_text)
    at.session_state["map_selected"] = data.parcels.index[(keys == ref).to_numpy()][0]
    at.run()
    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label == "Lịch sử biến động"]
    assert expander.selectbox(key="card_reverse_entry").value == change.entry_id
    at.text_input(key="card_reverse_no").set_value("89/QĐ-UBND").run()
    at.button(key="card_reverse_save").click().run()
    assert not at.exception, at.exception
    assert store.find(*parse_ref(ref))["land_use"].iloc[0] == old_use
    (expander,) = [e for e in at.expander if e.label == "Lịch sử biến động"]
    (table,) = [d.value for d in expander.dataframe]
    assert list(table["Loại biến động"])[-1] == "Hủy bỏ biến động đã ghi"
    (attributes,) = [e.dataframe[0].value for e in at.expander if e.label == "Thông tin thửa đất"]
    values = dict(zip(attributes["Thông tin"], attributes["Giá trị"], strict=True))
    assert values["Mã loại đất"].startswith(str(old_use))  # the card shows the land of today: changed back


@pytest.fixture
def on_network():
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        yield
    finally:
        config.set_option("server.address", before)


def test_a_viewer_sees_no_reverse_form(ws, data, on_network):
    Accounts.open(ws.parent / "accounts.sqlite").add("xem", PASSWORD, role="viewer", by="local:test")
    ref, line = big_parcel(data.parcels)
    store = open_store(data)
    split = ch.split(store, ref, line, date=dt.date.today(), decision="125/QĐ-UBND", by="tester")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.text_input[0].input("xem")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    at.switch_page("app_pages/ledger.py")
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="ledger_ref_input").set_value(split.detail["new"][0]).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "ledger_reverse_save"]
    assert "Tài khoản người xem không được hủy mục đã ghi." in text(at)
