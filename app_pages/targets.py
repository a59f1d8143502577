"""The plan's targets against the map: status at a glance, where each figure comes from, and what it measures.

Every target of the plan file with its planned and measured figures, a progress bar, the status in its
colour and the source of the figure, grouped as the plan reads (land and projects, crops, production,
entered by hand), with the rule that sets each status written beside the table. A click on a row (or the
select box) shows on the map what the target measures. The plan's ``[roles]`` say which target is the rice
area, the grain output and so on; the page names no key of the plan. The grain estimate is drawn against
the plan's figures (in 2024, 6670 t and about 6600 t, which differ); the yields and crops a year behind it
are parameters the user may change. Values measured by hand are entered in a form and
kept in the workspace with the date they were entered. The table can be exported to Excel.
"""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import auth
from app_pages.context import DATASET_HASH, as_of_note, dataset, lang, log_download, map_assets, prepared_map, t
from app_pages.text import literal
from app_pages.ui import map_view
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.core.text import Text, short_number, texts
from gis.files import admin_units
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.targets.footprint import footprints
from gis.jobs.targets.labels import GROUPS, group_of, parameter_label, parameter_unit, source_text
from gis.jobs.targets.measure import Result, estimate_terms
from gis.jobs.targets.plan import Plan, default_plan, load_plan, parameters_of, with_parameters
from gis.jobs.targets.status import (
    AT_RISK,
    COMPARE_LABELS,
    ESTIMATE,
    MET,
    NOT_MEASURED,
    NOT_MET,
    STATUS_LABELS,
    TRACKED,
    rules_table,
    status_of,
    status_text,
)
from gis.jobs.targets_export import STATUS_COLOURS, targets_xlsx_bytes
from gis.store.faults import WorkspaceError, workspace_fault
from gis.store.rows import workspace_path
from gis.store.workspace import Workspace
from layers.catalogue import PreparedMap
from layers.render import build_map
from layers.render_targets import TargetHighlight, prepare_highlight, target_group, use_target_script

