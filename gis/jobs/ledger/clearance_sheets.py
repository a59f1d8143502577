"""The officer's site-clearance spreadsheets: the steps read in row by row, and the status written out.

:func:`load` reads the spreadsheet the officer keeps (one row per parcel or land user and step; headers
matched by :data:`COLUMNS`, without case or diacritics) and says, row by row, what was recorded, what could
not be matched and why, and what conflicts with what is recorded (see :mod:`gis.jobs.ledger.clearance` for the
stages); :func:`report_workbook` writes a project's status (:func:`gis.jobs.ledger.clearance.status`) as an
Excel workbook.
"""


from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gis.core.errors import DataSourceError
from gis.jobs.ledger.clearance import (
    STAGES,
    ClearanceStatus,
    HandOver,
    conflict,
    label,
    latest,
    name_key,
    parse_date,
    plain,
    project_name,
    stage_of,
    write_steps,
)
from gis.jobs.ledger.model import LandStore, LedgerError, StageRecord, key_text
from gis.jobs.ledger.parcels import ref_of

#: Internal column -> headers the officer's spreadsheet may use (compared without case or diacritics).
COLUMNS: dict[str, tuple[str, ...]] = {
    "sheet": ("to", "to ban do", "so to", "to bd", "sheet"),
    "parcel": ("thua", "so thua", "thua dat", "parcel"),
    "land_user": ("chu su dung", "ho ten", "chu ho", "ten chu", "nguoi su dung", "land user", "owner"),
    "stage": ("giai doan", "buoc", "trang thai", "stage"),
    "date": ("ngay", "ngay thuc hien", "date"),
    "document": ("van ban", "so van ban", "so qd", "quyet dinh", "document"),
    "note": ("ghi chu", "note"),
}


@dataclass
class RowOutcome:
    """One spreadsheet row: its number (as the spreadsheet shows it), the outcome (``recorded``,
    ``already``, ``unmatched``, ``conflict``), the parcels it applies to and the reason (vi, en)."""

    row: int
    outcome: str
    parcels: list[str] = field(default_factory=list)
    reason_vi: str = ""
    reason_en: str = ""

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {"row": self.row, "outcome": self.outcome, "parcels": self.parcels,
                "reason": self.reason_vi if lang == "vi" else self.reason_en}


