"""The commune map: every layer, a parcel card on click, search by sheet/parcel or owner, filters.

The folium map depends only on the dataset and the language, so reruns hand streamlit-folium the same
map and it keeps the drawn one (no reload, no flicker, the view kept); it is rendered once per dataset and
language (:mod:`app_pages.map_component`), not at every rerun. Its parcels are vector tiles and its
other layers are fetched by address (:func:`app_pages.context.tiles_map`), so the map's script, which
streamlit-folium sends again at every rerun, holds no data: a search or a click sends the highlight and the
card, a few kilobytes, whatever the commune's size. A click, a search or a filter only
changes the highlight group and, for a search or a filter, the view (``center``/``zoom``), which
streamlit-folium applies in place. Only clicks on features come back from the browser
(``returned_objects``): panning and zooming never rerun the script.
"""

from __future__ import annotations

from collections.abc import Hashable

import pandas as pd
import streamlit as st

from app_pages import ledger_ui, map_component
from app_pages.context import DATASET_HASH, as_of_note, clicked_tile_parcel, dataset, lang, map_assets, t, tiles_map
from app_pages.text import literal
from app_pages.ui import map_view, number_table
from gis.core import landuse
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.core.text import Text, texts
from gis.files import admin_units
from gis.files.io import Dataset
from gis.files.schema import LABELS
from gis.jobs.parcel_info import ParcelFacts, parcel_facts
from gis.jobs.recovery_users import LandUsers, identity_label, land_users
from gis.jobs.search import find_parcels
from layers.catalogue import PreparedMap
from layers.offline import AssetUrls
from layers.render import MAP_HEIGHT_PX, MapSources, build_map, selection_group

