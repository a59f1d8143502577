"""Site clearance (giải phóng mặt bằng), parcel by parcel, for each recovery project.

Each parcel of a project (and its land user) goes through :data:`STAGES`, in order; each step is recorded
with its date, document and note in the land store (:meth:`gis.ledger.model.LandStore.add_stages`,
append-only). Handing the land over (``handed_over``) also enters the parcel's recovery into the ledger
(:func:`gis.ledger.changes.recover`, the whole parcel: a partial recovery is split first), in the same
transaction as the step.

:func:`record` enters one step; :func:`load` reads the spreadsheet the officer keeps (one row per parcel or
land user and step) and says, row by row, what was recorded, what could not be matched and why, and what
conflicts with what is recorded; :func:`status` gives the parcels, area and households at each stage and
those stuck longer than a number of days; :func:`report_workbook` writes it as an Excel workbook.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis.errors import DataSourceError
from gis.ledger.changes import recover, ref_of
from gis.ledger.model import Decision, LandStore, LedgerError, StageRecord, key_text

#: The stages of site clearance, in order.
STAGES = ("notice", "inventory", "plan_published", "plan_approved", "paid", "handed_over")
#: Stage -> (Vietnamese, English) label.
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "notice": ("Thông báo thu hồi đất", "Notice of recovery"),
    "inventory": ("Kiểm đếm", "Inventory"),
    "plan_published": ("Công khai phương án bồi thường", "Compensation plan published"),
    "plan_approved": ("Phê duyệt phương án bồi thường", "Compensation plan approved"),
    "paid": ("Chi trả bồi thường", "Paid"),
    "handed_over": ("Bàn giao mặt bằng", "Land handed over"),
}
#: Words that name a stage in a spreadsheet (compared without case or diacritics), besides the keys and labels.
STAGE_WORDS: dict[str, tuple[str, ...]] = {
    "notice": ("thong bao",), "inventory": ("kiem dem",), "plan_published": ("cong khai",),
    "plan_approved": ("phe duyet",), "paid": ("chi tra", "da tra tien", "nhan tien"),
    "handed_over": ("ban giao",),
}
#: The pseudo-stage of a parcel inside the project's boundary with no step recorded yet.
NOT_STARTED = "not_started"
NOT_STARTED_LABEL = ("Chưa bắt đầu", "Not started")
#: Days after which a parcel not handed over, whose last step is older, is "stuck" (vướng mắc).
STUCK_DAYS = 30

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


def _plain(text: object) -> str:
    """Lower case, no diacritics, single spaces: how headers, stages and names are compared."""
    value = unicodedata.normalize("NFD", " ".join(str(text).split())).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in value if not unicodedata.combining(c)).casefold()


def _name(text: object) -> str:
    """A land user's name as compared: NFC, single spaces, case-folded (diacritics kept: Hằng is not Hàng)."""
    return unicodedata.normalize("NFC", " ".join(str(text).split())).casefold()


