"""The front door: page config, navigation and the shared sidebar. Pages live in ``app_pages/``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import streamlit as st

from app_pages import auth, context, ui
from gis.core import logs
from gis.core.errors import GisError
from gis.core.text import Text, texts
from gis.files import admin_units

#: The pages' folder, found through the package (this file is ``gis_app/app.py`` in an installed wheel).
PAGES_DIR = Path(str(resources.files("app_pages")))


def _page_title() -> str:
    """The browser tab's title, from the administrative unit of the dataset in use (its name if it has none)."""
    folder = context.data_folder()
    try:
        unit = admin_units.of_folder(folder)
    except GisError:  # a damaged unit: the dataset's name still says which data this is
        unit = None
    return admin_units.app_title(unit, admin_units.dataset_name(folder), context.lang())


logs.setup()  # the workspace's log (imports, saves, errors); nothing changes when it is already set
st.set_page_config(page_title=_page_title(), page_icon="🗺️", layout="wide")
ui.install_style(context.lang())  # before the login form too: its words are Streamlit's as well

#: The titles of the land-change pages (the other pages' are in gis/core/i18n.py).
PAGES: dict[str, Text] = texts({
    "page_ledger": ("Biến động đất đai", "Land changes"),
    "page_clearance": ("Giải phóng mặt bằng", "Site clearance"),
})

user = auth.require_login()  # without a live session (when one is needed): only the login form, then stop
lang = context.sidebar()
auth.sidebar(user)
pages = [
    st.Page(PAGES_DIR / "map.py", title=context.t("page_map"), icon=":material/map:", url_path="map", default=True),
    st.Page(PAGES_DIR / "recovery.py", title=context.t("page_recovery"), icon=":material/crop:", url_path="recovery"),
    st.Page(PAGES_DIR / "fields.py", title=context.t("page_fields"), icon=":material/grass:", url_path="fields"),
    st.Page(PAGES_DIR / "targets.py", title=context.t("page_targets"), icon=":material/flag:", url_path="targets"),
    st.Page(PAGES_DIR / "overview.py", title=context.t("page_overview"), icon=":material/table_chart:", url_path="overview"),
    st.Page(PAGES_DIR / "presentation.py", title=context.t("page_presentation"), icon=":material/slideshow:",
            url_path="presentation"),
    st.Page(PAGES_DIR / "ledger.py", title=context.t("page_ledger", PAGES), icon=":material/history:",
            url_path="ledger"),
    st.Page(PAGES_DIR / "clearance.py", title=context.t("page_clearance", PAGES), icon=":material/engineering:",
            url_path="clearance"),
    st.Page(PAGES_DIR / "data.py", title=context.t("page_data"), icon=":material/folder_open:", url_path="data"),
]
st.navigation(pages).run()
