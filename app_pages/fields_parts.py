"""The Fields page's parts that are not layout (``app_pages/fields.py`` lays the page out).

Its words (:data:`TABLE`), the session keys, the computations cached on the dataset and the workspace (the
saved fields, their table, the plan's two field targets measured with or without the field being planned, the
suggestions, a field's export), and the builders of the page's text: dates, status, legend, export choices.
"""


from __future__ import annotations

import dataclasses
import html
import json
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from pandas.io.formats.style import Styler

from app_pages.context import (
    DATASET_HASH,
    lang,
    num,
    words,
)
from app_pages.ui import map_view, number_table
from gis.core.i18n import number
from gis.core.text import Text, strip_accents, texts
from gis.files.io import Dataset
from gis.jobs import fields
from gis.jobs.targets.measure import Result, evaluate
from gis.jobs.targets.plan import Plan, Target, default_plan, load_plan
from gis.jobs.targets.status import COMPARE_LABELS, STATUS_COLOURS, STATUS_LABELS
from gis.store.faults import WorkspaceError
from gis.store.rows import ADOPTED
from gis.store.workspace import Workspace, empty_fields
from layers.geometry import bounds_wgs84
from layers.planned_fields import DRAFTS, SAVED, SUGGESTED, WORKING, WORKING_PARCELS

