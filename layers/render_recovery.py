"""The recovery page's map overlay as folium objects (the commune map itself is :func:`layers.render.build_map`).

Everything that depends on the chosen boundary or the selected parcel goes in one group that
streamlit-folium swaps in place (``feature_group_to_add``): the base map stays the same from one rerun to the
next, so choosing another project or clicking a row neither reloads nor flickers the map.
"""

from __future__ import annotations

import folium

from layers import selection
from layers.catalogue import PreparedMap
from layers.geometry import pack, pack_json
from layers.recovery_parts import SPECS, RecoveryLayers
from layers.render import PackedLayer


def recovery_group(prepared: PreparedMap, layers: RecoveryLayers | None, *, lang: str,
                   selected: int | None = None) -> folium.FeatureGroup:
    """The boundary's parts, remainders, flagged parcels and outline, and the selected parcel on top.

    ``selected`` is a position in ``prepared.parcels_display``. None of these layers takes clicks: a click
    reaches the parcel below, which the page turns into a row of its table.
    """
    group = folium.FeatureGroup(name="recovery", control=False)
    if layers is not None:
        for spec in SPECS:
            PackedLayer(spec, layers.data[spec.key], lang=lang, control=False).add_to(group)
    if selected is not None:
        data = pack(prepared.parcels_display.iloc[[selected]], selection.SELECTED)
        PackedLayer(selection.SELECTED, pack_json(data), lang=lang, control=False).add_to(group)
    return group
