"""The council report, read back from the PDF: pages, sizes, cover, maps, tables, targets, fonts."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from conftest import ReportPdf

from gis.__main__ import main
from gis.files.io import load_dataset
from gis.jobs.targets.measure import evaluate
from gis.jobs.targets.plan import load_plan
from gis.jobs.targets.status import STATUS_LABELS
from gis.printing.model import Table
from gis.printing.report import paginate

PT_PER_MM = 72 / 25.4
A4_PORTRAIT = (210 * PT_PER_MM, 297 * PT_PER_MM)
A4_LANDSCAPE = (297 * PT_PER_MM, 210 * PT_PER_MM)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def report(report_pdf: ReportPdf) -> Path:
    """The report made through the command line on 27 November 2026, with no workspace (no planned fields, no
    values by hand): made once per test run (``conftest.report_pdf``), read here and in tests/test_admin_units.py."""
    return report_pdf.path


@pytest.fixture(scope="module")
def pages(report_pdf: ReportPdf) -> list[str]:
    """The report's pages' text (``pypdf``'s, read once per test run)."""
    return [flat(text) for text in report_pdf.texts]


def test_page_count_and_order(pages, dataset):
    projects = list(dataset.layers["recovered_land"]["TENDUAN"])
    targets = [i for i, t in enumerate(pages) if "BẢNG ĐÁNH GIÁ THỰC HIỆN CHỈ TIÊU KẾ HOẠCH NĂM 2024" in t]
    assert targets and targets == list(range(len(pages) - len(targets), len(pages)))
    assert len(pages) == 1 + 1 + len(projects) + 1 + len(targets)
    assert "BÁO CÁO" in pages[0]
    assert "BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM 2024" in pages[1]
    for page, name in zip(pages[2:2 + len(projects)], projects, strict=True):
        assert f"BẢN ĐỒ KHU VỰC THU HỒI ĐẤT DỰ ÁN {name.upper()}" in page
        assert "BẢNG TỔNG HỢP DIỆN TÍCH THU HỒI THEO LOẠI ĐẤT" in page
    assert "BẢN ĐỒ CÁNH ĐỒNG TẬP TRUNG NĂM 2024" in pages[2 + len(projects)]
    assert "BẢNG TỔNG HỢP CÁNH ĐỒNG TẬP TRUNG" in pages[2 + len(projects)]
    for n, text in enumerate(pages, start=1):
        assert f"Trang {n}/{len(pages)}" in text


def test_page_sizes(report, pages):
    reader = pypdf.PdfReader(report)
    for text, page in zip(pages, reader.pages, strict=True):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        expected = A4_LANDSCAPE if "CHÚ GIẢI" in text else A4_PORTRAIT  # maps landscape, text pages portrait
        assert size == pytest.approx(expected, abs=0.5), text[:80]


def test_cover(pages, dataset):
    cover = pages[0]
    for text in ("ỦY BAN NHÂN DÂN XÃ HIỆP HÒA", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                 "Độc lập - Tự do - Hạnh phúc", "Hiệp Hòa, ngày 27 tháng 11 năm 2026",
                 "HIỆN TRẠNG SỬ DỤNG ĐẤT, THU HỒI ĐẤT, CÁNH ĐỒNG TẬP TRUNG",
                 "Trình kỳ họp Hội đồng nhân dân xã Hiệp Hòa",
                 "(Địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ))", "Số thửa đất 14.877",
                 "Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế"):
        assert text in cover, text
    for name in dataset.layers["recovered_land"]["TENDUAN"]:
        assert name in cover


def test_every_target_with_its_status(pages, dataset):
    results = evaluate(load_plan(None), dataset)
    text = " ".join(t for t in pages if "BẢNG ĐÁNH GIÁ THỰC HIỆN CHỈ TIÊU" in t)
    assert f"Tổng số {len(results)} chỉ tiêu" in text
    for r in results:
        assert r.target.label("vi") in text, r.target.key
    for status in {r.status for r in results}:
        assert STATUS_LABELS[status].vi in text
    met = sum(r.status == "met" for r in results)
    assert f"Đạt: {met}" in text
    rice = next(r for r in results if r.target.key == "rice_land_2023_ha")
    assert "682,96" in text and rice.measured == pytest.approx(682.96, abs=0.005)


def test_fonts_embedded_everywhere(report):
    reader = pypdf.PdfReader(report)
    seen = 0
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert font["/Subtype"] != "/Type3"
            for d in font.get("/DescendantFonts", [font]):
                assert "/FontFile2" in d.get_object()["/FontDescriptor"], font["/BaseFont"]
                seen += 1
    assert seen >= len(reader.pages)


def test_paginate_repeats_the_header_and_keeps_the_total_last():
    rows = tuple((str(i), f"Dòng {i}") for i in range(100))
    table = Table("", ("Số", "Nội dung"), rows, (1, 3), "rl", total=("", "Tổng"), notes=("Ghi chú",))
    parts = paginate(table, width=150, size=7, first=80, rest=120)
    assert len(parts) > 1
    assert sum(len(p.rows) for p in parts) == 100
    assert [r for p in parts for r in p.rows] == list(rows)
    assert all(p.total is None and not p.notes for p in parts[:-1])
    assert parts[-1].total == ("", "Tổng") and parts[-1].notes == ("Ghi chú",)


def test_report_must_be_a_pdf(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "report.docx")]) == 2
    assert ".pdf" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())