def stage_of(value: object) -> str | None:
    """The stage a cell names (a key, a label, or a word of :data:`STAGE_WORDS`), or None."""
    text = _plain(value)
    if not text:
        return None
    for key in STAGES:
        if text in (key, _plain(STAGE_LABELS[key][0]), _plain(STAGE_LABELS[key][1])):
            return key
    for key in STAGES[::-1]:
        if any(word in text for word in STAGE_WORDS[key]):
            return key
    return None


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = str(value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def label(stage: str, lang: str = "vi") -> str:
    """The name of ``stage`` (or of :data:`NOT_STARTED`) in ``lang``."""
    pair = NOT_STARTED_LABEL if stage == NOT_STARTED else STAGE_LABELS.get(stage, (stage, stage))
    return pair[0] if lang == "vi" else pair[1]


# ------------------------------------------------------------------------------------------------ recording


@dataclass(frozen=True)
class HandOver:
    """What handing over makes of a parcel in the ledger: its new land use and land user."""

    land_use: str
    owner: str


def project_name(store: LandStore, project: str) -> str:
    """``project`` as first recorded (names are compared ignoring case and runs of spaces), else as given."""
    wanted = _name(project)
    for rec in store.stages():
        if _name(rec.project) == wanted:
            return rec.project
    return " ".join(str(project).split())


def latest(store: LandStore, project: str) -> dict[str, StageRecord]:
    """Parcel id -> the furthest stage recorded in ``project`` (the latest of equals)."""
    out: dict[str, StageRecord] = {}
    for rec in store.stages(project):
        have = out.get(rec.parcel_id)
        if have is None or STAGES.index(rec.stage) >= STAGES.index(have.stage):
            out[rec.parcel_id] = rec
    return out


def _conflict(have: StageRecord | None, recorded: list[StageRecord], stage: str, date: dt.date) -> str | None:
    """Why step ``stage`` on ``date`` conflicts with what is recorded for the parcel (None when it does not)."""
    for rec in recorded:
        if rec.stage == stage and rec.date != date:
            return (f"đã ghi «{label(stage)}» ngày {rec.date:%d/%m/%Y}, khác ngày {date:%d/%m/%Y}|"
                    f"'{label(stage, 'en')}' is recorded on {rec.date:%d/%m/%Y}, not {date:%d/%m/%Y}")
    if have is not None and STAGES.index(stage) < STAGES.index(have.stage) and \
            not any(rec.stage == stage for rec in recorded):
        return (f"thửa đã ở bước sau «{label(have.stage)}» ({have.date:%d/%m/%Y})|"
                f"the parcel is already at the later step '{label(have.stage, 'en')}' ({have.date:%d/%m/%Y})")
    if have is not None and STAGES.index(stage) > STAGES.index(have.stage) and date < have.date:
        return (f"ngày {date:%d/%m/%Y} trước ngày của bước trước «{label(have.stage)}» ({have.date:%d/%m/%Y})|"
                f"date {date:%d/%m/%Y} is before the earlier step '{label(have.stage, 'en')}' ({have.date:%d/%m/%Y})")
    return None


def record(store: LandStore, project: str, ref: str, stage: str, *, date: dt.date, document: str = "",
           note: str = "", by: str | None = None, handover: HandOver | None = None) -> StageRecord:
    """Record that parcel ``ref`` of ``project`` reached ``stage`` on ``date``; handing over also enters the
    recovery into the ledger (``handover`` gives the land's new use and user). :class:`LedgerError` when the
    step conflicts with what is recorded (see :func:`load`)."""
    if stage not in STAGES:
        raise LedgerError(f"Bước «{stage}» không có (dùng: {', '.join(STAGES)}).",
                          f"Unknown stage '{stage}' (known: {', '.join(STAGES)}).")
    from gis.ledger.changes import current

    project = project_name(store, project)
    row = current(store, ref).iloc[0]
    rec = StageRecord(project, str(row["parcel_id"]), ref_of(row), str(row.get("owner") or ""), stage, date,
                      document, note)
    recorded = [r for r in store.stages(project) if r.parcel_id == rec.parcel_id]
    why = _conflict(latest(store, project).get(rec.parcel_id), recorded, stage, date)
    if why:
        vi, en = why.split("|")
        raise LedgerError(f"Thửa {rec.ref}: {vi}.", f"Parcel {rec.ref}: {en}.")
    _write(store, [rec], by=by, handover=handover)
    return rec


def _write(store: LandStore, records: list[StageRecord], *, by: str | None, handover: HandOver | None) -> None:
    plain = [r for r in records if r.stage != "handed_over"]
    store.add_stages(plain, by=by)
    for rec in records:
        if rec.stage != "handed_over":
            continue
        if handover is None:
            raise LedgerError("Bàn giao mặt bằng cần loại đất mới và người nhận đất (--land-use, --to).",
                              "Handing over needs the land's new use and the body receiving it (--land-use, --to).")
        recover(store, rec.ref, date=rec.date, decision=Decision(rec.document or f"GPMB {rec.project}", rec.date),
                land_use=handover.land_use, owner=handover.owner, project=rec.project, by=by, note=rec.note,
                stages=[rec])


# ------------------------------------------------------------------------------------------------ loading


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

    from gis.sources import workbook_errors

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
        names = [_plain(c) if c is not None else "" for c in row]
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
    from gis.limits import limits, over_limit

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
    from gis.ledger.changes import current

    project = project_name(store, project)
    rows = read_rows(Path(path))
    now = store.as_of()
    furthest = latest(store, project)
    recorded = store.stages(project)
    in_project = {r.parcel_id for r in recorded}
    by_user: dict[str, list[int]] = {}
    for pos, owner in enumerate(now["owner"] if "owner" in now.columns else []):
        by_user.setdefault(_name(owner), []).append(pos)
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
        date = _date(row.get("date"))
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
            if user and _name(user) != _name(target.get("owner") or ""):
                miss(n, "conflict", f"thửa {sheet}/{parcel} của «{target.get('owner')}», không phải «{user}»",
                     f"parcel {sheet}/{parcel} is '{target.get('owner')}''s, not '{user}''s", [f"{sheet}/{parcel}"])
                continue
            targets = [target]
        elif user:
            mine = [now.iloc[p] for p in by_user.get(_name(user), [])]
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
            why = _conflict(have, mine_recorded, stage, date)
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
    _write(store, pending, by=by, handover=handover)
    return LoadResult(outcomes)


# ------------------------------------------------------------------------------------------------ status


@dataclass
class StageCount:
    """Parcels, area (m²) and households (land users) whose furthest step is one stage."""

    parcels: int = 0
    area_m2: float = 0.0
    households: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"parcels": self.parcels, "area_m2": round(self.area_m2, 1), "households": self.households}


