"""What every page shares: the language, the dataset in use (cached), the cache keys, and the sidebar.

Every cached function that derives something from the dataset takes the :class:`Dataset` itself (not its
folder and a time stamp beside it) and is decorated with ``hash_funcs=DATASET_HASH``: Streamlit then keys the
result on :attr:`gis.io.Dataset.key`, a digest of the data's content, so a result can never be served for other
data than it was made from. The dataset itself is read again whenever a file of its folder is written
(:func:`gis.io.folder_key`: sizes, modification and change times).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from app_pages.text import literal
from gis import datasets, i18n
from gis.errors import GisError
from gis.io import Dataset, folder_key, load_dataset
from gis.text import Text, texts

LANG_KEY = "lang"


def lang() -> str:
    """The user's language: ``"vi"`` (default) or ``"en"``."""
    return st.session_state.get(LANG_KEY, "vi")


def t(key: str, table: Mapping[str, Text] | None = None) -> str:
    """``key`` in the user's language, from ``table`` (a page's own strings) or the shared ones."""
    return i18n.t(key, lang(), table)


def num(value: float, digits: int = 1) -> str:
    """A number in the user's language (:func:`gis.text.number`): ``1.234,5`` or ``1,234.5``."""
    return i18n.number(float(value), digits, lang=lang())


def _dataset_hash(data: Dataset) -> str:
    return data.key


#: ``hash_funcs`` of every cached function given a dataset: hashed by its content (:attr:`Dataset.key`).
DATASET_HASH = {Dataset: _dataset_hash}


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(folder: str, files: tuple) -> Dataset:
    data = load_dataset(Path(folder))
    _ = data.key  # computed once here, not on the first page that caches on it
    return data


def active() -> datasets.Active:
    """The workspace's active dataset (:func:`gis.datasets.active`), read from the workspace, not the session.

    Read afresh at every rerun (a small file and one folder: about a millisecond), so a switch made in another
    tab, another browser or by the command line is followed at once, and the caches keyed on
    :func:`dataset` follow it.
    """
    return datasets.active()


def data_folder() -> Path:
    """The folder of the dataset in use: the workspace's active dataset (the built-in data until one is chosen)."""
    return active().info.folder


def dataset() -> Dataset:
    """The dataset in use, read once per change of its files and shared by every session.

    The folder comes from the workspace's active file, so a switch made anywhere is followed.
    """
    folder = data_folder()
    return _load(str(folder), folder_key(folder))


SIDEBAR: dict[str, Text] = texts({
    "choose": ("Chọn bộ dữ liệu", "Choose a dataset"),
    "use": ("Dùng bộ dữ liệu này", "Use this dataset"),
    "in_use": ("đang dùng", "in use"),
})


def _choice_label(info: datasets.DatasetInfo, current: str, language: str) -> str:
    """A dataset as the select box shows it (plain text there: no Markdown)."""
    label = info.title(language)
    if info.imported_at:
        label += f" ({info.imported_at.replace('T', ' ')[:16]})"
    if info.name == current:
        label += f" — {i18n.t('in_use', language, SIDEBAR)}"
    return label


def _switch(current: datasets.Active, language: str) -> None:
    """The explicit switch: a select box of the workspace's datasets and a button (officers and admins)."""
    from app_pages import auth

    if not auth.can("import"):  # who may import may choose the dataset every page uses
        return
    choices = {info.name: info for info in datasets.list_datasets()}
    names = list(choices)
    chosen = st.session_state.get("dataset_choice")
    if chosen not in choices:  # the first time, or the chosen one was removed meanwhile
        st.session_state.pop("dataset_choice", None)
    choice = st.selectbox(i18n.t("choose", language, SIDEBAR), names,
                          index=names.index(current.info.name) if current.info.name in names else 0,
                          format_func=lambda n: _choice_label(choices[n], current.info.name, language),
                          key="dataset_choice")
    if st.button(i18n.t("use", language, SIDEBAR), key="use_dataset", disabled=choice == current.info.name):
        try:
            datasets.use(choice, by=auth.who())
        except GisError as exc:
            st.error(literal(exc.text(language)))
            return
        st.rerun()