TABLE: dict[str, Text] = texts({
    "title": ("Bản đồ {place}", "{place} map"),
    "loading_map": ("Đang chuẩn bị bản đồ (lần đầu với bộ dữ liệu này có thể mất nửa phút)…",
                    "Preparing the map (the first time with this dataset can take half a minute)…"),
    "search": ("Tìm thửa đất", "Find a parcel"),
    "search_help": ("Nhập tờ/thửa (ví dụ 12/345) hoặc tên chủ sử dụng, có dấu hay không dấu (ví dụ: nguyen van an).",
                    "Type sheet/parcel (e.g. 12/345) or a land user's name, with or without accents "
                    "(e.g. nguyen van an)."),
    "search_placeholder": ("12/345 hoặc nguyen van an", "12/345 or nguyen van an"),
    "filter_village": ("Lọc theo thôn", "Filter by village"),
    "filter_group": ("Lọc theo nhóm đất", "Filter by land-use group"),
    "all": ("Tất cả", "All"),
    "found_parcel": ("Đã tìm thấy thửa đất.", "Parcel found."),
    "found_owner": ("Tìm thấy {n} thửa của chủ sử dụng khớp với «{q}».",
                    "Found {n} parcels of land users matching '{q}'."),
    "not_found": ("Không tìm thấy thửa đất nào khớp với «{q}». Hãy kiểm tra số tờ/số thửa hoặc tên chủ.",
                  "No parcel matches '{q}'. Check the sheet/parcel numbers or the name."),
    "results": ("Kết quả tìm kiếm", "Search results"),
    "shown": ("Đang hiển thị {n} / {total} thửa đất.", "Showing {n} of {total} parcels."),
    "hint": ("Bấm vào một thửa đất trên bản đồ, hoặc tìm theo tờ/thửa hay tên chủ sử dụng, để xem thông tin "
             "thửa đất tại đây.",
             "Click a parcel on the map, or search by sheet/parcel or land user, to see its card here."),
    "card_title": ("Thửa đất số {n}, tờ bản đồ số {s}", "Parcel {n}, map sheet {s}"),
    "legal_area": ("Diện tích pháp lý", "Legal area"),
    "map_area": ("Diện tích đo trên bản đồ", "Drawn area"),
    "difference": ("Chênh lệch", "Difference"),
    "no_legal_area": ("Chưa có diện tích pháp lý", "No legal area"),
    "recovered_title": ("Thu hồi đất", "Land recovery"),
    "recovered_none": ("Thửa đất không nằm trong khu vực thu hồi.", "The parcel is outside recovered land."),
    "recovered_part": ("{area} m² thuộc dự án «{project}» (quyết định {decision}).",
                       "{area} m² in project '{project}' (decision {decision})."),
    "recovered_whole": ("Thu hồi toàn bộ", "Recovered wholly"),
    "recovered_partly": ("Thu hồi một phần", "Recovered partly"),
    "remaining": ("Diện tích còn lại (đo trên bản đồ)", "Remaining area (drawn)"),
    "tolerance": ("Hạn sai cho phép (tỷ lệ 1:{scale})", "Tolerance (scale 1:{scale})"),
    "tolerance_ok": ("trong hạn sai", "within"),
    "tolerance_exceeded": ("**quá hạn sai, cần kiểm tra**", "**beyond it: to check**"),
    "attributes": ("Thông tin thửa đất", "Parcel attributes"),
    "attribute": ("Thông tin", "Attribute"),
    "value": ("Giá trị", "Value"),
    "others": ("Các thửa khác của chủ sử dụng ({n})", "The land user's other parcels ({n})"),
    "others_none": ("Chủ sử dụng không có thửa đất nào khác.", "The land user has no other parcel."),
    "clear": ("Bỏ chọn", "Clear selection"),
    "group": ("Nhóm đất", "Land-use group"),
    "winter_crop": ("Cây vụ đông", "Winter crop"),
    "note": ("Ghi chú", "Note"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "sheet": ("Tờ", "Sheet"),
    "parcel": ("Thửa", "Parcel"),
    "result_label": ("Tờ {s}, thửa {n} — {owner} — thôn {village}", "Sheet {s}, parcel {n} — {owner} — {village}"),
})

MAP_KEY = "commune_map"
SELECTED = "map_selected"
MATCHES = "map_matches"
VIEW = "map_view"
CLICK_SEEN = "map_click_seen"
SEARCH = "map_search"
SEARCH_RESULT = "map_search_result"
RESULT_PICK = "map_result_pick"
VILLAGES = "map_villages"
GROUPS = "map_groups"
#: What comes back from the browser: clicks on features only (not the view, so panning never reruns).
RETURNED = ["last_active_drawing", "last_object_clicked"]
#: Search results listed at most (an owner such as the commune's People's Committee holds a thousand).
MAX_RESULTS = 300
PARCEL_ZOOM = 18


def tr(key: str, **kwargs: object) -> str:
    text = t(key, TABLE)
    return text.format(**kwargs) if kwargs else text


def _view_of(prepared: PreparedMap, positions: list[int], *, max_zoom: int = PARCEL_ZOOM) -> dict:
    return map_view(prepared.parcels_display.iloc[positions].total_bounds, max_zoom=max_zoom)


def _positions(prepared: PreparedMap, labels: list[Hashable]) -> list[int]:
    index = prepared.parcels_display.index
    found = index.get_indexer(labels)
    return [int(p) for p in found if p >= 0]


def _select(label: Hashable | None, *, zoom: bool) -> None:
    st.session_state[SELECTED] = label
    if label is not None and zoom:
        prepared, _ = tiles_map()
        positions = _positions(prepared, [label])
        if positions:
            st.session_state[VIEW] = _view_of(prepared, positions)


def _on_search() -> None:
    query = st.session_state.get(SEARCH, "") or ""
    result = find_parcels(dataset().parcels, query)
    st.session_state[SEARCH_RESULT] = {"query": query, "kind": result.kind, "count": len(result)}
    st.session_state[MATCHES] = result.labels[:MAX_RESULTS] if result.kind == "owner" else []
    if result.labels:
        st.session_state[RESULT_PICK] = result.labels[0]
        for code in ("vi", "en"):  # the results list starts again at the first result
            st.session_state.pop(f"{RESULT_PICK}_{code}", None)
        _select(result.labels[0], zoom=True)


def _on_pick() -> None:
    picked = st.session_state.get(f"{RESULT_PICK}_{lang()}")
    st.session_state[RESULT_PICK] = picked
    _select(picked, zoom=True)


def _visible_labels(parcels: pd.DataFrame) -> pd.Index | None:
    villages = st.session_state.get(VILLAGES) or []
    groups = st.session_state.get(GROUPS) or []
    if not villages and not groups:
        return None
    keep = pd.Series(True, index=parcels.index)
    if villages:
        keep &= parcels["village"].isin(villages) if "village" in parcels.columns else False
    if groups:
        keep &= parcels["group"].isin(groups)
    return parcels.index[keep]


def _on_filter() -> None:
    data = dataset()
    prepared, _ = tiles_map()
    visible = _visible_labels(data.parcels)
    if visible is None:
        st.session_state[VIEW] = map_view(prepared.bounds, max_zoom=19)
    elif len(visible):
        st.session_state[VIEW] = _view_of(prepared, _positions(prepared, list(visible)), max_zoom=17)


def _tile_filter() -> dict[str, list[str]] | None:
    """The filters as the tiles' attributes they keep (``v`` village, ``g`` group); ``None`` for all."""
    kept = {"v": [str(v) for v in st.session_state.get(VILLAGES) or []],
            "g": [str(g) for g in st.session_state.get(GROUPS) or []]}
    kept = {k: v for k, v in kept.items() if v}
    return kept or None


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=DATASET_HASH)
def _page_data(data: Dataset) -> tuple[list, list[str], LandUsers]:
    """What the page derives from the whole parcel layer, once per dataset (keyed by its content,
    :attr:`gis.files.io.Dataset.key`): the villages and land-use groups to filter by, and the land users
    (the card's "other parcels"). A rerun then costs the card and the highlight, not a pass over every parcel."""
    _parcels = data.parcels
    villages = sorted(_parcels["village"].dropna().unique(), key=lambda v: (str(v).casefold(), str(v))) \
        if "village" in _parcels.columns else []
    present = set(_parcels["group"].dropna())
    return villages, [g for g in landuse.GROUPS if g in present], land_users(_parcels)


