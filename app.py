"""The front door: page config, navigation and the shared sidebar. Pages live in ``app_pages/``."""

from __future__ import annotations

import streamlit as st

from app_pages import context

st.set_page_config(page_title="Lương Phong", page_icon="🗺️", layout="wide")

lang = context.sidebar()
pages = [
    st.Page("app_pages/overview.py", title=context.t("page_overview"), icon="📊", url_path="overview",
            default=True),
]
st.navigation(pages).run()