@dataclass
class ClearanceStatus:
    """A project's clearance on ``today``: each parcel's furthest step (``parcels``: one row per parcel with
    ``parcel``, ``land_user``, ``stage``, ``date``, ``document``, ``area_m2``, ``days``, ``stuck``), the counts by
    stage, and the parcels stuck (not handed over, last step older than ``stuck_days``)."""

    project: str
    today: dt.date
    stuck_days: int
    parcels: pd.DataFrame
    by_stage: dict[str, StageCount]

    @property
    def stuck(self) -> pd.DataFrame:
        return self.parcels[self.parcels["stuck"]]

    def as_dict(self) -> dict[str, Any]:
        return {"project": self.project, "today": self.today.isoformat(), "stuck_days": self.stuck_days,
                "by_stage": {k: v.as_dict() for k, v in self.by_stage.items()},
                "parcels": [{**r, "date": r["date"].isoformat() if isinstance(r["date"], dt.date) else None,
                             "days": None if pd.isna(r["days"]) else int(r["days"])}
                            for r in self.parcels.to_dict(orient="records")]}


def project_boundary(layer: gpd.GeoDataFrame | None, project: str, crs: Any) -> shapely.Geometry | None:
    """The boundary of ``project`` in a layer of project boundaries (the dataset's ``recovered_land``): the
    features whose name (``TENDUAN`` ...) is ``project`` (ignoring case), dissolved, in ``crs``; None when
    there is none."""
    from gis.recovery import NAME_FIELDS

    if layer is None or layer.empty:
        return None
    lower = {c.lower(): c for c in layer.columns}
    column = next((lower[n.lower()] for n in NAME_FIELDS if n.lower() in lower), None)
    if column is None:
        return None
    hits = layer[layer[column].map(_name) == _name(project)]
    if hits.empty:
        return None
    if hits.crs != crs:
        hits = hits.to_crs(crs)
    return shapely.union_all(hits.geometry.to_numpy())


def project_parcels(store: LandStore, boundary: shapely.Geometry, *, min_m2: float = 1.0) -> gpd.GeoDataFrame:
    """The current parcels ``boundary`` takes more than ``min_m2`` of (the sliver tolerance by default)."""
    near = store.as_of(None, bbox=tuple(boundary.bounds))  # type: ignore[arg-type]
    if near.empty:
        return near
    taken = shapely.area(shapely.intersection(near.geometry.to_numpy(), boundary))
    return near[taken >= min_m2]


def status(store: LandStore, project: str, *, today: dt.date | None = None, stuck_days: int = STUCK_DAYS,
           boundary: shapely.Geometry | None = None) -> ClearanceStatus:
    """Where ``project``'s clearance stands (see :class:`ClearanceStatus`). With ``boundary`` (see
    :func:`project_boundary`), the parcels it takes that have no step yet count as :data:`NOT_STARTED`.
    :class:`LedgerError` when there is nothing to tell, naming the projects that have steps."""
    today = today or dt.date.today()
    project = project_name(store, project)
    furthest = latest(store, project)
    waiting = project_parcels(store, boundary) if boundary is not None else None
    if waiting is not None:
        waiting = waiting[~waiting["parcel_id"].isin(set(furthest))]
    if not furthest and (waiting is None or waiting.empty):
        known = sorted({r.project for r in store.stages()})
        raise LedgerError(
            f"Chưa có bước giải phóng mặt bằng nào của dự án «{project}». Các dự án đã có: "
            f"{', '.join(known) or 'chưa có'}.",
            f"No site-clearance step is recorded for project '{project}'. Projects with steps: "
            f"{', '.join(known) or 'none'}.")
    versions = store.versions(parcel_ids=list(furthest))
    area = versions.drop_duplicates("parcel_id", keep="last").set_index("parcel_id")["map_area_m2"]
    rows = []
    for pid, rec in furthest.items():
        days = (today - rec.date).days
        rows.append({"parcel": rec.ref, "parcel_id": pid, "land_user": rec.land_user, "stage": rec.stage,
                     "date": rec.date, "document": rec.document, "note": rec.note,
                     "area_m2": round(float(area.get(pid, 0.0)), 1), "days": days,
                     "stuck": rec.stage != "handed_over" and days > stuck_days})
    for _, row in (waiting if waiting is not None else pd.DataFrame()).iterrows():
        rows.append({"parcel": ref_of(row), "parcel_id": row["parcel_id"], "land_user": str(row.get("owner") or ""),
                     "stage": NOT_STARTED, "date": None, "document": "", "note": "",
                     "area_m2": round(float(row["map_area_m2"]), 1), "days": None, "stuck": False})
    order = (NOT_STARTED, *STAGES)
    frame = pd.DataFrame(rows)
    frame["_order"] = frame["stage"].map(order.index)
    frame = frame.sort_values(["_order", "parcel"]).drop(columns="_order").reset_index(drop=True)
    by_stage: dict[str, StageCount] = {}
    for stage in order if waiting is not None else STAGES:
        part = frame[frame["stage"] == stage]
        by_stage[stage] = StageCount(len(part), float(part["area_m2"].sum()),
                                     part["land_user"].map(_name).nunique())
    return ClearanceStatus(project, today, stuck_days, frame, by_stage)


def report_workbook(found: ClearanceStatus, path: Path, *, lang: str = "vi") -> Path:
    """The weekly report of ``found`` as an Excel workbook: the counts by stage, the parcels, those stuck;
    data cells are made inert (:func:`gis.spreadsheet.make_inert`)."""
    from openpyxl import Workbook

    from gis.spreadsheet import make_inert

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
