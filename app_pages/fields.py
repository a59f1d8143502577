"""Concentrated fields (cánh đồng tập trung): the fields, the plan's two targets, and planning a new field.

A field is planned three ways: draw its outline on the map (Leaflet.draw, served offline), click rice
parcels to add or remove them, or start from a suggested block of free rice land. The page checks it live
(:func:`gis.jobs.fields.check_field`) and saves it in the workspace GeoPackage (:mod:`gis.store.workspace`), where it
can be renamed, deleted and exported. A saved field is a draft, drawn dashed and counted nowhere, until it is
adopted here with the number and date of the decision that adopts it
(:meth:`gis.workspace.Workspace.adopt_field`). The commune map stays the same from one rerun to the next; what
changes is one overlay group (:func:`layers.render_fields.fields_group`) that streamlit-folium swaps in place.

The page's words, its cached computations and the builders of its tables are in :mod:`app_pages.fields_parts`;
this file holds the callbacks and the layout (see :mod:`app_pages` for the structure every page follows).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from app_pages import auth
from app_pages.context import (
    as_of_note,
    clicked_parcel,
    dataset,
    lang,
    map_assets,
    new_drawing,
    prepared_map,
    t,
)
from app_pages.fields_parts import (
    CLICK_ADDS,
    CLICK_SEEN,
    CLIPPED,
    CONFIRM,
    DECISION,
    DECISION_DATE,
    DRAW_SEEN,
    EXPORT_PICK,
    FLASH,
    MAP_KEY,
    NAME,
    NEW_NAME,
    PICK,
    RETURNED,
    SAVED_PICK,
    UNADOPT_CONFIRM,
    UNADOPT_REASON,
    VIETNAM,
    VIEW,
    WORK,
    WsKey,
    _clear,
    _day,
    _default_name,
    _export,
    _export_choices,
    _fields_shown,
    _flash,
    _goal,
    _legend,
    _local,
    _outline,
    _plan,
    _planned,
    _role_key,
    _set_work,
    _slug,
    _status_text,
    _suggestions,
    _suggestions_shown,
    _table,
    _targets,
    _view_of,
    _work,
    ha,
    tr,
)
from app_pages.text import literal
from app_pages.ui import halt, refusal, show_flash, workspace_notice
from gis.core import landuse
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.files.io import Dataset, file_key
from gis.jobs import fields
from gis.jobs.targets.plan import Plan, default_plan
from gis.store.faults import workspace_fault
from gis.store.rows import ADOPTED, DRAFT, dataset_id, srs_text, workspace_path
from gis.store.workspace import Workspace
from layers.catalogue import PreparedMap
from layers.render import MAP_HEIGHT_PX, build_map
from layers.render_draw import add_draw
from layers.render_fields import collapse_legend, fields_group

# -- the field being planned --------------------------------------------------------------------------------


def _take_drawing(data: Dataset) -> None:
    """A new polygon drawn in the browser becomes the field being planned (once per drawing)."""
    geometry = new_drawing(MAP_KEY, DRAW_SEEN)
    if geometry is None:
        return
    try:
        outline = fields.outline_from_geojson(geometry, data.parcels.crs)
    except GisError as exc:
        _flash("error", f"{tr('bad_drawing')}: {literal(exc.text(lang()))}")
        return
    _set_work(outline, source="draw")


def _take_click(data: Dataset, prepared: PreparedMap, others: gpd.GeoDataFrame) -> None:
    """A click on a parcel adds it to the field being planned, or removes it (once per click)."""
    label = clicked_parcel(MAP_KEY, CLICK_SEEN, prepared)
    if label is None or not st.session_state.get(CLICK_ADDS, True):
        return
    row = data.parcels.loc[label]
    work = _work()
    if work and work["parcels"] is not None:
        chosen = list(work["parcels"])
    elif work:
        chosen = fields.check_field(_outline(), data, others=others, clipped=False).parcel_index
    else:
        chosen = []
    if label in chosen:
        chosen.remove(label)
    elif row["land_use_main"] in landuse.RICE_CODES:
        chosen.append(label)
    else:
        _flash("warning", tr("not_rice", n=literal(row.get("parcel_no")), s=literal(row.get("sheet"))))
        return
    _set_work(fields.field_from_parcels(data.parcels, chosen) if chosen else None, source="parcels",
              parcels=[c.item() if hasattr(c, "item") else c for c in chosen])


def _take_suggestion(suggested: gpd.GeoDataFrame) -> None:
    rank = st.session_state.get(PICK)
    row = suggested[suggested["rank"] == rank]
    if row.empty or rank is None:
        return
    _set_work(row.geometry.iloc[0], source="suggestion", rank=int(rank))
    st.session_state[VIEW] = _view_of(row)


def _save(ws_path: Path, data: Dataset, others: gpd.GeoDataFrame) -> None:
    outline = _outline()
    if outline is None or not auth.can("edit_fields"):
        return
    check = fields.check_field(outline, data, others=others, clipped=st.session_state.get(CLIPPED, False))
    if not check.ok:
        return
    name = (st.session_state.get(NAME) or "").strip() or _default_name(check, data)
    villages = data.parcels.loc[check.parcel_index, "village"].dropna()
    try:
        ws = Workspace.open(ws_path)
        field_id = ws.save_field(outline, name=name, village=villages.mode().iloc[0] if len(villages) else "",
                                 note=json.dumps({"rice_ha": round(check.rice_ha, 4), "parcels": check.parcels,
                                                  "owners": check.owners}, ensure_ascii=False),
                                 crs=data.parcels.crs, dataset=dataset_id(data), by=auth.who())
        saved = ws.fields()
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        return
    stamp = saved.loc[saved["field_id"] == field_id, "updated_at"]
    _flash("success", tr("saved", name=literal(name), id=field_id, at=_local(stamp.iloc[0] if len(stamp) else "")))
    st.session_state[WORK] = None
    st.session_state[NAME] = ""
    st.session_state[SAVED_PICK] = field_id


def _adopt(ws_path: Path) -> None:
    field_id = st.session_state.get(SAVED_PICK)
    if field_id is None or not auth.can("edit_fields"):
        return
    day = st.session_state.get(DECISION_DATE)
    try:
        Workspace.open(ws_path).adopt_field(int(field_id), decision=st.session_state.get(DECISION) or "",
                                            decision_date=day if day is not None else "", by=auth.who())
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        return
    _flash("success", tr("adopted_msg", id=field_id, day=_day(day.isoformat() if day else "")))
    st.session_state[DECISION] = ""


def _unadopt(ws_path: Path) -> None:
    field_id = st.session_state.get(SAVED_PICK)
    if field_id is None or not st.session_state.get(UNADOPT_CONFIRM) or not auth.can("edit_fields"):
        return
    try:
        Workspace.open(ws_path).unadopt_field(int(field_id), reason=st.session_state.get(UNADOPT_REASON) or "",
                                              by=auth.who())
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        return
    _flash("success", tr("unadopted_msg", id=field_id))
    st.session_state[UNADOPT_CONFIRM] = False
    st.session_state[UNADOPT_REASON] = ""



def _rename(ws_path: Path) -> None:
    field_id, name = st.session_state.get(SAVED_PICK), (st.session_state.get(NEW_NAME) or "").strip()
    if field_id is None or not name or not auth.can("edit_fields"):
        return
    try:
        Workspace.open(ws_path).rename_field(int(field_id), name, by=auth.who())
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        return
    _flash("success", tr("renamed", id=field_id, name=literal(name)))
    st.session_state[NEW_NAME] = ""


def _delete(ws_path: Path, names: dict[int, str]) -> None:
    field_id = st.session_state.get(SAVED_PICK)
    if field_id is None or not st.session_state.get(CONFIRM) or not auth.can("edit_fields"):
        return
    try:
        Workspace.open(ws_path).delete_field(int(field_id), by=auth.who())
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        return
    _flash("success", tr("deleted", id=field_id, name=literal(names.get(int(field_id), ""))))
    st.session_state[CONFIRM] = False
    st.session_state[SAVED_PICK] = None



# -- the page -----------------------------------------------------------------------------------------------

st.title(tr("title"))
st.warning(t("demo_note"), icon="ℹ️")
_fields_plan: Plan | None = None
try:
    _fields_plan = _plan()
    _goals = "; ".join(f"{t.label(lang())} {_goal(t)}" for t in _fields_plan.targets)
    st.caption(tr("intro", goals=literal(_goals)) if _goals else tr("no_roles"))
except GisError:  # told below, where the targets are measured
    pass
try:
    data = dataset()
    prepared = prepared_map()
    as_of_note(data)
    ws_path = workspace_path()
    ws_fault = workspace_fault(ws_path)
    workspace_notice(ws_fault)  # shown, and the page stays usable: what can be read is shown, saving is refused
    if ws_fault is None:
        Workspace.open(ws_path)  # made (or migrated) before it is stamped
    ws_key: WsKey = (str(ws_path), file_key(ws_path), dataset_id(data), srs_text(data.parcels.crs))
    planned = _planned(*ws_key)
    others = fields.existing_fields(data, planned)
    suggested = _suggestions(data, ws_key)
    migrated = Workspace.open(ws_path).migrated_drafts() if ws_fault is None else 0
except GisError as exc:
    halt(exc)

_take_drawing(data)
_take_click(data, prepared, others)
outline = _outline()
work = _work()
check = None
if outline is not None:
    try:
        check = fields.check_field(outline, data, others=others, clipped=st.session_state.get(CLIPPED, False))
    except GisError as exc:
        _flash("error", literal(exc.text(lang())))
        _clear()
        outline = work = None

flash_slot = st.empty()  # always there, so a message never shifts the map (which would rebuild it)
show_flash(FLASH, flash_slot)
if migrated and (planned["state"] == DRAFT).any():
    st.info(tr("migrated", n=migrated), icon="ℹ️")

# the targets the plan gives the roles fields_total and fields_count (e.g. "more than 100 ha", "4 fields")
plan_path = default_plan()
try:
    results = _targets(data, ws_key, file_key(plan_path), None)
    what_if = (_targets(data, ws_key, file_key(plan_path), shapely.to_wkb(outline))
               if check is not None and check.ok else None)
    total_key = _role_key(_fields_plan, "fields_total") if _fields_plan is not None else None
    count_key = _role_key(_fields_plan, "fields_count") if _fields_plan is not None else None
except GisError as exc:
    st.error(tr("no_plan", e=literal(exc.text(lang()))))
    results, what_if, total_key, count_key = {}, None, None, None
if results:
    st.subheader(tr("targets"))
    c1, c2 = st.columns(2)
    if total_key in results:
        total = results[total_key]
        with c1.container(border=True):
            st.metric(tr("total_label"), f"{ha(total.measured or 0.0)} ha")
            st.markdown(f"{tr('goal', goal=literal(_goal(total.target)))} · {_status_text(total)}")
            if what_if:
                w = what_if[total_key]
                st.caption(tr("if_saved", value=f"{ha(w.measured or 0.0)} ha", status=_status_text(w)))
    if count_key in results:
        count = results[count_key]
        with c2.container(border=True):
            st.metric(tr("count_label"), number(count.measured or 0.0, 0, lang=lang()))
            st.markdown(f"{tr('goal', goal=literal(_goal(count.target)))} · {_status_text(count)}")
            if what_if:
                w = what_if[count_key]
                st.caption(tr("if_saved", value=number(w.measured or 0.0, 0, lang=lang()), status=_status_text(w)))
    table = _table(data, ws_key)
    drafts = table[table["state"] == DRAFT]
    st.caption(tr("counted") + (" " + tr("drafts_apart", n=len(drafts), ha=ha(float(drafts["rice_ha"].sum())))
                                if len(drafts) else ""))

map_col, panel_col = st.columns([5, 2], gap="medium")
with panel_col:
    st.subheader(tr("plan_field"))
    st.caption(tr("how"))
    if len(suggested):
        st.selectbox(tr("suggestion"), suggested["rank"].tolist(), key=PICK,
                     format_func=lambda r: tr("suggestion_label", rank=r, ha=ha(float(
                         suggested.loc[suggested["rank"] == r, "rice_ha"].iloc[0]), 1), owners=int(
                         suggested.loc[suggested["rank"] == r, "owners"].iloc[0]), villages=suggested.loc[
                         suggested["rank"] == r, "villages"].iloc[0]))
        st.button(tr("take"), on_click=_take_suggestion, args=(suggested,), icon=":material/auto_awesome:")
    else:
        st.caption(tr("no_suggestion"))
    st.radio(tr("count_as"), [False, True], key=CLIPPED, horizontal=False,
             format_func=lambda c: tr("clipped") if c else tr("whole"))
    st.toggle(tr("click_adds"), value=True, key=CLICK_ADDS)
    if check is None or work is None:
        st.info(tr("nothing"))
    else:
        source = {"draw": tr("from_draw"), "parcels": tr("from_parcels"),
                  "suggestion": tr("from_suggestion", rank=work.get("rank"))}[work["source"]]
        with st.container(border=True):
            st.markdown(f"**{tr('working')}** ({source})")
            a, b = st.columns(2)
            a.metric(tr("rice_inside"), f"{ha(check.rice_ha)} ha")
            b.metric(tr("outline"), f"{ha(check.outline_ha)} ha")
            a.metric(tr("parcels"), number(check.parcels, 0, lang=lang()))
            b.metric(tr("owners"), number(check.owners, 0, lang=lang()))
            st.markdown(f"{tr('villages')}: {literal(', '.join(check.villages)) or '—'}  \n"
                        + (f":green[✔ {tr('connected')}]" if check.connected else
                           f":red[✘ {tr('blocks', n=check.blocks)}]" if check.blocks > 1 else ""))
            for vi_text, en_text in check.refusals:
                st.error(refusal(tr("refused"), vi_text if lang() == "vi" else en_text))
            st.text_input(tr("name"), key=NAME, placeholder=_default_name(check, data))
            st.button(tr("save"), type="primary", disabled=not check.ok or not auth.can("edit_fields"), on_click=_save,
                      args=(ws_path, data, others), icon=":material/save:")
            if not auth.can("edit_fields"):
                st.caption(auth.denied("edit_fields"))
            st.button(tr("clear"), on_click=_clear, icon=":material/close:")

with map_col:
    assets = map_assets()
    folium_map = build_map(prepared, lang=lang(), assets=assets)
    add_draw(folium_map, assets, lang=lang())
    collapse_legend(folium_map)
    chosen = None
    if check is not None and check.parcel_index:
        chosen = data.parcels.loc[check.parcel_index]
    labelled = suggested.assign(label=[f"{tr('suggestion')} {r}" for r in suggested["rank"]]) \
        if len(suggested) else None
    overlay = fields_group(lang=lang(), saved=planned, suggested=labelled, working=outline,
                           working_parcels=chosen, crs=data.parcels.crs)
    view = st.session_state.get(VIEW) or {}
    st_folium(folium_map, key=MAP_KEY, height=MAP_HEIGHT_PX, use_container_width=True,
              returned_objects=RETURNED, feature_group_to_add=overlay,
              center=view.get("center"), zoom=view.get("zoom"))
    st.markdown(_legend(), unsafe_allow_html=True)

# every field: existing (kept, recovered) and planned
table = _table(data, ws_key)
st.subheader(tr("fields"))

st.dataframe(_fields_shown(table), hide_index=True, width="stretch")
st.caption(tr("workspace", path=literal(ws_path)))

st.subheader(tr("suggestions"))
st.caption(tr("suggestions_help"))
if len(suggested):
    totals = []
    for geom in suggested.geometry:
        r = _targets(data, ws_key, file_key(plan_path), shapely.to_wkb(geom)) if results else {}
        totals.append((r[total_key].measured or 0.0) if r and total_key in r else None)
    st.dataframe(_suggestions_shown(suggested, totals), hide_index=True, width="stretch")
else:
    st.caption(tr("no_suggestion"))

manage_col, export_col = st.columns(2, gap="large")
with manage_col:
    st.subheader(tr("manage"))
    names = {int(i): str(n) for i, n in zip(planned["field_id"], planned["name"], strict=True)}
    if not names:
        st.caption(tr("no_saved"))
    else:
        if st.session_state.get(SAVED_PICK) not in names:
            st.session_state[SAVED_PICK] = next(iter(names))
        st.selectbox(tr("pick_saved"), list(names), key=SAVED_PICK, format_func=lambda i: f"{i}. {names[i]}")
        row = planned[planned["field_id"] == st.session_state[SAVED_PICK]].iloc[0]
        st.caption(tr("stamps", created=_local(row["created_at"]), updated=_local(row["updated_at"])))
        editable = auth.can("edit_fields")
        adopted = row["state"] == ADOPTED
        with st.container(border=True):
            st.markdown(f"**{tr('state')}: {fields.state_label(row['state'], lang=lang())}**")
            if adopted:  # the decision is the officer's text: shown as plain text, never as markup
                st.text(tr("adopted_as", decision=row["decision"], day=_day(row["decision_date"])))
                st.checkbox(tr("confirm_unadopt"), key=UNADOPT_CONFIRM, disabled=not editable)
                st.text_input(tr("unadopt_reason"), key=UNADOPT_REASON, disabled=not editable)
                st.button(tr("unadopt"), on_click=_unadopt, args=(ws_path,), icon=":material/undo:",
                          disabled=not st.session_state.get(UNADOPT_CONFIRM) or not editable)
            else:
                st.caption(tr("draft_note"))
                st.text_input(tr("decision"), key=DECISION, placeholder="Quyết định số 123/QĐ-UBND",
                              disabled=not editable)
                st.date_input(tr("decision_date"), key=DECISION_DATE, value=None, format="DD/MM/YYYY",
                              min_value=date(1990, 1, 1), max_value=datetime.now(VIETNAM).date(),
                              disabled=not editable)
                st.button(tr("adopt"), on_click=_adopt, args=(ws_path,), icon=":material/verified:",
                          disabled=not editable, type="primary")
        st.text_input(tr("new_name"), key=NEW_NAME)
        st.button(tr("rename"), on_click=_rename, args=(ws_path,), icon=":material/edit:", disabled=not editable)
        st.checkbox(tr("confirm_delete"), key=CONFIRM, disabled=not editable or adopted)
        st.button(tr("delete"), on_click=_delete, args=(ws_path, names),
                  disabled=not st.session_state.get(CONFIRM) or not editable or adopted, icon=":material/delete:")
        if adopted:
            st.caption(tr("adopted_locked"))
        if not editable:
            st.caption(auth.denied("edit_fields"))

with export_col:
    st.subheader(tr("export"))
    choices = _export_choices(check, outline, table)
    if choices:
        pick = st.selectbox(tr("pick_export"), list(choices), key=EXPORT_PICK)
        geom, props = choices[pick]
        wkb, props_json, crs_wkt = shapely.to_wkb(geom), json.dumps(props, ensure_ascii=False), data.parcels.crs.to_wkt()
        stem = _slug(props["ten"])
        cols = st.columns(3)
        for col, (suffix, key, mime) in zip(cols, ((".gpkg", "gpkg", "application/geopackage+sqlite3"),
                                                   (".kml", "kml", "application/vnd.google-earth.kml+xml"),
                                                   (".zip", "shp", "application/zip")), strict=True):
            col.download_button(tr(key), _export(wkb, props_json, suffix, crs_wkt), file_name=f"{stem}{suffix}",
                                mime=mime, on_click="ignore", icon=":material/download:", key=f"fields_dl_{key}",
                                help=tr(f"{key}_help"))
