"""The app's log in a real browser: a download from a page is logged as an export, with who and which dataset."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import open_offline_page, start_app, stop_app

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000


def wait_for_line(log: Path, text: str, *, timeout_s: float = 60) -> str:
    """The first line of ``log`` holding ``text``, once the server has written it."""
    deadline = time.monotonic() + timeout_s
    while True:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        found = [line for line in lines if text in line]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"no '{text}' in {log}:\n" + "\n".join(lines)
        time.sleep(0.2)  # polling the server's file: the condition waited for is the line


def test_a_download_from_the_targets_page_is_logged(tmp_path: Path, chromium) -> None:
    ws = tmp_path / "ws"
    app = start_app(tmp_path / "streamlit.log", env={"LUONGPHONG_WORKSPACE": str(ws / "workspace.gpkg")})
    try:
        context, record = open_offline_page(chromium)
        try:
            page = record.page
            page.goto(app.url, wait_until="domcontentloaded")
            page.get_by_role("link", name="Chỉ tiêu kế hoạch").click()
            button = page.get_by_role("button", name="Xuất bảng chỉ tiêu ra Excel")
            button.wait_for(timeout=TIMEOUT_MS)
            with page.expect_download(timeout=TIMEOUT_MS) as info:
                button.click()
            name = info.value.suggested_filename
            assert name.startswith("chi-tieu-ke-hoach-2024-") and name.endswith(".xlsx")
            line = wait_for_line(ws / "logs" / "gis.log", "export ok")
            assert "user=local:" in line and "dataset=builtin" in line and f"file={name}" in line
            assert "detail=download" in line
            assert record.problems() == []
        finally:
            context.close()
    finally:
        stop_app(app)
