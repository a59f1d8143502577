"""What every page shares: the language, the dataset in use (cached), and the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gis import i18n
from gis.io import BUILTIN_DATA_DIR, Dataset, load_dataset

LANG_KEY = "lang"


def lang() -> str:
    """The user's language: ``"vi"`` (default) or ``"en"``."""
    return st.session_state.get(LANG_KEY, "vi")


def t(key: str, table: dict[str, tuple[str, str]] | None = None) -> str:
    """``key`` in the user's language, from ``table`` (a page's own strings) or the shared ones."""
    return i18n.t(key, lang(), table)


def _folder_stamp(folder: Path) -> float:
    """The newest modification time of the folder's files: the cache key changes when data changes."""
    return max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=0.0)


@st.cache_resource(show_spinner=False)
def _load(folder: str, stamp: float) -> Dataset:
    return load_dataset(Path(folder))


def data_folder() -> Path:
    """The folder of the dataset in use (the built-in data unless the user imported their own)."""
    return Path(st.session_state.get("data_folder", str(BUILTIN_DATA_DIR)))


def dataset_key() -> tuple[str, float]:
    """The folder in use and its files' newest modification time: a cache key for what pages derive."""
    folder = data_folder()
    return str(folder), _folder_stamp(folder)


def dataset() -> Dataset:
    """The dataset in use, read once per change of its files and shared by every session."""
    folder = data_folder()
    return _load(str(folder), _folder_stamp(folder))


def sidebar() -> str:
    """Draw the shared sidebar (language, data source, demonstration note) and return the language."""
    with st.sidebar:
        choice = st.radio(
            i18n.t("language", lang()), options=["vi", "en"], horizontal=True, key=LANG_KEY,
            format_func=lambda code: "Tiếng Việt" if code == "vi" else "English",
        )
        folder = data_folder()
        builtin = folder.resolve() == BUILTIN_DATA_DIR.resolve()
        source = i18n.t("builtin_data", choice) if builtin else str(folder)
        st.caption(f"{i18n.t('data_source', choice)}: **{source}**")
        if builtin:
            st.warning(i18n.t("demo_note", choice), icon="ℹ️")
    return choice
