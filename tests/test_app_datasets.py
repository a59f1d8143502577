"""The dataset in use in the app (AppTest): the sidebar's name and explicit switch (officers only), the
demonstration notice only on the built-in data, a switch made elsewhere followed; the Data page's loose
shapefile parts, the preview of the decoded rows under Vietnamese labels, the upload kept through a language
switch, and the offer to use the new dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import vn_files as vf
from streamlit import config
from streamlit.testing.v1 import AppTest

from app_pages.text import literal
from gis.files.io import ROOT
from gis.store import datasets
from gis.store.accounts import Accounts
from gis.store.imports import import_source
from gis.store.workspace import Workspace

DEMO = "Đây là dữ liệu minh họa"
BUILTIN_TITLE = "Dữ liệu minh họa — xã Hiệp Hòa \\(địa bàn xã Lương Phong cũ\\)"  # as escaped in the caption
PASSWORD = "mật khẩu đủ dài"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    monkeypatch.chdir(ROOT)
    return tmp_path / "ws"


def data_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_source(at: AppTest) -> str:
    (caption,) = [c.value for c in at.sidebar.caption if c.value.startswith("Nguồn dữ liệu")]
    return caption


def demo_notice(at: AppTest) -> bool:
    return any(w.value.startswith(DEMO) for w in at.sidebar.warning)


def test_the_sidebar_switch_and_the_demonstration_notice(tmp_path: Path, root: Path) -> None:
    folder = import_source(vf.shapefile(tmp_path / "src"), name="xa_that", by="lan").folder
    at = data_page()
    assert BUILTIN_TITLE in shown_source(at) and demo_notice(at)
    choice = at.sidebar.selectbox(key="dataset_choice")
    assert choice.options[0].endswith("— đang dùng") and choice.options[2].startswith(folder.name)
    choice.set_value(folder.name).run()
    at.sidebar.button(key="use_dataset").click().run()
    assert not at.exception
    assert literal(folder.name) in shown_source(at) and not demo_notice(at)
    assert json.loads((root / datasets.ACTIVE_FILE).read_text(encoding="utf-8"))["name"] == folder.name
    who, action, obj = Workspace.open(root / "workspace.gpkg").audit()[-1][1:]
    assert who.startswith("local:") and (action, obj) == ("use_dataset", f"imports/{folder.name}")
    assert "Dữ liệu minh họa" not in " ".join(c.value for c in at.caption)  # no demo wording on the page either

    datasets.use("builtin", by="lan")  # another tab, or the command line
    at.run()
    assert BUILTIN_TITLE in shown_source(at) and demo_notice(at)

    datasets.use(folder.name, by="lan")
    folder.rename(tmp_path / "moved_away")  # the chosen dataset disappears: the built-in one, and why
    at.run()
    assert BUILTIN_TITLE in shown_source(at) and demo_notice(at)
    assert any("không còn trong không gian làm việc" in w.value for w in at.sidebar.warning)


def test_a_viewer_sees_the_name_but_no_switch(tmp_path: Path, root: Path) -> None:
    folder = import_source(vf.shapefile(tmp_path / "src"), name="xa_that", by="lan").folder
    datasets.use(folder.name, by="lan")
    Accounts.open(root / "accounts.sqlite").add("xem", PASSWORD, role="viewer", by="local:test")
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.switch_page("app_pages/data.py")
        at.run()
        at.text_input[0].input("xem")
        at.text_input[1].input(PASSWORD)
        at.button[0].click().run()
        assert not at.exception
        assert literal(folder.name) in shown_source(at) and not demo_notice(at)
        assert len(at.sidebar.selectbox) == 0
        assert [b.key for b in at.sidebar.button] == ["auth_logout"]
    finally:
        config.set_option("server.address", before)


def _parts(folder: Path) -> list[tuple[str, bytes, str]]:
    """The loose files of a Windows-1258 shapefile without .cpg (the encoding must be recognised)."""
    shp = vf.shapefile(folder, encoding="cp1258")
    return [(p.name, p.read_bytes(), "application/octet-stream") for p in sorted(folder.iterdir())
            if p.stem == shp.stem]


def test_loose_parts_preview_language_switch_import_and_offer(tmp_path: Path, root: Path) -> None:
    parts = _parts(tmp_path / "src")
    assert {Path(n).suffix for n, _, _ in parts} >= {".shp", ".shx", ".dbf", ".prj"}
    at = data_page()
    uploader = at.file_uploader(key="data_upload")
    assert uploader.accept_multiple_files and {"shx", "dbf", "prj", "cpg"} <= {t.lstrip(".") for t in
                                                                               uploader.allowed_type}
    uploader.set_value(parts).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    preview = at.dataframe[-1].value
    assert "Chủ sử dụng đất (TENCHU)" in preview.columns and "Thửa số (SHTHUA)" in preview.columns
    assert list(preview["Chủ sử dụng đất (TENCHU)"]) == vf.OWNERS  # decoded from Windows-1258
    assert preview["Địa chỉ (DIACHI)"].iloc[0] == vf.ADDRESS
    mapping = next(c.value for c in at.caption if "SHBANDO" in c.value)
    assert "Tờ bản đồ số" in mapping and "Diện tích" in mapping
    for key in ("sheet", "parcel_no", "owner", "address", "area_m2_field", "land_use"):
        assert key not in mapping  # Vietnamese labels, never the internal keys

    at.sidebar.radio(key="lang").set_value("en").run()  # the upload survives the language switch
    assert not at.exception and at.title[0].value == "The commune's data"
    preview = at.dataframe[-1].value
    assert list(preview["Land user (TENCHU)"]) == vf.OWNERS
    at.sidebar.radio(key="lang").set_value("vi").run()

    at.button(key="data_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("Đã nhập 6 thửa vào bộ dữ liệu") for s in at.success)
    assert BUILTIN_TITLE in shown_source(at)  # not switched until asked
    at.button(key="use_new_dataset").click().run()
    (imported,) = datasets.list_datasets()[2:]
    assert imported.source_file == "thua_dat.shp" and imported.parcel_count == 6
    assert datasets.active().info.name == imported.name
    assert literal(imported.name) in shown_source(at) and not demo_notice(at)
    assert any("Mọi trang đang dùng bộ dữ liệu" in s.value for s in at.success)


def test_missing_parts_are_named(tmp_path: Path, root: Path) -> None:
    parts = [p for p in _parts(tmp_path / "src") if not p[0].endswith((".shx", ".dbf"))]
    at = data_page()
    at.file_uploader(key="data_upload").set_value(parts).run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert literal("«thua_dat» thiếu .shx, .dbf") in error and literal(".zip") in error
    assert not (root / "uploads").exists()  # refused before anything was written
