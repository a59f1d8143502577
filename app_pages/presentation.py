"""Presentation mode: the map full screen with large labels, stepping through prepared views.

For council meetings on a projector, offline. The views are the commune, the project the plan's
``[roles] first_project`` names (the industrial cluster in 2024), all the recovery projects, the concentrated
fields and the plan's targets; the plan's figures come from the targets its ``[roles]`` name, so nothing of
one year's plan is written here; ◀ and ▶ (or the arrow keys, Page Up and
Page Down of a presenter remote) step through them. The map itself stays the same between steps: only
its view changes, so nothing reloads. The map can also be saved as one HTML file that opens on any PC.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from app_pages.context import DATASET_HASH, as_of_note, dataset, lang, map_assets, num, prepared_map, t, words
from app_pages.text import literal
from app_pages.ui import demo_caption, download
from gis.core import i18n
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.files import admin_units
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs import recovery, recovery_boundary
from gis.jobs.summary import kept_fields, summarise
from gis.jobs.targets.measure import Result, evaluate, feature_years
from gis.jobs.targets.plan import ROLES, Plan, default_plan, load_plan
from gis.jobs.targets.status import COMPARE_LABELS, ESTIMATE, STATUS_LABELS
from gis.store.faults import WorkspaceError, workspace_fault
from gis.store.rows import ADOPTED, dataset_id, workspace_path
from gis.store.workspace import Workspace, read_planned
from layers.geometry import bounds_wgs84, zoom_for
from layers.render_present import highlight_group, presentation_map, standalone_html

TABLE: dict[str, Text] = texts({
    "prev": ("◀ Trước", "◀ Previous"),
    "next": ("Tiếp ▶", "Next ▶"),
    "step": ("Bước {i}/{n}", "Step {i} of {n}"),
    "keys": ("Dùng phím ← → (hoặc Page Up/Page Down) để chuyển bước.",
             "Use the ← → keys (or Page Up/Page Down) to step."),
    "fullscreen": ("Toàn màn hình (ẩn thanh bên)", "Full screen (hide the sidebar)"),
    "save_html": ("Lưu bản đồ thành một tệp HTML (mở được khi không có Internet)",
                  "Save the map as one HTML file (opens with no internet)"),
    "commune": ("Toàn cảnh {place}", "{place}"),
    "commune_text": ("{parcels} thửa đất trên {area} ha. Đất trồng lúa {rice_before} ha trước thu hồi, "
                     "còn {rice_after} ha sau thu hồi.",
                     "{parcels} parcels over {area} ha. Rice land {rice_before} ha before recovery, "
                     "{rice_after} ha after."),
    "project_text": ("Quyết định {decision}: thu hồi {area} ha, {parcels} thửa của {owners} chủ sử dụng; "
                     "đất lúa {rice} ha, ao {ponds} ha.",
                     "Decision {decision}: {area} ha recovered, {parcels} parcels of {owners} land users; "
                     "rice land {rice} ha, ponds {ponds} ha."),
    "projects": ("Các dự án thu hồi đất", "Land recovered for projects"),
    "projects_years": ("Các dự án thu hồi đất năm {years}", "Land recovered for projects in {years}"),
    "projects_text": ("{n} dự án, tổng diện tích thu hồi {area} ha.", "{n} projects, {area} ha recovered in all."),
    "no_first_project": ("Kế hoạch không chỉ định dự án trình bày đầu tiên ([roles] first_project): đây là dự án "
                         "đầu tiên của lớp đất thu hồi.", "The plan names no project to show first ([roles] "
                         "first_project): this is the first project of the recovered-land layer."),
    "first_project_missing": ("Không tìm thấy dự án «{name}» của kế hoạch ([roles] first_project) trong lớp đất thu "
                              "hồi: đây là dự án đầu tiên của lớp.", "The plan's project '{name}' ([roles] "
                              "first_project) is not in the recovered-land layer: this is the layer's first project."),
    "role_figure": ("Chỉ tiêu «{label}»: {planned}, đo được {measured} — {status}.",
                    "Target '{label}': {planned}, measured {measured} — {status}."),
    "no_role": ("Kế hoạch không chỉ định chỉ tiêu {what} ([roles] {role}).",
                "The plan names no target for {what} ([roles] {role})."),
    "fields": ("Cánh đồng tập trung", "Concentrated fields"),
    "fields_text": ("Đang duy trì {n} cánh đồng, {area} ha. {plan} {planned}",
                    "{n} fields kept, {area} ha. {plan} {planned}"),
    "fields_planned": ("Đã phê duyệt quy hoạch thêm {n} cánh đồng mới, {ha} ha.", "{n} new fields adopted, {ha} ha."),
    "fields_drafts": ("Dự thảo chưa phê duyệt (không tính, viền nét đứt): {n} cánh đồng.",
                      "Drafts not adopted (not counted, dashed outline): {n} fields."),
    "targets": ("Chỉ tiêu kế hoạch năm {year}", "{year} plan targets"),
    "targets_text": ("Đạt {met}, có nguy cơ không đạt {risk}, chưa đạt {not_met}, ước tính dựa trên giá trị tạm "
                     "{estimate}, chưa đo được {unknown} (trên {total} chỉ tiêu).",
                     "Met {met}, at risk {risk}, not met {not_met}, estimates on placeholders {estimate}, not "
                     "measurable yet {unknown} (of {total} targets)."),
})

MAP_KEY = "presentation_map"
STEP = "presentation_step"
FULLSCREEN = "presentation_fullscreen"
HEIGHT_PX = 720


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


@dataclass
class View:
    title: str
    text: str
    bounds: tuple[float, float, float, float]


def _saved_fields() -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The workspace's fields drawn on this dataset, in its CRS: ``(adopted, drafts)``."""
    data = dataset()
    if not workspace_path().exists():
        return None, None
    try:
        saved = Workspace.open(workspace_path()).fields(dataset=dataset_id(data), crs=data.parcels.crs)
    except WorkspaceError:  # a damaged workspace: told below the map (workspace_fault), the fields left out
        return None, None
    adopted = saved["state"] == ADOPTED
    return saved[adopted], saved[~adopted]


