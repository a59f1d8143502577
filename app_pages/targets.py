"""Targets page (being built)."""

from __future__ import annotations

import streamlit as st

from app_pages.context import t

st.title(t("page_targets"))
st.info(t("coming_soon"))
