"""Land recovery (thu hồi đất): what a project boundary takes, parcel by parcel, and the table to sign.

The boundary is a built-in project (or all of them), a file the user uploads, or a polygon drawn on the
map. The commune map is the same on every rerun (as on the map page); what the boundary takes (recovered
parts, remainders, flagged parcels, the boundary) and the selected parcel go in one group that
streamlit-folium swaps in place, and the view moves only when the boundary changes or a row is clicked.
A click on a row of the table zooms to its parcel; a click on a parcel selects its row.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Hashable
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit_folium import st_folium

from app_pages.context import (
    DATASET_HASH,
    as_of_note,
    clicked_parcel,
    dataset,
    lang,
    log_download,
    map_assets,
    new_drawing,
    num,
    prepared_map,
    t,
)
from app_pages.text import literal
from app_pages.ui import map_view, number_table
from gis.core import i18n
from gis.core.errors import GisError
from gis.core.text import DEMO_NOTE, Text, short_number, texts
from gis.files import admin_units
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.recovery import (
    DEFAULT_SETTINGS_PATH,
    FLAG_LABELS,
    STATUS_LABELS,
    Boundary,
    Recovery,
    RecoverySettings,
    identity_label,
    load_settings,
    placeholder_note,
    prepare_boundary,
    project_choices,
    recover,
    tier_labels,
)
from gis.jobs.recovery_export import (
    COUNT,
    HA,
    M2,
    PCT,
    parcel_rows,
    summary_sheets,
    totals_rows,
    write_csv,
    write_geopackage,
    write_workbook,
)
from gis.jobs.recovery_files import load_boundary_file
from layers.catalogue import PreparedMap
from layers.recovery_parts import SPECS, RecoveryLayers, prepare_recovery
from layers.render import MAP_HEIGHT_PX, build_map
from layers.render_recovery import add_boundary_draw, recovery_group

TABLE: dict[str, Text] = texts({
    "title": ("Thu hồi đất theo ranh giới dự án", "Land recovery by project boundary"),
    "intro": ("Chọn ranh giới dự án để biết dự án lấy những thửa đất nào, bao nhiêu, của ai và còn lại bao nhiêu.",
              "Choose a project boundary to see which parcels it takes, how much of each, whose they are and "
              "what is left."),
    "placeholder": ("Các ngưỡng tính toán (diện tích tối thiểu được tách thửa, phần sót, hộ bị ảnh hưởng nặng) "
                    "đang là **giá trị tạm**, chưa phải số liệu của tỉnh. Hãy nhập số liệu theo quyết định của "
                    "UBND tỉnh vào tệp «{file}» rồi đặt `placeholder = false` trước khi trình ký bảng tổng hợp.",
                    "The thresholds (minimum parcel size, sliver, severely affected) are **placeholders**, not "
                    "the province's figures. Enter the province's figures in “{file}” and set "
                    "`placeholder = false` before the table is signed."),
    "source": ("Ranh giới dự án lấy từ", "Project boundary from"),
    "src_project": ("Dự án có sẵn", "Built-in project"),
    "src_upload": ("Tải tệp lên", "Upload a file"),
    "src_draw": ("Vẽ trên bản đồ", "Draw on the map"),
    "project": ("Dự án", "Project"),
    "draw_help": ("Bấm nút đa giác ở góc trên bên trái bản đồ, bấm lần lượt từng đỉnh của ranh giới, rồi bấm "
                  "lại đỉnh đầu tiên để khép kín. Vẽ lại để thay ranh giới.",
                  "Click the polygon button at the map's top left, click each corner of the boundary in turn, "
                  "then click the first corner again to close it. Draw again to replace the boundary."),
    "drawn_name": ("Ranh giới vẽ trên bản đồ", "Boundary drawn on the map"),
    "project_pick": ("Chọn một dự án…", "Choose a project…"),
    "all_projects": ("Tất cả các dự án", "All projects"),
    "no_projects": ("Dữ liệu không có lớp khu vực thu hồi đất (recovered_land). Hãy tải tệp ranh giới lên.",
                    "The data has no recovered land layer (recovered_land). Upload a boundary file."),
    "upload": ("Tệp ranh giới dự án", "Project boundary file"),
    "upload_help": ("Shapefile nén .zip (kèm .shp, .shx, .dbf, .prj), GeoPackage, GeoJSON, KML/KMZ.",
                    "A zipped shapefile (.shp, .shx, .dbf, .prj), GeoPackage, GeoJSON, KML/KMZ."),
    "upload_project": ("Đối tượng trong tệp", "Feature of the file"),
    "choose": ("Hãy chọn ranh giới dự án để xem các thửa đất bị thu hồi.",
               "Choose a project boundary to see the parcels it takes."),
    "bad_boundary": ("Không dùng được ranh giới này", "This boundary cannot be used"),
    "metric_parcels": ("Thửa bị thu hồi", "Parcels taken"),
    "metric_parcels_help": ("{whole} thửa thu hồi toàn bộ, {partial} thửa thu hồi một phần",
                            "{whole} wholly, {partial} partly"),
    "metric_area": ("Diện tích thu hồi", "Recovered area"),
    "metric_rice": ("Đất trồng lúa thu hồi", "Rice land taken"),
    "metric_pond": ("Ao thủy sản thu hồi", "Ponds taken"),
    "metric_pond_help": ("Ao nuôi trồng thủy sản bị thu hồi: {ha} ha", "Aquaculture ponds taken: {ha} ha"),
    "metric_owners": ("Chủ sử dụng bị ảnh hưởng", "Land users affected"),
    "metric_owners_help": ("{households} hộ gia đình; {severe} hộ bị ảnh hưởng nặng (mất từ {pct}% đất nông "
                           "nghiệp trở lên). Tổ chức (UBND xã, cộng đồng dân cư, trường học) không tính là hộ.",
                           "{households} households; {severe} severely affected (losing {pct}% or more of their "
                           "farm land). Organisations (the commune, village communities, schools) are not "
                           "households."),
    "severe_line": ("**{severe}** hộ gia đình bị ảnh hưởng nặng (mất từ {pct}% đất nông nghiệp trở lên), theo "
                    "khoản 1 Điều 19 Nghị định 88/2024/NĐ-CP:",
                    "**{severe}** households severely affected (losing {pct}% or more of their farm land), in the "
                    "tiers of Decree 88/2024/NĐ-CP, art. 19(1):"),
    "tier_line": ("{label}: **{n}** hộ", "{label}: **{n}** households"),
    "slivers_line": ("{n} phần sót dưới {tol} m² (sai lệch số hóa) được liệt kê nhưng không tính vào tổng.",
                     "{n} slivers under {tol} m² (digitising mismatch) are listed but kept out of the totals."),
    "parcels_title": ("Danh sách thửa đất bị thu hồi", "Parcels taken"),
    "parcels_hint": ("Bấm vào một dòng để phóng to đến thửa đó trên bản đồ; bấm vào một thửa trên bản đồ để chọn "
                     "dòng của nó.",
                     "Click a row to zoom to its parcel on the map; click a parcel on the map to select its row."),
    "summaries": ("Bảng tổng hợp", "Summaries"),
    "totals": ("Tổng hợp", "Totals"),
    "item": ("Chỉ tiêu", "Item"),
    "value": ("Giá trị", "Value"),
    "downloads": ("Tải xuống", "Downloads"),
    "dl_xlsx": ("Bảng tổng hợp Excel (.xlsx)", "Excel workbook (.xlsx)"),
    "dl_gpkg": ("Phần thu hồi và phần còn lại (.gpkg)", "Recovered parts and remainders (.gpkg)"),
    "dl_csv": ("Danh sách thửa (.csv)", "Parcel list (.csv)"),
    "legend": ("Chú giải", "Legend"),
    "selected_title": ("Thửa đất số {n}, tờ bản đồ số {s}", "Parcel {n}, map sheet {s}"),
    "not_taken": ("Thửa đất số {n}, tờ bản đồ số {s} không bị dự án này thu hồi.",
                  "Parcel {n}, map sheet {s} is not taken by this project."),
    "hint": ("Bấm vào một thửa đất trên bản đồ hoặc một dòng của bảng để xem thửa đó tại đây.",
             "Click a parcel on the map or a row of the table to see it here."),
    "clear": ("Bỏ chọn", "Clear selection"),
    "none": ("Không", "None"),
    "notes": ("Lưu ý", "Notes"),
})

#: Column kinds whose figures are written as numbers (with the user's decimal convention).
_DIGITS = {M2: 1, HA: 4, PCT: 1, COUNT: 0}

MAP_KEY = "recovery_map"
TABLE_KEY = "recovery_table"
SOURCE = "recovery_source"
PROJECT = "recovery_project"
UPLOAD = "recovery_upload"
UPLOAD_PATH = "recovery_upload_path"
UPLOAD_ID = "recovery_upload_id"
UPLOAD_PROJECT = "recovery_upload_project"
SELECTED = "recovery_selected"
VIEW = "recovery_view"
CLICK_SEEN = "recovery_click_seen"
ROWS_SEEN = "recovery_rows_seen"
ALL = "all"
RETURNED = ["last_active_drawing", "last_object_clicked"]
#: In drawing mode the drawn shapes come back too.
RETURNED_DRAW = ["all_drawings", "last_active_drawing", "last_object_clicked"]
DRAWN = "recovery_drawn"
DRAW_SEEN = "recovery_draw_seen"
PARCEL_ZOOM = 19
#: The map's width in pixels on this page (five sevenths of a wide page), for choosing a zoom level.
MAP_VIEW_WIDTH_PX = 660


def tr(key: str, **kwargs: object) -> str:
    text = t(key, TABLE)
    return text.format(**kwargs) if kwargs else text


# ------------------------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner=False, max_entries=2)
def _settings(path: str, stamp: FileKey) -> RecoverySettings:
    return load_settings(path)


def settings() -> RecoverySettings:
    return _settings(str(DEFAULT_SETTINGS_PATH), file_key(DEFAULT_SETTINGS_PATH))


@dataclass(frozen=True)
class Outcome:
    """A recovery and its layers for the map, cached per dataset, boundary and settings."""

    result: Recovery
    layers: RecoveryLayers
    key: tuple


def _boundary(data: Dataset, kind: str, ref: str, project: str | None) -> Boundary:
    crs = data.parcels.crs
    if kind == "project":
        return prepare_boundary(data.get("recovered_land"), crs=crs, source="recovered_land", project=project)
    if kind == "draw":
        name = TABLE["drawn_name"].vi  # the project's name in the workbook, whatever the language
        frame = gpd.GeoDataFrame({"TENDUAN": [name]}, geometry=[shapely.from_wkt(ref)], crs=4326)
        boundary = prepare_boundary(frame, crs=crs, source=name)
        return replace(boundary, notes=tuple(n for n in boundary.notes if "WGS" not in n.en))
    return load_boundary_file(ref, crs=crs, project=project)


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=DATASET_HASH)
def _outcome(data: Dataset, kind: str, ref: str, project: str | None, settings_stamp: FileKey) -> Outcome:
    """What the boundary takes; a :class:`GisError` (bad boundary) is raised, not cached."""
    boundary = _boundary(data, kind, ref, project)
    result = recover(data.parcels, boundary, settings=settings(), source="parcels")
    return Outcome(result=result, layers=prepare_recovery(data.parcels, result),
                   key=(data.key, kind, ref, project, settings_stamp))


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=DATASET_HASH)
def _exports(key: tuple, code: str, builtin: bool, _outcome: Outcome, data: Dataset) -> dict[str, bytes]:
    """The workbook, GeoPackage and CSV of a recovery as bytes, written in the workspace's scratch folder."""
    from gis.files.uploads import scratch_dir

    notes: tuple[Text, ...] = (DEMO_NOTE,) if builtin else ()
    if data.as_of is not None:  # the figures of the sidebar's date: said in the workbook
        from gis.jobs.ledger.asof import as_of_text

        notes += (Text(as_of_text(data.as_of, "vi") + ".", as_of_text(data.as_of, "en") + "."),)
    out: dict[str, bytes] = {}
    with scratch_dir() as folder:
        write_workbook(_outcome.result, folder / "thu_hoi.xlsx", date=dt.date.today(), lang=code, notes=notes,
                       place=admin_units.full_place(data, code))
        write_geopackage(data.parcels, _outcome.result, folder / "thu_hoi.gpkg")
        write_csv(_outcome.result, folder / "thu_hoi.csv")
        for name in ("xlsx", "gpkg", "csv"):
            out[name] = (folder / f"thu_hoi.{name}").read_bytes()
    return out


