"""The active dataset in a real browser, offline: imported on the Data page and made active, it stays the one
shown after a reload, in a second browser context and after a restart of the server on the same workspace,
and the demonstration notice is gone; loose shapefile parts uploaded together are imported as one layer.

Each test starts the real app (``streamlit run serve.py``) on a workspace inside its tmp_path
(``LUONGPHONG_WORKSPACE``); every request outside 127.0.0.1 is aborted and recorded (``conftest``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import vn_files as vf
from conftest import open_offline_page, start_app, stop_app

from gis.store import datasets

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
DEMO = "Đây là dữ liệu minh họa"
SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"
#: Opened (or reloaded) at a page's own address, Streamlit's client first looks for the server under that path
#: (``/data/_stcore/health``, ``/data/_stcore/host-config``), is told 404, and then uses the root: expected.
BASE_PATH_PROBE = re.compile(r"^HTTP 404 http://127\.0\.0\.1:\d+/data/_stcore/(health|host-config)$")


def problems(record) -> list[str]:
    """What went wrong in the browser (``conftest.OfflinePage.problems``) but Streamlit's base-path probe."""
    return [p for p in record.problems() if not BASE_PATH_PROBE.match(p)]


def settle(page) -> None:
    """Wait until the script run is over: no status widget running and no element left from the last run."""
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')
        && document.querySelectorAll('[data-stale="true"]').length === 0
        && !document.querySelector('[data-testid="stSkeleton"]')""", timeout=TIMEOUT_MS)


def open_data_page(page, url: str) -> None:
    page.goto(f"{url}/data", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Dữ liệu của xã").wait_for(timeout=TIMEOUT_MS)
    settle(page)


def shown_dataset(page) -> str:
    """The sidebar's line naming the dataset in use."""
    line = page.locator(SIDEBAR).get_by_text("Nguồn dữ liệu:")
    line.wait_for(timeout=TIMEOUT_MS)
    return line.inner_text()


def demo_notice_shown(page) -> bool:
    return page.locator(SIDEBAR).get_by_text(DEMO).count() > 0


def import_on_the_data_page(page, files: list[Path], parcels: int) -> None:
    """Upload ``files`` together, import them, and make the new dataset the active one (the page's offer)."""
    page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files([str(f) for f in files])
    button = page.get_by_role("button", name="Nhập vào không gian làm việc")
    button.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    button.click()
    page.get_by_text(f"Đã nhập {parcels} thửa vào bộ dữ liệu").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    page.locator(MAIN).get_by_role("button", name="Dùng bộ dữ liệu này").click()
    page.get_by_text("Mọi trang đang dùng bộ dữ liệu").wait_for(timeout=TIMEOUT_MS)
    settle(page)


def expect_dataset(page, name: str, where: str) -> None:
    page.locator(SIDEBAR).get_by_text(name).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert name in shown_dataset(page), where
    assert not demo_notice_shown(page), where
    assert page.locator("[data-testid='stException']").count() == 0, where


def test_an_imported_dataset_stays_active_across_reload_tabs_and_a_restart(chromium, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    env = {"LUONGPHONG_WORKSPACE": str(root / "workspace.gpkg")}
    archive = vf.zipped_shapefile(tmp_path / "src", encoding="cp1258")
    app = start_app(tmp_path / "first.log", env=env)
    try:
        context, record = open_offline_page(chromium)
        try:
            page = record.page
            open_data_page(page, app.url)
            assert "Dữ liệu minh họa — xã Hiệp Hòa" in shown_dataset(page) and demo_notice_shown(page)
            import_on_the_data_page(page, [archive], 6)
            (info,) = datasets.list_datasets(root)[2:]
            assert datasets.active(root).info.name == info.name  # written in the workspace
            expect_dataset(page, info.name, "after the switch")

            page.reload(wait_until="domcontentloaded")
            expect_dataset(page, info.name, "after a reload")
            assert problems(record) == []
        finally:
            context.close()

        context, record = open_offline_page(chromium)  # a second browser context: no session shared
        try:
            record.page.goto(app.url, wait_until="domcontentloaded")
            expect_dataset(record.page, info.name, "in a second browser context")
            assert problems(record) == []
        finally:
            context.close()
    finally:
        stop_app(app)

    app = start_app(tmp_path / "second.log", env=env)  # the server restarted on the same workspace
    try:
        context, record = open_offline_page(chromium)
        try:
            open_data_page(record.page, app.url)
            expect_dataset(record.page, info.name, "after a restart of the server")
            assert problems(record) == []
        finally:
            context.close()
    finally:
        stop_app(app)


def test_loose_shapefile_parts_are_imported_as_one_layer(chromium, tmp_path: Path) -> None:
    shp = vf.shapefile(tmp_path / "src", encoding="cp1258")
    parts = sorted(p for p in shp.parent.iterdir() if p.stem == shp.stem)
    assert {p.suffix for p in parts} >= {".shp", ".shx", ".dbf", ".prj"}
    root = tmp_path / "ws"
    app = start_app(tmp_path / "app.log", env={"LUONGPHONG_WORKSPACE": str(root / "workspace.gpkg")})
    try:
        context, record = open_offline_page(chromium)
        try:
            page = record.page
            open_data_page(page, app.url)
            # a part left out is named, nothing is imported
            uploader = page.locator("[data-testid='stFileUploader'] input[type=file]")
            uploader.set_input_files([str(p) for p in parts if p.suffix != ".shx"])
            page.get_by_text("«thua_dat» thiếu .shx").wait_for(timeout=TIMEOUT_MS)
            settle(page)
            assert page.get_by_role("button", name="Nhập vào không gian làm việc").count() == 0
            open_data_page(page, app.url)  # a fresh page: the uploader empty again

            import_on_the_data_page(page, parts, 6)
            (info,) = datasets.list_datasets(root)[2:]
            assert (info.source_file, info.parcel_count) == ("thua_dat.shp", 6)
            expect_dataset(page, info.name, "after the import of loose parts")
            assert problems(record) == []
        finally:
            context.close()
    finally:
        stop_app(app)