TABLE: dict[str, Text] = texts({
    "title": ("Cánh đồng tập trung", "Concentrated fields"),
    "intro": ("Cánh đồng tập trung theo kế hoạch: {goals}", "Concentrated fields in the plan: {goals}"),
    "no_roles": ("Kế hoạch không chỉ định chỉ tiêu cánh đồng tập trung ([roles] fields_total, fields_count): trang "
                 "vẫn vẽ và lưu cánh đồng, nhưng không so với kế hoạch.",
                 "The plan names no concentrated-field targets ([roles] fields_total, fields_count): fields can still "
                 "be drawn and saved, but are not compared with the plan."),
    "targets": ("Chỉ tiêu", "Targets"),
    "total_label": ("Tổng diện tích cánh đồng tập trung", "Concentrated fields, total area"),
    "count_label": ("Số cánh đồng tập trung", "Number of concentrated fields"),
    "goal": ("Kế hoạch: {goal}", "Plan: {goal}"),
    "if_saved": ("Nếu cánh đồng đang lập được lưu và phê duyệt: {value} — {status}",
                 "If the field being planned is saved and adopted: {value} — {status}"),
    "counted": ("Chỉ tính cánh đồng hiện có và cánh đồng quy hoạch mới đã có quyết định phê duyệt.",
                "Only the existing fields and the planned fields adopted by a decision count."),
    "drafts_apart": ("Dự thảo, chưa tính: {n} cánh đồng, {ha} ha đất lúa.",
                     "Drafts, not counted: {n} fields, {ha} ha of rice land."),
    "migrated": ("Tệp không gian làm việc được tạo trước khi có bước phê duyệt: {n} cánh đồng lưu trước đó nay là "
                 "dự thảo và không được tính vào chỉ tiêu. Cánh đồng nào đã có quyết định phê duyệt, hãy ghi số và "
                 "ngày quyết định ở mục «Phê duyệt, đổi tên, xóa» bên dưới.",
                 "This workspace file was made before fields were adopted: the {n} fields saved then are drafts now "
                 "and do not count toward the targets. For each field a decision has adopted, enter the decision's "
                 "number and date under 'Adopt, rename or delete' below."),
    "no_plan": ("Không đọc được tệp kế hoạch: {e}", "The plan file cannot be read: {e}"),
    "fields": ("Các cánh đồng", "The fields"),
    "col_name": ("Tên cánh đồng", "Field"),
    "col_status": ("Tình trạng", "Status"),
    "col_rice": ("Đất trồng lúa (ha)", "Rice land (ha)"),
    "col_area": ("Diện tích ranh giới (ha)", "Outline area (ha)"),
    "col_parcels": ("Số thửa", "Parcels"),
    "col_owners": ("Số chủ sử dụng", "Land users"),
    "col_villages": ("Thôn", "Villages"),
    "col_updated": ("Cập nhật", "Changed"),
    "col_decision": ("Quyết định phê duyệt", "Adopting decision"),
    "col_decision_date": ("Ngày quyết định", "Decision date"),
    "col_rank": ("Số", "No."),
    "col_total_if": ("Tổng toàn xã nếu lấy (ha)", "Commune total if taken (ha)"),
    "col_owners_10": ("Chủ / 10 ha", "Users per 10 ha"),
    "plan_field": ("Lập cánh đồng mới", "Plan a new field"),
    "how": ("Ba cách: **vẽ ranh giới** bằng nút đa giác ở góc trái bản đồ (bấm từng điểm, bấm lại điểm đầu để "
            "khép kín); **bấm vào thửa lúa** để thêm hoặc bớt; hoặc **lấy một gợi ý** dưới đây làm điểm bắt đầu.",
            "Three ways: **draw the outline** with the polygon button at the map's top left (click each corner, "
            "click the first again to close); **click rice parcels** to add or remove them; or **start from a "
            "suggestion** below."),
    "suggestion": ("Gợi ý", "Suggestion"),
    "suggestion_label": ("Gợi ý {rank}: {ha} ha, {owners} chủ — {villages}", "Suggestion {rank}: {ha} ha, "
                         "{owners} users — {villages}"),
    "take": ("Lấy gợi ý này", "Start from this suggestion"),
    "no_suggestion": ("Không còn khối đất lúa liền nào đủ lớn ngoài các cánh đồng và đất thu hồi.",
                      "No connected block of rice land large enough is left outside the fields and recovered land."),
    "count_as": ("Tính đất lúa", "Count rice land"),
    "whole": ("Cả thửa (thửa nằm phần lớn trong ranh giới)", "Whole parcels (mostly inside the outline)"),
    "clipped": ("Chỉ phần nằm trong ranh giới", "Only the part inside the outline"),
    "click_adds": ("Bấm vào thửa trên bản đồ để thêm/bớt thửa", "A click on a parcel adds or removes it"),
    "nothing": ("Chưa có cánh đồng đang lập: vẽ ranh giới, bấm vào thửa lúa, hoặc lấy một gợi ý.",
                "No field is being planned: draw an outline, click rice parcels, or take a suggestion."),
    "working": ("Cánh đồng đang lập", "Field being planned"),
    "from_draw": ("vẽ trên bản đồ", "drawn on the map"),
    "from_parcels": ("chọn từng thửa", "chosen parcel by parcel"),
    "from_suggestion": ("từ gợi ý {rank}", "from suggestion {rank}"),
    "rice_inside": ("Đất trồng lúa", "Rice land"),
    "outline": ("Diện tích ranh giới", "Outline area"),
    "parcels": ("Số thửa lúa", "Rice parcels"),
    "owners": ("Số chủ sử dụng", "Land users"),
    "villages": ("Thôn", "Villages"),
    "connected": ("Một khối liền", "One connected block"),
    "blocks": ("{n} khối rời nhau", "{n} separate blocks"),
    "refused": ("Không lưu được", "Cannot be saved"),
    "name": ("Tên cánh đồng", "Field name"),
    "default_name": ("Cánh đồng tập trung mới thôn {village}", "New concentrated field, {village}"),
    "save": ("Lưu cánh đồng", "Save the field"),
    "clear": ("Bỏ cánh đồng đang lập", "Discard the field being planned"),
    "saved": ("Đã lưu cánh đồng «{name}» (số {id}) lúc {at}, là dự thảo: chưa tính vào chỉ tiêu cho đến khi được "
              "phê duyệt.", "Saved the field '{name}' (no. {id}) at {at} as a draft: it does not count toward the "
              "targets until it is adopted."),
    "renamed": ("Đã đổi tên cánh đồng số {id} thành «{name}».", "Renamed field {id} to '{name}'."),
    "deleted": ("Đã xóa cánh đồng «{name}» (số {id}).", "Deleted the field '{name}' (no. {id})."),
    "not_rice": ("Thửa {n}, tờ {s} không phải đất trồng lúa: không thêm vào cánh đồng.",
                 "Parcel {n}, sheet {s} is not rice land: not added to the field."),
    "bad_drawing": ("Hình vẽ không dùng được", "The drawing cannot be used"),
    "suggestions": ("Gợi ý cánh đồng mới", "Suggested new fields"),
    "suggestions_help": ("Các khối đất lúa liền lớn nhất chưa thuộc cánh đồng nào và không bị thu hồi, xếp theo "
                         "diện tích rồi theo ít chủ sử dụng (ít chủ, dễ dồn điền). Trên bản đồ: viền tím đánh số.",
                         "The largest connected blocks of rice land in no field and not recovered, ranked by area "
                         "then by fewest land users (fewer users, easier to consolidate). On the map: numbered "
                         "purple outlines."),
    "manage": ("Phê duyệt, đổi tên, xóa cánh đồng đã lưu", "Adopt, rename or delete a saved field"),
    "state": ("Trạng thái", "State"),
    "draft_note": ("Dự thảo: chưa tính vào chỉ tiêu. Ghi số và ngày của quyết định phê duyệt để cánh đồng được tính.",
                   "Draft: not counted toward the targets. Enter the number and date of the adopting decision for "
                   "the field to count."),
    "decision": ("Số quyết định phê duyệt", "Adopting decision (number)"),
    "decision_date": ("Ngày quyết định", "Decision date"),
    "adopt": ("Phê duyệt", "Adopt"),
    "adopted_msg": ("Đã phê duyệt cánh đồng số {id} (quyết định ngày {day}): từ nay được tính vào chỉ tiêu.",
                    "Field {id} is adopted (decision of {day}): it counts toward the targets from now on."),
    "adopted_as": ("Đã phê duyệt theo: {decision}, ngày {day}.", "Adopted by: {decision}, dated {day}."),
    "confirm_unadopt": ("Tôi muốn bỏ phê duyệt cánh đồng này (quyết định được giữ trong nhật ký thay đổi)",
                        "I want to un-adopt this field (the decision is kept in the change log)"),
    "unadopt_reason": ("Lý do bỏ phê duyệt", "Why it is un-adopted"),
    "unadopt": ("Bỏ phê duyệt", "Un-adopt"),
    "unadopted_msg": ("Cánh đồng số {id} nay là dự thảo; quyết định cũ được giữ trong nhật ký thay đổi.",
                      "Field {id} is a draft again; the withdrawn decision is kept in the change log."),
    "adopted_locked": ("Cánh đồng đã phê duyệt không xóa được: bỏ phê duyệt trước.",
                       "An adopted field cannot be deleted: un-adopt it first."),
    "no_saved": ("Chưa lưu cánh đồng quy hoạch mới nào.", "No planned field is saved yet."),
    "pick_saved": ("Cánh đồng đã lưu", "Saved field"),
    "new_name": ("Tên mới", "New name"),
    "rename": ("Đổi tên", "Rename"),
    "confirm_delete": ("Tôi muốn xóa cánh đồng này", "I want to delete this field"),
    "delete": ("Xóa", "Delete"),
    "export": ("Xuất cánh đồng", "Export a field"),
    "pick_export": ("Cánh đồng cần xuất", "Field to export"),
    "gpkg": ("GeoPackage", "GeoPackage"),
    "kml": ("KML", "KML"),
    "shp": ("Shapefile", "Shapefile"),
    "gpkg_help": ("Tệp .gpkg, hệ tọa độ VN-2000 (mở bằng QGIS)", "A .gpkg file in VN-2000 (QGIS opens it)"),
    "kml_help": ("Tệp .kml, WGS 84 (mở bằng Google Earth)", "A .kml file in WGS 84 (Google Earth opens it)"),
    "shp_help": ("Shapefile nén .zip, hệ tọa độ VN-2000, bảng mã UTF-8", "A zipped shapefile in VN-2000, UTF-8"),
    "stamps": ("Tạo lúc {created}, sửa lúc {updated} (giờ Việt Nam).", "Created {created}, changed {updated} "
               "(Vietnam time)."),
    "workspace": ("Cánh đồng quy hoạch được lưu trong tệp {path} (mở được bằng QGIS), theo bộ dữ liệu đang mở và "
                  "trong hệ tọa độ của nó.",
                  "Planned fields are kept in {path} (QGIS opens it), with the dataset open now and in its CRS."),
    "legend": ("Trên bản đồ", "On the map"),
})

