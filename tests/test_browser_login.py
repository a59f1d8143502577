"""The app open to the network, in a real browser, offline: only a login form for a visitor without a session,
a Vietnamese refusal for a wrong password, and a viewer who sees the map but cannot import or save.

The server listens on 0.0.0.0 (as ``python -m gis serve --network`` starts it) with ``$LUONGPHONG_WORKSPACE``
pointing at a fresh workspace where the real command line made a viewer and an officer; the browser only
ever talks to 127.0.0.1 (every other request is aborted and recorded, and fails the test).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MAP_IFRAME, open_offline_page, settle, start_app, stop_app, wait_parcels_drawn

from gis.files.io import ROOT, load_dataset
from gis.store.workspace import Workspace

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
VIEWER, OFFICER = "xem", "canbo"
PASSWORD = "mật khẩu đủ dài"
FIELD_NAME = "Cánh đồng của cán bộ"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("login_ws") / "workspace.gpkg"
    env = {"LUONGPHONG_WORKSPACE": str(path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for name, role in ((VIEWER, "viewer"), (OFFICER, "officer")):
        made = subprocess.run([sys.executable, "-m", "gis", "users", "add", name, "--role", role,
                               "--password-stdin"], input=PASSWORD + "\n", capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)
        assert made.returncode == 0, made.stderr
    # a field the officer saved earlier, so the viewer meets the rename and delete controls
    centre = load_dataset().parcels.union_all().representative_point()
    Workspace.open(path).save_field(centre.buffer(60, cap_style="square"), name=FIELD_NAME, by=OFFICER)
    return path


@pytest.fixture(scope="module")
def network_app(tmp_path_factory, workspace):
    app = start_app(tmp_path_factory.mktemp("login_app") / "streamlit.log", address="0.0.0.0",
                    env={"LUONGPHONG_WORKSPACE": str(workspace)})
    try:
        yield app
    finally:
        stop_app(app)


def open_login(app, page) -> None:
    page.goto(app.url, wait_until="domcontentloaded")
    page.wait_for_selector("input[type=password]", timeout=TIMEOUT_MS)
    settle(page)


def log_in(page, name: str, password: str) -> None:
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def only_the_login_form(page) -> None:
    assert page.locator("input[type=password]").count() == 1
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    # after a log-out Streamlit keeps an empty sidebar frame: nothing may be in it
    assert all(not c.inner_text().strip() for c in page.locator('[data-testid="stSidebarUserContent"]').all())
    assert page.locator("iframe").count() == 0
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "Đăng nhập" in text and "Bản đồ" not in text and "Dữ liệu" not in text


def test_a_visitor_without_login_sees_only_the_login_form(network_app, offline_page):
    page = offline_page.page
    open_login(network_app, page)
    only_the_login_form(page)
    log_in(page, VIEWER, PASSWORD + " sai")
    page.get_by_text("Sai tên đăng nhập hoặc mật khẩu").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    only_the_login_form(page)
    assert offline_page.problems() == []


def test_a_viewer_sees_the_map_but_cannot_import_or_save(network_app, chromium, workspace):
    context, record = open_offline_page(chromium, width=1500, height=1100)
    try:
        page = record.page
        open_login(network_app, page)
        log_in(page, VIEWER, PASSWORD)
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=TIMEOUT_MS).content_frame()
        wait_parcels_drawn(frame, timeout_ms=TIMEOUT_MS)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Người dùng: xem (người xem)" in sidebar.inner_text()

        page.get_by_role("link", name="Dữ liệu").click()
        page.get_by_text("Tài khoản người xem không được nhập dữ liệu").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        assert page.locator('[data-testid="stFileUploader"]').count() == 0

        page.get_by_role("link", name="Cánh đồng tập trung").click()
        page.get_by_role("button", name="Lấy gợi ý này").click()
        save = page.get_by_role("button", name="Lưu cánh đồng")
        save.wait_for(timeout=TIMEOUT_MS)
        settle(page)
        assert save.is_disabled()
        assert page.get_by_role("button", name="Đổi tên").is_disabled()
        assert page.get_by_role("button", name="Xóa").is_disabled()
        assert page.get_by_text("Tài khoản người xem không được lưu, đổi tên hay xóa cánh đồng.").count() == 2

        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_selector("input[type=password]", timeout=TIMEOUT_MS)
        settle(page)
        only_the_login_form(page)
        assert record.problems() == []
    finally:
        context.close()
    ws = Workspace.open(workspace)
    assert list(ws.fields()["name"]) == [FIELD_NAME]
    assert [(user, action) for _, user, action, _ in ws.audit()] == [(OFFICER, "add_field")]


def test_an_officer_may_import(network_app, offline_page):
    page = offline_page.page
    open_login(network_app, page)
    log_in(page, OFFICER, PASSWORD)
    # the sidebar names the officer once the rerun after the login has drawn it (waited for, not read at once)
    page.locator('[data-testid="stSidebar"]').get_by_text("canbo (cán bộ)").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Dữ liệu").click()
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=TIMEOUT_MS)
    assert page.get_by_text("Tài khoản người xem").count() == 0
    assert offline_page.problems() == []
