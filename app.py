"""The front door: page config, navigation and the shared sidebar. Pages live in ``app_pages/``."""

from __future__ import annotations

import streamlit as st

from app_pages import context
from layers.offline import install


@st.cache_resource(show_spinner=False)
def _start_up() -> None:
    """Once per server: copy the map's JavaScript and CSS into ``static/vendor/`` (served offline)."""
    install()


st.set_page_config(page_title="Lương Phong", page_icon="🗺️", layout="wide")
_start_up()

lang = context.sidebar()
pages = [
    st.Page("app_pages/map.py", title=context.t("page_map"), icon=":material/map:", url_path="map", default=True),
    st.Page("app_pages/overview.py", title=context.t("page_overview"), icon=":material/table_chart:", url_path="overview"),
]
st.navigation(pages).run()