@st.cache_resource(show_spinner=False, max_entries=8)
def _rendered_map(_prepared: PreparedMap, _sources: MapSources, sources_id: int, language: str,
                  assets: AssetUrls) -> map_component.RenderedMap:
    """The commune map rendered for streamlit-folium, once per map (:mod:`app_pages.map_component`): the same
    for every session and rerun in a language. Keyed on the map's sources (``sources_id``: the object
    :func:`app_pages.context.tiles_map` keeps for the dataset, made again when the dataset or its stored files
    change), the language and the assets' addresses."""
    return map_component.rendered(build_map(_prepared, lang=language, assets=assets, sources=_sources))


def _take_click(parcels: pd.DataFrame) -> None:
    """Select the parcel clicked in the browser, once per click."""
    label = clicked_tile_parcel(MAP_KEY, CLICK_SEEN, parcels)
    if label is not None:
        st.session_state[SELECTED] = label


def _value_text(key: str, value: object) -> str:
    code = lang()
    if key == "land_use" and not landuse.split_codes(value):
        return landuse.name_of(None, lang=code)  # "chưa có loại đất"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    if key in ("legal_area_m2", "map_area_m2"):
        return f"{number(float(value), 1, lang=code)} m²"  # type: ignore[arg-type]
    if key == "land_use":
        return " + ".join(f"{c} — {landuse.name_of(c, lang=code)}" for c in landuse.split_codes(value))
    if key == "group":
        return landuse.group_name(str(value), lang=code)
    if key == "vietgap":
        return tr("yes") if str(value) in ("1", "True", "true") else tr("no")
    return str(value)


