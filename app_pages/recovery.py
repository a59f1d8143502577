"""Land recovery (thu hồi đất): what a project boundary takes, parcel by parcel, and the table to sign.

The boundary is a built-in project (or all of them), a file the user uploads, or a polygon drawn on the
map. The commune map is the same on every rerun (as on the map page); what the boundary takes (recovered
parts, remainders, flagged parcels, the boundary) and the selected parcel go in one group that
streamlit-folium swaps in place, and the view moves only when the boundary changes or a row is clicked.
A click on a row of the table zooms to its parcel; a click on a parcel selects its row.

The page's words, its cached computations and the builders of what it shows are in
:mod:`app_pages.recovery_parts`; this file holds the callbacks and the layout (see :mod:`app_pages`).
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from app_pages.context import (
    as_of_note,
    clicked_parcel,
    dataset,
    lang,
    map_assets,
    new_drawing,
    num,
    prepared_map,
)
from app_pages.recovery_parts import (
    ALL,
    CLICK_SEEN,
    DRAW_SEEN,
    DRAWN,
    MAP_KEY,
    MAP_VIEW_WIDTH_PX,
    PARCEL_ZOOM,
    PROJECT,
    RETURNED,
    RETURNED_DRAW,
    ROWS_SEEN,
    SELECTED,
    SOURCE,
    TABLE_KEY,
    UPLOAD,
    UPLOAD_ID,
    UPLOAD_PATH,
    UPLOAD_PROJECT,
    VIEW,
    Outcome,
    _cell,
    _exports,
    _legend,
    _metrics,
    _outcome,
    _parcel_table,
    _shown,
    settings,
    tr,
)
from app_pages.text import literal
from app_pages.ui import demo_caption, download, halt, map_view
from gis.core.errors import GisError
from gis.core.recovery_settings import DEFAULT_SETTINGS_PATH
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.recovery import FLAG_LABELS, STATUS_LABELS, Recovery, placeholder_note
from gis.jobs.recovery_boundary import project_choices
from gis.jobs.recovery_export import (
    summary_sheets,
    totals_rows,
)
from layers.catalogue import PreparedMap
from layers.render import MAP_HEIGHT_PX, build_map
from layers.render_recovery import add_boundary_draw, recovery_group

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
    halt(exc)
as_of_note(data)
if recovery_settings.placeholder:
    st.warning(tr("placeholder", file=literal(Path(recovery_settings.source).name)), icon="⚠️")
builtin = data.builtin  # either built-in demonstration dataset (the merged commune too): labelled as such
if builtin:
    demo_caption()

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
    download(tr("dl_xlsx"), files["xlsx"], f"{stem}.xlsx", where=d1, icon=":material/table_view:",
             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    download(tr("dl_gpkg"), files["gpkg"], f"{stem}.gpkg", where=d2, icon=":material/layers:",
             mime="application/geopackage+sqlite3")
    download(tr("dl_csv"), files["csv"], f"{stem}.csv", where=d3, icon=":material/csv:", mime="text/csv")