def _role_figure(plan: Plan | None, results: dict[str, Result], role: str) -> str:
    """The plan's figure for ``role`` against what is measured, or a sentence saying the plan names none."""
    target = plan.role(role) if plan is not None else None
    if plan is None:
        return ""
    if target is None or target.key not in results:
        return tr("no_role", what=ROLES[role](lang()), role=role)
    r = results[target.key]

    def plain(v: float) -> str:
        return num(v, 0 if float(v).is_integer() else 2)

    if isinstance(target.planned, tuple):
        planned = f"{plain(target.planned[0])}–{plain(target.planned[1])} {target.unit}"
    elif target.planned is None:
        planned = COMPARE_LABELS[target.compare](lang())
    else:
        planned = f"{COMPARE_LABELS[target.compare](lang())} {plain(target.planned)} {target.unit}"
    measured = "—" if r.measured is None else f"{num(r.measured, 0 if float(r.measured).is_integer() else 1)} {target.unit}"
    return tr("role_figure", label=target.label(lang()), planned=planned, measured=measured,
              status=r.status_label(lang()))


def _first_project(plan: Plan | None, projects: gpd.GeoDataFrame) -> tuple[int, str]:
    """The position of the project the plan shows first (its name or decision number), and a note when the
    plan names none or names one the layer does not hold (then the layer's first project is shown)."""
    wanted = (plan.roles.get("first_project") or "").strip() if plan is not None else ""
    if not wanted:
        return 0, tr("no_first_project")
    for column in ("SOQD", "TENDUAN"):
        if column in projects.columns:
            hits = [i for i, v in enumerate(projects[column].astype(str)) if v.strip() == wanted]
            if hits:
                return hits[0], ""
    return 0, tr("first_project_missing", name=wanted)


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=DATASET_HASH)
def _views(data: Dataset, language: str, ws_stamp: FileKey, plan_stamp: FileKey) -> list[dict]:
    figures = summarise(data)
    views: list[dict] = []
    planned = read_planned(workspace_path())  # every saved field: the targets count the adopted ones of this dataset
    plan: Plan | None = None
    by_key: dict[str, Result] = {}
    targets_text = ""
    try:
        plan = load_plan()
        results = evaluate(plan, data, planned_fields=planned)
        by_key = {r.target.key: r for r in results}
        counts = {s: sum(r.status == s for r in results) for s in STATUS_LABELS}
        targets_text = tr("targets_text", met=counts["met"], risk=counts["at_risk"], not_met=counts["not_met"],
                          estimate=counts[ESTIMATE], unknown=counts["not_measurable"], total=len(results))
    except GisError as exc:
        targets_text = exc.text(language)
    commune = data.get("commune")
    base = bounds_wgs84(commune if commune is not None and not commune.empty else data.parcels)
    place = admin_units.heading(admin_units.of_dataset(data), language)[0]
    views.append({"title": tr("commune", place=place[:1].upper() + place[1:] if language == "en" else place),
                  "bounds": base, "text": tr(
        "commune_text", parcels=i18n.number(figures.parcel_count, 0, lang=language), area=num(figures.commune_ha),
        rice_before=num(figures.rice_ha_before_recovery), rice_after=num(figures.rice_ha_after_recovery))})
    projects = data.get("recovered_land")
    if projects is not None and not projects.empty:
        index, note = _first_project(plan, projects)
        first = projects.iloc[[index]]
        row = first.iloc[0]
        name = str(row.get("TENDUAN", "—"))
        try:
            boundary = recovery_boundary.boundary_from_geometry(first.geometry.iloc[0], crs=projects.crs, name=name)
            result = recovery.recover(data.parcels, boundary)
            totals = result.totals
            text = tr("project_text", decision=str(row.get("SOQD", "")),
                      area=num(totals.recovered_ha), parcels=totals.parcels, owners=totals.owners,
                      rice=num(totals.rice_ha), ponds=num(totals.pond_ha))
        except GisError as exc:
            text = exc.text(language)
        views.append({"title": name, "bounds": bounds_wgs84(first), "text": f"{text} {note}".strip(),
                      "highlight": "cluster", "index": index})
        found = feature_years(projects)
        years = sorted({int(y) for y in found[0].dropna()}) if found is not None else []
        title = tr("projects") if not years else tr(
            "projects_years", years=str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}")
        views.append({"title": title, "bounds": bounds_wgs84(projects), "text": " ".join(filter(None, [tr(
            "projects_text", n=len(projects), area=num(figures.recovered_ha)), _role_figure(plan, by_key, "recovered")])),
            "highlight": "projects"})
    kept = kept_fields(data.get("concentrated_fields"))
    planned, drafts = _saved_fields()
    if kept is not None and not kept.empty:
        shown = kept if planned is None or planned.empty else gpd.GeoDataFrame(
            geometry=list(kept.geometry) + list(planned.to_crs(kept.crs).geometry), crs=kept.crs)
        extra = tr("fields_planned", n=len(planned), ha=num(float(planned.area.sum()) / 1e4)) \
            if planned is not None and len(planned) else ""
        if drafts is not None and len(drafts):
            extra = f"{extra} {tr('fields_drafts', n=len(drafts))}".strip()
        role_text = " ".join(filter(None, [_role_figure(plan, by_key, "fields_total"),
                                           _role_figure(plan, by_key, "fields_count")]))
        views.append({"title": tr("fields"), "bounds": bounds_wgs84(shown), "text": tr(
            "fields_text", n=len(kept), area=num(figures.concentrated_fields_ha), plan=role_text,
            planned=extra).strip(), "highlight": "fields"})
    views.append({"title": tr("targets", year=plan.year) if plan is not None else t("page_targets"),
                  "bounds": base, "text": targets_text})
    return views


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=DATASET_HASH)
def _html(data: Dataset, language: str, _prepared, day: object = None) -> str:
    """The map as one offline HTML file, made once per dataset, language and "as of" date ``day`` (not at every
    rerun)."""
    title = admin_units.app_title(admin_units.of_dataset(data), admin_units.dataset_name(data), language)
    from gis.jobs.ledger.asof import as_of_text

    dated = as_of_text(data.as_of, language) + "." if data.as_of is not None else ""
    return standalone_html(_prepared, lang=language, title=title,
                           note=" ".join(n for n in (dated, t("demo_note") if data.builtin else "") if n))


