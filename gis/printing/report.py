"""The council report (báo cáo trình Hội đồng nhân dân xã): one PDF with a cover, the land-use map, each
recovery project's map and table, the fields map and table, and the plan's targets with their statuses.

Text pages (cover, targets) are portrait and the maps take the paper's other orientation by default, all
on the same paper size, so the report prints on one tray. Every page carries its number ("Trang 3/12").
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from gis.core.errors import GisError
from gis.files import admin_units
from gis.files.io import Dataset
from gis.jobs.targets.status import STATUS_COLOURS as ALL_STATUS_COLOURS
from gis.printing.captions import coverage_text, data_year, place_name
from gis.printing.furniture import NotesBlock, TableBlock
from gis.printing.maps import dated_notes
from gis.printing.model import DEMO_NOTE, DEMO_RED, GREY, INK, Table
from gis.printing.page import Page, draw_frame, draw_page_number, draw_title, new_page, title_layout
from gis.printing.sheet import render_sheet, save
from gis.printing.style import checked, fmt, fmt_date, fmt_date_long, fmt_plain, line_height_mm, printing_context
from gis.printing.themes import fields_sheet, landuse_sheet, project_names, recovery_sheet

#: Background of the status cell, by target status (from :data:`gis.jobs.targets.status.STATUS_COLOURS`).
STATUS_COLOURS = {status: c.print_fill for status, c in ALL_STATUS_COLOURS.items()}
_COUNT_UNITS = frozenset({"cánh đồng", "thôn", "thửa", "người", "con", "trang trại", "trường", "hộ"})


@dataclass(frozen=True)
class ReportResult:
    """A written report: where, how many pages, what is on each, and how long it took."""

    path: Path
    pages: int
    contents: tuple[tuple[int, str], ...]
    seconds: float


# ------------------------------------------------------------------------------------------ targets


def _measured(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in _COUNT_UNITS and float(value).is_integer():
        return fmt(value, 0)
    if unit in ("%", "tạ/ha"):
        return fmt(value, 1)
    return fmt(value, 2)


def _planned(target: Any) -> str:
    from gis.jobs.targets.status import COMPARE_LABELS

    planned = target.planned
    if planned is None:
        return ""
    if isinstance(planned, tuple):
        return f"{fmt_plain(planned[0])}–{fmt_plain(planned[1])}"
    return f"{COMPARE_LABELS[target.compare].vi} {fmt_plain(planned)}"


def _source(result: Any) -> str:
    kind = result.target.measure.get("kind")
    if kind == "manual":
        if result.entered_at:
            day = dt.datetime.fromisoformat(result.entered_at.replace("Z", "+00:00")).date()
            return f"Nhập tay ({fmt_date(day)})"
        return "Nhập tay"
    if kind == "estimate":
        return "Ước tính"
    return "Đo trên bản đồ"


def targets_table(results: Sequence[Any]) -> Table:
    """The targets as a printed table: planned, measured, unit, status (coloured) and where the value comes from."""
    from gis.jobs.targets.status import STATUS_LABELS

    rows = []
    colours: dict[tuple[int, int], Any] = {}
    resting: list[str] = []
    for i, r in enumerate(results):
        t = r.target
        rows.append((str(i + 1), t.label("vi"), t.section, _planned(t), _measured(r.measured, t.unit), t.unit,
                     STATUS_LABELS[r.status].vi, _source(r)))
        if r.placeholders:
            resting.append(f"dòng {i + 1}: {', '.join(r.placeholders)}")
        colours[(i, 6)] = STATUS_COLOURS.get(r.status, "white")
    return Table(
        title="",
        columns=("STT", "Chỉ tiêu", "Mục", "Kế hoạch", "Thực hiện", "Đơn vị", "Đánh giá", "Nguồn số liệu"),
        rows=tuple(rows),
        widths=(0.45, 4.4, 1.3, 1.05, 1.0, 0.85, 1.35, 1.5),
        align="llllrlll",
        notes=("Thực hiện: số đo trên bản đồ, ước tính từ các chỉ tiêu khác theo tham số của kế hoạch, hoặc số "
               "liệu nhập tay trong không gian làm việc. «Chưa đo được»: chưa có số liệu. Cách đánh giá từng loại "
               "so sánh: xem trang Chỉ tiêu kế hoạch và README (bảng quy tắc).",)
        + ((("«Ước tính»: ước tính dựa trên giá trị tạm mà kế hoạch không nêu, không đánh giá đạt hay chưa đạt ("
             + "; ".join(resting) + ")."),) if resting else ()),
        cell_colours=colours,
    )


def status_counts(results: Sequence[Any]) -> list[tuple[str, int]]:
    """(label, count) for each status that occurs, in the order of the status list."""
    from gis.jobs.targets.status import STATUS_LABELS

    counts = {key: sum(1 for r in results if r.status == key) for key in STATUS_LABELS}
    return [(STATUS_LABELS[k].vi, n) for k, n in counts.items() if n]


def paginate(table: Table, *, width: float, size: float, first: float, rest: float) -> list[Table]:
    """``table`` cut into parts whose rows fit ``first`` mm on the first page and ``rest`` on the others
    (the header repeats on every part; the total row and notes stay with the last)."""
    block = TableBlock(table)
    heights = block.row_heights(width, size)
    header, body = heights[0], heights[1:len(table.rows) + 1]
    tail = block.height(width, size) - sum(heights[:len(table.rows) + 1])  # total row, notes, title
    parts: list[Table] = []
    start, used, room = 0, header, first
    for i, h in enumerate(body):
        last_row = i == len(body) - 1
        need = h + (tail if last_row else 0.0)
        if used + need > room and i > start:
            parts.append(table.part(start, i, last=False))
            start, used, room = i, header, rest
        used += h
    parts.append(table.part(start, len(body), last=True))
    return parts


# ------------------------------------------------------------------------------------------ pages


def _header(page: Page, box: tuple[float, float, float, float], dataset: Dataset, day: dt.date) -> float:
    """The official header: the current commune's People's Committee left, the national motto right, then the
    place and date; returns the y below it. A dataset with no administrative unit leaves the commune's name
    dotted, to be written in by hand, as on a blank form."""
    x0, _, x1, top = box
    size = 10.0 * page.k**0.5
    lh = line_height_mm(size, 1.35)
    unit = admin_units.of_dataset(dataset)
    left = x0 + (x1 - x0) * 0.2
    right = x0 + (x1 - x0) * 0.68
    committee = admin_units.committee(unit) if unit is not None else "ỦY BAN NHÂN DÂN XÃ ……………"
    page.text(left, top - lh, "ỦY BAN NHÂN DÂN", size=size, ha="center")
    page.text(left, top - 2 * lh, committee.removeprefix("ỦY BAN NHÂN DÂN "), size=size, weight="bold",
              ha="center")
    page.ax.add_line(Line2D([left - 12, left + 12], [top - 2 * lh - 1.6] * 2, lw=0.6, color=INK))
    page.text(right, top - lh, admin_units.MOTTO[0], size=size, weight="bold", ha="center")
    page.text(right, top - 2 * lh, admin_units.MOTTO[1], size=size * 1.05, weight="bold", ha="center")
    page.ax.add_line(Line2D([right - 27, right + 27], [top - 2 * lh - 1.6] * 2, lw=0.6, color=INK))
    place = admin_units.signing_place(unit) if unit is not None else "……………"
    page.text(right, top - 3.4 * lh, f"{place}, {fmt_date_long(day)}", size=size * 0.95, style="italic",
              ha="center")
    return top - 4.4 * lh


def _council(dataset: Dataset) -> str:
    """``Hội đồng nhân dân xã Hiệp Hòa``, or ``Hội đồng nhân dân xã`` for a dataset with no unit."""
    unit = admin_units.of_dataset(dataset)
    return f"Hội đồng nhân dân {admin_units.unit_name(unit) if unit is not None else 'xã'}"


def render_cover(dataset: Dataset, *, paper: str, day: dt.date, year: int, figures: Sequence[tuple[str, str]],
                 contents: Sequence[tuple[int, str]], page_label: str) -> Figure:
    """The cover: official header, the report's title, key figures, contents and the demonstration note."""
    page = new_page(paper, "portrait")
    box = draw_frame(page)
    x0, y0, x1, _ = box
    draw_page_number(page, page_label)
    y = _header(page, box, dataset, day) - 14 * page.k
    cx = (x0 + x1) / 2
    page.text(cx, y, "BÁO CÁO", size=22 * page.k**0.8, weight="bold", ha="center")
    y -= line_height_mm(22 * page.k**0.8, 1.2)
    for line in ("HIỆN TRẠNG SỬ DỤNG ĐẤT, THU HỒI ĐẤT, CÁNH ĐỒNG TẬP TRUNG",
                 f"VÀ KẾT QUẢ THỰC HIỆN CHỈ TIÊU KẾ HOẠCH NĂM {year}"):
        page.text(cx, y, line, size=12.5 * page.k**0.8, weight="bold", ha="center")
        y -= line_height_mm(12.5 * page.k**0.8, 1.35)
    page.text(cx, y - 1, f"Trình kỳ họp {_council(dataset)}", size=11 * page.k**0.8, style="italic", ha="center")
    cover = coverage_text(dataset)
    if cover:
        y -= line_height_mm(11 * page.k**0.8, 1.5)
        page.text(cx, y - 1, f"({cover})", size=10 * page.k**0.8, style="italic", ha="center")
    y -= 16 * page.k
    width = (x1 - x0) * 0.8
    tx = cx - width / 2
    size = 9.5 * page.k**0.6
    facts = TableBlock(Table(title="MỘT SỐ SỐ LIỆU CHÍNH", columns=("Nội dung", "Số liệu"),
                             rows=tuple(figures), widths=(3.2, 1.3), align="lr"))
    h = facts.height(width, size)
    facts.draw(page, tx, y, width, h, size)
    y -= h + 10 * page.k
    page.text(tx, y, "NỘI DUNG", size=size * 1.1, weight="bold")
    y -= line_height_mm(size, 1.6)
    for number, label in contents:
        page.text(tx + 2, y, checked(label), size=size)
        page.text(tx + width, y, str(number), size=size, ha="right")
        page.ax.add_line(Line2D([tx + 2, tx + width], [y - 1.3] * 2, lw=0.2, color=GREY, linestyle=(0, (1, 2))))
        y -= line_height_mm(size, 1.5)
    lines = [f"Nguồn dữ liệu: {_source_line(dataset)}", "Bản đồ và bảng số liệu được lập tự động từ "
             "dữ liệu của xã bằng công cụ bản đồ đất đai."]
    if dataset.as_of is not None:
        from gis.jobs.ledger.asof import as_of_text

        lines.insert(0, as_of_text(dataset.as_of, "vi") + ".")
    notes = NotesBlock(lines, dataset.builtin)
    nh = notes.height(width, size)
    notes.draw(page, tx, y0 + nh + 4, width, nh, size)
    return page.fig


