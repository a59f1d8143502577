"""What every page shares: the language, the dataset in use (cached), the cache keys, and the sidebar.

Every cached function that derives something from the dataset takes the :class:`Dataset` itself (not its
folder and a time stamp beside it) and is decorated with ``hash_funcs=DATASET_HASH``: Streamlit then keys the
result on :attr:`gis.files.io.Dataset.key`, a digest of the data's content, so a result can never be served for other
data than it was made from. The dataset itself is read again whenever a file of its folder is written
(:func:`gis.files.io.folder_key`: sizes, modification and change times).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from app_pages.text import literal
from gis.core import i18n
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.files.io import Dataset, folder_key, load_dataset
from gis.store import datasets

LANG_KEY = "lang"


def lang() -> str:
    """The user's language: ``"vi"`` (default) or ``"en"``."""
    return st.session_state.get(LANG_KEY, "vi")


def t(key: str, table: Mapping[str, Text] | None = None) -> str:
    """``key`` in the user's language, from ``table`` (a page's own strings) or the shared ones."""
    return i18n.t(key, lang(), table)


def words(table: Mapping[str, Text]) -> Callable[..., str]:
    """A page's ``tr(key, **fields)``: ``key`` of the page's ``table`` in the user's language, its ``{fields}``
    filled in when any are given (a text without fields is returned as it is, braces and all)."""

    def tr(key: str, **kwargs: object) -> str:
        text = t(key, table)
        return text.format(**kwargs) if kwargs else text

    return tr


def num(value: float, digits: int = 1) -> str:
    """A number in the user's language (:func:`gis.core.text.number`): ``1.234,5`` or ``1,234.5``."""
    return i18n.number(float(value), digits, lang=lang())


def _dataset_hash(data: Dataset) -> str:
    return data.key


#: ``hash_funcs`` of every cached function given a dataset: hashed by its content (:attr:`Dataset.key`).
DATASET_HASH: dict[str | type[Any], Callable[[Any], Any]] = {Dataset: _dataset_hash}


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(folder: str, files: tuple) -> Dataset:
    data = load_dataset(Path(folder))
    _ = data.key  # computed once here, not on the first page that caches on it
    return data


def active() -> datasets.Active:
    """The workspace's active dataset (:func:`gis.store.datasets.active`), read from the workspace, not the session.

    Read afresh at every rerun (a small file and one folder: about a millisecond), so a switch made in another
    tab, another browser or by the command line is followed at once, and the caches keyed on
    :func:`dataset` follow it.
    """
    return datasets.active()


def log_download(file_name: str) -> Callable[[], None]:
    """An ``on_click`` for a download button: the export logged (who, the dataset, the file) in the workspace's
    log (:mod:`gis.core.logs`) when the user clicks it."""

    def logged() -> None:
        from app_pages import auth
        from gis.core import logs
        logs.event("export", "ok", user=auth.who(), dataset=active().info.name, file=file_name, detail="download")

    return logged


def data_folder() -> Path:
    """The folder of the dataset in use: the workspace's active dataset (the built-in data until one is chosen).

    The merged commune is generated there first, under a spinner, when it is chosen and not there yet."""
    info = active().info
    if datasets.needs_generating(info):
        with st.spinner(datasets.GENERATING.get(lang())):
            datasets.generate(info)
    return info.folder


#: The app-wide "as of" date (the sidebar's date input): every figure, map and export of the pages that use
#: :func:`dataset` is of the land as it was on that date (see :mod:`gis.jobs.ledger.asof`).
AS_OF_KEY = "as_of"
AS_OF: dict[str, Text] = texts({
    "as_of": ("Số liệu tính đến ngày", "Figures as of"),
    "as_of_help": ("Các trang Bản đồ, Tổng hợp, Chỉ tiêu, Trình chiếu, Thu hồi đất, Cánh đồng và các tệp xuất "
                   "tính theo hiện trạng thửa đất của ngày này, theo sổ biến động. Chỉ lớp thửa đất có lịch sử; "
                   "các lớp khác là hiện trạng đang có.",
                   "The Map, Overview, Targets, Presentation, Recovery and Fields pages and their exports show "
                   "the parcels as they were on this date, from the land ledger. Only the parcel layer has a "
                   "history; the other layers are as they stand."),
})


