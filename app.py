"""The front door: page config, navigation and the shared sidebar. Pages live in ``app_pages/``."""

from __future__ import annotations

import streamlit as st

from app_pages import auth, context, ui
from gis import admin_units
from gis.errors import GisError
from gis.text import Text, texts
from layers.offline import install


@st.cache_resource(show_spinner=False)
def _start_up() -> None:
    """Once per server: copy the map's JavaScript and CSS into ``static/vendor/`` (served offline)."""
    install()


def _page_title() -> str:
    """The browser tab's title, from the administrative unit of the dataset in use (its name if it has none)."""
    folder = context.data_folder()
    try:
        unit = admin_units.of_folder(folder)
    except GisError:  # a damaged unit: the dataset's name still says which data this is
        unit = None
    return admin_units.app_title(unit, admin_units.dataset_name(folder), context.lang())


st.set_page_config(page_title=_page_title(), page_icon="🗺️", layout="wide")
_start_up()
ui.install_style(context.lang())  # before the login form too: its words are Streamlit's as well

#: The titles of the land-change pages (the other pages' are in gis/i18n.py).
PAGES: dict[str, Text] = texts({
    "page_ledger": ("Biến động đất đai", "Land changes"),
    "page_clearance": ("Giải phóng mặt bằng", "Site clearance"),
})

user = auth.require_login()  # without a live session (when one is needed): only the login form, then stop
lang = context.sidebar()
auth.sidebar(user)
pages = [
    st.Page("app_pages/map.py", title=context.t("page_map"), icon=":material/map:", url_path="map", default=True),
    st.Page("app_pages/recovery.py", title=context.t("page_recovery"), icon=":material/crop:", url_path="recovery"),
    st.Page("app_pages/fields.py", title=context.t("page_fields"), icon=":material/grass:", url_path="fields"),
    st.Page("app_pages/targets.py", title=context.t("page_targets"), icon=":material/flag:", url_path="targets"),
    st.Page("app_pages/overview.py", title=context.t("page_overview"), icon=":material/table_chart:", url_path="overview"),
    st.Page("app_pages/presentation.py", title=context.t("page_presentation"), icon=":material/slideshow:",
            url_path="presentation"),
    st.Page("app_pages/ledger.py", title=context.t("page_ledger", PAGES), icon=":material/history:",
            url_path="ledger"),
    st.Page("app_pages/clearance.py", title=context.t("page_clearance", PAGES), icon=":material/engineering:",
            url_path="clearance"),
    st.Page("app_pages/data.py", title=context.t("page_data"), icon=":material/folder_open:", url_path="data"),
]
st.navigation(pages).run()