MAP_KEY = "fields_map"
WORK = "fields_work"
DRAW_SEEN = "fields_draw_seen"
CLICK_SEEN = "fields_click_seen"
VIEW = "fields_view"
CLIPPED = "fields_clipped"
CLICK_ADDS = "fields_click_adds"
PICK = "fields_suggestion"
NAME = "fields_name"
FLASH = "fields_flash"
SAVED_PICK = "fields_saved_pick"
NEW_NAME = "fields_new_name"
CONFIRM = "fields_confirm_delete"
EXPORT_PICK = "fields_export_pick"
DECISION = "fields_decision"
DECISION_DATE = "fields_decision_date"
UNADOPT_CONFIRM = "fields_confirm_unadopt"
UNADOPT_REASON = "fields_unadopt_reason"
#: What comes back from the browser: drawings and clicks on parcels (never the view: panning never reruns).
RETURNED = ["all_drawings", "last_active_drawing", "last_object_clicked"]
TOP = 5
#: The plan's roles this page measures (see gis.targets.ROLES): the fields' total area and their number.
FIELD_ROLES = ("fields_total", "fields_count")
VIETNAM = timezone(timedelta(hours=7))


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


def ha(value: float, decimals: int = 2) -> str:
    return num(value, decimals)


# -- cached: the workspace's fields, suggestions, targets -------------------------------------------