# ----------------------------------------------------------------------------------------------- choices


def _on_upload() -> None:
    """Keep an uploaded boundary in the workspace (safe name, size limit, never overwriting anything)."""
    from gis.files.uploads import save_upload

    upload = st.session_state.get(UPLOAD)
    st.session_state.pop(UPLOAD_PROJECT, None)
    if upload is None:
        st.session_state.pop(UPLOAD_PATH, None)
        st.session_state.pop(UPLOAD_ID, None)
        return
    try:
        st.session_state[UPLOAD_PATH] = str(save_upload(upload.name, upload.getvalue()))
        st.session_state[UPLOAD_ID] = upload.file_id
    except GisError as exc:
        st.session_state[UPLOAD_PATH] = None
        st.session_state["recovery_upload_error"] = exc.text(lang())


def _choose_boundary(data: Dataset) -> tuple[str, str, str | None] | None:
    """The boundary the user chose as ``(kind, reference, project)``; ``None`` until they choose."""
    kinds = ["project", "upload", "draw"]
    labels = {"project": tr("src_project"), "upload": tr("src_upload"), "draw": tr("src_draw")}
    st.session_state.setdefault(SOURCE, "project")
    kind = st.segmented_control(tr("source"), kinds, key=SOURCE, format_func=lambda k: labels[k]) or "project"
    if kind == "project":
        projects = data.get("recovered_land")
        if projects is None or projects.empty:
            st.info(tr("no_projects"))
            return None
        choices = dict(project_choices(projects))
        options = [*choices, ALL]
        picked = st.selectbox(tr("project"), options, index=None, key=PROJECT, placeholder=tr("project_pick"),
                              format_func=lambda v: tr("all_projects") if v == ALL else choices[v])
        if picked is None:
            return None
        return "project", "recovered_land", None if picked == ALL else picked
    if kind == "draw":
        st.caption(tr("draw_help"))
        drawn = st.session_state.get(DRAWN)
        return None if not drawn else ("draw", drawn, None)
    st.file_uploader(tr("upload"), type=["zip", "gpkg", "geojson", "json", "kml", "kmz"], key=UPLOAD,
                     on_change=_on_upload, help=tr("upload_help"))
    error = st.session_state.pop("recovery_upload_error", None)
    if error:
        st.error(literal(error))
    path = st.session_state.get(UPLOAD_PATH)
    if not path:
        return None
    project = st.session_state.get(UPLOAD_PROJECT)
    return "upload", path, None if project in (None, ALL) else project


