"""Site clearance (giải phóng mặt bằng), parcel by parcel: a project's parcels, area and households at each stage,
the map coloured by stage, the parcels stuck, a stage entered for a parcel, the officer's spreadsheet loaded
(every row's outcome listed) and the weekly report as an Excel workbook.

The domain is :mod:`gis.jobs.ledger.clearance`; this page only gathers input and shows what it returns.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import auth
from app_pages.context import dataset, lang, map_assets, prepared_map, words
from app_pages.ledger_ui import store
from app_pages.text import literal
from app_pages.ui import download, refusal, show_flash
from gis.core import landuse
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.jobs.ledger import clearance, clearance_sheets
from gis.jobs.recovery_boundary import NAME_FIELDS
from layers.render import MAP_HEIGHT_PX, build_map

TABLE: dict[str, Text] = texts({
    "title": ("Giải phóng mặt bằng", "Site clearance"),
    "project": ("Dự án", "Project"),
    "no_projects": ("Bộ dữ liệu không có lớp đất thu hồi (recovered_land) nêu tên dự án.",
                    "The dataset has no recovered-land layer naming projects."),
    "stuck_days": ("Vướng mắc khi quá (ngày)", "Stuck after (days)"),
    "stage": ("Giai đoạn", "Stage"),
    "parcels": ("Số thửa", "Parcels"),
    "area": ("Diện tích (m²)", "Area (m²)"),
    "households": ("Số hộ", "Households"),
    "parcel": ("Thửa", "Parcel"),
    "land_user": ("Chủ sử dụng", "Land user"),
    "date": ("Ngày", "Date"),
    "document": ("Văn bản", "Document"),
    "note": ("Ghi chú", "Note"),
    "days": ("Số ngày", "Days"),
    "stuck": ("Vướng mắc quá {n} ngày ({k} thửa)", "Stuck over {n} days ({k} parcels)"),
    "all_parcels": ("Các thửa của dự án", "The project's parcels"),
    "record": ("Ghi bước thực hiện", "Enter a step"),
    "ref": ("Thửa (tờ/thửa)", "Parcel (sheet/parcel)"),
    "handover_use": ("Loại đất sau bàn giao", "Land use after handing over"),
    "handover_to": ("Đơn vị nhận đất", "Body receiving the land"),
    "save": ("Ghi", "Enter"),
    "saved": ("Đã ghi: thửa {ref}, {stage}.", "Entered: parcel {ref}, {stage}."),
    "refused": ("Không ghi được", "Not entered"),
    "denied": ("Tài khoản người xem không được ghi bước giải phóng mặt bằng.",
               "A viewer account cannot enter site-clearance steps."),
    "load": ("Nạp bảng theo dõi (Excel)", "Load the tracking spreadsheet (Excel)"),
    "loaded": ("Đã đọc {n} dòng: {r} dòng được ghi.", "{n} rows read: {r} recorded."),
    "row": ("Dòng", "Row"),
    "outcome": ("Kết quả", "Outcome"),
    "reason": ("Lý do", "Reason"),
    "report": ("Tải báo cáo tuần (Excel)", "Download the weekly report (Excel)"),
})
OUTCOMES: dict[str, Text] = texts({
    "recorded": ("Đã ghi", "Recorded"), "already": ("Đã có", "Already recorded"),
    "unmatched": ("Không khớp", "Unmatched"), "conflict": ("Mâu thuẫn", "Conflict"),
})
#: The colour of each stage on the map (the tool's own colours).
STAGE_COLOURS: dict[str, str] = {
    clearance.NOT_STARTED: "#9e9e9e", "notice": "#ffeb3b", "inventory": "#ffc107", "plan_published": "#ff9800",
    "plan_approved": "#f57c00", "paid": "#8bc34a", "handed_over": "#2e7d32",
}
PROJECT = "clearance_project"
FLASH = "clearance_flash"
LOADED = "clearance_loaded"


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


def projects() -> list[str]:
    """The project names of the dataset's recovered-land layer, in order."""
    layer = dataset().get("recovered_land")
    if layer is None or layer.empty:
        return []
    column = next((c for c in NAME_FIELDS if c in layer.columns), None)
    if column is None:
        return []
    return list(dict.fromkeys(str(v) for v in layer[column].dropna()))


def stage_table(found: clearance.ClearanceStatus, code: str) -> pd.DataFrame:
    """The counts by stage, numbers as numbers."""
    return pd.DataFrame({
        tr("stage"): [clearance.label(s, code) for s in found.by_stage],
        tr("parcels"): [c.parcels for c in found.by_stage.values()],
        tr("area"): [round(c.area_m2, 1) for c in found.by_stage.values()],
        tr("households"): [c.households for c in found.by_stage.values()],
    })


