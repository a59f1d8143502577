"""streamlit-folium's map component, the map rendered once instead of at every rerun.

:func:`streamlit_folium.st_folium` renders the whole folium map to its script at every call: every element's
output is made a Jinja template and compiled again (branca), about a hundred milliseconds of the server's
time per rerun for the commune map, on a page whose map never changes (only its highlight group does). Here
the map is rendered once by :func:`rendered` (its result kept by the caller, e.g. in ``st.cache_resource``)
and :func:`show` hands streamlit-folium's component the same arguments as ``st_folium`` would, the feature
group rendered apart (small). Written for streamlit-folium 0.27.4 (pinned in ``pyproject.toml``), whose
helpers it calls; ``tests/test_map_component.py`` checks that the arguments are the same as ``st_folium``'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import folium
import folium.elements
import streamlit as st
import streamlit_folium as sf


@dataclass(frozen=True)
class RenderedMap:
    """What ``st_folium`` derives from a folium map (never changed once made: shared by sessions)."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: Any
    zoom: Any


def rendered(folium_map: folium.Map) -> RenderedMap:
    """Render ``folium_map`` as ``st_folium`` does (a plain :class:`folium.Map`: no DualMap, no colour map).

    The map is changed by rendering (its figure filled): give it to nothing else afterwards.
    """
    folium_map.get_root().render()
    folium_map.render()
    css: list[str] = []
    js: list[str] = []

    def walk(element: Any) -> None:
        if isinstance(element, folium.elements.JSCSSMixin):
            css.extend(href for _, href in getattr(element, "default_css", []))
            js.extend(src for _, src in getattr(element, "default_js", []))
        for child in getattr(element, "_children", {}).values():
            walk(child)

    walk(folium_map)
    try:
        bounds = folium_map.get_bounds()
    except AttributeError:
        bounds = [[None, None], [None, None]]
    # in st_folium's order: making the script renames the map's elements (the map's id included)
    html = sf._get_html(folium_map)
    header = sf._get_header(folium_map)
    script = sf._get_map_string(folium_map)
    return RenderedMap(script=script, header=header, html=html, map_id=sf.get_full_id(folium_map),
                       css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                       bounds=bounds, zoom=folium_map.options.get("zoom"))


def _defaults(rendered_map: RenderedMap, returned_objects: Iterable[str] | None) -> dict[str, Any]:
    """The component's value before any interaction (``st_folium``'s ``defaults``)."""
    (south, west), (north, east) = rendered_map.bounds
    values = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None, "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
        "zoom": rendered_map.zoom, "last_circle_radius": None, "last_circle_polygon": None,
        "selected_layers": None, "selected_tags": None, "last_geocoder_result": None,
    }
    kept = None if returned_objects is None else list(returned_objects)
    return {k: v for k, v in values.items() if kept is None or k in kept}


def show(rendered_map: RenderedMap, *, key: str, height: int, returned_objects: list[str] | None = None,
         feature_group_to_add: folium.FeatureGroup | None = None, center: Any = None, zoom: int | None = None,
         use_container_width: bool = True, width: int | None = 500) -> Any:
    """The map in the page: ``st_folium(folium_map, key=..., ...)`` for the map :func:`rendered` made.

    The feature group is rendered on a map of its own (its script names the map ``map_div``, whatever map
    holds it), as ``st_folium`` renders it on the map given. ``st.session_state[key]`` holds the map's value
    after a change, as with ``st_folium``.
    """
    group = None
    if feature_group_to_add is not None:
        group = sf._get_feature_group_string(feature_group_to_add, map=folium.Map(tiles=None), idx=0)
    hash_key = sf.generate_js_hash(rendered_map.script, key, False)

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=rendered_map.script, header=rendered_map.header, html=rendered_map.html, id=rendered_map.map_id,
        key=hash_key, height=height, width=None if use_container_width else width, returned_objects=returned_objects,
        default=_defaults(rendered_map, returned_objects), zoom=zoom, center=center, feature_group=group,
        return_on_hover=False, layer_control=None, pixelated=False, css_links=list(rendered_map.css_links),
        js_links=list(rendered_map.js_links), on_change=on_change, wrap_longitude=False,
    )