#: What the page reads from the workspace: its path, its :func:`gis.files.io.file_key`, the dataset's id and CRS
#: (see :func:`_planned`).
WsKey = tuple[str, tuple[str, int, int, int], str, str]


@st.cache_data(show_spinner=False, max_entries=16)
def _planned(path: str, stamp: tuple[str, int, int, int], data_id: str, srs: str) -> gpd.GeoDataFrame:
    """The fields saved on the dataset ``data_id``, in its CRS ``srs`` (drafts and adopted ones); none when the
    workspace cannot be read (the fault is shown at the top of the page)."""
    try:
        return Workspace.open(path).fields(dataset=data_id, crs=srs)
    except WorkspaceError:
        return empty_fields(crs=srs)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=DATASET_HASH)
def _table(data: Dataset, ws: WsKey) -> gpd.GeoDataFrame:
    return fields.field_table(data, _planned(*ws))


def _plan() -> Plan:
    """The plan's concentrated-field targets, found by their roles (nothing else needs measuring here)."""
    plan = load_plan(default_plan())
    keys = {t.key for t in (plan.role(r) for r in FIELD_ROLES) if t is not None}
    return dataclasses.replace(plan, targets=tuple(x for x in plan.targets if x.key in keys))


def _role_key(plan: Plan, role: str) -> str | None:
    target = plan.role(role)
    return target.key if target is not None else None