def _attribute_rows(facts: ParcelFacts) -> pd.DataFrame:
    labels = {k: (v[0] if lang() == "vi" else v[1]) for k, v in LABELS.items()}
    labels |= {"group": tr("group"), "VUDONG": tr("winter_crop"), "GHICHU": tr("note")}
    order = ["sheet", "parcel_no", "owner", "address", "village", "land_use", "group", "legal_area_m2",
             "map_area_m2", "certificate", "crop", "VUDONG", "vietgap", "commune_code", "GHICHU"]
    keys = [k for k in order if k in facts.attributes] + sorted(
        k for k in facts.attributes if k not in order and k != "land_use_main")
    return pd.DataFrame({tr("attribute"): [labels.get(k, k) for k in keys],
                         tr("value"): [_value_text(k, facts.attributes[k]) for k in keys]})


def _card(facts: ParcelFacts) -> None:
    code = lang()
    a = facts.attributes
    st.subheader(tr("card_title", n=literal(a.get("parcel_no")), s=literal(a.get("sheet"))))
    main = landuse.primary_code(a.get("land_use"))
    colour = landuse.LAND_USES[main].hex_colour if main in landuse.LAND_USES else "#c8c8c8"
    # the swatch's colour is one of the tool's own (never from data); the code and its name are data
    st.markdown(f':color[■]{{foreground="{colour}"}} {literal(_value_text("land_use", a.get("land_use")))}')
    st.markdown(f"**{literal(_value_text('owner', a.get('owner')))}** · "
                f"{literal(_value_text('address', a.get('address')))}")
    legal = "—" if facts.legal_area_m2 is None else f"{number(facts.legal_area_m2, 1, lang=code)} m²"
    rows = [f"| {tr('legal_area')} | {legal} |", f"| {tr('map_area')} | {number(facts.map_area_m2, 1, lang=code)} m² |"]
    if facts.difference_m2 is not None:
        diff = 0.0 if abs(facts.difference_m2) < 0.05 else facts.difference_m2
        pct = facts.difference_pct or 0.0
        pct_text = "" if abs(pct) < 0.005 else f" ({'+' if pct > 0 else ''}{number(pct, 2, lang=code)} %)"
        rows.append(f"| {tr('difference')} | {'+' if diff > 0 else ''}{number(diff, 1, lang=code)} m²{pct_text} |")
    if facts.tolerance_m2 is not None:
        verdict = tr("tolerance_exceeded") if facts.area_mismatch else tr("tolerance_ok")
        rows.append(f"| {tr('tolerance', scale=facts.scale)} | {number(facts.tolerance_m2, 1, lang=code)} m² · "
                    f"{verdict} |")
    st.markdown("| | |\n|---|---:|\n" + "\n".join(rows))
    st.markdown(f"**{tr('recovered_title')}**")
    if not facts.recovered:
        st.caption(tr("recovered_none"))
    else:
        whole = facts.remaining_m2 < 0.5
        lines = [tr("recovered_part", area=number(p.area_m2, 1, lang=code), project=literal(p.project),
                    decision=literal(p.decision)) for p in facts.recovered]
        remaining = number(facts.remaining_m2, 1, lang=code)
        st.error(f"**{tr('recovered_whole') if whole else tr('recovered_partly')}**: " + " ".join(lines)
                 + f"  \n{tr('remaining')}: {remaining} m²")
    with st.expander(tr("attributes"), expanded=True):
        st.dataframe(_attribute_rows(facts), hide_index=True, width="stretch")
    others = facts.other_parcels
    if others.empty:
        st.caption(tr("others_none"))
    else:
        with st.expander(tr("others", n=number(len(others), 0, lang=code)), expanded=len(others) <= 12):
            table = pd.DataFrame({
                tr("sheet"): others["sheet"].to_numpy(),
                tr("parcel"): others["parcel_no"].to_numpy(),
                LABELS["land_use"][0 if code == "vi" else 1]: others["land_use"].to_numpy(),
                tr("legal_area") + " (m²)": others["legal_area_m2"].to_numpy(),
                LABELS["village"][0 if code == "vi" else 1]: others["village"].to_numpy(),
            })
            st.dataframe(number_table(table, {tr("legal_area") + " (m²)": 1}, lang=code), hide_index=True,
                         width="stretch", height=min(36 * (len(table) + 1), 320))
            st.caption(identity_label(facts.owner_identity, lang=code) + ".")
    ledger_ui.history_expander(a)
    st.button(tr("clear"), on_click=_select, args=(None,), kwargs={"zoom": False})