def sidebar() -> str:
    """Draw the shared sidebar (language, the dataset in use and the switch, the demonstration note when the
    built-in data is in use) and return the language."""
    with st.sidebar:
        choice = st.radio(
            i18n.t("language", lang()), options=["vi", "en"], horizontal=True, key=LANG_KEY,
            format_func=lambda code: "Tiếng Việt" if code == "vi" else "English",
        )
        current = active()
        st.caption(f"{i18n.t('data_source', choice)}: **{literal(current.info.title(choice))}**")
        if current.notice is not None:
            st.warning(literal(current.notice.text(choice)))
        _switch(current, choice)
        if current.info.builtin:
            st.warning(i18n.t("demo_note", choice), icon="ℹ️")
    return choice


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=DATASET_HASH)
def _prepared_map(data: Dataset):
    from layers.catalogue import prepare

    return prepare(data)


def prepared_map():
    """The dataset's layers ready for the browser (reprojected, simplified, packed), once per dataset."""
    return _prepared_map(dataset())


@st.cache_resource(show_spinner=False)
def _map_assets(base_url_path: str):
    from layers.offline import asset_urls
    from layers.render import use_local_assets

    urls = asset_urls(base_url_path)
    use_local_assets(urls)
    return urls


def map_assets():
    """The local addresses of the map's JavaScript and CSS (and every folium map pointed at them)."""
    return _map_assets(str(st.get_option("server.baseUrlPath") or ""))


def new_drawing(map_key: str, seen_key: str, *, kind: str | None = None) -> dict | None:
    """The GeoJSON geometry (WGS84) of the shape just drawn on the map ``map_key``, once per drawing; ``None``
    otherwise. The drawing handler of every page that lets the user draw.

    streamlit-folium keeps the shapes drawn in the widget's value (``all_drawings``): the latest one (of the
    geometry type ``kind``, such as ``"LineString"``, when given) is taken, and ``seen_key`` remembers it so
    that the next rerun does not take it again.
    """
    drawings = (st.session_state.get(map_key) or {}).get("all_drawings") or []
    if kind is not None:
        drawings = [d for d in drawings if ((d or {}).get("geometry") or {}).get("type") == kind]
    if not drawings:
        return None
    geometry = (drawings[-1] or {}).get("geometry") or {}
    seen = json.dumps(geometry, sort_keys=True)
    if seen == st.session_state.get(seen_key):
        return None
    st.session_state[seen_key] = seen
    return geometry


def clicked_parcel(map_key: str, seen_key: str, prepared) -> object | None:
    """The label of the parcel just clicked on the map ``map_key``, once per click; ``None`` otherwise.

    streamlit-folium keeps the last click in the widget's value after it happened: ``seen_key`` remembers the
    one already taken. The clicked feature carries its position in ``prepared.parcels_display`` (``i``) and its
    sheet and number (``s``, ``n``), checked against the parcel found there.
    """
    value = st.session_state.get(map_key) or {}
    click = value.get("last_object_clicked")
    if not click or click == st.session_state.get(seen_key):
        return None
    st.session_state[seen_key] = click
    props = ((value.get("last_active_drawing") or {}).get("properties")) or {}
    position = props.get("i")
    if not isinstance(position, int) or not 0 <= position < len(prepared.parcels_display):
        return None
    label = prepared.parcels_display.index[position]
    row = prepared.parcels_display.loc[label]
    from layers.geometry import browser_value

    # compared as the map sent them (integers): a sheet kept as text "12" is still sheet 12
    if props.get("s") != browser_value(row.get("sheet"), "int") or \
            props.get("n") != browser_value(row.get("parcel_no"), "int"):
        return None
    return label