def _goal(target: Target) -> str:
    """The plan's figure of a target as the page writes it: "> 100 ha", "= 4", "90–110 ha"."""
    unit = f" {target.unit}" if target.unit and target.unit != "fields" else ""
    if isinstance(target.planned, tuple):
        return f"{number(target.planned[0], 0, lang=lang())}–{number(target.planned[1], 0, lang=lang())}{unit}"
    if target.planned is None:
        return COMPARE_LABELS[target.compare](lang())
    return f"{COMPARE_LABELS[target.compare](lang())} {number(float(target.planned), 0, lang=lang())}{unit}"


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=DATASET_HASH)
def _targets(data: Dataset, ws: WsKey, plan_stamp: tuple[str, int, int, int],
             extra_wkb: bytes | None) -> dict[str, Result]:
    """The two targets measured with the adopted fields (and ``extra_wkb``, a field as if it were adopted)."""
    planned = _planned(*ws)
    if extra_wkb is not None:
        extra = gpd.GeoDataFrame({"field_id": [-2], "name": ["?"], "state": [ADOPTED], "dataset": [ws[2]]},
                                 geometry=[shapely.from_wkb(extra_wkb)], crs=data.parcels.crs).to_crs(planned.crs)
        columns = ["field_id", "name", "state", "dataset", "geometry"]
        planned = gpd.GeoDataFrame(pd.concat([planned[columns], extra], ignore_index=True), crs=planned.crs)
    return {r.target.key: r for r in evaluate(_plan(), data, planned_fields=planned)}


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=DATASET_HASH)
def _suggestions(data: Dataset, ws: WsKey) -> gpd.GeoDataFrame:
    return fields.suggest(data, planned=_planned(*ws), top=TOP)


@st.cache_data(show_spinner=False, max_entries=32)
def _export(wkb: bytes, props_json: str, suffix: str, crs_wkt: str) -> bytes:
    frame = gpd.GeoDataFrame([json.loads(props_json)], geometry=[shapely.from_wkb(wkb)], crs=crs_wkt)
    with tempfile.TemporaryDirectory() as tmp:
        path = fields.export_field(frame, Path(tmp) / f"canh_dong{suffix}")
        return path.read_bytes()



def _day(iso: str) -> str:
    """A decision's date (ISO) as the officer writes it: 10/05/2024."""
    try:
        return datetime.strptime(iso, "%Y-%m-%d").strftime("%d/%m/%Y")
    except ValueError:
        return iso or "—"



def _local(stamp: str) -> str:
    """A workspace time stamp (UTC, ISO) in Vietnam time, as the officer reads it."""
    if not stamp:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


def _status_text(result: Result) -> str:
    label = STATUS_LABELS[result.status](lang())
    return f":{STATUS_COLOURS[result.status].markdown}[**{label}**]"


def _slug(text: str) -> str:
    plain = strip_accents(text, compatible=True)
    return "_".join("".join(c if c.isalnum() else " " for c in plain.lower()).split()) or "canh_dong"


def _legend() -> str:
    def swatch(spec, label: str) -> str:
        style = spec.style
        fill = style.get("fillColor", "transparent") if style.get("fill", True) else "transparent"
        dash = "dashed" if "dashArray" in style else "solid"
        return (f'<span style="display:inline-block;width:14px;height:10px;background:{fill};'
                f'border:2px {dash} {style["color"]};vertical-align:middle;margin:0 4px 0 10px"></span>{html.escape(label)}')
    return (f"<small>{tr('legend')}:" + swatch(WORKING, WORKING.title_in(lang()))
            + swatch(WORKING_PARCELS, WORKING_PARCELS.title_in(lang())) + swatch(SAVED, SAVED.title_in(lang()))
            + swatch(DRAFTS, DRAFTS.title_in(lang()))
            + swatch(SUGGESTED, SUGGESTED.title_in(lang())) + "</small>")



def _status_of(status: str, state: str) -> str:
    label = fields.STATUS_LABELS[status](lang())
    return f"{label} — {fields.state_label(state, lang=lang())}" if state else label