def _source_line(dataset: Dataset) -> str:
    from gis.printing.captions import source_text

    return source_text(dataset)


def _targets_title(year: int, first: bool) -> str:
    title = f"BẢNG ĐÁNH GIÁ THỰC HIỆN CHỈ TIÊU KẾ HOẠCH NĂM {year}"
    return title if first else f"{title} (TIẾP THEO)"


def _targets_top(page: Page, box: tuple[float, float, float, float], *, year: int, place: str, plan_title: str,
                 first: bool, size: float) -> tuple[float, float]:
    """Where the summary line sits and where the table starts, below the title block."""
    bottom = title_layout(page, box, _targets_title(year, first), place.upper(), 1 if first else 0)[-1]
    if not first:
        return bottom, bottom - 2.0
    summary_y = bottom - line_height_mm(size * 1.1, 1.0)
    return summary_y, summary_y - line_height_mm(size * 1.1, 1.0)


def render_targets_page(part: Table, *, paper: str, year: int, place: str, plan_title: str,
                        counts: Sequence[tuple[str, int]], first: bool, demo: bool, page_label: str,
                        size: float) -> Figure:
    """One page of the targets table."""
    page = new_page(paper, "portrait")
    box = draw_frame(page)
    x0, y0, x1, _ = box
    draw_page_number(page, page_label)
    draw_title(page, box, _targets_title(year, first), place.upper(), [plan_title] if first else [])
    summary_y, top = _targets_top(page, box, year=year, place=place, plan_title=plan_title, first=first, size=size)
    if first:
        summary = "; ".join(f"{label}: {n}" for label, n in counts)
        page.text(x0, summary_y, f"Tổng số {sum(n for _, n in counts)} chỉ tiêu — {summary}.", size=size * 1.1)
    block = TableBlock(part)
    block.draw(page, x0, top, x1 - x0, block.height(x1 - x0, size), size)
    if demo:
        _demo_footer(page, x0, y0, x1 - x0, size)
    return page.fig