def as_of() -> dt.date:
    """The date the pages' figures are asked as of: the sidebar's date, today by default."""
    day = st.session_state.get(AS_OF_KEY)
    return day if isinstance(day, dt.date) else dt.date.today()


def _ledger_stamp(folder: Path) -> tuple:
    """The state of the dataset's ledger file (:func:`gis.files.io.file_key`): changes with every entry."""
    from gis.files.io import file_key
    from gis.jobs.ledger.opening import ledger_name, ledger_path

    try:
        return tuple(file_key(ledger_path(ledger_name(folder))))
    except (OSError, GisError):
        return ()


def source_dataset() -> Dataset:
    """The dataset in use as read from its files (the ledger's first state), read once per change of its files
    and shared by every session. The folder comes from the workspace's active file, so a switch made anywhere
    is followed."""
    folder = data_folder()
    return _load(str(folder), folder_key(folder))




@st.cache_resource(show_spinner=False, max_entries=4)
def _dated(folder: str, files: tuple, ledger_stamp: tuple, day: dt.date) -> Dataset:
    from gis.jobs.ledger.asof import dated

    data = dated(_load(folder, files), day)
    _ = data.key  # computed once here, not on the first page that caches on it
    return data


def dataset() -> Dataset:
    """The dataset in use as of the sidebar's date (:func:`as_of`): its parcels those the land ledger has in
    force on that date, the data's own when the ledger holds no change; cached per dataset, ledger state and
    date. Raises :class:`gis.core.errors.GisError` for a date before the data's first state."""
    folder = data_folder()
    return _dated(str(folder), folder_key(folder), _ledger_stamp(folder), as_of())




@st.cache_resource(show_spinner=False, max_entries=8)
def _start(folder: str, files: tuple, ledger_stamp: tuple) -> dt.date:
    from gis.jobs.ledger.asof import start_date

    return start_date(Path(folder))


def as_of_note(data: Dataset | None = None) -> None:
    """The line every page using the date shows: "Số liệu tính đến ngày dd/mm/yyyy", and which layers have
    no history (they are as they stand, whatever the date)."""
    from gis.jobs.ledger.asof import as_of_text, undated_text

    day = as_of()
    note = undated_text(data, lang()) if data is not None else ""
    st.caption(f"**{as_of_text(day, lang())}**" + (f" · {note}" if note else ""))


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


def _as_of_input(folder: Path, language: str) -> None:
    """The app-wide "as of" date: from the data's first state (the ledger's) on, today by default."""
    try:
        start = _start(str(folder), folder_key(folder), _ledger_stamp(folder))
    except (OSError, GisError):  # a damaged ledger: the pages say so; the date still starts at none
        start = None
    current = st.session_state.get(AS_OF_KEY)
    if not isinstance(current, dt.date):
        st.session_state[AS_OF_KEY] = dt.date.today()
    elif start is not None and current < start:
        st.session_state[AS_OF_KEY] = start  # another dataset, starting later, was chosen meanwhile
    st.date_input(i18n.t("as_of", language, AS_OF), min_value=start, key=AS_OF_KEY, format="DD/MM/YYYY",
                  help=i18n.t("as_of_help", language, AS_OF))


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
        _as_of_input(current.info.folder, choice)
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


