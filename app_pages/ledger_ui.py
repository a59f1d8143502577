"""What the ledger pages share: the dataset's land store, the map of a date, a parcel's history as a table.

Kept apart from the pages so that the map page's parcel card can show a parcel's history with one call
(:func:`history_expander`) and the ledger and clearance pages use the same store and caches.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from app_pages.context import DATASET_HASH, data_folder, lang, source_dataset, t
from app_pages.text import literal
from app_pages.ui import refusal, show_flash
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.ledger.opening import open_store
from gis.jobs.ledger.parcels import ref_of
from gis.jobs.ledger.reports import history
from gis.jobs.ledger.store import SqliteLandStore

TABLE: dict[str, Text] = texts({
    "history": ("Lịch sử biến động", "History of changes"),
    "open_ledger": ("Mở trang biến động đất đai", "Open the land changes page"),
    "no_history": ("Chưa có biến động nào được ghi cho thửa này.", "No change is recorded for this parcel."),
    "date": ("Ngày", "Date"),
    "kind": ("Loại biến động", "Kind of change"),
    "decision": ("Văn bản", "Document"),
    "decision_date": ("Ngày văn bản", "Document date"),
    "body": ("Cơ quan ban hành", "Issued by"),
    "before": ("Thửa trước", "Parcels before"),
    "after": ("Thửa sau", "Parcels after"),
    "entered_by": ("Người ghi", "Entered by"),
    "entry": ("Mục", "Entry"),
    "reverse": ("Hủy một mục đã ghi", "Reverse an entry"),
    "reverse_help": ("Một mục ghi sai không bị xóa: mục hủy bỏ trả các thửa về như trước mục đó, và cả hai "
                     "được giữ trong sổ.",
                     "A wrong entry is never deleted: a reversing entry brings the parcels back as they were "
                     "before it, and both stay in the ledger."),
    "reverse_pick": ("Mục cần hủy", "Entry to reverse"),
    "reverse_no": ("Số văn bản hủy", "Document number"),
    "reverse_date": ("Ngày văn bản", "Document date"),
    "reverse_body": ("Cơ quan ban hành", "Issued by"),
    "reverse_effective": ("Ngày hủy", "Date of the reversal"),
    "reverse_note": ("Lý do", "Reason"),
    "reverse_save": ("Ghi mục hủy bỏ", "Enter the reversal"),
    "reverse_done": ("Đã ghi mục {n}: hủy bỏ mục {m}.", "Entry {n} written: entry {m} reversed."),
    "reverse_refused": ("Không hủy được", "Not reversed"),
    "reverse_denied": ("Tài khoản người xem không được hủy mục đã ghi.", "A viewer account cannot reverse entries."),
})

#: Where the ledger page takes a parcel handed over by another page (``"SHEET/PARCEL"``).
PICK = "ledger_pick"


def tr(key: str) -> str:
    return t(key, TABLE)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=DATASET_HASH)
def _store(data: Dataset, ledger_file: str) -> SqliteLandStore:
    from app_pages import auth

    return open_store(data, by=auth.who())


def store() -> SqliteLandStore:
    """The land store (ledger) of the dataset in use; seeded from its parcels the first time."""
    from gis.jobs.ledger.opening import ledger_name, ledger_path

    data = source_dataset()
    return _store(data, str(ledger_path(ledger_name(data.folder))))


def store_stamp(found: SqliteLandStore) -> FileKey:
    """The store file's :func:`gis.files.io.file_key`: a cache key that changes with every entry written."""
    return file_key(found.path)


@st.cache_resource(show_spinner=False, max_entries=6, hash_funcs=DATASET_HASH)
def _as_of(base: Dataset, ledger_file: str, ledger_stamp: FileKey, day: dt.date | None):
    from gis.jobs.ledger.reports import dataset_as_of
    from layers.catalogue import prepare

    data = dataset_as_of(base, store(), day)
    return data, prepare(data)


def map_as_of(day: dt.date | None):
    """``(dataset, prepared map)`` whose parcels are those in force on ``day`` (today's when None), cached per
    dataset, ledger state and date. The prepared parcels are aligned by position to ``dataset.parcels``."""
    found = store()
    return _as_of(source_dataset(), str(found.path), store_stamp(found), day)


