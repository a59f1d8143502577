"""Accounts, logins and sessions: who may use the app when it is open to the commune's network.

Where they are kept
-------------------
In ``accounts.sqlite``, a plain SQLite file beside the workspace GeoPackage (same folder, so a test or a second
commune that points ``$LUONGPHONG_WORKSPACE`` elsewhere gets its own accounts). Not a table inside the
GeoPackage: the GeoPackage is the file officers copy, open in QGIS and send to the district, and password hashes
and session records must not travel with it. The file is created readable by its owner only (mode 0600).

Roles
-----
``viewer`` < ``officer`` < ``admin``. A viewer looks (maps, reports, exports); an officer also changes the
workspace (imports data, saves planned fields, enters values by hand); an administrator also manages accounts.
:data:`ACTIONS` names what each action needs; :meth:`User.can` answers.

Passwords
---------
Hashed with Argon2id (argon2-cffi's :class:`~argon2.PasswordHasher`, RFC 9106 low-memory profile), never stored
plain. A hash made with older parameters is replaced at the next correct login (``check_needs_rehash``).
Repeated failed logins for one name slow down further attempts for that name (numbers in
``gis/accounts.toml``); an unknown name costs the same time and counts the same as a wrong password, so the
answer does not tell which names exist.

Sessions
--------
A login returns a random token; only its SHA-256 is stored, with the time of the login and of the last action.
A session ends after ``idle_timeout_min`` without action, or ``absolute_lifetime_h`` after the login, whichever
comes first (the time of the last action is written at most every 30 s, so most checks only read); the clock
is a parameter (``now``, seconds since the epoch) so both are tested without waiting.
The role is read again at every check: removing an account or changing its role takes effect at once.

Every change to the accounts is recorded in the file's append-only ``audit`` table, in the same transaction.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import os
import re
import secrets
import sqlite3
import time
import tomllib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gis.core.errors import GisError
from gis.core.paths import package_path

ROLES: tuple[str, ...] = ("viewer", "officer", "admin")
ROLE_LABELS: dict[str, tuple[str, str]] = {
    "viewer": ("người xem", "viewer"),
    "officer": ("cán bộ", "officer"),
    "admin": ("quản trị", "administrator"),
}
#: The least role each action needs.
ACTIONS: dict[str, str] = {
    "view": "viewer",
    "import": "officer",
    "edit_fields": "officer",
    "enter_values": "officer",
    "manage_users": "admin",
}
DEFAULT_SETTINGS_PATH = package_path("accounts.toml")
ACCOUNTS_FILE = "accounts.sqlite"
LOCAL_PREFIX = "local:"
_NAME_RE = re.compile(r"[\w.-]{2,32}")
_TIMEOUT_S = 30.0
#: a session's last action is written at most this often, in seconds (the idle clock is this coarse)
_TOUCH_EVERY_S = 30.0
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so an unknown name takes as long as a wrong password."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class AccountError(GisError):
    """A refused account operation: a bad name, role or password, or the last administrator."""


class LoginError(AccountError):
    """A refused login: wrong name or password, or too many failed attempts for that name."""


class SessionExpired(AccountError):
    """A session that is unknown, idle too long or past its lifetime: the user must log in again."""


@dataclass(frozen=True)
class AccountSettings:
    """The numbers of ``gis/accounts.toml`` (see that file for what each means)."""

    min_password_length: int = 10
    max_password_length: int = 256
    idle_timeout_s: float = 30 * 60
    absolute_lifetime_s: float = 12 * 3600
    free_failures: int = 5
    failure_window_s: float = 15 * 60
    first_delay_s: float = 5
    max_delay_s: float = 300

    @classmethod
    def load(cls, path: Path = DEFAULT_SETTINGS_PATH) -> AccountSettings:
        """Read the ``[accounts]`` section of ``path``."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("accounts", {})
            return cls(
                min_password_length=int(data["min_password_length"]),
                max_password_length=int(data["max_password_length"]),
                idle_timeout_s=float(data["idle_timeout_min"]) * 60,
                absolute_lifetime_s=float(data["absolute_lifetime_h"]) * 3600,
                free_failures=int(data["free_failures"]),
                failure_window_s=float(data["failure_window_min"]) * 60,
                first_delay_s=float(data["first_delay_s"]),
                max_delay_s=float(data["max_delay_s"]),
            )
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
            raise AccountError(
                f"Tệp cài đặt tài khoản «{path}» không đọc được hoặc thiếu mục ({exc}). Hãy khôi phục tệp gốc.",
                f"The account settings file '{path}' cannot be read or lacks an entry ({exc}). Restore the original.",
            ) from exc

    def delay_s(self, failures: int) -> float:
        """How long the next attempt must wait after ``failures`` recent failed logins for a name."""
        over = failures - self.free_failures
        if over < 0:
            return 0.0
        return float(min(self.first_delay_s * 2 ** min(over, 30), self.max_delay_s))