@st.cache_data(show_spinner=False, max_entries=4)
def _upload_choices(path: str, stamp: FileKey) -> list[tuple[str, str]]:
    """The features of an uploaded boundary file, for the picker (none when it cannot be read)."""
    from gis.files.sources import read_source

    try:
        return project_choices(read_source(path).frame)
    except GisError:
        return []


def _upload_project_picker(path: str) -> None:
    """When the uploaded file holds several features, let the user take one of them (all by default)."""
    file = Path(path)
    choices = dict(_upload_choices(path, file_key(file))) if file.is_file() else {}
    if len(choices) > 1:
        st.selectbox(tr("upload_project"), [ALL, *choices], key=UPLOAD_PROJECT,
                     format_func=lambda v: tr("all_projects") if v == ALL else choices[v])


# ------------------------------------------------------------------------------------------------- views


def _view_of(bounds: tuple[float, float, float, float], *, max_zoom: int) -> dict:
    return map_view(bounds, max_zoom=max_zoom, width_px=MAP_VIEW_WIDTH_PX)


def _parcel_view(prepared: PreparedMap, label: Hashable) -> dict | None:
    position = prepared.parcels_display.index.get_indexer([label])[0]
    if position < 0:
        return None
    west, south, east, north = (float(v) for v in prepared.parcels_display.iloc[[position]].total_bounds)
    return _view_of((west, south, east, north), max_zoom=PARCEL_ZOOM)