def _result_label(parcels: pd.DataFrame, label: Hashable) -> str:
    row = parcels.loc[label]
    return tr("result_label", s=row.get("sheet"), n=row.get("parcel_no"), owner=row.get("owner") or "—",
              village=row.get("village") or "—")


def _heading() -> tuple[str, str]:
    """The commune of the dataset in use and what its data covers (see :func:`gis.files.admin_units.heading`)."""
    try:
        return admin_units.heading(admin_units.of_dataset(dataset()), lang())
    except GisError:  # told below, where the dataset is loaded again
        return admin_units.heading(None, lang())


_place, _coverage = _heading()
st.title(literal(tr("title", place=_place[:1].upper() + _place[1:] if lang() == "en" else _place)))
if _coverage:
    st.caption(literal(_coverage))
try:
    data = dataset()
    with st.spinner(t("loading_map", TABLE)):
        prepared, sources = tiles_map()
except GisError as exc:
    st.error(f"{t('error')}: {literal(exc.text(lang()))}")
    st.stop()
parcels = data.parcels
as_of_note(data)
_take_click(parcels)

search_col, village_col, group_col = st.columns([2, 1, 1])
search_col.text_input(tr("search"), key=SEARCH, on_change=_on_search, placeholder=tr("search_placeholder"),
                      help=tr("search_help"))
village_names, group_keys, users = _page_data(data)
village_col.multiselect(tr("filter_village"), village_names, key=VILLAGES, on_change=_on_filter,
                        placeholder=tr("all"))
group_col.multiselect(tr("filter_group"), group_keys, key=GROUPS, on_change=_on_filter, placeholder=tr("all"),
                      format_func=lambda g: landuse.group_name(g, lang=lang()))

result = st.session_state.get(SEARCH_RESULT)
matches = [m for m in st.session_state.get(MATCHES, []) if m in parcels.index]
if result:
    if result["kind"] == "none":
        search_col.warning(tr("not_found", q=literal(result["query"])))
    elif result["kind"] == "owner":
        search_col.success(tr("found_owner", n=number(result["count"], 0, lang=lang()), q=literal(result["query"])))
        if len(matches) > 1:
            # one widget per language: the browser keeps a widget's option texts, so a switch needs a new one
            current = st.session_state.get(RESULT_PICK)
            search_col.selectbox(tr("results"), matches, key=f"{RESULT_PICK}_{lang()}", on_change=_on_pick,
                                 index=matches.index(current) if current in matches else 0,
                                 format_func=lambda label: _result_label(parcels, label))

visible = _visible_labels(parcels)
shown = st.empty()  # always there, so that the map keeps its place in the page (and is not drawn again)
if visible is not None:
    shown.caption(tr("shown", n=number(len(visible), 0, lang=lang()), total=number(len(parcels), 0, lang=lang())))

selected = st.session_state.get(SELECTED)
if selected is not None and selected not in parcels.index:
    selected = st.session_state[SELECTED] = None

map_col, card_col = st.columns([5, 2], gap="medium")
# the card first: its elements reach the browser before the map's (a click or a search shows its card without
# waiting for the map's script to be rendered); the map keeps its place (its column's first element)
with card_col:
    if selected is None:
        st.info(tr("hint"))
    else:
        _card(parcel_facts(data, selected, users=users))
with map_col:
    rendered_map = _rendered_map(prepared, sources, id(sources), lang(), map_assets())
    selected_positions = _positions(prepared, [selected]) if selected is not None else []
    highlight = selection_group(
        prepared, lang=lang(),
        selected=selected_positions[0] if selected_positions else None,
        matches=_positions(prepared, matches),
        tiles=True, tile_filter=_tile_filter(),
    )
    view = st.session_state.get(VIEW) or {}
    map_component.show(rendered_map, key=MAP_KEY, height=MAP_HEIGHT_PX, use_container_width=True,
                       returned_objects=RETURNED, feature_group_to_add=highlight,
                       center=view.get("center"), zoom=view.get("zoom"))