def _demo_footer(page: Page, x: float, y: float, width: float, size: float) -> None:
    h = line_height_mm(size, 1.3) + 2.0
    page.ax.add_patch(Rectangle((x, y), width, h, facecolor="#fff0f0", edgecolor=DEMO_RED, lw=0.8))
    page.text(x + width / 2, y + h / 2, DEMO_NOTE, size=size, weight="bold", color=DEMO_RED, ha="center",
              va="center")


def _targets_layout(paper: str, *, year: int, place: str, plan_title: str,
                    has_demo: bool) -> tuple[float, float, float, float]:
    """Width, font size and room (first page, other pages) for the targets table on ``paper`` portrait."""
    page = new_page(paper, "portrait")
    box = draw_frame(page)
    x0, y0, x1, _ = box
    size = 7.2 * page.k**0.6
    foot = (line_height_mm(size, 1.3) + 2.0 + 3.0) if has_demo else 0.0
    rooms = [_targets_top(page, box, year=year, place=place, plan_title=plan_title, first=first, size=size)[1]
             - y0 - foot for first in (True, False)]
    return x1 - x0, size, rooms[0], rooms[1]


# ------------------------------------------------------------------------------------------ the report


def _area_of(dataset: Dataset) -> str:
    """Whose area the data measures: ``xã Lương Phong cũ`` for data of a former commune, else ``xã``."""
    unit = admin_units.of_dataset(dataset)
    return admin_units.former_name(unit) if unit is not None and unit.former is not None else "xã"


