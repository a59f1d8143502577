"""The login in the app without a browser (AppTest): asked only when the server is not on loopback; a session
that ended (idle, or removed) returns to the form with a message; the user's name and role in the sidebar."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT
from gis.store.accounts import Accounts, AccountSettings
from gis.store.workspace import Workspace

PASSWORD = "mật khẩu đủ dài"


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Accounts:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    monkeypatch.chdir(ROOT)
    store = Accounts.open(tmp_path / "ws" / "accounts.sqlite")
    store.add("lan", PASSWORD, role="officer", by="local:test")
    return store


@pytest.fixture
def on_network():
    """The server option as ``streamlit run app.py --server.address 0.0.0.0`` sets it."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        yield
    finally:
        config.set_option("server.address", before)


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    assert not at.exception, at.exception
    return at


def log_in(at: AppTest, name: str, password: str) -> None:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception


def test_no_login_on_this_machine(accounts: Accounts):
    at = app()
    assert [t.label for t in at.text_input if t.label == "Mật khẩu"] == []
    assert at.sidebar.radio[0].value == "vi"
    assert "Người dùng" not in " ".join(t.value for t in at.sidebar.text)


def test_on_the_network_only_the_login_form_until_logged_in(accounts: Accounts, on_network):
    at = app()
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert len(at.sidebar) == 0 and at.title[0].value == "Đăng nhập"
    log_in(at, "lan", "sai mật khẩu")
    assert at.error[0].value.startswith("Sai tên đăng nhập hoặc mật khẩu")
    log_in(at, "lan", PASSWORD)
    assert [t.value for t in at.sidebar.text] == ["Người dùng: lan (cán bộ)"]
    assert [b.label for b in at.sidebar.button] == ["Dùng bộ dữ liệu này", "Đăng xuất"]  # an officer may switch
    at.sidebar.button(key="auth_logout").click().run()
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    with sqlite3.connect(accounts.path) as con:
        assert con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0  # the log-out ended it
    con.close()


def test_an_idle_session_returns_to_the_form_with_a_message(accounts: Accounts, on_network):
    at = app()
    log_in(at, "lan", PASSWORD)
    assert at.sidebar.text[0].value == "Người dùng: lan (cán bộ)"
    idle = AccountSettings.load().idle_timeout_s
    with sqlite3.connect(accounts.path) as con:  # the last action was longer ago than the idle timeout
        con.execute("UPDATE sessions SET last_seen = ?", (time.time() - idle - 5,))
    con.close()
    at.run()
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert "hết hạn sau 30 phút không thao tác" in at.warning[0].value


def test_a_removed_account_is_logged_out_at_its_next_action(accounts: Accounts, on_network):
    accounts.add("quantri", PASSWORD, role="admin", by="local:test")
    at = app()
    log_in(at, "lan", PASSWORD)
    accounts.remove("lan", by="quantri")
    at.run()
    assert at.title[0].value == "Đăng nhập"
    assert "không còn hiệu lực" in at.warning[0].value


def test_a_viewer_cannot_enter_values_on_the_targets_page(accounts: Accounts, on_network):
    accounts.add("xem", PASSWORD, role="viewer", by="local:test")
    at = app()
    log_in(at, "xem", PASSWORD)
    at.switch_page("app_pages/targets.py")
    at.run()
    assert not at.exception, at.exception
    (submit,) = [b for b in at.button if b.label == "Lưu số liệu"]
    assert submit.disabled
    assert "Tài khoản người xem không được nhập số liệu." in [c.value for c in at.caption]
    at.switch_page("app_pages/data.py")
    at.run()
    assert "Tài khoản người xem không được nhập dữ liệu: hãy nhờ cán bộ hoặc quản trị." in [i.value for i in at.info]


def test_an_officer_may_enter_values_and_is_recorded(accounts: Accounts, on_network, tmp_path: Path):
    at = app()
    log_in(at, "lan", PASSWORD)
    at.switch_page("app_pages/targets.py")
    at.run()
    at.selectbox(key="targets_manual_key").set_value("health_insurance_pct")
    at.number_input(key="targets_manual_value").set_value(99.7)
    (submit,) = [b for b in at.button if b.label == "Lưu số liệu"]
    assert not submit.disabled
    submit.click().run()
    assert not at.exception, at.exception
    audit = Workspace.open(tmp_path / "ws" / "workspace.gpkg").audit()
    assert [(user, action, obj) for _, user, action, obj in audit] == [
        ("lan", "set_value", "manual_values/health_insurance_pct = 99.7")]


def test_the_form_says_how_to_make_the_first_administrator(accounts: Accounts, on_network):
    at = app()
    assert [i.value for i in at.info] == [
        "Chưa có tài khoản quản trị nào, nên chưa ai đăng nhập được. Trên máy chạy ứng dụng, hãy tạo bằng lệnh "
        "«python -m gis users add TEN --role admin», hoặc mở ứng dụng chỉ cho máy này bằng «python -m gis serve»."]
    accounts.add("quantri", PASSWORD, role="admin", by="local:test")
    at.run()
    assert len(at.info) == 0
