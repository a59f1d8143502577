"""The plan's targets as an Excel workbook (openpyxl), for a meeting or for the district.

The targets sheet: a title with the plan and the date, the demonstration-data note when it applies, then one row
per target grouped as on the page (land and projects, crops, production, entered by hand), with planned
and measured figures as numbers (Excel shows them in the reader's own format: 1.234,5 in a Vietnamese
Excel), the status in words on its colour, the progress as a percentage and where the figure comes from.
A target with a second figure in the plan (the grain output: 6670 t and about 6600 t) gets a second row
and a note saying that the plan's figures differ. An estimate resting on a placeholder parameter says so in
its status (naming the parameter) and has no progress. A second sheet writes the status rule of each
comparison (:func:`gis.jobs.targets.status.rules_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from gis.core.spreadsheet import make_inert
from gis.core.text import DEMO_NOTE, Text, day, short_number
from gis.jobs.targets.labels import GROUPS, group_of, source_text
from gis.jobs.targets.measure import Result
from gis.jobs.targets.plan import Plan
from gis.jobs.targets.status import (
    COMPARE_LABELS,
    ESTIMATE,
    STATUS_LABELS,
    progress_of,
    rules_table,
    status_of,
    status_text,
)
from gis.jobs.targets.status import STATUS_COLOURS as ALL_STATUS_COLOURS

#: Background and text colour of each status (the page uses the same): from :data:`gis.jobs.targets.status.STATUS_COLOURS`.
STATUS_COLOURS: dict[str, tuple[str, str]] = {status: (c.fill, c.ink) for status, c in ALL_STATUS_COLOURS.items()}

SHEET_TITLE = Text("Chỉ tiêu", "Targets")
RULES_TITLE = Text("Cách đánh giá", "Status rules")
RULES_HEADER = (Text("So sánh", "Comparison"), Text("Quy tắc đánh giá và tiến độ", "Status and progress rule"))


@dataclass(frozen=True)
class Column:
    key: str
    header: Text
    number_format: str | None = None
    max_width: int = 60
    wrap: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("no", Text("STT", "No."), max_width=6),
    Column("label", Text("Chỉ tiêu", "Target"), max_width=58, wrap=True),
    Column("section", Text("Mục kế hoạch", "Plan section"), max_width=22),
    Column("compare", Text("So sánh", "Comparison"), max_width=14),
    Column("planned", Text("Kế hoạch", "Planned"), "#,##0.##"),
    Column("measured", Text("Đo được", "Measured"), "#,##0.00"),
    Column("unit", Text("Đơn vị", "Unit"), max_width=12),
    Column("progress", Text("Tiến độ", "Progress"), "0%"),
    Column("status", Text("Đánh giá", "Status"), max_width=24),
    Column("source", Text("Nguồn số liệu", "Source of the figure"), max_width=60, wrap=True),
    Column("entered_at", Text("Ngày nhập", "Entered on"), max_width=12),
    Column("note", Text("Ghi chú", "Note"), max_width=50, wrap=True),
    Column("key", Text("Mã chỉ tiêu", "Key"), max_width=32),
)

_THIN = Side(style="thin", color="9E9E9E")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def rows_of(plan: Plan, results: list[Result], *, lang: str = "vi") -> list[dict[str, object]]:
    """The table's rows: a heading row per group (``{"group": title}``), then one dict per target."""
    rows: list[dict[str, object]] = []
    count = 0
    for group, titles in GROUPS.items():
        members = [r for r in results if group_of(r.target) == group]
        if not members:
            continue
        rows.append({"group": titles(lang)})
        for r in members:
            t = r.target
            planned: object = None
            if isinstance(t.planned, tuple):
                low, high = (short_number(v, lang=lang, max_digits=2) for v in t.planned)
                planned = f"{low} – {high}"
            elif t.planned is not None:
                planned = t.planned
            source = source_text(r, plan, lang=lang)
            progress = r.progress
            count += 1
            rows.append({
                "no": count, "key": t.key, "label": t.label(lang),
                "section": t.section, "compare": COMPARE_LABELS[t.compare](lang), "planned": planned,
                "measured": None if r.measured is None else round(r.measured, 2), "unit": t.unit,
                "progress": None if progress is None else round(progress, 4), "status": r.status,
                "status_label": r.status_label(lang),
                "source": source, "entered_at": day(r.entered_at),
                "note": (t.note_vi if lang == "vi" else t.note_en) if t.also else "",
            })
            if t.also:
                also_planned = float(t.also["planned"])
                also_compare = str(t.also.get("compare", "about"))
                also_status = r.also_status or status_of(also_compare, also_planned, r.measured,
                                                         risk_pct=t.risk_pct, tolerance_pct=t.tolerance_pct)
                also_progress = None if also_status == ESTIMATE else progress_of(
                    also_compare, also_planned, r.measured, risk_pct=t.risk_pct, tolerance_pct=t.tolerance_pct)
                rows.append({
                    "no": None, "key": t.key, "label": ("— theo mục " if lang == "vi" else "— per section ")
                    + str(t.also.get("section", "")), "section": str(t.also.get("section", "")),
                    "compare": COMPARE_LABELS[also_compare](lang), "planned": also_planned,
                    "measured": None if r.measured is None else round(r.measured, 2), "unit": t.unit,
                    "progress": None if also_progress is None else round(also_progress, 4),
                    "status": also_status, "status_label": status_text(also_status, r.placeholders, lang),
                    "source": source, "entered_at": "",
                    "note": t.note_vi if lang == "vi" else t.note_en,
                })
    return rows