def _rows(state: object) -> list[int]:
    selection = (state or {}).get("selection") or {}  # type: ignore[attr-defined]
    return [int(r) for r in (selection.get("rows") or [])]


def _take_row(prepared: PreparedMap, outcome: Outcome | None) -> None:
    """A row clicked in the table (once per change of the selection): select its parcel and zoom to it."""
    rows = _rows(st.session_state.get(TABLE_KEY))
    if rows == st.session_state.get(ROWS_SEEN, []):
        return
    st.session_state[ROWS_SEEN] = rows
    if outcome is None:
        return
    if not rows or not 0 <= rows[0] < len(outcome.result.table):
        st.session_state[SELECTED] = None
        return
    label = outcome.result.table.index[rows[0]]
    st.session_state[SELECTED] = label
    view = _parcel_view(prepared, label)
    if view is not None:
        st.session_state[VIEW] = view


def _select_row(outcome: Outcome | None, label: Hashable | None) -> None:
    """Make the table show ``label``'s row as selected (nothing when it is not in the table)."""
    rows: list[int] = []
    if outcome is not None and label is not None and label in outcome.result.table.index:
        rows = [int(outcome.result.table.index.get_loc(label))]
    st.session_state[TABLE_KEY] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    st.session_state[ROWS_SEEN] = rows


