"""Accounts: real Argon2 hashes, logins refused and slowed, sessions that expire (clock given, never slept),
roles, the last administrator kept, and the ``users`` and ``serve`` commands run for real."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from conftest import free_port

from gis.__main__ import main
from gis.files.io import ROOT
from gis.store.accounts import (
    ACTIONS,
    ROLES,
    AccountError,
    Accounts,
    AccountSettings,
    LoginError,
    SessionExpired,
    User,
    local_user,
)

PASSWORD = "lúa xuân đồng Cấm"
T0 = 1_800_000_000.0
SETTINGS = AccountSettings.load()


@pytest.fixture
def store(tmp_path: Path) -> Accounts:
    return Accounts.open(tmp_path / "accounts.sqlite")


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_settings_file_holds_the_documented_numbers():
    assert SETTINGS.min_password_length == 10
    assert SETTINGS.idle_timeout_s == 30 * 60 and SETTINGS.absolute_lifetime_s == 12 * 3600
    assert [SETTINGS.delay_s(n) for n in (0, 4, 5, 6, 7, 20)] == [0, 0, 5, 10, 20, 300]


def test_passwords_are_argon2id_hashes_never_plain(store: Accounts):
    store.add("lan", PASSWORD, role="officer", by="local:test")
    ((digest,),) = _rows(store.path, "SELECT password_hash FROM users")
    assert digest.startswith("$argon2id$")
    assert PASSWORD.encode() not in store.path.read_bytes()
    assert PasswordHasher().verify(digest, PASSWORD)
    assert store.path.stat().st_mode & 0o777 == 0o600
    session = store.login("lan", PASSWORD, now=T0)
    assert session.user == User("lan", "officer") and len(session.token) >= 40
    # only the token's SHA-256 is kept
    assert session.token not in str(_rows(store.path, "SELECT * FROM sessions"))


def test_wrong_password_and_unknown_name_get_the_same_refusal(store: Accounts):
    store.add("lan", PASSWORD, role="viewer", by="local:test")
    with pytest.raises(LoginError) as wrong:
        store.login("lan", PASSWORD + "!", now=T0)
    with pytest.raises(LoginError) as unknown:
        store.login("hoa", PASSWORD, now=T0)
    assert wrong.value.vi == unknown.value.vi
    assert wrong.value.vi.startswith("Sai tên đăng nhập hoặc mật khẩu")
    assert len(_rows(store.path, "SELECT * FROM sessions")) == 0


def test_a_hash_with_old_parameters_is_replaced_at_the_next_login(store: Accounts):
    store.add("lan", PASSWORD, role="viewer", by="local:test")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    con = sqlite3.connect(store.path)
    with con:
        con.execute("UPDATE users SET password_hash = ?", (weak,))
    con.close()
    store.login("lan", PASSWORD, now=T0)
    ((digest,),) = _rows(store.path, "SELECT password_hash FROM users")
    assert digest != weak and not PasswordHasher().check_needs_rehash(digest)
    assert PasswordHasher().verify(digest, PASSWORD)


@pytest.mark.parametrize("password, words", [
    ("ngắn", "ít nhất 10 ký tự"),
    ("x" * 257, "tối đa 256 ký tự"),
    ("lan_ha_noi", "trùng tên"),
])
def test_passwords_that_cannot_serve_are_refused(store: Accounts, password: str, words: str):
    with pytest.raises(AccountError) as refused:
        store.add("lan_ha_noi", password, role="viewer", by="local:test")
    assert words in refused.value.vi
    assert store.users() == []


@pytest.mark.parametrize("name", ["a", "có khoảng trắng", "local:root", "x" * 33, "<b>"])
def test_names_that_cannot_serve_are_refused(store: Accounts, name: str):
    with pytest.raises(AccountError, match="2–32"):
        store.add(name, PASSWORD, role="viewer", by="local:test")


def test_repeated_failures_slow_down_that_name_only(store: Accounts):
    store.add("lan", PASSWORD, role="viewer", by="local:test")
    store.add("hoa", PASSWORD, role="viewer", by="local:test")
    for i in range(SETTINGS.free_failures):
        with pytest.raises(LoginError, match="Wrong name"):
            store.login("lan", "sai mật khẩu rồi", now=T0 + i)
    last = T0 + SETTINGS.free_failures - 1
    # even the right password must wait now; the answer says how long
    with pytest.raises(LoginError) as waiting:
        store.login("lan", PASSWORD, now=last + 1)
    assert "hãy đợi 5 giây" in waiting.value.vi
    assert store.login("hoa", PASSWORD, now=last + 1).user.name == "hoa"  # other names are not slowed
    assert store.login("lan", PASSWORD, now=last + SETTINGS.first_delay_s + 0.5).user.name == "lan"
    # a correct login clears the count
    with pytest.raises(LoginError, match="Wrong name"):
        store.login("lan", "sai mật khẩu rồi", now=last + 10)


def test_failures_double_the_wait_and_are_forgotten_after_the_window(store: Accounts):
    store.add("lan", PASSWORD, role="viewer", by="local:test")
    last = T0
    for i in range(SETTINGS.free_failures + 2):  # 25 s apart: each waited its delay (0, ..., 5, 10 s)
        last = T0 + 25 * i
        with pytest.raises(LoginError, match="Wrong name"):
            store.login("lan", "sai mật khẩu rồi", now=last)
    with pytest.raises(LoginError, match="wait 20 seconds"):
        store.login("lan", PASSWORD, now=last + 1)
    assert store.login("lan", PASSWORD, now=last + SETTINGS.failure_window_s + 1).user.name == "lan"


def test_session_ends_after_the_idle_timeout(store: Accounts):
    store.add("lan", PASSWORD, role="officer", by="local:test")
    token = store.login("lan", PASSWORD, now=T0).token
    t = T0
    for _ in range(3):  # each action restarts the idle clock
        t += SETTINGS.idle_timeout_s - 1
        assert store.session_user(token, now=t) == User("lan", "officer")
    with pytest.raises(SessionExpired) as expired:
        store.session_user(token, now=t + SETTINGS.idle_timeout_s + 1)
    assert "30 phút không thao tác" in expired.value.vi
    with pytest.raises(SessionExpired, match="no longer valid"):  # and it stays ended
        store.session_user(token, now=t + SETTINGS.idle_timeout_s + 2)


def test_frequent_actions_keep_a_session_alive_past_the_idle_timeout(store: Accounts):
    store.add("lan", PASSWORD, role="officer", by="local:test")
    token = store.login("lan", PASSWORD, now=T0).token
    t = T0
    while t < T0 + 2 * SETTINGS.idle_timeout_s:  # an action every 10 s (last action written every 30 s)
        t += 10
        assert store.session_user(token, now=t).name == "lan"
    with pytest.raises(SessionExpired, match="30 minutes without activity"):
        store.session_user(token, now=t + SETTINGS.idle_timeout_s + 31)


def test_session_ends_after_its_lifetime_however_active(store: Accounts):
    store.add("lan", PASSWORD, role="officer", by="local:test")
    token = store.login("lan", PASSWORD, now=T0).token
    t = T0
    while t + 600 <= T0 + SETTINGS.absolute_lifetime_s:
        t += 600
        store.session_user(token, now=t)
    with pytest.raises(SessionExpired) as expired:
        store.session_user(token, now=T0 + SETTINGS.absolute_lifetime_s + 1)
    assert "quá 12 giờ" in expired.value.vi


def test_unknown_token_is_refused(store: Accounts):
    with pytest.raises(SessionExpired):
        store.session_user("not-a-token", now=T0)


def test_roles_allow_what_they_should():
    allowed = {role: {a for a in ACTIONS if User("x", role).can(a)} for role in ROLES}
    assert allowed == {
        "viewer": {"view"},
        "officer": {"view", "import", "edit_fields", "enter_values"},
        "admin": set(ACTIONS),
    }
    assert local_user().name.startswith("local:") and local_user().can("edit_fields") and local_user().is_local


def test_role_change_and_removal_reach_live_sessions(store: Accounts):
    store.add("quantri", PASSWORD, role="admin", by="local:test")
    store.add("lan", PASSWORD, role="officer", by="local:test")
    token = store.login("lan", PASSWORD, now=T0).token
    store.set_role("lan", "viewer", by="quantri", now=T0 + 1)
    assert store.session_user(token, now=T0 + 2).role == "viewer"
    store.set_password("lan", PASSWORD + " mới", by="quantri")
    with pytest.raises(SessionExpired):
        store.session_user(token, now=T0 + 3)
    token = store.login("lan", PASSWORD + " mới", now=T0 + 4).token
    store.remove("lan", by="quantri")
    with pytest.raises(SessionExpired):
        store.session_user(token, now=T0 + 5)
    actions = [(user, action, obj) for _, user, action, obj in store.audit()]
    assert actions == [
        ("local:test", "add_user", "quantri (admin)"), ("local:test", "add_user", "lan (officer)"),
        ("quantri", "set_role", "lan: officer -> viewer"), ("quantri", "set_password", "lan"),
        ("quantri", "remove_user", "lan"),
    ]


def test_the_last_administrator_cannot_be_removed_or_demoted(store: Accounts):
    store.add("quantri", PASSWORD, role="admin", by="local:test")
    with pytest.raises(AccountError, match="last administrator"):
        store.remove("quantri", by="local:test")
    with pytest.raises(AccountError, match="last administrator"):
        store.set_role("quantri", "officer", by="local:test")
    store.add("quantri2", PASSWORD, role="admin", by="local:test")
    store.set_role("quantri", "officer", by="quantri2")
    assert {u.name: u.role for u in store.users()} == {"quantri": "officer", "quantri2": "admin"}
    with pytest.raises(AccountError, match="last administrator"):
        store.remove("quantri2", by="local:test")


def test_duplicate_name_is_refused_whatever_the_case(store: Accounts):
    store.add("Lan", PASSWORD, role="viewer", by="local:test")
    with pytest.raises(AccountError, match="already exists"):
        store.add("lan", PASSWORD, role="admin", by="local:test")
    assert store.login("LAN", PASSWORD, now=T0).user.name == "Lan"


def test_audit_table_of_the_accounts_is_append_only(store: Accounts):
    store.add("lan", PASSWORD, role="viewer", by="local:test")
    con = sqlite3.connect(store.path)
    for sql in ("UPDATE audit SET user = 'x'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(sql)
    con.close()


# -- the commands -------------------------------------------------------------------------------------


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _cli(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_commands(ws: Path, monkeypatch, capsys):
    code, out, err = _cli(monkeypatch, capsys, "users", "add", "quantri", "--role", "admin", "--password-stdin",
                          stdin=PASSWORD + "\n")
    assert code == 0, err
    assert "Đã tạo tài khoản «quantri» (quản trị)" in out
    _cli(monkeypatch, capsys, "users", "add", "lan", "--role", "viewer", "--password-stdin", stdin=PASSWORD + "\n")
    code, out, _ = _cli(monkeypatch, capsys, "users", "list", "--json")
    assert json.loads(out) == [{"name": "lan", "role": "viewer"}, {"name": "quantri", "role": "admin"}]
    assert _cli(monkeypatch, capsys, "users", "role", "lan", "officer")[0] == 0
    code, _, err = _cli(monkeypatch, capsys, "users", "remove", "quantri")
    assert code == 2 and "quản trị cuối cùng" in err and "Traceback" not in err
    code, _, err = _cli(monkeypatch, capsys, "users", "passwd", "lan", "--password-stdin", stdin="ngắn\n")
    assert code == 2 and "ít nhất 10 ký tự" in err
    code, _, err = _cli(monkeypatch, capsys, "users", "passwd", "lan", stdin="")  # not a terminal
    assert code == 2 and "--password-stdin" in err
    assert _cli(monkeypatch, capsys, "users", "passwd", "lan", "--password-stdin", stdin="mật khẩu mới đây\n")[0] == 0
    assert _cli(monkeypatch, capsys, "users", "remove", "lan")[0] == 0
    store = Accounts.open(ws / "accounts.sqlite")
    assert [u.name for u in store.users()] == ["quantri"]
    assert store.login("quantri", PASSWORD).user.role == "admin"
    assert {by for _, by, _, _ in store.audit()} == {local_user().name}


def test_serve_refuses_the_network_without_an_administrator(ws: Path, monkeypatch, capsys):
    code, out, err = _cli(monkeypatch, capsys, "serve", "--network", "--port", "8765")
    assert code == 2 and "python -m gis users add" in err and "--role admin" in err
    _cli(monkeypatch, capsys, "users", "add", "lan", "--role", "officer", "--password-stdin", stdin=PASSWORD + "\n")
    code, _, err = _cli(monkeypatch, capsys, "--lang", "en", "serve", "--network")
    assert code == 2 and "no administrator account" in err
    code, _, err = _cli(monkeypatch, capsys, "serve", "--port", "80")
    assert code == 2 and "1024" in err


def test_users_add_in_a_subprocess_reads_one_line_of_stdin(tmp_path: Path):
    env = {"LUONGPHONG_WORKSPACE": str(tmp_path / "ws" / "workspace.gpkg"), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT)}
    added = subprocess.run([sys.executable, "-m", "gis", "users", "add", "quantri", "--role", "admin",
                            "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=120)
    assert added.returncode == 0, added.stderr
    listed = subprocess.run([sys.executable, "-m", "gis", "--lang", "en", "users", "list"], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert listed.stdout.split() == ["quantri", "administrator"]
    store = Accounts.open(tmp_path / "ws" / "accounts.sqlite")
    assert store.login("quantri", PASSWORD).user == User("quantri", "admin")


def _listening(port: int) -> set[str]:
    """The local addresses (hex, as in /proc/net/tcp) on which some socket listens on ``port``."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


def test_serve_network_listens_on_every_interface_once_an_administrator_exists(tmp_path: Path):
    env = {**os.environ, "LUONGPHONG_WORKSPACE": str(tmp_path / "ws" / "workspace.gpkg"), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "gis", "users", "add", "quantri", "--role", "admin", "--password-stdin"],
                   input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, timeout=120, check=True, capture_output=True)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "gis", "serve", "--network", "--port", str(port)], env=env,
                                  cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError(f"the server did not answer:\n{log.read_text()}")
        assert _listening(port) == {"00000000"}  # 0.0.0.0, not 127.0.0.1 (0100007F)
        assert "không bao giờ mở ra Internet" in log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
