"""The recovery page's map overlay as folium objects (the commune map itself is :func:`layers.render.build_map`).

Everything that depends on the chosen boundary or the selected parcel goes in one group that
streamlit-folium swaps in place (``feature_group_to_add``): the base map stays the same from one rerun to the
next, so choosing another project or clicking a row neither reloads nor flickers the map.
"""

from __future__ import annotations

import copy
import json

import folium

from layers import selection
from layers.catalogue import PreparedMap
from layers.geometry import pack, pack_json
from layers.offline import AssetUrls
from layers.recovery_parts import SPECS, RecoveryLayers
from layers.render import PackedLayer, Script
from layers.render_draw import DRAW_LOCAL, LocalDraw, add_draw

#: The drawing button's title on the recovery page.
BOUNDARY_BUTTON = ("Vẽ ranh giới dự án (đa giác)", "Draw a project boundary (polygon)")


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
    # the commune map's land-use legend starts folded here, once, so that it does not hide the boundary
    Script("if (!window.__lpRecoveryLegend) { window.__lpRecoveryLegend = true; "
           "document.querySelectorAll('.lp-legend details').forEach(function (d) { d.open = false; }); }"
           ).add_to(group)
    if selected is not None:
        data = pack(prepared.parcels_display.iloc[[selected]], selection.SELECTED)
        PackedLayer(selection.SELECTED, pack_json(data), lang=lang, control=False).add_to(group)
    return group


def add_boundary_draw(m: folium.Map, assets: AssetUrls, *, lang: str) -> LocalDraw:
    """The polygon drawing control (:mod:`layers.render_draw`), its button named for a project boundary."""
    control = add_draw(m, assets, lang=lang)
    words = copy.deepcopy(DRAW_LOCAL["vi" if lang == "vi" else "en"])
    words["draw"]["toolbar"]["buttons"]["polygon"] = BOUNDARY_BUTTON[0 if lang == "vi" else 1]
    control.words_json = json.dumps(words, ensure_ascii=False).replace("<", "\\u003c").replace(
        ">", "\\u003e").replace("&", "\\u0026")
    return control
