"""Site clearance (giải phóng mặt bằng), parcel by parcel, for each recovery project.

Each parcel of a project (and its land user) goes through :data:`STAGES`, in order; each step is recorded
with its date, document and note in the land store (:meth:`gis.jobs.ledger.model.LandStore.add_stages`,
append-only). Handing the land over (``handed_over``) also enters the parcel's recovery into the ledger
(:func:`gis.jobs.ledger.changes.recover`, the whole parcel: a partial recovery is split first), in the same
transaction as the step.

:func:`record` enters one step; :func:`status` gives the parcels, area and households at each stage and
those stuck longer than a number of days. The officer's spreadsheets (the steps read in row by row, the
status written out) are in :mod:`gis.jobs.ledger.clearance_sheets`.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis.core.area import repaired
from gis.core.text import strip_accents
from gis.jobs.ledger.changes import recover
from gis.jobs.ledger.model import Decision, LandStore, LedgerError, StageRecord
from gis.jobs.ledger.parcels import ref_of

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


def plain(text: object) -> str:
    """Lower case, no diacritics, single spaces: how headers, stages and names are compared."""
    return strip_accents(" ".join(str(text).split())).casefold()


def name_key(text: object) -> str:
    """A land user's name as compared: NFC, single spaces, case-folded (diacritics kept: Hằng is not Hàng)."""
    return unicodedata.normalize("NFC", " ".join(str(text).split())).casefold()


def stage_of(value: object) -> str | None:
    """The stage a cell names (a key, a label, or a word of :data:`STAGE_WORDS`), or None."""
    text = plain(value)
    if not text:
        return None
    for key in STAGES:
        if text in (key, plain(STAGE_LABELS[key][0]), plain(STAGE_LABELS[key][1])):
            return key
    for key in STAGES[::-1]:
        if any(word in text for word in STAGE_WORDS[key]):
            return key
    return None


def parse_date(value: object) -> dt.date | None:
    """A date from a cell: a date, an ISO or Vietnamese (dd/mm/yyyy) text; None when it is not one."""
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


@dataclass(frozen=True)
class HandOver:
    """What handing over makes of a parcel in the ledger: its new land use and land user."""

    land_use: str
    owner: str


def project_name(store: LandStore, project: str) -> str:
    """``project`` as first recorded (names are compared ignoring case and runs of spaces), else as given."""
    wanted = name_key(project)
    for rec in store.stages():
        if name_key(rec.project) == wanted:
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


def conflict(have: StageRecord | None, recorded: list[StageRecord], stage: str, date: dt.date) -> str | None:
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
    from gis.jobs.ledger.parcels import current

    project = project_name(store, project)
    row = current(store, ref).iloc[0]
    rec = StageRecord(project, str(row["parcel_id"]), ref_of(row), str(row.get("owner") or ""), stage, date,
                      document, note)
    recorded = [r for r in store.stages(project) if r.parcel_id == rec.parcel_id]
    why = conflict(latest(store, project).get(rec.parcel_id), recorded, stage, date)
    if why:
        vi, en = why.split("|")
        raise LedgerError(f"Thửa {rec.ref}: {vi}.", f"Parcel {rec.ref}: {en}.")
    write_steps(store, [rec], by=by, handover=handover)
    return rec


def write_steps(store: LandStore, records: list[StageRecord], *, by: str | None, handover: HandOver | None) -> None:
    """Write ``records``: the steps short of handing over in one transaction, then each handing over with the
    recovery it enters (``handover``) in its own."""
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
    there is none; invalid features :func:`~gis.core.area.repaired` first."""
    from gis.jobs.recovery_boundary import NAME_FIELDS

    if layer is None or layer.empty:
        return None
    lower = {c.lower(): c for c in layer.columns}
    column = next((lower[n.lower()] for n in NAME_FIELDS if n.lower() in lower), None)
    if column is None:
        return None
    hits = layer[layer[column].map(name_key) == name_key(project)]
    if hits.empty:
        return None
    if hits.crs != crs:
        hits = hits.to_crs(crs)
    return shapely.union_all(repaired(hits.geometry.to_numpy()))


def project_parcels(store: LandStore, boundary: shapely.Geometry, *, min_m2: float = 1.0) -> gpd.GeoDataFrame:
    """The current parcels ``boundary`` takes more than ``min_m2`` of (the sliver tolerance by default)."""
    near = store.as_of(None, bbox=tuple(boundary.bounds))  # type: ignore[arg-type]
    if near.empty:
        return near
    taken = shapely.area(shapely.intersection(repaired(near.geometry.to_numpy()), boundary))
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
                                     part["land_user"].map(name_key).nunique())
    return ClearanceStatus(project, today, stuck_days, frame, by_stage)