@dataclass
class LoadResult:
    """Every row of a loaded spreadsheet with its outcome."""

    rows: list[RowOutcome]

    def of(self, outcome: str) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == outcome]


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the first sheet of an .xlsx file as ``(row number, {internal column: value})``; the header
    row is the first row naming a parcel or land-user column. :class:`DataSourceError` when there is none; a
    sheet declaring more rows than the ``rows`` limit (``gis/limits.toml``) is refused before it is read."""
    from openpyxl import load_workbook

    from gis.files.workbooks import workbook_errors

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except workbook_errors() as exc:  # a file that is not a readable workbook
        raise DataSourceError(f"Không đọc được bảng tính «{path.name}» ({exc}). Hãy dùng tệp Excel .xlsx.",
                              f"Cannot read the workbook '{path.name}' ({exc}). Use an Excel .xlsx file.") from exc
    try:
        sheet = book.worksheets[0]
        _check_rows(path, sheet)
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    for pos, row in enumerate(rows[:20]):
        names = [plain(c) if c is not None else "" for c in row]
        mapping = {i: key for i, name in enumerate(names) for key, words in COLUMNS.items() if name in words}
        if "stage" in mapping.values() and ({"parcel", "land_user"} & set(mapping.values())):
            out = []
            for n, values in enumerate(rows[pos + 1:], start=pos + 2):
                record = {key: values[i] for i, key in mapping.items() if i < len(values)}
                if any(v not in (None, "") for v in record.values()):
                    out.append((n, record))
            return out
    wanted = "; ".join(f"{k}: {', '.join(v[:3])}" for k, v in COLUMNS.items())
    raise DataSourceError(
        f"Bảng tính «{path.name}» không có dòng tiêu đề với cột giai đoạn và cột thửa hoặc chủ sử dụng ({wanted}).",
        f"The workbook '{path.name}' has no header row with a stage column and a parcel or land-user column "
        f"({wanted}).")


def _check_rows(path: Path, sheet: Any) -> None:
    """Refuse a sheet declaring more rows than the ``rows`` limit of ``gis/limits.toml``, before reading it."""
    from gis.core.limits import limits, over_limit

    lim = limits()
    declared = int(getattr(sheet, "max_row", None) or 0)
    if declared > lim.rows:
        raise over_limit(
            f"Bảng tính «{path.name}» khai báo {declared} dòng", f"The workbook '{path.name}' declares {declared} rows",
            found=f"{declared} dòng", found_en=f"{declared} rows", limit=f"{lim.rows} dòng",
            limit_en=f"{lim.rows} rows", key="rows",
            todo_vi="Hãy chép riêng các dòng có dữ liệu sang một trang mới, lưu lại rồi nạp lại.",
            todo_en="Copy only the rows with data into a new sheet, save it and load it again.")


def load(store: LandStore, project: str, path: Path, *, by: str | None = None,
         handover: HandOver | None = None) -> LoadResult:
    """Record the steps in the officer's spreadsheet ``path`` for ``project``, row by row (see the module).

    A row is matched by sheet and parcel when it gives them (its land user, when also given, must be the
    parcel's: else a conflict), else by land user: it then applies to that user's parcels already in the
    project. Unmatched: no such parcel, a parcel no longer current, a land user unknown or with no parcel in
    the project, an unknown stage, a missing or unreadable date. Conflicts: a step recorded with another date
    (in the store or earlier in the file), a step behind the parcel's furthest one, or dated before it.
    A handing-over row without ``handover`` is unmatched. The steps of the rows matched are written in one
    transaction, then each handing over with its recovery in its own; nothing is written for the others."""
    from gis.jobs.ledger.parcels import current

    project = project_name(store, project)
    rows = read_rows(Path(path))
    now = store.as_of()
    furthest = latest(store, project)
    recorded = store.stages(project)
    in_project = {r.parcel_id for r in recorded}
    by_user: dict[str, list[int]] = {}
    for pos, owner in enumerate(now["owner"] if "owner" in now.columns else []):
        by_user.setdefault(name_key(owner), []).append(pos)
    outcomes: list[RowOutcome] = []
    pending: list[StageRecord] = []

    def miss(n: int, outcome: str, vi: str, en: str, parcels: list[str] | None = None) -> None:
        outcomes.append(RowOutcome(n, outcome, parcels or [], vi, en))

    for n, row in rows:
        stage = stage_of(row.get("stage"))
        if stage is None:
            miss(n, "unmatched", f"không rõ giai đoạn «{row.get('stage') or ''}»",
                 f"unknown stage '{row.get('stage') or ''}'")
            continue
        date = parse_date(row.get("date"))
        if date is None:
            miss(n, "unmatched", "thiếu ngày hoặc ngày không đọc được (dd/mm/yyyy)",
                 "the date is missing or unreadable (dd/mm/yyyy)")
            continue
        if stage == "handed_over" and handover is None:
            miss(n, "unmatched", "bàn giao mặt bằng cần loại đất mới và người nhận đất (--land-use, --to)",
                 "handing over needs the land's new use and the body receiving it (--land-use, --to)")
            continue
        user = " ".join(str(row.get("land_user") or "").split())
        sheet, parcel = key_text(row.get("sheet")), key_text(row.get("parcel"))
        targets: list[Any] = []
        if sheet and parcel:
            try:
                found = current(store, f"{sheet}/{parcel}")
            except LedgerError as exc:
                miss(n, "unmatched", exc.vi, exc.en)
                continue
            target = found.iloc[0]
            if user and name_key(user) != name_key(target.get("owner") or ""):
                miss(n, "conflict", f"thửa {sheet}/{parcel} của «{target.get('owner')}», không phải «{user}»",
                     f"parcel {sheet}/{parcel} is '{target.get('owner')}''s, not '{user}''s", [f"{sheet}/{parcel}"])
                continue
            targets = [target]
        elif user:
            mine = [now.iloc[p] for p in by_user.get(name_key(user), [])]
            if not mine:
                miss(n, "unmatched", f"không có chủ sử dụng «{user}» trong dữ liệu",
                     f"no land user '{user}' in the data")
                continue
            targets = [t for t in mine if t["parcel_id"] in in_project]
            if not targets:
                miss(n, "unmatched", f"«{user}» chưa có thửa nào trong dự án: hãy ghi tờ và thửa",
                     f"'{user}' has no parcel in the project yet: give the sheet and parcel")
                continue
        else:
            miss(n, "unmatched", "dòng không có tờ/thửa và không có chủ sử dụng",
                 "the row has neither sheet/parcel nor land user")
            continue
        refs = [ref_of(t) for t in targets]
        problem = None
        fresh: list[StageRecord] = []
        for target in targets:
            pid = str(target["parcel_id"])
            mine_recorded = [r for r in (*recorded, *pending) if r.parcel_id == pid]
            have = furthest.get(pid)
            for rec in pending:
                if rec.parcel_id == pid and (have is None or STAGES.index(rec.stage) >= STAGES.index(have.stage)):
                    have = rec
            if any(r.stage == stage and r.date == date for r in mine_recorded):
                continue
            why = conflict(have, mine_recorded, stage, date)
            if why:
                problem = f"{ref_of(target)}: {why.split('|')[0]}|{ref_of(target)}: {why.split('|')[1]}"
                break
            fresh.append(StageRecord(project, pid, ref_of(target), str(target.get("owner") or ""), stage, date,
                                     str(row.get("document") or ""), str(row.get("note") or "")))
        if problem:
            vi, en = problem.split("|")
            miss(n, "conflict", vi, en, refs)
            continue
        if not fresh:
            miss(n, "already", "đã ghi trước đó", "already recorded", refs)
            continue
        pending += fresh
        in_project |= {r.parcel_id for r in fresh}
        miss(n, "recorded", "", "", refs)
    write_steps(store, pending, by=by, handover=handover)
    return LoadResult(outcomes)


def report_workbook(found: ClearanceStatus, path: Path, *, lang: str = "vi") -> Path:
    """The weekly report of ``found`` as an Excel workbook: the counts by stage, the parcels, those stuck;
    data cells are made inert (:func:`gis.core.spreadsheet.make_inert`)."""
    from openpyxl import Workbook

    from gis.core.spreadsheet import make_inert

    vi = lang == "vi"
    book = Workbook()
    summary = book.active
    summary.title = "Tong hop" if vi else "Summary"
    summary.append([("Dự án: " if vi else "Project: ") + found.project])
    summary.append([("Ngày báo cáo: " if vi else "Report date: ") + f"{found.today:%d/%m/%Y}"])
    summary.append([])
    summary.append(["Giai đoạn" if vi else "Stage", "Số thửa" if vi else "Parcels",
                    "Diện tích (m²)" if vi else "Area (m²)", "Số hộ" if vi else "Households"])
    for stage, count in found.by_stage.items():
        summary.append([label(stage, lang), count.parcels, round(count.area_m2, 1), count.households])
    headers = (["Thửa", "Chủ sử dụng", "Giai đoạn", "Ngày", "Văn bản", "Ghi chú", "Diện tích (m²)", "Số ngày"]
               if vi else ["Parcel", "Land user", "Stage", "Date", "Document", "Note", "Area (m²)", "Days"])
    for title, frame in (("Thua dat" if vi else "Parcels", found.parcels),
                         (f"Vuong mac qua {found.stuck_days} ngay" if vi else f"Stuck over {found.stuck_days} days",
                          found.stuck)):
        sheet = book.create_sheet(title[:31])
        sheet.append(headers)
        for r in frame.itertuples():
            sheet.append([r.parcel, r.land_user, label(r.stage, lang), r.date, r.document, r.note, r.area_m2,
                          None if pd.isna(r.days) else int(r.days)])
    make_inert(book)
    path = Path(path)
    book.save(path)
    return path
