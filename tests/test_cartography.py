"""Printed map sheets, read back from the files: page size, title with its diacritics, legend, fonts, PNG.

Each sheet is rendered once per module (module-scoped fixtures) at the size the test needs; the A3 land-use sheet
once per test run (``conftest.landuse_sheet``, read in tests/test_admin_units.py too).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pypdf
import pytest
from conftest import PRINTED_ON
from matplotlib.figure import Figure
from PIL import Image

from gis.__main__ import main
from gis.core import landuse
from gis.core.errors import GisError
from gis.files.io import load_dataset
from gis.printing import export_map, map_sheet
from gis.printing.captions import crs_text
from gis.printing.sheet import render_sheet
from gis.printing.style import (
    GlyphError,
    checked,
    fmt,
    fmt_plain,
    fmt_scale,
    missing_glyphs,
    nice_length,
    nice_scale,
    page_size_mm,
    printing_context,
)
from gis.printing.themes import recovery_table

DAY = dt.date(2026, 11, 27)
PT_PER_MM = 72 / 25.4
TITLE = "BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM 2024"
PLACE = "XÃ HIỆP HÒA, TỈNH BẮC NINH"  # the unit of today (since 1/7/2025)
CRS_LINE = "Hệ tọa độ VN-2000, kinh tuyến trục 107°00', múi chiếu 3°"
DEMO = "Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế"


def flat(text: str) -> str:
    """Text with every run of white space made one space (lines wrap differently on each paper)."""
    return re.sub(r"\s+", " ", text).strip()


def page_text(path: Path, page: int = 0) -> str:
    return flat(pypdf.PdfReader(path).pages[page].extract_text())


def fonts_of(reader: pypdf.PdfReader) -> list[tuple[str, str, bool]]:
    """(base font, subtype, has FontFile2) for every font on every page."""
    out = []
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts", [font])
            for d in descendants:
                desc = d.get_object().get("/FontDescriptor")
                has = desc is not None and "/FontFile2" in desc.get_object()
                out.append((str(font.get("/BaseFont")), str(font.get("/Subtype")), has))
    return out


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def landuse_pdf(landuse_sheet: Path) -> Path:
    """The land-use sheet of the built-in data, A3 landscape, on DAY (drawn once per test run:
    ``conftest.landuse_sheet``, read here and in tests/test_admin_units.py)."""
    assert DAY.isoformat() == PRINTED_ON
    return landuse_sheet


@pytest.fixture(scope="module")
def recovery_pdf(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("maps") / "recovery.pdf"
    export_map(dataset, out, theme="recovery", project="Trường THCS", paper="A4", orientation="portrait", day=DAY)
    return out


@pytest.fixture(scope="module")
def fields_pdf(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("maps") / "fields.pdf"
    export_map(dataset, out, theme="fields", paper="A4", orientation="landscape", day=DAY)
    return out


@pytest.fixture(scope="module")
def landuse_png(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("maps") / "landuse.png"
    export_map(dataset, out, theme="landuse", paper="A4", orientation="landscape", day=DAY, dpi=300)
    return out


# -- the land-use sheet ---------------------------------------------------------------------------------


def test_landuse_sheet_is_one_a3_landscape_page(landuse_pdf):
    reader = pypdf.PdfReader(landuse_pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(420 * PT_PER_MM, abs=0.5)
    assert float(box.height) == pytest.approx(297 * PT_PER_MM, abs=0.5)


def test_landuse_title_keeps_its_diacritics(landuse_pdf):
    text = page_text(landuse_pdf)
    assert TITLE in text
    assert PLACE in text
    assert "Địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)" in text
    meta = pypdf.PdfReader(landuse_pdf).metadata
    assert meta.title == f"{TITLE} — {PLACE}"


def test_landuse_legend_names_the_codes_shown_and_only_those(landuse_pdf, dataset):
    text = page_text(landuse_pdf)
    shown = {c for value in dataset.parcels["land_use"].dropna() for c in landuse.split_codes(value)}
    for code in ("LUC", "LUK", "HNK", "CLN", "NTS", "ONT", "DGT", "DTL", "NTD", "MNC"):
        assert code in shown
        assert f"{code} – {landuse.name_of(code)}" in text
    # codes sharing one colour and group are listed together under the group's name
    # public land under the Land Law 2024 wording (art. 9): DSH (village halls) and DCH (the market)
    assert "DSH, DCH – Đất sử dụng vào mục đích công cộng" in text
    # a mixed code has its own entry, named as mixed, never folded into its first code
    assert "ONT+CLN – Đất ở tại nông thôn + Đất trồng cây lâu năm (hỗn hợp)" in text
    for code in set(landuse.LAND_USES) - shown:
        assert not re.search(rf"\b{code}\b", text), code
    assert "CHÚ GIẢI" in text


def test_landuse_sheet_states_scale_crs_date_source_and_demo_note(landuse_pdf):
    text = page_text(landuse_pdf)
    assert "Tỷ lệ 1:20.000" in text
    assert CRS_LINE in text
    assert "Ngày lập: 27/11/2026" in text
    assert "Nguồn dữ liệu: dữ liệu minh họa" in text
    assert DEMO in text
    assert "SƠ ĐỒ VỊ TRÍ" in text and "Xã Hiệp Hòa trong tỉnh Bắc Ninh (ranh giới gần đúng)" in text
    assert "0 250 500 750 1.000 m" in text  # the scale bar, in round metres and Vietnamese thousands
    assert "Thôn Vân An" in text and "Xã Đoan Bái cũ" in text  # labels stay text, with their halo drawn apart


def test_every_font_is_embedded_truetype(landuse_pdf, recovery_pdf, fields_pdf):
    for path in (landuse_pdf, recovery_pdf, fields_pdf):
        fonts = fonts_of(pypdf.PdfReader(path))
        assert fonts, path
        for base, subtype, embedded in fonts:
            assert subtype != "/Type3", (path, base)
            assert "DejaVuSans" in base, (path, base)
            assert embedded, (path, base)


# -- recovery and fields --------------------------------------------------------------------------------


def test_recovery_sheet_shows_the_project_its_table_and_only_affected_codes(recovery_pdf, dataset):
    from gis.jobs.recovery import recover
    from gis.jobs.recovery_boundary import prepare_boundary, select_project

    reader = pypdf.PdfReader(recovery_pdf)
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(210 * PT_PER_MM, abs=0.5)
    assert float(box.height) == pytest.approx(297 * PT_PER_MM, abs=0.5)
    text = page_text(recovery_pdf)
    assert "BẢN ĐỒ KHU VỰC THU HỒI ĐẤT DỰ ÁN TRƯỜNG THCS LƯƠNG PHONG (XÂY MỚI)" in text
    assert "Quyết định thu hồi đất số 903/QĐ-UBND năm 2023" in text
    assert "BẢNG TỔNG HỢP DIỆN TÍCH THU HỒI THEO LOẠI ĐẤT" in text
    row = select_project(dataset.layers["recovered_land"], "903/QĐ-UBND")
    result = recover(dataset.parcels, prepare_boundary(row, crs=dataset.parcels.crs))
    assert f"Tổng cộng {result.totals.parcels} {fmt(result.totals.recovered_m2, 1)}" in text
    affected = set(result.by_land_use["code"])
    for code in affected:
        assert f"{code} – {landuse.name_of(code)}" in text
    assert "ONT" not in affected and "ONT – Đất ở tại nông thôn" not in text
    assert "Ranh giới dự án" in text and "Diện tích thu hồi" in text


def test_recovery_table_adds_up(dataset):
    from gis.jobs.recovery import recover
    from gis.jobs.recovery_boundary import prepare_boundary, select_project

    row = select_project(dataset.layers["recovered_land"], "1")
    result = recover(dataset.parcels, prepare_boundary(row, crs=dataset.parcels.crs))
    table = recovery_table(result)
    parse = lambda s: float(s.replace(".", "").replace(",", "."))  # noqa: E731
    assert sum(parse(r[3]) for r in table.rows) == pytest.approx(parse(table.total[3]), abs=0.05 * len(table.rows))
    assert sum(int(r[2]) for r in table.rows) == int(table.total[2])


def test_recovery_without_a_project_lists_the_projects(dataset):
    with pytest.raises(GisError) as info:
        map_sheet(dataset, "recovery", day=DAY)
    assert "Cụm công nghiệp Đoan Bái - Lương Phong" in info.value.text("vi")


def test_fields_sheet_lists_the_fields(fields_pdf):
    text = page_text(fields_pdf)
    box = pypdf.PdfReader(fields_pdf).pages[0].mediabox
    assert float(box.width) == pytest.approx(297 * PT_PER_MM, abs=0.5)
    assert "BẢN ĐỒ CÁNH ĐỒNG TẬP TRUNG NĂM 2024" in text
    assert "BẢNG TỔNG HỢP CÁNH ĐỒNG TẬP TRUNG" in text
    for name in ("Cánh đồng tập trung thôn Giữa", "Cánh đồng tập trung thôn Vân An", "Cánh đồng tập trung thôn Chùa"):
        assert name in text
    assert "Đã thu hồi" in text and "Cánh đồng tập trung hiện có" in text
    assert "LUC – Đất chuyên trồng lúa" in text and "Các loại đất khác" in text


# -- PNG ------------------------------------------------------------------------------------------------


def test_png_is_a4_at_300_dpi(landuse_png):
    with Image.open(landuse_png) as im:
        assert im.size == (round(297 / 25.4 * 300), round(210 / 25.4 * 300))
        dpi = im.info["dpi"]
    assert dpi[0] == pytest.approx(300, abs=0.5) and dpi[1] == pytest.approx(300, abs=0.5)


def test_png_below_300_dpi_and_other_formats_are_refused(dataset, tmp_path):
    with pytest.raises(GisError):
        export_map(dataset, tmp_path / "low.png", dpi=150)
    with pytest.raises(GisError):
        export_map(dataset, tmp_path / "map.svg")
    assert not list(tmp_path.iterdir())


# -- the layout -----------------------------------------------------------------------------------------


def test_the_map_is_at_its_stated_scale_with_equal_axes(dataset):
    with printing_context():
        sheet = map_sheet(dataset, "landuse", day=DAY)
        fig = render_sheet(sheet, paper="A4", orientation="portrait")
    width_in, height_in = fig.get_size_inches()
    maps = [ax for ax in fig.axes if ax.get_xlim()[1] - ax.get_xlim()[0] > 1000
            and ax.get_xlim()[0] > 390_000 and ax.get_xlim()[0] < 396_000]
    assert len(maps) == 1
    ax = maps[0]
    x0, y0, w, h = ax.get_position().bounds
    w_mm, h_mm = w * width_in * 25.4, h * height_in * 25.4
    (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
    assert (xb - xa) / w_mm * 1000 == pytest.approx(30_000, rel=1e-6)
    assert (yb - ya) / h_mm * 1000 == pytest.approx(30_000, rel=1e-6)


def test_round_scales_and_lengths():
    assert nice_scale(18_000) == 20_000
    assert nice_scale(20_000) == 20_000
    assert nice_scale(26_000) == 30_000
    assert nice_scale(8_000) == 10_000
    assert nice_scale(7_400) == 7_500
    assert nice_scale(960) == 1_000
    assert nice_length(1_100) == 1_000
    assert nice_length(480) == 200
    assert nice_length(520) == 500
    assert fmt_scale(20_000) == "1:20.000"
    assert fmt_plain(34.7) == "34,7" and fmt_plain(160_000) == "160.000" and fmt_plain(1.14) == "1,14"
    assert page_size_mm("a3", "landscape") == (420.0, 297.0)
    with pytest.raises(GisError):
        page_size_mm("A5", "portrait")


def test_crs_line_follows_the_data():
    assert crs_text(9214) == CRS_LINE
    assert crs_text(9210).startswith("Hệ tọa độ VN-2000, kinh tuyến trục 105°")
    assert crs_text(32648).startswith("Hệ tọa độ EPSG:32648")


# -- glyphs ---------------------------------------------------------------------------------------------


def test_every_vietnamese_letter_is_in_the_map_font():
    letters = ("aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
               "–—°²…«»")
    assert missing_glyphs(letters + letters.upper()) == []
    # decomposed text (cp1258 style) is composed before it is drawn
    assert checked("Lu\u031bo\u031b\u0300ng") == "Lường"


def test_a_character_outside_the_font_is_refused_before_drawing():
    with pytest.raises(GlyphError) as info:
        checked("Thôn 中")
    assert "U+4E2D" in info.value.text("vi")


def test_a_missing_glyph_warning_is_an_error_while_printing(tmp_path):
    fig = Figure()
    fig.text(0.5, 0.5, "中")  # straight to matplotlib, past the check
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the suite's own filter must not be what catches it
        with printing_context(), pytest.raises(UserWarning, match="(?i)glyph"):
            fig.savefig(tmp_path / "x.pdf")


# -- the command ----------------------------------------------------------------------------------------


def test_export_map_command(tmp_path, capsys):
    out = tmp_path / "map.pdf"
    code = main(["export-map", "--theme", "recovery", "--project", "2", "--paper", "a4", "--orientation",
                 "landscape", "--out", str(out), "--date", "2026-11-27"])
    assert code == 0
    assert "KHU DÂN CƯ MỚI THÔN ĐÔNG" in page_text(out)
    assert "Đã lưu" in capsys.readouterr().out
    assert main(["export-map", "--out", str(tmp_path / "map.jpg")]) == 2
    assert "phải có đuôi .pdf hoặc .png" in capsys.readouterr().err


def test_text_from_data_is_drawn_as_written_not_as_mathtext(tmp_path):
    """A name such as "$x^2$" or "Giá 5$ - 7$" is drawn literally, even outside the printing options."""
    from gis.printing.page import new_page

    page = new_page("A4", "portrait")
    names = ["Thôn $x^2$", "Giá 5$ - 7$", r"$\frac{a}{b}$"]
    for i, name in enumerate(names):
        page.text(20, 50 + 10 * i, name, size=12)
    path = tmp_path / "ten.pdf"
    page.fig.savefig(path)
    text = page_text(path)
    assert all(flat(name) in text for name in names), text