def _display_len(value: object, column: Column) -> int:
    if value is None:
        return 0
    if isinstance(value, float | int) and not isinstance(value, bool):
        if column.number_format == "0%":
            return 6
        return len(f"{value:,.2f}") + 1
    return max(len(line) for line in str(value).splitlines()) if str(value) else 0


def build_workbook(plan: Plan, results: list[Result], *, lang: str = "vi", on: date | None = None,
                   demo: bool = False, place: str = "", as_of: date | None = None) -> Workbook:
    """The targets table as a workbook (one sheet), in ``lang``, dated ``on`` (today by default); ``place``
    (the dataset's unit, ``xã Hiệp Hòa, tỉnh Bắc Ninh``, or its name) ends the title; ``as_of``, the date the
    figures were asked as of, is written after the date ("Số liệu tính đến ngày dd/mm/yyyy")."""
    on = on or date.today()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE(lang)
    last = get_column_letter(len(COLUMNS))
    title = (f"BẢNG THEO DÕI CHỈ TIÊU: {plan.label('vi').upper()}" if lang == "vi"
             else f"TARGETS: {plan.label('en').upper()}") + (f" — {place.upper()}" if place else "")
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = (f"Ngày lập: {on.strftime('%d/%m/%Y')} — tệp kế hoạch: {plan.path.name}" if lang == "vi"
                else f"Date: {on.strftime('%d/%m/%Y')} — plan file: {plan.path.name}")
    if as_of is not None:
        from gis.jobs.ledger.asof import as_of_text

        ws["A2"] = f"{ws['A2'].value} — {as_of_text(as_of, lang)}"
    ws["A2"].font = Font(italic=True)
    ws.merge_cells(f"A2:{last}2")
    header_row = 4
    if demo:
        ws["A3"] = DEMO_NOTE(lang)
        ws["A3"].font = Font(italic=True, color="B71C1C")
        ws.merge_cells(f"A3:{last}3")
    widths = [len(c.header(lang)) + 2 for c in COLUMNS]
    for col, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=column.header(lang))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="37474F")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    row = header_row
    for item in rows_of(plan, results, lang=lang):
        row += 1
        if "group" in item:
            cell = ws.cell(row=row, column=1, value=item["group"])
            cell.font = Font(bold=True, size=12)
            for col in range(1, len(COLUMNS) + 1):
                ws.cell(row=row, column=col).fill = PatternFill("solid", fgColor="ECEFF1")
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(COLUMNS))
            continue
        for col, column in enumerate(COLUMNS, start=1):
            value = item.get(column.key)
            if column.key == "status":
                status = str(value)
                value = str(item.get("status_label") or STATUS_LABELS[status](lang))
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="top", wrap_text=column.wrap)
            if column.number_format and isinstance(value, float | int):
                cell.number_format = column.number_format
                cell.alignment = Alignment(vertical="top", horizontal="right")
            if column.key == "planned" and isinstance(value, str):
                cell.alignment = Alignment(vertical="top", horizontal="right")
            if column.key == "status":
                fill, text = STATUS_COLOURS[status]
                cell.fill = PatternFill("solid", fgColor=fill)
                cell.font = Font(bold=True, color=text)
            widths[col - 1] = max(widths[col - 1], min(column.max_width, _display_len(value, column) + 2))
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = f"C{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{last}{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    rules = wb.create_sheet(RULES_TITLE(lang))
    rules.append([h(lang) for h in RULES_HEADER])
    for cell in rules[1]:
        cell.font = Font(bold=True)
    for compare, rule in rules_table(plan, lang=lang):
        rules.append([compare, rule])
    rules.column_dimensions["A"].width = 14
    rules.column_dimensions["B"].width = 110
    return make_inert(wb)  # values only: text from the plan or the data is never a formula


def write_targets_xlsx(plan: Plan, results: list[Result], out: str | Path | IO[bytes], *, lang: str = "vi",
                       on: date | None = None, demo: bool = False, place: str = "", as_of: date | None = None
                       ) -> None:
    """Write the targets workbook to a path or a binary file object (see :func:`build_workbook`)."""
    build_workbook(plan, results, lang=lang, on=on, demo=demo, place=place, as_of=as_of).save(out)


def targets_xlsx_bytes(plan: Plan, results: list[Result], *, lang: str = "vi", on: date | None = None,
                       demo: bool = False, place: str = "", as_of: date | None = None) -> bytes:
    """The targets workbook as bytes (for a download button)."""
    buffer = BytesIO()
    write_targets_xlsx(plan, results, buffer, lang=lang, on=on, demo=demo, place=place, as_of=as_of)
    return buffer.getvalue()