@dataclass(frozen=True)
class User:
    """Who is using the tool: an account's name and role, or the local user of this machine."""

    name: str
    role: str

    @property
    def is_local(self) -> bool:
        """Whether this is the user of this machine (no login), not an account."""
        return self.name.startswith(LOCAL_PREFIX)

    def can(self, action: str) -> bool:
        """Whether this user's role allows ``action`` (a key of :data:`ACTIONS`)."""
        return ROLES.index(self.role) >= ROLES.index(ACTIONS[action])

    def role_label(self, lang: str = "vi") -> str:
        vi, en = ROLE_LABELS[self.role]
        return vi if lang == "vi" else en


@dataclass(frozen=True)
class Session:
    """A login: the token to keep (in the browser session's state) and who it is for."""

    token: str
    user: User


def local_user() -> User:
    """The user of this machine when no login is asked: ``local:<OS user name>``, with every right."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        who = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return User(name=f"{LOCAL_PREFIX}{who}", role="admin")


def accounts_path() -> Path:
    """The accounts file: ``accounts.sqlite`` beside the workspace GeoPackage."""
    from gis.store.rows import workspace_path

    return workspace_path().parent / ACCOUNTS_FILE


def check_name(name: str) -> str:
    """The account name in its stored form (Unicode NFC); refuses a name that cannot serve."""
    name = unicodedata.normalize("NFC", name.strip())
    if not _NAME_RE.fullmatch(name):
        raise AccountError(
            f"Tên tài khoản «{name[:40]}» không dùng được: cần 2–32 ký tự gồm chữ, số, dấu chấm, gạch dưới hoặc "
            "gạch ngang, không có khoảng trắng.",
            f"Account name '{name[:40]}' cannot be used: it needs 2–32 characters of letters, digits, dots, "
            "underscores or hyphens, without spaces.",
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(
            f"Vai trò «{role}» không có. Chọn một trong: {', '.join(ROLES)}.",
            f"There is no role '{role}'. Choose one of: {', '.join(ROLES)}.",
        )
    return role


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    changed_at REAL NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE,
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (name TEXT NOT NULL COLLATE NOCASE, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
"""