def _fields_shown(table: gpd.GeoDataFrame) -> Styler:
    """Every field (existing, kept, recovered, planned) as the page's table shows it."""
    return number_table(pd.DataFrame({
        tr("col_name"): table["name"],
        tr("col_status"): [_status_of(s, state) for s, state in zip(table["status"], table["state"], strict=True)],
        tr("col_decision"): table["decision"],
        tr("col_decision_date"): [_day(d) if d else "" for d in table["decision_date"]],
        tr("col_rice"): table["rice_ha"],
        tr("col_parcels"): table["parcels"].astype(int),
        tr("col_owners"): table["owners"].astype(int),
        tr("col_villages"): table["villages"],
        tr("col_area"): table["area_ha"],
        tr("col_updated"): [_local(v) for v in table["updated_at"]],
    }), {tr("col_rice"): 2, tr("col_parcels"): 0, tr("col_owners"): 0, tr("col_area"): 2}, lang=lang())


def _suggestions_shown(suggested: gpd.GeoDataFrame, totals: list[float | None]) -> Styler:
    """The suggested fields as the page's table shows them, with the commune's total if each were taken."""
    return number_table(pd.DataFrame({
        tr("col_rank"): suggested["rank"],
        tr("col_rice"): suggested["rice_ha"],
        tr("col_parcels"): suggested["parcels"],
        tr("col_owners"): suggested["owners"],
        tr("col_owners_10"): suggested["owners_per_10ha"],
        tr("col_villages"): suggested["villages"],
        tr("col_total_if"): totals,
    }), {tr("col_rice"): 2, tr("col_parcels"): 0, tr("col_owners"): 0, tr("col_owners_10"): 1,
         tr("col_total_if"): 2}, lang=lang())


def _export_choices(check: fields.FieldCheck | None, outline: shapely.Geometry | None,
                    table: gpd.GeoDataFrame) -> dict[str, tuple[shapely.Geometry, dict]]:
    """What can be exported, by the name the picker shows: the field being planned (if any), then every field
    of ``table``; each with its outline and the attributes its file carries (names in Vietnamese)."""
    choices: dict[str, tuple[shapely.Geometry, dict]] = {}
    if check is not None and outline is not None:
        choices[tr("working")] = (outline, {"ten": tr("working"), "trang_thai": fields.STATUS_LABELS["planned"].vi,
                                            "lua_ha": round(check.rice_ha, 4), "so_thua": check.parcels,
                                            "so_chu": check.owners, "thon": ", ".join(check.villages),
                                            "dt_ha": round(check.outline_ha, 4), "tao_luc": "", "sua_luc": "",
                                            "phe_duyet": "", "quyet_dinh": "", "ngay_qd": ""})
    for row in table.itertuples():
        choices[f"{row.name} ({fields.STATUS_LABELS[row.status](lang())})"] = (row.geometry, {
            "ten": row.name, "trang_thai": fields.STATUS_LABELS[row.status].vi, "lua_ha": round(row.rice_ha, 4),
            "so_thua": int(row.parcels), "so_chu": int(row.owners), "thon": row.villages,
            "dt_ha": round(row.area_ha, 4), "tao_luc": row.created_at, "sua_luc": row.updated_at,
            "phe_duyet": fields.state_label(row.state), "quyet_dinh": row.decision, "ngay_qd": row.decision_date})
    return choices


# -- the field being planned, kept in the session --------------------------------------------------------


def _work() -> dict | None:
    """The field being planned: ``{"wkb", "parcels" (labels or None), "source", "rank"}``, or ``None``."""
    return st.session_state.get(WORK)


def _set_work(outline: shapely.Geometry | None, *, source: str, parcels: list | None = None, rank: int = 0) -> None:
    st.session_state[WORK] = None if outline is None or outline.is_empty else {
        "wkb": shapely.to_wkb(outline), "parcels": parcels, "source": source, "rank": rank}


def _outline() -> shapely.Geometry | None:
    work = _work()
    return shapely.from_wkb(work["wkb"]) if work else None


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def _view_of(frame: gpd.GeoDataFrame) -> dict:
    return map_view(bounds_wgs84(frame))



def _clear() -> None:
    st.session_state[WORK] = None


def _default_name(check: fields.FieldCheck, data: Dataset) -> str:
    villages = data.parcels.loc[check.parcel_index, "village"].dropna()
    village = villages.mode().iloc[0] if len(villages) else "?"
    return tr("default_name", village=village)