def _go(delta: int, n: int) -> None:
    st.session_state[STEP] = (st.session_state.get(STEP, 0) + delta) % n


def _highlight(kind: str | None, index: int = 0) -> gpd.GeoDataFrame | None:
    data = dataset()
    projects = data.get("recovered_land")
    if kind == "cluster" and projects is not None:
        return projects.iloc[[index]]
    if kind == "projects":
        return projects
    if kind == "fields":
        kept = kept_fields(data.get("concentrated_fields"))
        planned, _drafts = _saved_fields()
        if planned is not None and len(planned) and kept is not None:
            return gpd.GeoDataFrame(geometry=list(kept.geometry) + list(planned.to_crs(kept.crs).geometry),
                                    crs=kept.crs)
        return kept
    return None


ws = workspace_path()
ws_fault = workspace_fault(ws)
if ws_fault is not None:  # the presentation only reads: shown without what cannot be read
    st.warning(literal(ws_fault.text(lang())), icon=":material/warning:")
data = dataset()  # once per rerun: each call reads the active dataset's file and stats its folder
views = _views(data, lang(), file_key(ws), file_key(default_plan()))
step = st.session_state.get(STEP, 0) % len(views)
view = views[step]

if st.session_state.get(FULLSCREEN, True):
    st.markdown("<style>[data-testid='stSidebar'],[data-testid='stSidebarCollapsedControl']{display:none}"
                "header[data-testid='stHeader']{display:none}.block-container{padding-top:1rem}</style>",
                unsafe_allow_html=True)