def _freeze_heap() -> None:
    """Keep the objects alive now (the datasets and maps just cached) out of Python's garbage collections.

    Streamlit collects every generation after every script run (``runner.postScriptGC``): with the merged
    commune's layers in memory that is a tenth of a second or more of the server per rerun (a click, a
    search, a page load), spent scanning the same long-lived objects again. Frozen (:func:`gc.freeze`), they
    are skipped. Called when a dataset's map has been built (once per dataset): what was frozen before is
    collected once first (:func:`gc.unfreeze`), so that a dataset no longer cached is freed.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=DATASET_HASH)
def _tiles_map(data: Dataset, base_url_path: str):
    from gis.jobs import tiles
    from layers.catalogue import prepare
    from layers.render import MapSources

    prepared = prepare(data, pack_parcels=False)
    tile_set = tiles.ensure_tiles(data.parcels)
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    sources = MapSources(tiles_url=f"{base}/lp-map/tiles/{tile_set.key}/{{z}}/{{x}}/{{y}}.pbf", tiles=tile_set,
                         files_url=f"{base}/lp-map/layers/")
    # the other layers in one stored file, {key: packed layer} (one request for all, not one each); a layer's
    # address is the file's with its key after "#" (lpmap.addFromUrl fetches the file once)
    overlays = [layer for layer in prepared.layers if layer.spec.key != "parcels"]
    bundle = sources.file_url(tiles.store_layer(
        "{" + ",".join(f"{json.dumps(layer.spec.key)}:{layer.data_json}" for layer in overlays) + "}"))
    sources.layer_urls.update({layer.spec.key: f"{bundle}#{layer.spec.key}" for layer in overlays})
    _freeze_heap()
    return prepared, sources


def warm_map(folder: Path) -> None:
    """Build the caches the map page uses for the dataset in ``folder`` as of today (what a new session asks
    for first): the dataset read and dated, its map prepared and its tiles built. For the server's start
    (``serve.py``, a background thread, outside any session): the first user then finds them made, or waits
    for this build (Streamlit computes a cached value once; another caller waits for it) instead of doing
    the same work beside it. The tiles are built in a thread of their own while the map is prepared (the
    map's build then waits for them, :func:`gis.jobs.tiles.ensure_tiles`). Raises
    :class:`gis.core.errors.GisError` as the map page would show it."""
    import threading

    from gis.jobs import tiles

    data = _dated(str(folder), folder_key(folder), _ledger_stamp(folder), dt.date.today())

    def build_tiles() -> None:
        from gis.core import logs

        try:
            tiles.ensure_tiles(data.parcels)
        except GisError:  # told by the map's build below, which meets the same error
            pass
        except Exception as exc:  # noqa: BLE001 - a bug in this thread would end it unseen: logged, and the
            logs.bug("warm_map", exc=exc)  # map's build below meets it and tells the user

    threading.Thread(target=build_tiles, name="lp-warm-tiles", daemon=True).start()
    _tiles_map(data, str(st.get_option("server.baseUrlPath") or ""))


def tiles_map():
    """The dataset's map for vector tiles: ``(PreparedMap, MapSources)``, once per dataset.

    The parcels' tiles are built on first use (:func:`gis.jobs.tiles.ensure_tiles`, cached on disk by content) and
    the other layers stored for ``serve.py`` to serve; built again if the cache folder lost them meanwhile.
    """
    from gis.jobs import tiles
    args = (dataset(), str(st.get_option("server.baseUrlPath") or ""))
    prepared, sources = _tiles_map(*args)
    root = tiles.cache_root()
    names = [url.split("#")[0].rsplit("/", 1)[-1].removesuffix(".json") for url in sources.layer_urls.values()]
    layer_paths = [tiles.layer_file(root, name) for name in names]
    if tiles.tile_set_at(sources.tiles.folder) is None or not all(p is not None and p.is_file() for p in layer_paths):
        _tiles_map.clear()
        prepared, sources = _tiles_map(*args)
    return prepared, sources


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


def _new_click(map_key: str, seen_key: str) -> dict:
    """The properties of the feature just clicked on the map ``map_key``, once per click; ``{}`` otherwise.

    streamlit-folium keeps the last click in the widget's value after it happened: ``seen_key`` remembers the
    one already taken.
    """
    value = st.session_state.get(map_key) or {}
    click = value.get("last_object_clicked")
    if not click or click == st.session_state.get(seen_key):
        return {}
    st.session_state[seen_key] = click
    return ((value.get("last_active_drawing") or {}).get("properties")) or {}


def clicked_tile_parcel(map_key: str, seen_key: str, parcels) -> object | None:
    """The label of the parcel just clicked on a map whose parcels are vector tiles, once per click.

    The tile feature's attributes are looked up by :func:`gis.jobs.tiles.feature_label` (the same definition the
    tiles were built with).
    """
    from gis.jobs.tiles import feature_label

    props = _new_click(map_key, seen_key)
    return feature_label(parcels, props) if props else None


def clicked_parcel(map_key: str, seen_key: str, prepared) -> object | None:
    """The label of the parcel just clicked on the map ``map_key``, once per click; ``None`` otherwise.

    The clicked feature carries its position in ``prepared.parcels_display`` (``i``) and its sheet and number
    (``s``, ``n``), checked against the parcel found there.
    """
    props = _new_click(map_key, seen_key)
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
