"""Who is using the app: the login when it is open to the network, and what each role may do.

A login is asked whenever the visitor might not be the person at this machine: the server listens on an
address other than loopback (``python -m gis serve --network``, or ``streamlit run app.py --server.address
0.0.0.0`` typed by hand), or the connection comes from another machine, or through a proxy (a forwarding
header). Otherwise the local user acts with every right, recorded as ``local:<OS user>``.

:func:`require_login` runs at the top of ``app.py`` on every rerun: without a live session the visitor sees
only the login form (no navigation, no sidebar, no page): the form is then the app's only page, hidden
from a navigation menu, so a session that logs out loses the menu too. Pages ask :func:`can` before showing a control that
changes the workspace, and pass :func:`who` as ``by=`` to the change.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from app_pages import context
from app_pages.text import literal
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.store.accounts import Accounts, SessionExpired, User, local_user

TOKEN_KEY = "auth_token"
USER_KEY = "auth_user"
MESSAGE_KEY = "auth_message"
_FORWARD_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")

TEXT: dict[str, Text] = texts({
    "login_title": ("Đăng nhập", "Log in"),
    "login_intro": ("Ứng dụng đang mở trên mạng nội bộ của xã: hãy đăng nhập bằng tài khoản do quản trị tạo.",
                    "The app is open on the commune's network: log in with the account the administrator made."),
    "no_accounts": ("Chưa có tài khoản quản trị nào, nên chưa ai đăng nhập được. Trên máy chạy ứng dụng, hãy tạo "
                    "bằng lệnh «python -m gis users add TEN --role admin», hoặc mở ứng dụng chỉ cho máy này bằng "
                    "«python -m gis serve».",
                    "There is no administrator account yet, so nobody can log in. On the machine that runs the app, "
                    "create one with 'python -m gis users add NAME --role admin', or open the app for this machine "
                    "only with 'python -m gis serve'."),
    "name": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "submit": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "signed_in": ("Người dùng", "Signed in as"),
    "denied_import": ("Tài khoản người xem không được nhập dữ liệu: hãy nhờ cán bộ hoặc quản trị.",
                      "A viewer account cannot import data: ask an officer or the administrator."),
    "denied_edit_fields": ("Tài khoản người xem không được lưu, đổi tên hay xóa cánh đồng.",
                           "A viewer account cannot save, rename or delete fields."),
    "denied_enter_values": ("Tài khoản người xem không được nhập số liệu.", "A viewer account cannot enter values."),
    "denied_manage_users": ("Chỉ quản trị được quản lý tài khoản.", "Only the administrator manages accounts."),
})


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str) or not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def login_required() -> bool:
    """Whether this visitor must log in (see the module)."""
    if not _is_loopback(st.get_option("server.address")):
        return True
    ip = st.context.ip_address  # None for a loopback peer
    if isinstance(ip, str) and not _is_loopback(ip):
        return True
    headers = st.context.headers
    return any(name in headers for name in _FORWARD_HEADERS)


def current_user() -> User | None:
    """The user of this session: the local user, the logged-in account, or ``None`` (not logged in)."""
    if not login_required():
        return local_user()
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) and st.session_state.get(TOKEN_KEY) else None


def can(action: str) -> bool:
    """Whether the current user may do ``action`` (a key of :data:`gis.store.accounts.ACTIONS`)."""
    user = current_user()
    return user is not None and user.can(action)


def who() -> str:
    """The name to record as ``by=`` for a change made now (the local user's when nobody is logged in)."""
    user = current_user()
    return user.name if user is not None else local_user().name


def denied(action: str) -> str:
    """The short note shown where a control is hidden for a role that may not do ``action``."""
    return context.t(f"denied_{action}", TEXT)


def _login_form() -> None:
    st.title(context.t("login_title", TEXT))
    st.caption(context.t("login_intro", TEXT))
    try:
        if not Accounts.open().has_admin():  # e.g. started by hand on 0.0.0.0 before any account was made
            st.info(context.t("no_accounts", TEXT))
    except GisError as exc:
        st.error(literal(exc.text(context.lang())))
    message = st.session_state.pop(MESSAGE_KEY, None)
    if isinstance(message, GisError):
        st.warning(literal(message.text(context.lang())))
    with st.form("login_form", clear_on_submit=True):
        name = st.text_input(context.t("name", TEXT), max_chars=64)
        password = st.text_input(context.t("password", TEXT), type="password", max_chars=256)
        submitted = st.form_submit_button(context.t("submit", TEXT), type="primary")
    if not submitted:
        return
    try:
        session = Accounts.open().login(name, password)
    except GisError as exc:
        st.error(literal(exc.text(context.lang())))
        return
    st.session_state[TOKEN_KEY] = session.token
    st.session_state[USER_KEY] = session.user
    st.rerun()


def require_login() -> User:
    """The user of this rerun; without a live session, draw only the login form and stop the script."""
    if not login_required():
        return local_user()
    token = st.session_state.get(TOKEN_KEY)
    if token:
        try:
            user = Accounts.open().session_user(token)
        except SessionExpired as exc:
            st.session_state[MESSAGE_KEY] = exc
        except GisError as exc:  # the accounts file cannot be read: nobody gets in
            st.error(literal(exc.text(context.lang())))
        else:
            st.session_state[USER_KEY] = user
            return user
        st.session_state.pop(TOKEN_KEY, None)
        st.session_state.pop(USER_KEY, None)
    # the login form as the only, hidden page: replaces the navigation a session had before it logged out
    st.navigation([st.Page(_login_form, title=context.t("login_title", TEXT), url_path="login", default=True)],
                  position="hidden").run()
    st.stop()
    raise AssertionError("st.stop() returned")  # for the type checker: never reached


def sidebar(user: User) -> None:
    """In the sidebar: who is logged in, their role, and the log-out button (nothing for the local user)."""
    if user.is_local:
        return
    lang = context.lang()
    with st.sidebar:
        st.divider()
        st.text(f"{context.t('signed_in', TEXT)}: {user.name} ({user.role_label(lang)})")
        if st.button(context.t("logout", TEXT), key="auth_logout", icon=":material/logout:"):
            token = st.session_state.pop(TOKEN_KEY, None)
            st.session_state.pop(USER_KEY, None)
            if token:
                Accounts.open().logout(token)
            st.rerun()