def key_figures(dataset: Dataset, results: Sequence[Any], projects: int) -> list[tuple[str, str]]:
    """The cover's figures: areas, parcels, rice land, recovery, fields and the targets' statuses."""
    from gis.jobs.summary import summarise

    s = summarise(dataset)
    rows = [
        (f"Diện tích tự nhiên của {_area_of(dataset)} (ha)", fmt(s.commune_ha, 2)),
        ("Số thửa đất", fmt(s.parcel_count, 0)),
        ("Đất trồng lúa trước thu hồi (ha)", fmt(s.rice_ha_before_recovery, 2)),
        ("Đất trồng lúa sau thu hồi (ha)", fmt(s.rice_ha_after_recovery, 2)),
        (f"Diện tích thu hồi của {fmt(projects, 0)} dự án (ha)", fmt(s.recovered_ha, 2)),
        (f"Cánh đồng tập trung còn duy trì: {fmt(s.concentrated_fields_count, 0)} cánh đồng (ha)",
         fmt(s.concentrated_fields_ha, 2)),
    ]
    rows += [(f"Chỉ tiêu «{label}»", fmt(n, 0)) for label, n in status_counts(results)]
    return rows


def build_report(dataset: Dataset, out: str | Path, *, paper: str = "A4", map_orientation: str = "landscape",
                 day: dt.date | None = None, year: int | None = None, plan_path: str | Path | None = None,
                 planned_fields: gpd.GeoDataFrame | None = None,
                 manual: dict[str, tuple[float, str, str]] | None = None) -> ReportResult:
    """Write the council report for ``dataset`` to ``out`` (a PDF)."""
    from gis.jobs.targets.measure import evaluate
    from gis.jobs.targets.plan import load_plan

    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise GisError(f"Báo cáo «{out.name}» phải là tệp .pdf.", f"The report '{out.name}' must be a .pdf file.")
    start = time.perf_counter()
    day = day or dt.date.today()
    plan = load_plan(plan_path)
    year = year or data_year(dataset, day)
    results = evaluate(plan, dataset, planned_fields=planned_fields, manual=manual or {})
    try:
        projects = project_names(dataset)
    except GisError:
        projects = []
    place = place_name(dataset)
    table = targets_table(results)
    width, size, first_room, rest_room = _targets_layout(paper, year=plan.year, place=place,
                                                         plan_title=plan.label("vi"), has_demo=dataset.builtin)
    parts = paginate(table, width=width, size=size, first=first_room, rest=rest_room)

    sections: list[str] = ["Trang bìa và số liệu chính", f"Bản đồ hiện trạng sử dụng đất năm {year}"]
    sections += [f"Bản đồ và bảng tổng hợp thu hồi đất: {name}" for name in projects]
    sections += ["Bản đồ và bảng tổng hợp cánh đồng tập trung", f"Bảng đánh giá chỉ tiêu kế hoạch năm {plan.year}"]
    total = len(sections) - 1 + len(parts)
    contents = tuple((i + 1, label) for i, label in enumerate(sections))

    def label(n: int) -> str:
        return f"Trang {n}/{total}"

    with printing_context():
        figures: list[Figure] = [render_cover(dataset, paper=paper, day=day, year=plan.year,
                                              figures=key_figures(dataset, results, len(projects)),
                                              contents=contents[1:], page_label=label(1))]
        sheets = [landuse_sheet(dataset, day=day, year=year)]
        sheets += [recovery_sheet(dataset, str(i + 1), day=day) for i in range(len(projects))]
        sheets.append(fields_sheet(dataset, day=day, planned=planned_fields, year=year))
        sheets = [dated_notes(sheet, dataset) for sheet in sheets]
        for sheet in sheets:
            figures.append(render_sheet(sheet, paper=paper, orientation=map_orientation,
                                        page_label=label(len(figures) + 1)))
        counts = status_counts(results)
        for i, part in enumerate(parts):
            figures.append(render_targets_page(part, paper=paper, year=plan.year, place=place,
                                               plan_title=plan.label("vi"), counts=counts, first=i == 0,
                                               demo=dataset.builtin, page_label=label(len(figures) + 1),
                                               size=size))
        title = f"BÁO CÁO ĐẤT ĐAI VÀ CHỈ TIÊU KẾ HOẠCH NĂM {plan.year} — {place.upper()}"
        save(figures, out, dpi=150, title=title, subject=f"Trình kỳ họp {_council(dataset)}")
    return ReportResult(path=out, pages=len(figures), contents=contents, seconds=time.perf_counter() - start)