def _take_click(prepared: PreparedMap, outcome: Outcome | None) -> None:
    """Select the parcel clicked on the map, and its row, once per click."""
    label = clicked_parcel(MAP_KEY, CLICK_SEEN, prepared)
    if label is not None:
        st.session_state[SELECTED] = label
        _select_row(outcome, label)


def _take_drawing() -> None:
    """The latest polygon drawn in the browser becomes the boundary (once per drawing), as WKT in WGS84."""
    geometry = new_drawing(MAP_KEY, DRAW_SEEN)
    if geometry is None:
        return
    try:
        shape = shapely.geometry.shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        return
    st.session_state[DRAWN] = shapely.to_wkt(shape, rounding_precision=8)


def _on_clear() -> None:
    st.session_state[SELECTED] = None
    _select_row(None, None)


# ------------------------------------------------------------------------------------------------ tables


def _cell(value: object, fmt: str | None) -> object:
    if fmt in _DIGITS:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return num(float(value), _DIGITS[fmt])  # type: ignore[arg-type]
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _shown(frame: pd.DataFrame, columns) -> Styler:
    """A workbook table as the page shows it: the same headers, numbers in the user's convention.

    The number columns stay numbers (a click on the header sorts them as numbers); a ``Styler`` shows them.
    """
    code = lang()

    def head(c) -> str:
        return c.header(code)

    table = pd.DataFrame({
        head(c): (frame[c.key].to_numpy() if c.fmt in _DIGITS else [_cell(v, c.fmt) for v in frame[c.key]])
        for c in columns
    })
    return number_table(table, {head(c): _DIGITS[c.fmt] for c in columns if c.fmt in _DIGITS}, lang=code)


def _parcel_table(result: Recovery) -> Styler:
    from gis.jobs.recovery_export import PARCEL_COLUMNS

    columns = [c for c in PARCEL_COLUMNS if c.key != "no"]
    return _shown(parcel_rows(result.table, lang()), columns)


def _metrics(result: Recovery) -> None:
    tot = result.totals
    pct = short_number(result.settings.severe_share_pct, lang=lang())
    cols = st.columns(5)
    cols[0].metric(tr("metric_parcels"), num(tot.parcels, 0),
                   help=tr("metric_parcels_help", whole=num(tot.whole, 0), partial=num(tot.partial, 0)))
    cols[1].metric(tr("metric_area"), f"{num(tot.recovered_m2)} m²", help=f"{num(tot.recovered_ha, 4)} ha")
    cols[2].metric(tr("metric_rice"), f"{num(tot.rice_m2)} m²", help=f"{num(tot.rice_ha, 4)} ha")
    cols[3].metric(tr("metric_pond"), f"{num(tot.pond_m2)} m²", help=tr("metric_pond_help", ha=num(tot.pond_ha, 4)))
    cols[4].metric(tr("metric_owners"), num(tot.owners, 0),
                   help=tr("metric_owners_help", households=num(tot.households, 0), severe=num(tot.severe_owners, 0),
                           pct=pct))
    tiers = tier_labels(result.settings, lang=lang())
    lines = [tr("severe_line", severe=num(tot.severe_owners, 0), pct=pct),
             tr("tier_line", label=tiers["30_70"], n=num(tot.tier_30_70, 0)),
             tr("tier_line", label=tiers["over_70"], n=num(tot.tier_over_70, 0)),
             identity_label(result.owner_identity, lang=lang()) + "."]
    if tot.slivers:
        lines.append(tr("slivers_line", n=num(tot.slivers, 0), tol=short_number(result.settings.sliver_m2, lang=lang())))
    st.caption("  \n".join(lines))


