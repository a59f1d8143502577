"""Area summary: the commune's figures against which the plan is checked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.context import as_of_note, dataset, lang, t
from app_pages.ui import halt, number_table
from gis.core import landuse
from gis.core.errors import GisError
from gis.core.i18n import number
from gis.jobs.summary import summarise

st.title(t("page_overview"))
try:
    data = dataset()
    figures = summarise(data)
except GisError as exc:
    halt(exc)
as_of_note(data)

cols = st.columns(4)
cols[0].metric(t("parcels"), number(figures.parcel_count, 0, lang=lang()))
cols[1].metric(t("rice_before") + " (ha)", number(figures.rice_ha_before_recovery, 1, lang=lang()))
cols[2].metric(t("rice_after") + " (ha)", number(figures.rice_ha_after_recovery, 1, lang=lang()))
cols[3].metric(t("recovered") + " (ha)", number(figures.recovered_ha, 1, lang=lang()))
cols = st.columns(4)
cols[0].metric(t("ponds_before") + " (ha)", number(figures.aquaculture_ha_before_recovery, 1, lang=lang()))
cols[1].metric(t("ponds_after") + " (ha)", number(figures.aquaculture_ha_after_recovery, 1, lang=lang()))
cols[2].metric(t("fields_kept") + " (ha)", number(figures.concentrated_fields_ha, 1, lang=lang()))

left, right = st.columns(2)
with left:
    st.subheader(t("by_land_use"))
    table = pd.DataFrame({
        t("code"): list(figures.by_land_use),
        t("land_use"): [landuse.name_of(None if c == "?" else c, lang=lang()) for c in figures.by_land_use],
        t("area_ha"): list(figures.by_land_use.values()),
    })
    # the long names wrap into a medium column, so the areas stay in sight on a 1366-px screen
    st.dataframe(number_table(table, {t("area_ha"): 2}, lang=lang()), hide_index=True, width="stretch",
                 column_config={t("land_use"): st.column_config.TextColumn(width="medium")})
with right:
    st.subheader(t("by_village"))
    table = pd.DataFrame({t("village"): list(figures.by_village),
                          t("area_ha"): list(figures.by_village.values())})
    st.dataframe(number_table(table, {t("area_ha"): 2}, lang=lang()), hide_index=True, width="stretch")