TABLE: dict[str, Text] = texts({
    "title": ("Chỉ tiêu kế hoạch năm {year}", "Plan targets, {year}"),
    "demo": ("Số đo trên trang này tính từ dữ liệu minh họa, không phải dữ liệu đo đạc thực tế: chỉ dùng để "
             "thử công cụ.", "The figures on this page come from demonstration data, not real survey data: "
             "use them only to try the tool."),
    "target": ("Chỉ tiêu", "Target"),
    "planned": ("Kế hoạch", "Planned"),
    "measured": ("Đo được", "Measured"),
    "progress": ("Tiến độ", "Progress"),
    "status": ("Đánh giá", "Status"),
    "source": ("Nguồn số liệu", "Source of the figure"),
    "section": ("Mục", "Section"),
    "click_hint": ("Bấm vào một dòng để xem trên bản đồ chỉ tiêu đó đo gì.",
                   "Click a row to see on the map what the target measures."),
    "on_map": ("Xem trên bản đồ", "Show on the map"),
    "map_counted": ("Thửa đất được tính vào chỉ tiêu giữ màu loại đất, viền xanh đậm; các thửa khác được làm mờ.",
                    "Parcels the target counts keep their land-use colour with a dark blue outline; the others "
                    "are faded."),
    "map_rest": ("Màu đỏ: thửa đất thuộc tổng để tính tỷ lệ nhưng chưa đạt điều kiện.",
                 "Red: parcels in the base of the share that do not count yet."),
    "map_packed": ("Màu xanh: đối tượng được tính; màu đỏ: đối tượng thuộc tổng nhưng chưa được tính; "
                   "tím: cánh đồng quy hoạch mới.",
                   "Blue: features counted; red: features in the base that do not count; purple: newly "
                   "planned fields."),
    "map_outside": ("Phần nằm trong đất thu hồi (lớp đất thu hồi trên bản đồ) không được tính.",
                    "What lies in recovered land (the recovered-land layer on the map) is not counted."),
    "map_manual": ("Chỉ tiêu này nhập tay, không đo trên bản đồ.",
                   "This target is entered by hand, not measured on the map."),
    "map_none": ("Không có đối tượng nào trên bản đồ khớp với cách đo của chỉ tiêu này.",
                 "Nothing on the map matches how this target is measured."),
    "map_layers": ("Lớp bản đồ: {layers}", "Map layers: {layers}"),
    "counts": ("{n} thửa đất được tính", "{n} parcels counted"),
    "counts_rest": ("{n} thửa chưa đạt điều kiện", "{n} parcels not counting"),
    "charts": ("Biểu đồ", "Charts"),
    "crop_chart": ("Diện tích cây trồng: kế hoạch và đo được", "Crop areas: planned and measured"),
    "rice_chart": ("Diện tích lúa: kế hoạch và đo được", "Rice area: planned and measured"),
    "series_planned": ("Kế hoạch", "Planned"),
    "series_measured": ("Đo được", "Measured"),
    "area_ha": ("Diện tích (ha)", "Area (ha)"),
    "grain_title": ("Ước tính: {label}", "Estimate: {label}"),
    "grain_formula": ("Mỗi phần là một chỉ tiêu đo trên bản đồ nhân với tham số của kế hoạch.",
                      "Each part is a target measured on the map times the plan's parameters."),
    "grain_none": ("Tệp kế hoạch không chỉ định chỉ tiêu sản lượng (vai trò «grain» trong [roles]): không có "
                   "biểu đồ ước tính.", "The plan file names no output target (role 'grain' in [roles]): no "
                   "estimate chart."),
    "grain_placeholder": ("Ước tính này dựa trên giá trị tạm ({names}) mà kế hoạch không nêu: chưa đánh giá đạt hay "
                          "chưa đạt. Nhập số của xã ở ô tham số bên cạnh.",
                          "This estimate rests on placeholders ({names}) the plan gives no figure for: it is not "
                          "judged met or not met. Enter the commune's figures in the parameters beside it."),
    "rice_none": ("Tệp kế hoạch không chỉ định chỉ tiêu diện tích lúa (vai trò «rice_before», «rice_area»): không "
                  "có biểu đồ lúa.", "The plan file names no rice-area target (roles 'rice_before', 'rice_area'): "
                  "no rice chart."),
    "rules_title": ("Cách đánh giá và tính tiến độ", "How statuses and progress are set"),
    "rules_compare": ("So sánh", "Comparison"),
    "rules_rule": ("Quy tắc", "Rule"),
    "reason": ("Lý do", "Why"),
    "grain_part": ("Phần", "Part"),
    "grain_estimate": ("Ước tính từ bản đồ", "Estimate from the map"),
    "grain_plan_bar": ("Kế hoạch (mục {section})", "Plan (section {section})"),
    "tonnes": ("Sản lượng (tấn)", "Output (t)"),
    "grain_vs": ("Ước tính {estimate} {unit} — so với {figure} {unit} (mục {section}): {status}",
                 "Estimate {estimate} {unit} — against {figure} {unit} (section {section}): {status}"),
    "parameters": ("Tham số ước tính sản lượng", "Parameters of the estimates"),
    "parameters_help": ("Mặc định lấy từ tệp kế hoạch. Sửa theo số liệu của xã; giá trị tạm được đánh dấu.",
                        "Defaults come from the plan file. Change them to the commune's figures; "
                        "placeholders are marked."),
    "placeholder": ("giá trị tạm — kế hoạch không nêu, hãy nhập số của xã",
                    "placeholder — the plan gives none, enter the commune's figure"),
    "reset": ("Về giá trị của kế hoạch", "Back to the plan's values"),
    "manual_title": ("Nhập số liệu đo tay", "Enter figures measured by hand"),
    "manual_help": ("Bảo hiểm, hộ nghèo, chăn nuôi… không đo được trên bản đồ: nhập số liệu của xã tại đây. "
                    "Số liệu được lưu trong không gian làm việc cùng ngày nhập.",
                    "Insurance, poverty, livestock… cannot be measured on the map: enter the commune's figures "
                    "here. They are kept in the workspace with the date they were entered."),
    "manual_target": ("Chỉ tiêu", "Target"),
    "manual_value": ("Giá trị", "Value"),
    "manual_note": ("Ghi chú (nguồn số liệu)", "Note (where the figure comes from)"),
    "manual_save": ("Lưu số liệu", "Save the figure"),
    "manual_saved": ("Đã lưu «{label}»: {value} {unit} ngày {day}.", "Saved '{label}': {value} {unit} on {day}."),
    "manual_entered": ("Số liệu đã nhập", "Figures entered"),
    "manual_none": ("Chưa có số liệu nào được nhập tay.", "No figure entered by hand yet."),
    "entered_at": ("Ngày nhập", "Entered on"),
    "note": ("Ghi chú", "Note"),
    "export": ("Xuất bảng chỉ tiêu ra Excel", "Export the targets table to Excel"),
    "two_figures": ("Kế hoạch nêu hai con số khác nhau", "The plan gives two different figures"),
    "summary_total": ("Tổng số chỉ tiêu", "Targets"),
})

PICK = "targets_pick"
MAP_KEY = "targets_map"
MAP_HEIGHT_PX = 520
PARAM = "targets_param_"
MANUAL_KEY, MANUAL_VALUE, MANUAL_NOTE = "targets_manual_key", "targets_manual_value", "targets_manual_note"
FLASH = "targets_flash"
STATUS_ORDER = (MET, AT_RISK, NOT_MET, ESTIMATE, NOT_MEASURED, TRACKED)