# the style is the tool's own; the title and the text (a project's name, its decision) are data, shown as text
st.markdown("<style>.st-key-lp-presentation h1{margin:0;font-size:2.4rem}"
            ".st-key-lp-presentation p{font-size:1.5rem;margin:.3rem 0 0}</style>", unsafe_allow_html=True)
head, nav = st.columns([5, 2], vertical_alignment="center")
with head, st.container(key="lp-presentation"):
    st.title(literal(view["title"]), anchor=False)
    st.markdown(literal(view["text"]))
with nav:
    left, middle, right = st.columns([2, 2, 2], vertical_alignment="center")
    left.button(tr("prev"), on_click=_go, args=(-1, len(views)), key="present_prev", use_container_width=True)
    middle.markdown(f"<p style='text-align:center;font-size:1.2rem;margin:0'>{tr('step', i=step + 1, n=len(views))}"
                    "</p>", unsafe_allow_html=True)
    right.button(tr("next"), on_click=_go, args=(1, len(views)), key="present_next", use_container_width=True)

prepared = prepared_map()
folium_map = presentation_map(prepared, lang=lang(), assets=map_assets())
west, south, east, north = view["bounds"]
zoom = zoom_for(view["bounds"], width_px=1400, height_px=HEIGHT_PX)
colour = "#d50000" if view.get("highlight") in ("cluster", "projects") else "#00c853"
st_folium(folium_map, key=MAP_KEY, height=HEIGHT_PX, use_container_width=True, returned_objects=[],
          center=[(south + north) / 2, (west + east) / 2], zoom=zoom,
          feature_group_to_add=highlight_group(_highlight(view.get("highlight"), view.get("index", 0)), lang=lang(),
                                               colour=colour,
                                               drafts=_saved_fields()[1] if view.get("highlight") == "fields" else None))

as_of_note(data)
if data.builtin:
    demo_caption()
st.caption(tr("keys"))
st.checkbox(tr("fullscreen"), key=FULLSCREEN, value=True)
download(tr("save_html"), _html(data, lang(), prepared, data.as_of), "ban_do_luong_phong.html",
         mime="text/html", key="present_html")

# The arrow keys and a presenter remote's Page Up/Page Down press the buttons above (only on this page), also
# after a click on the map: the map is a same-origin frame, so the handler is put into a frame when it takes
# the focus (the page's window loses it), and Leaflet's own arrow-key panning gives way there.
st.html("""
<script>
(() => {
  const doc = document;
  if (doc.__lpPresentKeys) return;
  doc.__lpPresentKeys = true;
  const onKey = (e) => {
    if (!doc.querySelector(".st-key-lp-presentation")) return;
    const tag = (e.target && e.target.tagName) || "";
    if (["INPUT", "TEXTAREA", "SELECT"].includes(tag)) return;
    const forward = ["ArrowRight", "PageDown", " "].includes(e.key);
    const back = ["ArrowLeft", "PageUp"].includes(e.key);
    if (!forward && !back) return;
    const mark = forward ? "▶" : "◀";
    const button = [...doc.querySelectorAll("button")].find((b) => b.innerText.includes(mark));
    if (button) { e.preventDefault(); e.stopPropagation(); button.click(); }
  };
  doc.addEventListener("keydown", onKey);
  const adopt = () => {
    const frame = doc.activeElement;
    if (!frame || frame.tagName !== "IFRAME") return;
    let win;
    try { win = frame.contentWindow; void win.document; } catch (err) { return; }  // another origin: leave it
    if (!win || win.__lpPresentKeys) return;
    win.__lpPresentKeys = true;
    win.addEventListener("keydown", onKey, true);
  };
  window.addEventListener("blur", () => setTimeout(adopt, 0));
})();
</script>
""", unsafe_allow_javascript=True)
