"""The fields page's overlay as one folium group, swapped in place by streamlit-folium.

Like :func:`layers.render.selection_group`, it holds everything that changes while a field is planned, so
the commune map itself (with its drawing control) stays the same from one rerun to the next. It also
empties the drawing control's layer: a finished drawing becomes the field being planned, drawn here.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers import planned_fields
from layers.geometry import pack, pack_json, to_display
from layers.render import PackedLayer, Script
from layers.spec import LayerSpec


def _layer(frame: gpd.GeoDataFrame, spec: LayerSpec, *, lang: str) -> PackedLayer:
    display = to_display(frame)
    data = pack(display, spec)
    if spec.label:
        points = shapely.point_on_surface(display.geometry.to_numpy())
        data["lp"] = [[round(p.x, 6), round(p.y, 6)] for p in points]
    return PackedLayer(spec, pack_json(data), lang=lang, control=False)


def fields_group(*, lang: str, saved: gpd.GeoDataFrame | None = None, suggested: gpd.GeoDataFrame | None = None,
                 working: shapely.Geometry | None = None, working_parcels: gpd.GeoDataFrame | None = None,
                 crs=None) -> folium.FeatureGroup:
    """The overlay: ``saved`` fields (a ``name`` column; drafts, by their ``state`` column, drawn dashed),
    ``suggested`` blocks (a ``label`` column), the ``working`` outline and its ``working_parcels``; frames in
    any metric CRS, ``working`` in ``crs``.
    """
    group = folium.FeatureGroup(name="fields", control=False)
    if saved is not None and len(saved):
        draft = ((saved["state"] != "adopted").to_numpy() if "state" in saved.columns
                 else np.zeros(len(saved), dtype=bool))
        if (~draft).any():
            _layer(saved[~draft], planned_fields.SAVED, lang=lang).add_to(group)
        if draft.any():
            _layer(saved[draft], planned_fields.DRAFTS, lang=lang).add_to(group)
    if suggested is not None and len(suggested):
        _layer(suggested, planned_fields.SUGGESTED, lang=lang).add_to(group)
    if working_parcels is not None and len(working_parcels):
        _layer(working_parcels[[working_parcels.geometry.name]], planned_fields.WORKING_PARCELS,
               lang=lang).add_to(group)
    if working is not None and not working.is_empty:
        frame = gpd.GeoDataFrame(geometry=[working], crs=crs)
        _layer(frame, planned_fields.WORKING, lang=lang).add_to(group)
    Script("if (window.drawnItems && window.drawnItems.clearLayers) { window.drawnItems.clearLayers(); }").add_to(
        group)
    return group


def collapse_legend(m: folium.Map) -> None:
    """Start the map's legend folded (its title stays, a click opens it): the page's panel sits beside the
    map, and an open legend would hide a quarter of the fields being planned."""
    Script("document.querySelectorAll('.lp-legend details').forEach(function (d) { d.open = false; });").add_to(m)
