"""The site-clearance page without a browser (AppTest): the stages table of a project, a step entered for a
parcel, the officer's spreadsheet loaded with matched, unmatched and conflicting rows (each listed with its
outcome), and the weekly report downloaded as a workbook with no formula cells."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT, load_dataset
from gis.jobs.ledger.clearance import project_boundary
from gis.jobs.ledger.model import key_text

PROJECT = "Cụm công nghiệp Đoan Bái - Lương Phong"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def project_refs():
    """The built-in project's parcels (sheet/parcel, land user), found from the data itself."""
    data = load_dataset()
    layer = data.get("recovered_land")
    boundary = project_boundary(layer, PROJECT, data.parcels.crs)
    # the parcels a boundary takes, as the domain finds them, from an in-memory view of the current parcels
    near = data.parcels.cx[boundary.bounds[0]:boundary.bounds[2], boundary.bounds[1]:boundary.bounds[3]]
    taken = near[near.geometry.intersection(boundary).area >= 1.0]
    assert len(taken) >= 3
    return [(f"{key_text(r['sheet'])}/{key_text(r['parcel_no'])}", str(r["owner"])) for _, r in taken.iterrows()]


@pytest.fixture
def ws_path(tmp_path, monkeypatch):
    path = tmp_path / "ws" / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    monkeypatch.chdir(ROOT)
    return path


@pytest.fixture
def downloads(monkeypatch) -> list[bytes]:
    """The bytes of every file the page offers for download (the media manager's own ``add``, recorded)."""
    found: list[bytes] = []
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if isinstance(path_or_data, bytes):
            found.append(path_or_data)
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return found


def clearance_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("app_pages/clearance.py")
    at.run()
    assert not at.exception, at.exception
    return at


def stages(at: AppTest) -> dict[str, tuple[int, float, int]]:
    table = at.dataframe[0].value
    return {r["Giai đoạn"]: (int(r["Số thửa"]), float(r["Diện tích (m²)"]), int(r["Số hộ"]))
            for _, r in table.iterrows()}


def test_stages_a_step_a_spreadsheet_and_the_report(ws_path, project_refs, downloads, tmp_path):
    at = clearance_page()
    assert at.selectbox(key="clearance_project").value == PROJECT
    before = stages(at)
    assert before["Chưa bắt đầu"][0] == len(project_refs)
    assert before["Kiểm đếm"] == (0, 0.0, 0)

    # one step entered on the page
    (first, _), (second, owner2), (third, _) = project_refs[:3]
    form_inputs = [t for t in at.text_input if t.label == "Thửa (tờ/thửa)"]
    form_inputs[0].set_value(first)
    [s for s in at.selectbox if s.label == "Giai đoạn"][0].set_value("notice")
    [d for d in at.date_input if d.label == "Ngày"][0].set_value(dt.date.today() - dt.timedelta(days=60))
    [t for t in at.text_input if t.label == "Văn bản"][0].set_value("12/TB-UBND")
    at.button[[b.label for b in at.button].index("Ghi")].click().run()
    assert not at.exception, at.exception
    assert any("Đã ghi" in s.value for s in at.success)
    after = stages(at)
    assert after["Thông báo thu hồi đất"][0] == 1
    assert after["Chưa bắt đầu"][0] == len(project_refs) - 1
    # stuck: notified 60 days ago, nothing since (over the default 30 days)
    assert "Vướng mắc quá 30 ngày (1 thửa)" in "\n".join(m.value for m in at.markdown)

    # the officer's spreadsheet: matched, unmatched, conflicting rows
    book = Workbook()
    sheet = book.active
    sheet.append(["Tờ", "Thửa", "Chủ sử dụng", "Giai đoạn", "Ngày", "Văn bản"])
    s2, n2 = second.split("/")
    s3, n3 = third.split("/")
    sheet.append([s2, n2, owner2, "Kiểm đếm", "05/11/2026", "KĐ-01"])  # matched
    sheet.append(["999", "9999", "", "Kiểm đếm", "05/11/2026", "KĐ-02"])  # no such parcel
    sheet.append([s3, n3, "Người Khác Hẳn", "Kiểm đếm", "05/11/2026", "KĐ-03"])  # another land user: conflict
    buffer = io.BytesIO()
    book.save(buffer)
    at.file_uploader(key="clearance_upload").set_value(("bang-theo-doi.xlsx", buffer.getvalue(), XLSX)).run()
    assert not at.exception, at.exception
    outcomes = next(d.value for d in at.dataframe if "Kết quả" in d.value.columns)
    listed = dict(zip(outcomes["Dòng"], outcomes["Kết quả"], strict=True))
    assert listed == {2: "Đã ghi", 3: "Không khớp", 4: "Mâu thuẫn"}
    reasons = dict(zip(outcomes["Dòng"], outcomes["Lý do"], strict=True))
    assert "999/9999" in reasons[3] and reasons[4]
    assert stages(at)["Kiểm đếm"][0] == 1

    # the weekly report: a workbook, counts as numbers, no formula cells
    assert downloads
    report = load_workbook(io.BytesIO(downloads[-1]))
    summary = report.worksheets[0]
    rows = [[c.value for c in r] for r in summary.iter_rows()]
    assert ["Kiểm đếm", 1] == [r[:2] for r in rows if r and r[0] == "Kiểm đếm"][-1]
    for ws in report.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
