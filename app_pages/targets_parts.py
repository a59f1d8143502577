"""The Targets page's parts that are not layout (``app_pages/targets.py`` lays the page out).

Its words (:data:`TABLE`), the session keys, the computations cached on the dataset, the plan file and the
workspace (the plan, the measured results, a target's highlight on the map), and the builders of what the page
shows: a target's planned, measured and status text, a group's table and its status colours, and the charts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.context import DATASET_HASH, lang, words
from gis.core.i18n import number
from gis.core.text import Text, short_number, texts
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.targets.footprint import footprints
from gis.jobs.targets.labels import parameter_unit, source_text
from gis.jobs.targets.measure import Result, estimate_terms
from gis.jobs.targets.plan import Plan, load_plan, with_parameters
from gis.jobs.targets.status import (
    AT_RISK,
    COMPARE_LABELS,
    ESTIMATE,
    MET,
    NOT_MEASURED,
    NOT_MET,
    STATUS_LABELS,
    TRACKED,
    status_text,
)
from gis.jobs.targets_export import STATUS_COLOURS
from gis.store.faults import WorkspaceError
from gis.store.rows import workspace_path
from gis.store.workspace import Workspace
from layers.catalogue import PreparedMap
from layers.render_targets import TargetHighlight, prepare_highlight

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


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


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