def tr(key: str, **kwargs: object) -> str:
    text = t(key, TABLE)
    return text.format(**kwargs) if kwargs else text


def _status(code: str) -> str:
    return STATUS_LABELS[code](lang())


def _num(value: float, digits: int | None = None) -> str:
    if digits is None:
        digits = 0 if float(value).is_integer() or abs(value) >= 1000 else 2
    return number(value, digits, lang=lang())


def _plain(value: float) -> str:
    """A parameter as written: no trailing zeros (5,9 not 5,90)."""
    return short_number(value, lang=lang(), max_digits=2)


def _factor_unit(name: str) -> str:
    return parameter_unit(name, lang())


# -- data, cached ---------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _plan(path: str, stamp: FileKey) -> Plan:
    return load_plan(path)


def _workspace_state() -> tuple[str, FileKey]:
    path = workspace_path()
    return str(path), file_key(path)


def _workspace_contents(path: str, stamp: FileKey):
    if stamp[1] < 0:  # no workspace yet
        return None, {}
    try:
        ws = Workspace.open(path)
        return ws.fields(), ws.values()
    except WorkspaceError:  # a damaged workspace: measured without it; the fault is shown at the top
        return None, {}


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=DATASET_HASH)
def _results(data: Dataset, plan_path: str, plan_stamp: FileKey, params: tuple[tuple[str, float], ...],
             ws_path: str, ws_stamp: FileKey) -> list[Result]:
    from gis.jobs.targets.measure import evaluate

    plan = with_parameters(_plan(plan_path, plan_stamp), dict(params))
    fields, manual = _workspace_contents(ws_path, ws_stamp)
    return evaluate(plan, data, planned_fields=fields, manual=manual)


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=DATASET_HASH)
def _highlight(data: Dataset, plan_path: str, plan_stamp: FileKey, key: str, ws_path: str, ws_stamp: FileKey,
               _prepared: PreparedMap) -> TargetHighlight:
    plan = _plan(plan_path, plan_stamp)
    fields, _ = _workspace_contents(ws_path, ws_stamp)
    return prepare_highlight(footprints(plan, plan.target(key), data, planned_fields=fields), _prepared)


# -- the table ------------------------------------------------------------------------------------------


def _planned_text(result: Result) -> str:
    target = result.target
    unit = target.unit
    if target.planned is None:
        return COMPARE_LABELS[target.compare](lang())
    if isinstance(target.planned, tuple):
        return f"{_num(target.planned[0])}–{_num(target.planned[1])} {unit}"
    text = f"{COMPARE_LABELS[target.compare](lang())} {_num(target.planned)} {unit}"
    if target.also:
        also_compare = COMPARE_LABELS[str(target.also.get("compare", "about"))](lang())
        text += f"; {also_compare} {_num(float(target.also['planned']))} {unit}"
    return text


def _measured_text(result: Result) -> str:
    return "—" if result.measured is None else f"{_num(result.measured)} {result.target.unit}"


def _status_text(result: Result) -> str:
    text = result.status_label(lang())
    if result.target.also and result.also_status:
        also = _status(result.also_status) if result.also_status == result.status == ESTIMATE else \
            status_text(result.also_status, result.placeholders, lang())
        text += f" / {also} ({_num(float(result.target.also['planned']))})"
    return text


def _table(plan: Plan, results: list[Result]) -> pd.DataFrame:
    rows = []
    for r in results:
        progress = r.progress
        rows.append({
            tr("target"): r.target.label(lang()),
            tr("planned"): _planned_text(r),
            tr("measured"): _measured_text(r),
            tr("status"): _status_text(r),
            tr("progress"): None if progress is None else round(100.0 * progress, 1),
            tr("source"): source_text(r, plan, lang=lang()),
            tr("section"): r.target.section,
        })
    return pd.DataFrame(rows)


def _colour_status(results: list[Result]):
    colours = [STATUS_COLOURS[r.status] for r in results]

    def style(column: pd.Series) -> list[str]:
        return [f"background-color: #{bg}; color: #{fg}; font-weight: 600" for bg, fg in colours]

    return style


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


# -- charts ---------------------------------------------------------------------------------------------