def test_the_fields_section_counts_adopted_fields_and_lists_drafts_apart(dataset, tmp_path):
    """The report's fields sheet: an adopted field in the totals with its decision, a draft listed and left out,
    a field of another dataset not there; totals by shapely here."""
    import datetime as dt

    import pyogrio
    import shapely
    from shapely.geometry import box

    from gis.files.io import BUILTIN_DATA_DIR
    from gis.printing.maps import export_map
    from gis.printing.themes import fields_table
    from gis.store.workspace import Workspace

    ws = Workspace.open(tmp_path / "ws.gpkg")
    adopted, draft = box(398300, 2359300, 398800, 2359800), box(398900, 2359300, 399000, 2359400)
    ws.adopt_field(ws.save_field(adopted, name="Cánh đồng đã duyệt"), decision="Quyết định số 123/QĐ-UBND",
                   decision_date="2024-05-10")
    ws.save_field(draft, name="Cánh đồng còn dự thảo")
    ws.save_field(box(399100, 2359300, 399200, 2359400), name="Của dữ liệu khác", dataset="imports-x")
    table, shapes = fields_table(dataset, ws.fields())
    by_name = {row[1]: row for row in table.rows}
    assert by_name["Cánh đồng đã duyệt"][3] == "Đã phê duyệt" and by_name["Cánh đồng còn dự thảo"][3] == "Dự thảo"
    assert "Của dữ liệu khác" not in by_name
    kept = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "concentrated_fields.shp")
    kept = kept[kept["TRANGTHAI"].str.strip() != "Thu hồi"].to_crs(dataset.parcels.crs)
    expected_ha = (float(kept.area.sum()) + adopted.area) / 1e4
    assert float(table.total[4].replace(".", "").replace(",", ".")) == pytest.approx(expected_ha, abs=0.006)
    assert any("không tính" in n and "dự thảo" in n for n in table.notes)
    assert any("Quyết định số 123/QĐ-UBND ngày 10/05/2024" in n for n in table.notes)
    assert shapely.equals_exact(shapes.loc[shapes["kind"] == "draft"].geometry.iloc[0], draft, 1e-6)
    out = tmp_path / "fields.pdf"
    export_map(dataset, out, theme="fields", paper="A4", orientation="landscape", day=dt.date(2026, 11, 27),
               planned_fields=ws.fields())
    text = flat(pypdf.PdfReader(out).pages[0].extract_text())
    assert "Cánh đồng dự thảo, chưa phê duyệt (không tính)" in text and "Cánh đồng còn dự thảo" in text
    assert "Cánh đồng quy hoạch mới đã phê duyệt" in text


def test_estimates_on_placeholders_are_named_never_met(pages):
    """The grain and fish estimates rest on the placeholder yields: "Ước tính", the placeholder named in a note."""
    text = " ".join(t for t in pages if "BẢNG ĐÁNH GIÁ THỰC HIỆN CHỈ TIÊU" in t)
    keys = [t.key for t in load_plan().targets]
    grain, fish = keys.index("grain_t") + 1, keys.index("aquaculture_t") + 1
    assert f"dòng {grain}: maize_yield_t_ha" in text and f"dòng {fish}: fish_yield_t_ha" in text
    assert re.search(r"Tổng sản lượng lương thực có hạt \(lúa, ngô\) I\.2\.1 ≥ 6\.670 6\.192,14 tấn Ước tính", text)
    assert "Ước tính: 2" in text