def parcel_table(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    return pd.DataFrame({
        tr("parcel"): frame["parcel"].to_numpy(), tr("land_user"): frame["land_user"].to_numpy(),
        tr("stage"): [clearance.label(s, code) for s in frame["stage"]], tr("date"): frame["date"].to_numpy(),
        tr("document"): frame["document"].to_numpy(), tr("area"): frame["area_m2"].to_numpy(),
        tr("days"): pd.array([None if pd.isna(d) else int(d) for d in frame["days"]], dtype="Int64"),
    })


def report_bytes(found: clearance.ClearanceStatus, code: str) -> bytes:
    """The weekly report workbook as bytes (written to a temporary file, read back, removed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = clearance_sheets.report_workbook(found, Path(folder) / "report.xlsx", lang=code)
        return path.read_bytes()


def _stage_map(found: clearance.ClearanceStatus) -> None:
    ids = list(found.parcels["parcel_id"])
    shapes = store().as_of(None)
    shapes = shapes[shapes["parcel_id"].isin(ids)]
    stage = dict(zip(found.parcels["parcel_id"], found.parcels["stage"], strict=True))
    group = folium.FeatureGroup(name="clearance", control=False)
    if len(shapes):
        # geometry and the stage key only (one of the tool's own words): no data text in the page
        frame = shapes[[shapes.geometry.name]].assign(stage=[stage.get(p, "") for p in shapes["parcel_id"]])
        frame = frame.to_crs("EPSG:4326")
        folium.GeoJson(frame.__geo_interface__, style_function=lambda f: {
            "color": "#212121", "weight": 1, "fillOpacity": 0.7,
            "fillColor": STAGE_COLOURS.get(f["properties"]["stage"], "#9e9e9e")}).add_to(group)
        west, south, east, north = (float(v) for v in frame.total_bounds)
        center, zoom = [(south + north) / 2, (west + east) / 2], 16
    else:
        center, zoom = None, None
    m = build_map(prepared_map(), lang=lang(), assets=map_assets())
    st_folium(m, key="clearance_map", height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[],
              feature_group_to_add=group, center=center, zoom=zoom)
    st.caption(" · ".join(f"{clearance.label(s, lang())}" for s in STAGE_COLOURS))


def _record(project: str) -> None:
    st.subheader(tr("record"))
    if not auth.can("edit_fields"):
        st.caption(tr("denied"))
        return
    code = lang()
    with st.form("clearance_record"):
        c1, c2, c3 = st.columns(3)
        ref = c1.text_input(tr("ref"), placeholder="12/345")
        stage = c2.selectbox(tr("stage"), clearance.STAGES, format_func=lambda s: clearance.label(s, code))
        day = c3.date_input(tr("date"), value=dt.date.today(), format="DD/MM/YYYY")
        c4, c5 = st.columns(2)
        document = c4.text_input(tr("document"))
        note = c5.text_input(tr("note"))
        c6, c7 = st.columns(2)
        use = c6.selectbox(tr("handover_use"), sorted(landuse.LAND_USES), index=None,
                           format_func=lambda c: f"{c} — {landuse.name_of(c, lang=code)}")
        to = c7.text_input(tr("handover_to"), placeholder="UBND xã")
        if st.form_submit_button(tr("save"), type="primary"):
            handover = clearance.HandOver(use, to.strip()) if use and to.strip() else None
            try:
                rec = clearance.record(store(), project, ref.strip(), stage, date=day, document=document.strip(),
                                       note=note.strip(), by=auth.who(), handover=handover)
            except GisError as exc:
                st.session_state[FLASH] = ("error", refusal(tr("refused"), exc.text(code)))
            else:
                st.session_state[FLASH] = ("success", tr("saved", ref=literal(rec.ref),
                                                         stage=clearance.label(rec.stage, code)))
            st.rerun()


def outcome_table(result: clearance_sheets.LoadResult, code: str) -> pd.DataFrame:
    """Every loaded row with its outcome and reason."""
    return pd.DataFrame({
        tr("row"): [r.row for r in result.rows],
        tr("outcome"): [OUTCOMES.get(r.outcome, Text(r.outcome, r.outcome))(code)
                        for r in result.rows],
        tr("parcel"): [", ".join(r.parcels) for r in result.rows],
        tr("reason"): [r.reason_vi if code == "vi" else r.reason_en for r in result.rows],
    })


def _load(project: str) -> None:
    if not auth.can("edit_fields"):
        return
    code = lang()
    upload = st.file_uploader(tr("load"), type=["xlsx"], key="clearance_upload")
    if upload is not None and st.session_state.get(LOADED, (None,))[0] != upload.file_id:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "stages.xlsx"
            path.write_bytes(upload.getvalue())
            try:
                result = clearance_sheets.load(store(), project, path, by=auth.who())
            except GisError as exc:
                st.session_state[LOADED] = (upload.file_id, None, literal(exc.text(code)))
            else:
                st.session_state[LOADED] = (upload.file_id, result, None)
                if result.of("recorded"):
                    st.rerun()  # the stages table above counts the steps just written
    loaded = st.session_state.get(LOADED)
    if loaded and upload is not None:
        _, result, error = loaded
        if error:
            st.error(error)
        else:
            st.info(tr("loaded", n=len(result.rows), r=len(result.of("recorded"))))
            st.dataframe(outcome_table(result, code), hide_index=True, width="stretch")


st.title(tr("title"))
show_flash(FLASH)
names = projects()
if not names:
    st.info(tr("no_projects"))
    st.stop()
code = lang()
c1, c2 = st.columns([3, 1])
project = c1.selectbox(tr("project"), names, key=PROJECT)
stuck_days = int(c2.number_input(tr("stuck_days"), min_value=1, max_value=3650, value=clearance.STUCK_DAYS, step=1,
                                 key="clearance_stuck_days"))
found: clearance.ClearanceStatus | None
try:
    land = store()
    boundary = clearance.project_boundary(dataset().get("recovered_land"), project, land.crs)
    found = clearance.status(land, project, boundary=boundary, stuck_days=stuck_days)
except GisError as exc:
    st.warning(literal(exc.text(code)))
    found = None
if found is not None:
    st.dataframe(stage_table(found, code), hide_index=True, width="stretch")
    download(tr("report"), report_bytes(found, code), "bao-cao-gpmb.xlsx", icon=":material/download:",
             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    _stage_map(found)
    st.markdown(f"**{tr('stuck', n=stuck_days, k=len(found.stuck))}**")
    st.dataframe(parcel_table(found.stuck, code), hide_index=True, width="stretch")
    with st.expander(tr("all_parcels")):
        st.dataframe(parcel_table(found.parcels, code), hide_index=True, width="stretch")
_record(project)
_load(project)
