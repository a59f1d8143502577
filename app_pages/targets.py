"""The plan's targets against the map: status at a glance, where each figure comes from, and what it measures.

Every target of the plan file with its planned and measured figures, a progress bar, the status in its
colour and the source of the figure, grouped as the plan reads (land and projects, crops, production,
entered by hand), with the rule that sets each status written beside the table. A click on a row (or the
select box) shows on the map what the target measures. The plan's ``[roles]`` say which target is the rice
area, the grain output and so on; the page names no key of the plan. The grain estimate is drawn against
the plan's figures (in 2024, 6670 t and about 6600 t, which differ); the yields and crops a year behind it
are parameters the user may change. Values measured by hand are entered in a form and
kept in the workspace with the date they were entered. The table can be exported to Excel.

The page's words, its cached computations and the builders of what it shows are in
:mod:`app_pages.targets_parts`; this file holds the callbacks and the layout (see :mod:`app_pages`).
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import auth
from app_pages.context import as_of_note, dataset, lang, map_assets, prepared_map, t
from app_pages.targets_parts import (
    FLASH,
    MANUAL_KEY,
    MANUAL_NOTE,
    MANUAL_VALUE,
    MAP_HEIGHT_PX,
    MAP_KEY,
    PARAM,
    PICK,
    STATUS_ORDER,
    _area_chart,
    _colour_status,
    _factor_unit,
    _grain_chart,
    _highlight,
    _locale,
    _measured_text,
    _num,
    _plain,
    _plan,
    _planned_text,
    _results,
    _status,
    _status_text,
    _table,
    _workspace_contents,
    _workspace_state,
    tr,
)
from app_pages.text import literal
from app_pages.ui import download, error, map_view, show_flash, workspace_notice
from gis.core.errors import GisError
from gis.files import admin_units
from gis.files.io import FileKey, file_key
from gis.jobs.targets.labels import GROUPS, group_of, parameter_label, source_text
from gis.jobs.targets.measure import Result, estimate_terms
from gis.jobs.targets.plan import Plan, default_plan, parameters_of, with_parameters
from gis.jobs.targets.status import NOT_MEASURED, rules_table, status_of, status_text
from gis.jobs.targets_export import STATUS_COLOURS, targets_xlsx_bytes
from gis.store.faults import workspace_fault
from gis.store.rows import workspace_path
from gis.store.workspace import Workspace
from layers.render import build_map
from layers.render_targets import TargetHighlight, target_group, use_target_script


def _on_row(group: str, keys: list[str]) -> None:
    state = st.session_state.get(f"targets_table_{group}")
    rows = list(getattr(getattr(state, "selection", None), "rows", []) or []) if state is not None else []
    if not rows and isinstance(state, dict):
        rows = list(state.get("selection", {}).get("rows", []))
    if rows and 0 <= rows[0] < len(keys):
        st.session_state[PICK] = keys[rows[0]]


def _group_table(plan: Plan, group: str, results: list[Result]) -> None:
    frame = _table(plan, results)
    styled = frame.style.apply(_colour_status(results), subset=[tr("status")], axis=0)
    keys = [r.target.key for r in results]
    st.dataframe(
        styled, hide_index=True, width="stretch", key=f"targets_table_{group}",
        height=min(36 * (len(frame) + 1) + 3, 740),
        on_select=lambda: _on_row(group, keys), selection_mode="single-row",
        column_config={
            tr("target"): st.column_config.TextColumn(width=230),
            tr("planned"): st.column_config.TextColumn(width=90),
            tr("measured"): st.column_config.TextColumn(width=85),
            tr("status"): st.column_config.TextColumn(width=120),
            tr("progress"): st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%",
                                                            width=85, color="#1565c0"),
            tr("source"): st.column_config.TextColumn(width=460),
            tr("section"): st.column_config.TextColumn(width=110),
        },
    )


# -- the map --------------------------------------------------------------------------------------------


def _map(plan: Plan, result: Result, data, ws_state: tuple[str, FileKey]) -> None:
    prepared = prepared_map()  # shared with the other map pages
    target = result.target
    if target.measure.get("kind") == "manual":
        st.info(tr("map_manual"))
        highlight = TargetHighlight()
    else:
        highlight = _highlight(data, str(plan.path), file_key(plan.path), target.key, *ws_state,
                               prepared)
        if highlight.empty:
            st.warning(tr("map_none"))
    folium_map = build_map(prepared, lang=lang(), assets=map_assets(), tiles_option=False)
    use_target_script(folium_map, map_assets())
    view: dict = {}
    if highlight.bounds is not None:
        view = map_view(highlight.bounds, width_px=420)
    st_folium(folium_map, key=MAP_KEY, height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=[],
              feature_group_to_add=target_group(highlight, lang=lang()), center=view.get("center"),
              zoom=view.get("zoom"))
    notes = []
    if highlight.parcels_shown is not None:
        notes.append(tr("map_counted") + " " + tr("counts", n=_num(len(highlight.parcels_counted), 0)) + ".")
        if highlight.parcels_rest:
            notes.append(tr("map_rest") + " " + tr("counts_rest", n=_num(len(highlight.parcels_rest), 0)) + ".")
    if highlight.packed:
        notes.append(tr("map_packed"))
    if any(t.measure.get("outside") for t in _measured_targets(plan, target)):
        notes.append(tr("map_outside"))
    for note in notes:
        st.caption(note)


def _measured_targets(plan: Plan, target):
    if target.measure.get("kind") == "estimate":
        return [plan.target(term[0]) for term in target.measure.get("terms", [])]
    return [target]


def _grain_section(plan: Plan, results: list[Result]) -> None:
    role = plan.role("grain")
    grain = next((r for r in results if role is not None and r.target.key == role.key), None)
    if grain is None or grain.target.measure.get("kind") != "estimate":
        st.info(tr("grain_none"))
        return
    st.subheader(tr("grain_title", label=grain.target.label(lang())))
    st.caption(tr("grain_formula"))
    terms = estimate_terms(plan, results, grain.target.key)
    parts = []
    for term in terms:
        if term.base is None:
            continue
        base = plan.target(term.key)
        factors = " × ".join(f"{_plain(v)} {_factor_unit(name)}".strip() for name, v in term.factors)
        parts.append(f"{base.label(lang())}: {_num(term.base, 2)} {base.unit} × {factors}")
    if grain.measured is None:
        st.info(_status(NOT_MEASURED))
        return
    for part in parts:  # labels come from the plan file: plain text, never markup
        st.text(part)
    st.text(f"= {_num(grain.measured, 1)} {grain.target.unit}")
    if grain.placeholders:
        st.warning(tr("grain_placeholder", names=literal(", ".join(grain.placeholders))), icon="⚠️")
    chart = _grain_chart(plan, results)
    if chart is not None:
        st.altair_chart(chart.configure(locale=_locale()), width="stretch")
    target = grain.target
    lines = [tr("grain_vs", estimate=_num(grain.measured, 1), figure=_num(float(target.planned), 0),  # type: ignore[arg-type]
                section=target.section, status=grain.status_label(lang()), unit=target.unit)]
    if target.also:
        also_status = grain.also_status or status_of(str(target.also.get("compare", "about")),
                                                     float(target.also["planned"]), grain.measured)
        lines.append(tr("grain_vs", estimate=_num(grain.measured, 1), figure=_num(float(target.also["planned"]), 0),
                        section=target.also.get("section", ""), unit=target.unit,
                        status=status_text(also_status, grain.placeholders, lang())))
    for line in lines:
        st.text("• " + line)
    if target.also:
        st.warning(literal(target.note_vi if lang() == "vi" else target.note_en), icon="⚠️")


def _parameters(plan: Plan) -> dict[str, float]:
    """The estimate's parameters as the user set them (the plan's values until changed)."""
    return {p.name: float(st.session_state.get(PARAM + p.name, p.value)) for p in parameters_of(plan)}


def _reset_parameters(plan: Plan) -> None:
    for p in parameters_of(plan):
        st.session_state[PARAM + p.name] = p.value


def _parameter_inputs(plan: Plan) -> None:
    st.markdown(f"**{tr('parameters')}**")
    st.caption(tr("parameters_help"))
    for p in parameters_of(plan):
        label = parameter_label(plan, p.name, lang())
        if p.placeholder:
            label += f" ⚠ {tr('placeholder')}"
        if PARAM + p.name not in st.session_state:
            st.session_state[PARAM + p.name] = p.value
        whole = "crops" in p.name
        st.number_input(label, min_value=0.0, max_value=1000.0, step=1.0 if whole else 0.1, format="%.0f" if whole
                        else "%.2f", key=PARAM + p.name, help=p.comment or None)
    st.button(tr("reset"), on_click=_reset_parameters, args=(plan,))


# -- values entered by hand ------------------------------------------------------------------------------


def _save_manual(plan: Plan) -> None:
    key = st.session_state.get(MANUAL_KEY)
    value = st.session_state.get(MANUAL_VALUE)
    if not key or value is None or not auth.can("enter_values"):
        return
    note = (st.session_state.get(MANUAL_NOTE) or "").strip()
    try:
        stamp = Workspace.open(workspace_path()).set_value(key, float(value), note=note, by=auth.who())
    except GisError as exc:
        st.session_state[FLASH] = ("error", literal(exc.text(lang())))
        return
    target = plan.target(key)
    day = "/".join(reversed(stamp[:10].split("-")))
    st.session_state[FLASH] = ("success", tr("manual_saved", label=target.label(lang()), value=_num(float(value)),
                                             unit=target.unit, day=day))
    st.session_state[MANUAL_NOTE] = ""


def _manual_section(plan: Plan, results: list[Result], ws_state: tuple[str, FileKey]) -> None:
    st.subheader(tr("manual_title"))
    st.caption(tr("manual_help"))
    manual = [r for r in results if r.target.measure.get("kind") == "manual"]
    labels = {r.target.key: f"{r.target.label(lang())} ({_planned_text(r)})" for r in manual}
    form_col, list_col = st.columns([2, 3], gap="large")
    with form_col, st.form("targets_manual_form", clear_on_submit=False):
        st.selectbox(tr("manual_target"), list(labels), key=MANUAL_KEY, format_func=lambda k: labels.get(k, k))
        st.number_input(tr("manual_value"), min_value=0.0, value=None, step=1.0, format="%.2f", key=MANUAL_VALUE)
        st.text_input(tr("manual_note"), key=MANUAL_NOTE)
        st.form_submit_button(tr("manual_save"), on_click=_save_manual, args=(plan,), type="primary",
                              disabled=not auth.can("enter_values"))
        if not auth.can("enter_values"):
            st.caption(auth.denied("enter_values"))
    show_flash(FLASH, form_col)
    with list_col:
        st.markdown(f"**{tr('manual_entered')}**")
        _, values = _workspace_contents(*ws_state)
        if not values:
            st.caption(tr("manual_none"))
            return
        rows = []
        for r in manual:
            if r.target.key in values:
                value, at, note = values[r.target.key]
                rows.append({tr("target"): r.target.label(lang()), tr("manual_value"): f"{_num(value)} {r.target.unit}",
                             tr("status"): _status(r.status), tr("entered_at"): "/".join(reversed(at[:10].split("-"))),
                             tr("note"): note})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


# -- the page -------------------------------------------------------------------------------------------


def _summary(results: list[Result]) -> None:
    counts = {s: sum(1 for r in results if r.status == s) for s in STATUS_ORDER}
    columns = st.columns(len(STATUS_ORDER) + 1)
    columns[0].metric(tr("summary_total"), _num(len(results), 0))
    for column, status in zip(columns[1:], STATUS_ORDER, strict=True):
        bg, fg = STATUS_COLOURS[status]
        column.markdown(
            f'<div style="background:#{bg};color:#{fg};border-radius:6px;padding:6px 12px">'
            f'<div style="font-size:0.9rem">{_status(status)}</div>'
            f'<div style="font-size:1.8rem;font-weight:700">{counts[status]}</div></div>',
            unsafe_allow_html=True)


def main() -> None:
    plan_path = default_plan()
    try:
        base_plan = _plan(str(plan_path), file_key(plan_path))
        data = dataset()
    except GisError as exc:
        st.title(t("page_targets"))
        error(exc)
        return
    st.title(tr("title", year=base_plan.year))
    st.caption(literal(base_plan.label(lang())))
    as_of_note(data)
    ws_fault = workspace_fault()
    workspace_notice(ws_fault)  # the page stays usable: the targets are measured, saving a value is refused
    if data.builtin:
        st.info(tr("demo"), icon="ℹ️")
    params = _parameters(base_plan)
    plan = with_parameters(base_plan, params)
    ws_state = _workspace_state()
    results = _results(data, str(plan_path), file_key(plan_path), tuple(sorted(params.items())), *ws_state)
    _summary(results)

    by_key = {r.target.key: r for r in results}
    table_col, map_col = st.columns([5, 3], gap="medium")
    with table_col:
        st.caption(tr("click_hint"))
        for group, titles in GROUPS.items():
            members = [r for r in results if group_of(r.target) == group]
            if members:
                st.subheader(titles(lang()))
                _group_table(plan, group, members)
        st.markdown(f"**{tr('rules_title')}**")
        st.dataframe(pd.DataFrame(rules_table(plan, lang=lang()), columns=[tr("rules_compare"), tr("rules_rule")]),
                     hide_index=True, width="stretch", key="targets_rules",
                     column_config={tr("rules_compare"): st.column_config.TextColumn(width=90),
                                    tr("rules_rule"): st.column_config.TextColumn(width="large")})
    with map_col:
        keys = [r.target.key for r in results]
        if st.session_state.get(PICK) not in by_key:
            first = plan.role("rice_area")
            st.session_state[PICK] = first.key if first is not None else keys[0]
        st.selectbox(tr("on_map"), keys, key=PICK, format_func=lambda k: by_key[k].target.label(lang()))
        picked = by_key[st.session_state[PICK]]
        bg, fg = STATUS_COLOURS[picked.status]
        st.markdown(
            f"{tr('planned')}: **{literal(_planned_text(picked))}** · "
            f"{tr('measured')}: **{literal(_measured_text(picked))}** · "
            f'<span style="background:#{bg};color:#{fg};padding:1px 8px;border-radius:4px;font-weight:600">'
            f"{html.escape(_status_text(picked))}</span>", unsafe_allow_html=True)
        st.caption(f"{tr('source')}: {literal(source_text(picked, plan, lang=lang()))}")
        if picked.reason_vi:
            st.caption(f"{tr('reason')}: {literal(picked.reason(lang()))}")
        _map(plan, picked, data, ws_state)

    st.header(tr("charts"))
    rice_col, crop_col = st.columns(2, gap="large")
    with rice_col:
        rice = [t.key for t in (plan.role("rice_before"), plan.role("rice_area")) if t is not None]
        chart = _area_chart(results, rice, tr("rice_chart")) if rice else None
        if chart is not None:
            st.altair_chart(chart.configure(locale=_locale()), width="stretch")
        else:
            st.caption(tr("rice_none"))
    with crop_col:
        crops = [r.target.key for r in results if group_of(r.target) == "crops" and r.target.unit == "ha"]
        chart = _area_chart(results, crops, tr("crop_chart"))
        if chart is not None:
            st.altair_chart(chart.configure(locale=_locale()), width="stretch")
    grain_col, param_col = st.columns([3, 2], gap="large")
    with grain_col:
        _grain_section(plan, results)
    with param_col:
        _parameter_inputs(base_plan)

    _manual_section(plan, results, ws_state)

    download(tr("export"), targets_xlsx_bytes(plan, results, lang=lang(), demo=data.builtin,
                                              place=admin_units.place(data, lang()), as_of=data.as_of),
             f"chi-tieu-ke-hoach-{plan.year}-{date.today():%Y%m%d}.xlsx", icon=":material/download:",
             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


main()
