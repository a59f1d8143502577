"""Land changes (biến động đất đai): the map of any date, the changes between two dates, a parcel's history,
and, for officers, splitting, merging and changing a parcel's land use or land user with its document.

The domain is :mod:`gis.jobs.ledger.changes`; this page only gathers input, previews (``split_pieces``,
``merge_preview``) and shows refusals as text.
"""

from __future__ import annotations

import datetime as dt

import folium
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from app_pages import auth
from app_pages.context import clicked_parcel, lang, map_assets, new_drawing, words
from app_pages.ledger_ui import PICK, history_table, line_from_geojson, map_as_of, reverse_form, store
from app_pages.text import literal
from app_pages.ui import map_view, refusal, show_flash
from gis.core import landuse
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.core.text import Text, texts
from gis.jobs.ledger import changes as ledger
from gis.jobs.ledger.model import KIND_LABELS, Decision, Entry, LedgerError, key_text
from gis.jobs.ledger.parcels import parse_ref, ref_of
from gis.jobs.ledger.reports import changes_between, entries_refs
from layers.geometry import bounds_wgs84
from layers.render import MAP_HEIGHT_PX, build_map, selection_group
from layers.render_draw import DRAW_COLOUR, add_draw
from layers.render_fields import collapse_legend

TABLE: dict[str, Text] = texts({
    "title": ("Biến động đất đai", "Land changes"),
    "as_of": ("Xem bản đồ tại ngày", "Show the map as of"),
    "as_of_help": ("Bản đồ và thông tin thửa đất theo hiện trạng của ngày đã chọn.",
                   "The map and the parcels as they were on the chosen date."),
    "parcels_shown": ("{n} thửa đất tại ngày {d}.", "{n} parcels on {d}."),
    "pick": ("Thửa đất (tờ/thửa)", "Parcel (sheet/parcel)"),
    "pick_help": ("Nhập tờ/thửa, ví dụ 12/345, hoặc bấm vào thửa trên bản đồ.",
                  "Type sheet/parcel, e.g. 12/345, or click a parcel on the map."),
    "hint": ("Bấm vào một thửa trên bản đồ hoặc nhập tờ/thửa để xem lịch sử và ghi biến động.",
             "Click a parcel on the map or type sheet/parcel to see its history and enter a change."),
    "card": ("Thửa {ref}", "Parcel {ref}"),
    "not_in_force": ("Thửa này không còn trong hiện trạng ngày {d}.", "This parcel is not in force on {d}."),
    "history": ("Lịch sử biến động", "History of changes"),
    "parents": ("Thửa gốc", "Parent parcels"),
    "children": ("Thửa tách/hợp thành", "Child parcels"),
    "edit": ("Ghi biến động", "Enter a change"),
    "edit_past": ("Chỉ ghi biến động trên hiện trạng mới nhất: hãy chọn ngày hôm nay.",
                  "Changes are entered on the latest state: choose today's date."),
    "denied": ("Tài khoản người xem không được ghi biến động.", "A viewer account cannot enter changes."),
    "split": ("Tách thửa", "Split"),
    "merge": ("Hợp thửa", "Merge"),
    "land_use": ("Chuyển mục đích", "Land use"),
    "land_user": ("Chuyển quyền", "Land user"),
    "decision_no": ("Số văn bản", "Document number"),
    "decision_date": ("Ngày văn bản", "Document date"),
    "body": ("Cơ quan ban hành", "Issued by"),
    "effective": ("Ngày biến động", "Date of the change"),
    "split_hint": ("Vẽ đường chia trên bản đồ (công cụ «Vẽ đường chia thửa»), cắt ngang thửa từ cạnh này sang "
                   "cạnh kia, rồi bấm «Xong».",
                   "Draw the dividing line on the map (the 'Draw a line to split a parcel' tool) across the "
                   "parcel from side to side, then click 'Finish'."),
    "preview": ("Xem trước", "Preview"),
    "new_no": ("Số thửa mới", "New parcel number"),
    "area": ("Diện tích (m²)", "Area (m²)"),
    "save_split": ("Lưu tách thửa", "Save the split"),
    "merge_with": ("Hợp với thửa (tờ/thửa)", "Merge with parcel (sheet/parcel)"),
    "save_merge": ("Lưu hợp thửa", "Save the merge"),
    "new_use": ("Loại đất mới", "New land use"),
    "save_use": ("Lưu chuyển mục đích", "Save the change of land use"),
    "new_user": ("Tên chủ sử dụng mới", "New land user's name"),
    "new_user_id": ("Số định danh (không bắt buộc)", "ID number (optional)"),
    "save_user": ("Lưu chuyển quyền", "Save the change of land user"),
    "refused": ("Không ghi được", "Not entered"),
    "saved": ("Đã ghi mục {n}: {kind}.", "Entry {n} written: {kind}."),
    "changes": ("Biến động giữa hai ngày", "Changes between two dates"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "none": ("Không có biến động nào trong khoảng này.", "No change in this period."),
    "count": ("Số mục", "Entries"),
    "group": ("Nhóm đất", "Land-use group"),
    "village": ("Thôn", "Village"),
    "gained": ("Tăng (m²)", "Gained (m²)"),
    "lost": ("Giảm (m²)", "Lost (m²)"),
    "net": ("Thay đổi (m²)", "Net (m²)"),
    "rice": ("Đất trồng lúa", "Rice land"),
    "ponds": ("Đất nuôi trồng thủy sản", "Aquaculture ponds"),
    "entries": ("Các mục biến động", "The entries"),
    "kind": ("Loại biến động", "Kind of change"),
    "date": ("Ngày", "Date"),
})

MAP_KEY = "ledger_map"
CLICK_SEEN = "ledger_click_seen"
DRAW_SEEN = "ledger_draw_seen"
#: The parcel picked (``"SHEET/PARCEL"``), the dividing line drawn (WKT in the dataset's CRS).
SELECTED = "ledger_ref"
LINE = "ledger_line"
REF_INPUT = "ledger_ref_input"
SHOWN = "ledger_ref_shown"
AS_OF = "ledger_as_of"
FLASH = "ledger_flash"
RETURNED = ["all_drawings", "last_active_drawing", "last_object_clicked"]


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


def _pick(ref: str | None) -> None:
    st.session_state[SELECTED] = ref
    st.session_state[SHOWN] = ref or ""  # the sheet/parcel box shows it at the next run (it may be drawn now)
    st.session_state.pop(LINE, None)


def _on_ref_input() -> None:
    text = (st.session_state.get(REF_INPUT) or "").strip()
    if not text:
        _pick(None)
        return
    try:
        sheet, num = parse_ref(text)
    except LedgerError as exc:
        st.session_state[FLASH] = ("error", literal(exc.text(lang())))
        return
    _pick(f"{sheet}/{num}")


def _take_click(prepared, parcels) -> None:
    label = clicked_parcel(MAP_KEY, CLICK_SEEN, prepared)
    if label is not None:
        _pick(ref_of(parcels.loc[label]))


def _take_line(crs: object) -> None:
    """The latest line drawn in the browser becomes the dividing line (once per drawing)."""
    geometry = new_drawing(MAP_KEY, DRAW_SEEN, kind="LineString")
    if geometry is None:
        return
    try:
        st.session_state[LINE] = line_from_geojson(geometry, crs).wkt
    except (GisError, ValueError, TypeError) as exc:
        st.session_state[FLASH] = ("error", literal(str(exc)))


def _decision_inputs() -> tuple[dt.date, Decision]:
    c1, c2, c3, c4 = st.columns(4)
    number_ = c1.text_input(tr("decision_no"), key="ledger_dec_no", placeholder="125/QĐ-UBND")
    when = c2.date_input(tr("decision_date"), key="ledger_dec_date", value=None, format="DD/MM/YYYY")
    body = c3.text_input(tr("body"), key="ledger_dec_body", placeholder="UBND xã")
    effective = c4.date_input(tr("effective"), key="ledger_effective", value=dt.date.today(), format="DD/MM/YYYY")
    return effective, Decision(number_.strip(), when, body.strip())


def _run(job, after_ref) -> None:
    """Run a ledger job; show its refusal, or note the entry written and pick ``after_ref(entry)``."""
    try:
        entry: Entry = job()
    except GisError as exc:
        st.session_state[FLASH] = ("error", refusal(tr("refused"), exc.text(lang())))
    else:
        st.session_state[FLASH] = ("success", tr("saved", n=entry.entry_id, kind=entry.label(lang())))
        _pick(after_ref(entry))
    st.rerun()


def _areas(frame) -> pd.DataFrame:
    return pd.DataFrame({tr("new_no"): [ref_of(r) for _, r in frame.iterrows()],
                         tr("area"): [round(float(a), 1) for a in frame["map_area_m2"]]})


def _edit(ref: str) -> object:
    """The editing forms; returns the preview's new parcels (to draw on the map) or None."""
    found = store()
    by = auth.who()
    effective, decision = _decision_inputs()
    preview = None
    split_tab, merge_tab, use_tab, user_tab = st.tabs([tr("split"), tr("merge"), tr("land_use"), tr("land_user")])
    with split_tab:
        line_wkt = st.session_state.get(LINE)
        if not line_wkt:
            st.caption(tr("split_hint"))
        else:
            line = shapely.from_wkt(line_wkt)
            try:
                _, pieces = ledger.split_pieces(found, ref, line)
            except GisError as exc:
                st.error(refusal(tr("refused"), exc.text(lang())))
            else:
                preview = pieces
                st.markdown(f"**{tr('preview')}**")
                st.dataframe(_areas(pieces), hide_index=True, width="stretch")
                if st.button(tr("save_split"), type="primary", key="ledger_save_split", icon=":material/save:"):
                    _run(lambda: ledger.split(found, ref, line, date=effective, decision=decision, by=by),
                         lambda e: e.detail["new"][0])
    with merge_tab:
        other = st.text_input(tr("merge_with"), key="ledger_merge_with", placeholder="12/346").strip()
        if other:
            try:
                sheet, num = parse_ref(other)
                _, merged = ledger.merge_preview(found, [ref, f"{sheet}/{num}"])
            except GisError as exc:
                st.error(refusal(tr("refused"), exc.text(lang())))
            else:
                preview = merged
                st.dataframe(_areas(merged), hide_index=True, width="stretch")
                if st.button(tr("save_merge"), type="primary", key="ledger_save_merge", icon=":material/save:"):
                    _run(lambda: ledger.merge(found, [ref, f"{sheet}/{num}"], date=effective, decision=decision,
                                              by=by), lambda e: e.detail["new"][0])
    with use_tab:
        codes = sorted(landuse.LAND_USES)
        code = st.selectbox(tr("new_use"), codes, index=None, key="ledger_new_use",
                            format_func=lambda c: f"{c} — {landuse.name_of(c, lang=lang())}")
        if st.button(tr("save_use"), type="primary", key="ledger_save_use", disabled=code is None):
            _run(lambda: ledger.change_land_use(found, ref, str(code), date=effective, decision=decision, by=by),
                 lambda e: ref)
    with user_tab:
        owner = st.text_input(tr("new_user"), key="ledger_new_user")
        owner_id = st.text_input(tr("new_user_id"), key="ledger_new_user_id")
        if st.button(tr("save_user"), type="primary", key="ledger_save_user", disabled=not owner.strip()):
            _run(lambda: ledger.change_land_user(found, ref, owner, owner_id=owner_id.strip() or None,
                                                 date=effective, decision=decision, by=by), lambda e: ref)
    return preview


def _panel(ref: str, parcels, day: dt.date) -> object:
    code = lang()
    st.subheader(tr("card", ref=literal(ref)))
    in_force = parcels[(parcels["sheet"].map(key_text) + "/" + parcels["parcel_no"].map(key_text))
                       == ref]
    if in_force.empty:
        st.info(tr("not_in_force", d=f"{day:%d/%m/%Y}"))
    else:
        row = in_force.iloc[0]
        st.markdown(f"{literal(row.get('land_use'))} · **{literal(row.get('owner'))}** · "
                    f"{number(float(row['map_area_m2']), 1, lang=code)} m²")
    try:
        table, parents, children = history_table(ref, code)
    except GisError as exc:
        st.error(literal(exc.text(code)))
        return None
    st.markdown(f"**{tr('history')}**")
    st.dataframe(table, hide_index=True, width="stretch")
    if parents:
        st.caption(f"{tr('parents')}: {literal(', '.join(parents))}")
    if children:
        st.caption(f"{tr('children')}: {literal(', '.join(children))}")
    reverse_form(ref, key="ledger")
    st.markdown(f"**{tr('edit')}**")
    if not auth.can("edit_fields"):
        st.caption(tr("denied"))
        return None
    if day < dt.date.today():
        st.caption(tr("edit_past"))
        return None
    if in_force.empty:
        return None
    return _edit(ref)


def _overlay(prepared, parcels, ref: str | None, preview, crs) -> folium.FeatureGroup:
    position = None
    if ref:
        keys = parcels["sheet"].map(key_text) + "/" + parcels["parcel_no"].map(key_text)
        hits = [i for i, hit in enumerate((keys == ref).to_numpy()) if hit]
        position = hits[0] if hits else None
    group = selection_group(prepared, lang=lang(), selected=position)
    if preview is not None and len(preview):
        shapes = preview[[preview.geometry.name]].to_crs("EPSG:4326")  # geometry only: no data in the page
        folium.GeoJson(shapes.__geo_interface__, style_function=lambda _: {
            "color": DRAW_COLOUR, "weight": 2, "dashArray": "6 4", "fillOpacity": 0.1}).add_to(group)
    line_wkt = st.session_state.get(LINE)
    if line_wkt and ref:
        import geopandas as gpd

        line = gpd.GeoSeries([shapely.from_wkt(line_wkt)], crs=crs).to_crs("EPSG:4326").iloc[0]
        folium.PolyLine([(y, x) for x, y in line.coords], color=DRAW_COLOUR, weight=3).add_to(group)
    return group


def _changes() -> None:
    code = lang()
    st.subheader(tr("changes"))
    c1, c2 = st.columns(2)
    today = dt.date.today()
    start = c1.date_input(tr("from"), value=today.replace(year=today.year - 1), key="ledger_from",
                          format="DD/MM/YYYY")
    end = c2.date_input(tr("to"), value=today, key="ledger_to", format="DD/MM/YYYY")
    found = store()
    summary = changes_between(found, start, end)
    if not summary.entries:
        st.info(tr("none"))
        return
    kinds = pd.DataFrame({tr("kind"): [KIND_LABELS.get(k, Text(k, k))(code)
                                         for k in summary.by_kind],
        tr("count"): list(summary.by_kind.values())})
    st.dataframe(kinds, hide_index=True, width="stretch")

    def area_table(items, name: str, label) -> pd.DataFrame:
        return pd.DataFrame({name: [label(k) for k in items],
                             tr("gained"): [round(v.gained_m2, 1) for v in items.values()],
                             tr("lost"): [round(v.lost_m2, 1) for v in items.values()],
                             tr("net"): [round(v.net_m2, 1) for v in items.values()]})

    g1, g2 = st.columns(2)
    g1.dataframe(area_table(summary.by_group, tr("group"), lambda g: landuse.group_name(g, lang=code)),
                 hide_index=True, width="stretch")
    g2.dataframe(area_table(summary.by_village, tr("village"), str), hide_index=True, width="stretch")
    st.dataframe(area_table({tr("rice"): summary.rice, tr("ponds"): summary.ponds}, tr("group"), str),
                 hide_index=True, width="stretch")
    refs = entries_refs(found, summary.entries)
    st.markdown(f"**{tr('entries')}**")
    st.dataframe(pd.DataFrame({
        "#": [e.entry_id for e in summary.entries],
        tr("date"): [e.date for e in summary.entries],
        tr("kind"): [e.label(code) for e in summary.entries],
        tr("decision_no"): [e.decision.number for e in summary.entries],
        tr("body"): [e.decision.body for e in summary.entries],
        "→": [", ".join(refs.get(v, v) for v in e.before) + " → " + ", ".join(refs.get(v, v) for v in e.after)
              for e in summary.entries],
    }), hide_index=True, width="stretch")


st.title(tr("title"))
if PICK in st.session_state:
    _pick(st.session_state.pop(PICK))
show_flash(FLASH)
try:
    ledger_store = store()
except GisError as exc:
    st.error(literal(exc.text(lang())))
    st.stop()
day = st.date_input(tr("as_of"), value=dt.date.today(), key=AS_OF, format="DD/MM/YYYY", help=tr("as_of_help"))
data, prepared = map_as_of(day)
parcels = data.parcels
_take_click(prepared, parcels)
_take_line(ledger_store.crs)
st.caption(tr("parcels_shown", n=number(len(parcels), 0, lang=lang()), d=f"{day:%d/%m/%Y}"))

if SHOWN in st.session_state:
    st.session_state[REF_INPUT] = st.session_state.pop(SHOWN)
map_col, card_col = st.columns([3, 2])
with card_col:
    st.text_input(tr("pick"), key=REF_INPUT, help=tr("pick_help"), placeholder="12/345", on_change=_on_ref_input)
    ref = st.session_state.get(SELECTED)
    preview = _panel(ref, parcels, day) if ref else None
    if not ref:
        st.info(tr("hint"))
with map_col:
    assets = map_assets()
    folium_map = build_map(prepared, lang=lang(), assets=assets)
    collapse_legend(folium_map)  # the map is narrow: the legend folded, not over the parcel picked
    if auth.can("edit_fields"):
        add_draw(folium_map, assets, lang=lang(), shapes=("polyline",))
    view: dict = {}
    if ref:
        keys = parcels["sheet"].map(key_text) + "/" + parcels["parcel_no"].map(key_text)
        chosen = parcels[(keys == ref).to_numpy()]
        if len(chosen):
            view = map_view(bounds_wgs84(chosen))
    st_folium(folium_map, key=MAP_KEY, height=MAP_HEIGHT_PX, use_container_width=True, returned_objects=RETURNED,
              feature_group_to_add=_overlay(prepared, parcels, ref, preview, ledger_store.crs),
              center=view.get("center"), zoom=view.get("zoom"))

_changes()