def _legend() -> None:
    items = []
    for spec in SPECS:
        style = spec.style
        fill = style.get("fillColor", "transparent") if style.get("fill") else "transparent"
        border = "dashed" if style.get("dashArray") else "solid"
        items.append(
            f'<div style="margin:2px 0"><span style="display:inline-block;width:18px;height:12px;'
            f'background:{fill};opacity:{0.85 if style.get("fill") else 1};border:2px {border} {style.get("color")};'
            f'vertical-align:middle;margin-right:6px"></span>{html.escape(spec.title_in(lang()))}</div>')
    st.markdown(f'<div class="lp-recovery-legend"><b>{tr("legend")}</b>{"".join(items)}</div>',
                unsafe_allow_html=True)


def _selected_card(result: Recovery, prepared: PreparedMap, label: Hashable) -> None:
    row = prepared.parcels_display.loc[label]
    if label not in result.table.index:
        st.info(tr("not_taken", n=literal(row.get("parcel_no")), s=literal(row.get("sheet"))))
        st.button(tr("clear"), on_click=_on_clear)
        return
    r = result.table.loc[label]
    code = lang()
    st.markdown(f"**{tr('selected_title', n=literal(r['parcel_no']), s=literal(r['sheet']))}**")
    status = STATUS_LABELS[r["status"]](code)
    flags = "; ".join(FLAG_LABELS[f](code) for f in r["flags"]) or tr("none")
    head = {"vi": ("Chủ sử dụng đất", "Thôn", "Mã loại đất", "Diện tích pháp lý", "Diện tích thu hồi",
                   "Diện tích còn lại", "Tỷ lệ thu hồi", "Hình thức", "Ghi chú"),
            "en": ("Land user", "Village", "Land-use code", "Legal area", "Recovered area", "Remaining area",
                   "Recovered share", "Recovery", "Notes")}[code]
    values = (r["owner"] or "—", r["village"] or "—", r["land_use"] or "—", f"{num(r['legal_area_m2'])} m²",
              f"{num(r['recovered_m2'])} m²", f"{num(r['remaining_m2'])} m²", f"{num(r['recovered_pct'])} %",
              status, flags)
    st.markdown("| | |\n|---|---|\n" + "\n".join(f"| {h} | {literal(v)} |" for h, v in zip(head, values, strict=True)))
    st.button(tr("clear"), on_click=_on_clear)


# -------------------------------------------------------------------------------------------------- page


st.title(tr("title"))
st.caption(tr("intro"))
code = lang()
try:
    data = dataset()
    prepared = prepared_map()
    recovery_settings = settings()
except GisError as exc:
    st.error(f"{t('error')}: {literal(exc.text(code))}")
    st.stop()
as_of_note(data)
if recovery_settings.placeholder:
    st.warning(tr("placeholder", file=literal(Path(recovery_settings.source).name)), icon="⚠️")
builtin = data.builtin  # either built-in demonstration dataset (the merged commune too): labelled as such
if builtin:
    st.caption(f"ℹ️ {i18n.t('demo_note', code)}")

_take_drawing()
choice_col, _ = st.columns([3, 2])
with choice_col:
    chosen = _choose_boundary(data)

# Everything between the choice and the map goes in one container, so that the map keeps its place in the
# page whatever is shown (a map that moves in the page is built again by the browser, losing its view).
status = st.container()
outcome: Outcome | None = None
error: GisError | None = None
if chosen is not None:
    kind, ref, project = chosen
    try:
        with status, st.spinner("…"):
            outcome = _outcome(data, kind, ref, project, file_key(DEFAULT_SETTINGS_PATH))
    except GisError as exc:
        error = exc
    if kind == "upload":
        with choice_col:
            _upload_project_picker(ref)