@dataclass
class Accounts:
    """The accounts file; open it with :meth:`open`."""

    path: Path
    settings: AccountSettings

    @classmethod
    def open(cls, path: str | Path | None = None, *, settings: AccountSettings | None = None) -> Accounts:
        """Open the accounts file at ``path`` (default :func:`accounts_path`), creating it (mode 0600) if absent."""
        path = Path(path) if path is not None else accounts_path()
        store = cls(path=path, settings=settings or AccountSettings.load())
        if not path.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as exc:
                raise AccountError(
                    f"Không tạo được tệp tài khoản «{path}»: {exc.strerror}. Hãy kiểm tra quyền ghi thư mục.",
                    f"Cannot create the accounts file '{path}': {exc.strerror}. Check the folder can be written.",
                ) from exc
        try:
            with sqlite3.connect(path, timeout=_TIMEOUT_S) as con:
                con.executescript(_SCHEMA)
            con.close()
        except sqlite3.Error as exc:
            raise AccountError(
                f"Không mở được tệp tài khoản «{path}»: {exc}. Hãy kiểm tra tệp và quyền ghi.",
                f"Cannot open the accounts file '{path}': {exc}. Check the file and that it can be written.",
            ) from exc
        return store

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=_TIMEOUT_S, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise AccountError(
                f"Không mở được tệp tài khoản «{self.path}»: {exc}. Hãy kiểm tra tệp và quyền ghi.",
                f"Cannot open the accounts file '{self.path}': {exc}. Check the file and that it can be written.",
            ) from exc
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:  # any failure, Ctrl+C included: rolled back, the error goes on to the caller
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    @staticmethod
    def _audit(con: sqlite3.Connection, *, by: str, action: str, obj: str) -> None:
        from gis.store.rows import now_iso

        con.execute("INSERT INTO audit (at, user, action, object) VALUES (?, ?, ?, ?)", (now_iso(), by, action, obj))

    def _check_password(self, name: str, password: str) -> None:
        s = self.settings
        if len(password) < s.min_password_length:
            raise AccountError(
                f"Mật khẩu quá ngắn: cần ít nhất {s.min_password_length} ký tự (nên dùng một câu dễ nhớ).",
                f"Password too short: at least {s.min_password_length} characters are needed (a phrase is easy "
                "to remember).",
            )
        if len(password) > s.max_password_length:
            raise AccountError(
                f"Mật khẩu quá dài: tối đa {s.max_password_length} ký tự.",
                f"Password too long: at most {s.max_password_length} characters.",
            )
        if password.strip().casefold() == name.casefold():
            raise AccountError("Mật khẩu không được trùng tên tài khoản.", "The password must not be the account name.")

    @staticmethod
    def _no_such(name: str) -> AccountError:
        return AccountError(
            f"Không có tài khoản «{name}». Xem danh sách: python -m gis users list.",
            f"There is no account '{name}'. See the list: python -m gis users list.",
        )

    @staticmethod
    def _last_admin(name: str) -> AccountError:
        return AccountError(
            f"«{name}» là tài khoản quản trị cuối cùng: không thể xóa hay hạ vai trò. Hãy tạo một quản trị khác "
            "trước (python -m gis users add TEN --role admin).",
            f"'{name}' is the last administrator account: it cannot be removed or demoted. Create another "
            "administrator first (python -m gis users add NAME --role admin).",
        )

    # -- managing accounts ----------------------------------------------------------------------------
    def add(self, name: str, password: str, *, role: str, by: str, now: float | None = None) -> User:
        """Create an account; refuses a name already taken, an unknown role or a password that cannot serve."""
        name = check_name(name)
        check_role(role)
        self._check_password(name, password)
        digest = _HASHER.hash(password)
        now = time.time() if now is None else now
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(
                    f"Tài khoản «{name}» đã có. Đổi mật khẩu: python -m gis users passwd {name}.",
                    f"Account '{name}' already exists. To change its password: python -m gis users passwd {name}.",
                )
            con.execute("INSERT INTO users (name, role, password_hash, created_at, changed_at, changed_by) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (name, role, digest, now, now, by))
            self._audit(con, by=by, action="add_user", obj=f"{name} ({role})")
        return User(name=name, role=role)

    def remove(self, name: str, *, by: str) -> None:
        """Remove an account and end its sessions; refuses the last administrator."""
        with self._transaction() as con:
            row = con.execute("SELECT name, role FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise self._no_such(name)
            if row[1] == "admin" and self._admins(con) == 1:
                raise self._last_admin(row[0])
            con.execute("DELETE FROM users WHERE name = ?", (name,))
            con.execute("DELETE FROM sessions WHERE name = ?", (name,))
            self._audit(con, by=by, action="remove_user", obj=row[0])

    def set_role(self, name: str, role: str, *, by: str, now: float | None = None) -> None:
        """Change an account's role (effective at once in its sessions); refuses demoting the last administrator."""
        check_role(role)
        now = time.time() if now is None else now
        with self._transaction() as con:
            row = con.execute("SELECT name, role FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise self._no_such(name)
            if row[1] == "admin" and role != "admin" and self._admins(con) == 1:
                raise self._last_admin(row[0])
            con.execute("UPDATE users SET role = ?, changed_at = ?, changed_by = ? WHERE name = ?",
                        (role, now, by, name))
            self._audit(con, by=by, action="set_role", obj=f"{row[0]}: {row[1]} -> {role}")

    def set_password(self, name: str, password: str, *, by: str, now: float | None = None) -> None:
        """Give an account a new password and end its sessions."""
        with self._transaction() as con:
            row = con.execute("SELECT name FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise self._no_such(name)
        self._check_password(row[0], password)
        digest = _HASHER.hash(password)
        now = time.time() if now is None else now
        with self._transaction() as con:
            cur = con.execute("UPDATE users SET password_hash = ?, changed_at = ?, changed_by = ? WHERE name = ?",
                              (digest, now, by, name))
            if cur.rowcount == 0:
                raise self._no_such(name)
            con.execute("DELETE FROM sessions WHERE name = ?", (name,))
            self._audit(con, by=by, action="set_password", obj=row[0])

    @staticmethod
    def _admins(con: sqlite3.Connection) -> int:
        return int(con.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()[0])

    def users(self) -> list[User]:
        """Every account, by name."""
        with self._transaction() as con:
            rows = con.execute("SELECT name, role FROM users ORDER BY name").fetchall()
        return [User(name=n, role=r) for n, r in rows]

    def has_admin(self) -> bool:
        """Whether at least one administrator account exists (network access needs one)."""
        with self._transaction() as con:
            return self._admins(con) > 0

    def audit(self) -> list[tuple[str, str, str, str]]:
        """The account changes so far: ``(time, user, action, object)``, oldest first."""
        with self._transaction() as con:
            return [tuple(r) for r in con.execute("SELECT at, user, action, object FROM audit ORDER BY id")]

    # -- logging in -----------------------------------------------------------------------------------
    def login(self, name: str, password: str, *, now: float | None = None) -> Session:
        """Check a name and password and open a session; :class:`LoginError` when refused (see the module).

        The outcome is logged (``login ok``/``refused``, the name tried; never the password or the token)."""
        from gis.core import logs
        with logs.logged("login", user=unicodedata.normalize("NFC", name.strip())[:64], root=self.path.parent):
            return self._login(name, password, now=now)

    def _login(self, name: str, password: str, *, now: float | None = None) -> Session:
        now = time.time() if now is None else now
        s = self.settings
        key = unicodedata.normalize("NFC", name.strip())[:64]
        with self._transaction() as con:
            con.execute("DELETE FROM login_failures WHERE at < ?", (now - s.failure_window_s,))
            failures, last = con.execute("SELECT COUNT(*), MAX(at) FROM login_failures WHERE name = ?",
                                         (key,)).fetchone()
            row = con.execute("SELECT name, role, password_hash FROM users WHERE name = ?", (key,)).fetchone()
        wait = s.delay_s(int(failures)) - (now - last) if last is not None else 0.0
        if wait > 0:
            seconds = int(wait) + 1
            raise LoginError(
                f"Đã nhập sai nhiều lần cho tên này: hãy đợi {seconds} giây rồi thử lại.",
                f"Too many failed logins for this name: wait {seconds} seconds and try again.",
            )
        ok = False
        if len(password) <= s.max_password_length:
            try:
                ok = _HASHER.verify(row[2] if row else _dummy_hash(), password) and row is not None
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        if not ok or row is None:
            with self._transaction() as con:
                con.execute("INSERT INTO login_failures (name, at) VALUES (?, ?)", (key, now))
            raise LoginError(
                "Sai tên đăng nhập hoặc mật khẩu. Hãy thử lại, hoặc nhờ quản trị đặt lại mật khẩu.",
                "Wrong name or password. Try again, or ask the administrator to reset the password.",
            )
        stored_name, role, digest = row
        token = secrets.token_urlsafe(32)
        new_digest = _HASHER.hash(password) if _HASHER.check_needs_rehash(digest) else None
        with self._transaction() as con:
            if new_digest is not None:
                con.execute("UPDATE users SET password_hash = ? WHERE name = ?", (new_digest, stored_name))
            con.execute("DELETE FROM login_failures WHERE name = ?", (key,))
            con.execute("DELETE FROM sessions WHERE last_seen < ? OR created_at < ?",
                        (now - s.idle_timeout_s, now - s.absolute_lifetime_s))
            con.execute("INSERT INTO sessions (token_sha256, name, created_at, last_seen) VALUES (?, ?, ?, ?)",
                        (_token_key(token), stored_name, now, now))
        return Session(token=token, user=User(name=stored_name, role=role))

    def session_user(self, token: str, *, now: float | None = None) -> User:
        """The user of a live session, which this marks as used now; :class:`SessionExpired` otherwise."""
        now = time.time() if now is None else now
        s = self.settings
        key = _token_key(token)
        with self._transaction() as con:
            row = con.execute(
                "SELECT s.created_at, s.last_seen, u.name, u.role FROM sessions s JOIN users u ON u.name = s.name "
                "WHERE s.token_sha256 = ?", (key,)).fetchone()
            if row is None:
                raise SessionExpired("Phiên đăng nhập không còn hiệu lực. Hãy đăng nhập lại.",
                                     "The session is no longer valid. Log in again.")
            created, last_seen, name, role = row
            if now - last_seen > s.idle_timeout_s:
                con.execute("DELETE FROM sessions WHERE token_sha256 = ?", (key,))
                minutes = round(s.idle_timeout_s / 60)
                expired = SessionExpired(
                    f"Phiên đăng nhập đã hết hạn sau {minutes} phút không thao tác. Hãy đăng nhập lại.",
                    f"The session ended after {minutes} minutes without activity. Log in again.")
            elif now - created > s.absolute_lifetime_s:
                con.execute("DELETE FROM sessions WHERE token_sha256 = ?", (key,))
                hours = round(s.absolute_lifetime_s / 3600, 1)
                expired = SessionExpired(
                    f"Phiên đăng nhập đã quá {hours:g} giờ kể từ lúc đăng nhập. Hãy đăng nhập lại.",
                    f"The session is more than {hours:g} hours old. Log in again.")
            else:
                if now - last_seen >= _TOUCH_EVERY_S:  # most reruns then only read (no write to disk)
                    con.execute("UPDATE sessions SET last_seen = ? WHERE token_sha256 = ?", (now, key))
                return User(name=name, role=role)
        raise expired

    def logout(self, token: str) -> None:
        """End a session (nothing happens if it had already ended)."""
        with self._transaction() as con:
            con.execute("DELETE FROM sessions WHERE token_sha256 = ?", (_token_key(token),))