def _locale() -> dict:
    if lang() == "vi":
        return {"number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " đ"]}}
    return {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", ""]}}


def _area_chart(results: list[Result], keys: list[str], title: str) -> alt.LayerChart | alt.FacetChart | None:
    rows = []
    by_key = {r.target.key: r for r in results}
    for key in keys:
        r = by_key.get(key)
        if r is None or r.target.planned is None:
            continue
        label = r.target.label(lang())
        planned = r.target.planned
        low, high = planned if isinstance(planned, tuple) else (planned, planned)
        rows.append({"crop": label, "series": tr("series_planned"), "ha": (low + high) / 2, "low": low,
                     "high": high, "text": (f"{_plain(low)}–{_plain(high)}" if low != high else _plain(low))})
        if r.measured is not None:
            rows.append({"crop": label, "series": tr("series_measured"), "ha": r.measured, "low": None,
                         "high": None, "text": _plain(round(r.measured, 1))})
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    colours = alt.Scale(domain=[tr("series_planned"), tr("series_measured")], range=["#90a4ae", "#1565c0"])
    base = alt.Chart(frame).encode(
        y=alt.Y("crop:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("series:N", sort=[tr("series_planned"), tr("series_measured")]),
    )
    bars = base.mark_bar().encode(
        x=alt.X("ha:Q", title=tr("area_ha"), axis=alt.Axis(format=",.0f")),
        color=alt.Color("series:N", scale=colours, title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("crop:N", title=tr("target")), alt.Tooltip("series:N", title=""),
                 alt.Tooltip("text:N", title=tr("area_ha"))],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(x="ha:Q", text="text:N")
    ranges = base.transform_filter("datum.low != datum.high && datum.low != null").mark_rule(
        color="#37474f", strokeWidth=2).encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, ranges, labels).properties(title=title, height=alt.Step(16))


def _grain_chart(plan: Plan, results: list[Result]) -> alt.LayerChart | alt.FacetChart | None:
    """Three columns: the estimate (rice and maize stacked) and each of the plan's two figures."""
    role = plan.role("grain")
    grain = next((r for r in results if role is not None and r.target.key == role.key), None)
    if grain is None or grain.measured is None or grain.target.measure.get("kind") != "estimate":
        return None
    target = grain.target
    estimate = tr("grain_estimate")
    terms = estimate_terms(plan, results, target.key)
    names = [plan.target(term.key).label(lang()) for term in terms]
    rows = [{"bar": estimate, "part": name, "t": term.value or 0.0, "order": i}
            for i, (term, name) in enumerate(zip(terms, names, strict=True))]
    figures = [(float(target.planned), target.section)]  # type: ignore[arg-type]
    if target.also:
        figures.append((float(target.also["planned"]), str(target.also.get("section", ""))))
    for value, section in figures:
        rows.append({"bar": tr("grain_plan_bar", section=section), "part": tr("series_planned"), "t": value,
                     "order": 9})
    frame = pd.DataFrame(rows)
    bars_order = [estimate] + [tr("grain_plan_bar", section=section) for _, section in figures]
    totals = frame.groupby("bar", sort=False, as_index=False)["t"].sum()
    totals["text"] = [_num(v, 1 if b == estimate else 0) + f" {target.unit}" for b, v in zip(totals["bar"], totals["t"], strict=True)]
    palette = ["#f9a825", "#8d6e63", "#66bb6a", "#4fc3f7", "#ba68c8"]
    colours = alt.Scale(domain=[*names, tr("series_planned")],
                        range=[palette[i % len(palette)] for i in range(len(names))] + ["#90a4ae"])
    x = alt.X("bar:N", title=None, sort=bars_order, axis=alt.Axis(labelAngle=0, labelLimit=220))
    bars = alt.Chart(frame).mark_bar(size=70).encode(
        x=x, y=alt.Y("sum(t):Q", title=tr("tonnes"), axis=alt.Axis(format=",.0f")),
        color=alt.Color("part:N", scale=colours, title=None, legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("bar:N", title=""), alt.Tooltip("part:N", title=tr("grain_part")),
                 alt.Tooltip("t:Q", title=tr("tonnes"), format=",.1f")],
    )
    labels = alt.Chart(totals).mark_text(dy=-8, fontSize=13, fontWeight="bold").encode(x=x, y="t:Q", text="text:N")
    return alt.layer(bars, labels).properties(height=280)


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
    flash = st.session_state.pop(FLASH, None)
    if flash:
        (form_col.success if flash[0] == "success" else form_col.error)(flash[1])
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
        st.error(f"{t('error')}: {literal(exc.text(lang()))}")
        return
    st.title(tr("title", year=base_plan.year))
    st.caption(literal(base_plan.label(lang())))
    as_of_note(data)
    ws_fault = workspace_fault()
    if ws_fault is not None:  # the page stays usable: the targets are measured, saving a value is refused
        st.error(literal(ws_fault.text(lang())), icon=":material/block:")
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

    st.download_button(
        tr("export"), data=targets_xlsx_bytes(plan, results, lang=lang(), demo=data.builtin,
                                              place=admin_units.place(data, lang()), as_of=data.as_of),
        file_name=f"chi-tieu-ke-hoach-{plan.year}-{date.today():%Y%m%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
        on_click=log_download(f"chi-tieu-ke-hoach-{plan.year}-{date.today():%Y%m%d}.xlsx"))


main()