# a new boundary: forget the selection and show the whole boundary
shown_key = None if outcome is None else outcome.key
if st.session_state.get("recovery_shown_key") != shown_key:
    st.session_state["recovery_shown_key"] = shown_key
    st.session_state[SELECTED] = None
    _select_row(None, None)
    if outcome is not None:
        st.session_state[VIEW] = _view_of(outcome.layers.bounds, max_zoom=18)
_take_click(prepared, outcome)
_take_row(prepared, outcome)

with status:
    if error is not None:
        st.error(f"**{tr('bad_boundary')}.** {literal(error.text(code))}")
    elif outcome is None:
        st.info(tr("choose"))
    else:
        result = outcome.result
        notes = [n for n in result.notes if n != placeholder_note(result.settings)]
        for note in notes:
            st.info(literal(note.text(code)))
        _metrics(result)

selected = st.session_state.get(SELECTED)
if selected is not None and selected not in prepared.parcels_display.index:
    selected = st.session_state[SELECTED] = None

map_col, side_col = st.columns([5, 2], gap="medium")
with map_col:
    drawing = st.session_state.get(SOURCE) == "draw"
    folium_map = build_map(prepared, lang=code, assets=map_assets())
    if drawing:
        add_boundary_draw(folium_map, map_assets(), lang=code)
    position = None if selected is None else int(prepared.parcels_display.index.get_loc(selected))
    group = recovery_group(prepared, None if outcome is None else outcome.layers, lang=code, selected=position)
    view = st.session_state.get(VIEW) or {}
    st_folium(folium_map, key=MAP_KEY, height=MAP_HEIGHT_PX, use_container_width=True,
              returned_objects=RETURNED_DRAW if drawing else RETURNED,
              feature_group_to_add=group, center=view.get("center"), zoom=view.get("zoom"))
with side_col:
    _legend()
    st.divider()
    if outcome is None:
        pass
    elif selected is None:
        st.info(tr("hint"))
    else:
        _selected_card(outcome.result, prepared, selected)

if outcome is not None:
    result = outcome.result
    st.subheader(tr("parcels_title"))
    st.caption(tr("parcels_hint"))
    st.dataframe(_parcel_table(result), key=TABLE_KEY, on_select="rerun", selection_mode="single-row",
                 hide_index=True, width="stretch", height=min(38 * (len(result.table) + 1), 420))

    st.subheader(tr("summaries"))
    sheets = summary_sheets(result, code)
    tabs = st.tabs([tr("totals"), *[s.name(code) for s in sheets]])
    with tabs[0]:
        totals = pd.DataFrame({tr("item"): [label for label, _, _ in totals_rows(result, code)],
                               tr("value"): [_cell(value, fmt) for _, value, fmt in totals_rows(result, code)]})
        st.dataframe(totals, hide_index=True, width="content", height=36 * (len(totals) + 1) + 4)
    for tab, sheet in zip(tabs[1:], sheets, strict=True):
        with tab:
            st.dataframe(_shown(sheet.frame, sheet.columns), hide_index=True, width="stretch")

    st.subheader(tr("downloads"))
    files = _exports((*outcome.key, data.as_of), code, builtin, outcome, data)
    stem = "thu_hoi_dat" if code == "vi" else "land_recovery"
    d1, d2, d3 = st.columns(3)
    d1.download_button(tr("dl_xlsx"), files["xlsx"], file_name=f"{stem}.xlsx", icon=":material/table_view:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click=log_download(f"{stem}.xlsx"))
    d2.download_button(tr("dl_gpkg"), files["gpkg"], file_name=f"{stem}.gpkg", icon=":material/layers:",
                       mime="application/geopackage+sqlite3", on_click=log_download(f"{stem}.gpkg"))
    d3.download_button(tr("dl_csv"), files["csv"], file_name=f"{stem}.csv", icon=":material/csv:",
                       mime="text/csv", on_click=log_download(f"{stem}.csv"))