def history_table(ref: str, language: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """A parcel's history as a table (one row per change, oldest first), with its parents and children.

    Raises :class:`gis.jobs.ledger.store.LedgerError` when the ledger has no such parcel."""
    found = history(store(), ref)
    rows = []
    for item in found.items:
        e = item.entry
        rows.append({
            tr("entry"): e.entry_id,
            tr("date"): e.date,
            tr("kind"): e.label(language),
            tr("decision"): e.decision.number,
            tr("decision_date"): e.decision.date,
            tr("body"): e.decision.body,
            tr("before"): ", ".join(item.before) if e.kind != "initial" else "",
            tr("after"): ", ".join(item.after),
            tr("entered_by"): e.entered_by,
        })
    return pd.DataFrame(rows), found.parents, found.children


def _entry_label(entry, language: str) -> str:
    """An entry as the select box shows it (plain text there: no Markdown)."""
    return f"{entry.entry_id} · {entry.date:%d/%m/%Y} · {entry.label(language)} · {entry.decision.number}"


def reverse_form(ref: str, *, key: str) -> None:
    """Reverse one of the entries of parcel ``ref``'s history with its document (officers and admins): the
    changes not yet reversed (neither the initial state nor a reversal: a change undone is entered anew), the document's number, date and issuing body, the reversal's date and a reason.
    A refusal (a later change to reverse first, a date before the entry's) is shown with its reason; ``key``
    keeps the widgets of two places apart."""
    from app_pages import auth
    from gis.jobs.ledger.changes import reverse
    from gis.jobs.ledger.model import Decision

    language = lang()
    show_flash(f"{key}_reverse_msg")
    found = store()
    done = found.reversed_by()
    items = [i.entry for i in history(found, ref).items
             if i.entry.kind not in ("initial", "reversal") and i.entry.entry_id not in done]
    if not items:
        return
    if not auth.can("edit_fields"):
        st.caption(tr("reverse_denied"))
        return
    with st.container(border=True):
        st.markdown(f"**{tr('reverse')}**", help=tr("reverse_help"))
        by_id = {e.entry_id: e for e in items}
        chosen = st.selectbox(tr("reverse_pick"), list(by_id), index=len(by_id) - 1, key=f"{key}_reverse_entry",
                              format_func=lambda n: _entry_label(by_id[n], language))
        c1, c2, c3, c4 = st.columns(4)
        number_ = c1.text_input(tr("reverse_no"), key=f"{key}_reverse_no", placeholder="130/QĐ-UBND")
        when = c2.date_input(tr("reverse_date"), key=f"{key}_reverse_date", value=None, format="DD/MM/YYYY")
        body = c3.text_input(tr("reverse_body"), key=f"{key}_reverse_body", placeholder="UBND xã")
        effective = c4.date_input(tr("reverse_effective"), key=f"{key}_reverse_effective", value=dt.date.today(),
                                  format="DD/MM/YYYY")
        note = st.text_input(tr("reverse_note"), key=f"{key}_reverse_note")
        if st.button(tr("reverse_save"), key=f"{key}_reverse_save", icon=":material/undo:"):
            try:
                entry = reverse(found, int(chosen), date=effective, decision=Decision(number_.strip(), when,
                                                                                       body.strip()),
                                by=auth.who(), note=note.strip())
            except GisError as exc:
                st.session_state[f"{key}_reverse_msg"] = (
                    "error", refusal(tr("reverse_refused"), exc.text(language)))
            else:
                st.session_state[f"{key}_reverse_msg"] = ("success", tr("reverse_done").format(
                    n=entry.entry_id, m=chosen))
            st.rerun()


def history_expander(row: pd.Series | dict) -> None:
    """The map page's addition to a parcel card: an expander listing the parcel's changes, and a button to the
    land changes page with the parcel picked."""
    from gis.jobs.ledger.opening import ledger_name, ledger_path

    ref = ref_of(row)
    with st.expander(tr("history"), expanded=False):
        # the map page never seeds the ledger (seconds for a commune): without one, nothing is recorded yet
        if ledger_path(ledger_name(data_folder())).is_file():
            try:
                table, _, _ = history_table(ref, lang())
            except GisError as exc:
                st.caption(literal(exc.text(lang())))
                table = pd.DataFrame()
            if len(table) <= 1:
                st.caption(tr("no_history"))
            if len(table):
                st.dataframe(table, hide_index=True, width="stretch")
            if len(table) > 1:
                reverse_form(ref, key="card")
        else:
            st.caption(tr("no_history"))
        if st.button(tr("open_ledger"), key="ledger_from_map", icon=":material/history:"):
            st.session_state[PICK] = ref
            st.switch_page(Path(__file__).with_name("ledger.py"))  # absolute: app.py is elsewhere when installed


def line_from_geojson(geometry: dict, crs: object) -> shapely.Geometry:
    """A line drawn on the map (GeoJSON in WGS84) in the dataset's CRS."""
    from shapely.geometry import shape

    geom = shape(geometry)
    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(crs).iloc[0]


def folder_name() -> str:
    """The dataset folder's name (for file names)."""
    return Path(data_folder()).name
