"""The map rendered once (app_pages.map_component) hands streamlit-folium's component what st_folium would.

streamlit-folium's component function is replaced by one that records its arguments (the component itself
runs in a browser: the browser tests of the map drive it); everything else is the installed streamlit-folium.
A version of streamlit-folium that renders or names its arguments differently fails here.
"""

from __future__ import annotations

import re

import folium
import folium.plugins
import pytest
import streamlit_folium
from folium.elements import JSCSSMixin

from app_pages import map_component
from layers.offline import asset_urls
from layers.render import use_local_assets


def _a_map() -> folium.Map:
    """A map like the commune map: no basemap, a GeoJSON layer, a script, a plugin with assets, a control."""
    assets = asset_urls("")
    use_local_assets(assets)
    m = folium.Map(location=[21.27, 106.0], zoom_start=14, tiles=None, prefer_canvas=True, maxZoom=21)
    m.default_js, m.default_css = assets.js, assets.css  # as layers.render.build_map
    folium.GeoJson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": 1},
         "geometry": {"type": "Polygon", "coordinates": [[[106.0, 21.27], [106.01, 21.27], [106.0, 21.28],
                                                          [106.0, 21.27]]]}}]}, name="parcels").add_to(m)
    folium.plugins.Fullscreen().add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _a_group() -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="selection", control=False)
    folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(group)
    folium.Marker([21.275, 106.005]).add_to(group)
    return group


def _same_ids(value: object) -> object:
    """``value`` with folium's random element ids (32 hex digits) replaced by one word: two maps made alike
    have different ids."""
    return re.sub(r"[0-9a-f]{32}", "ID", value) if isinstance(value, str) else value


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    recorded: list[dict] = []
    for name in ("default_js", "default_css"):  # use_local_assets sets them: put back after the test
        monkeypatch.setattr(folium.Map, name, getattr(folium.Map, name))
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kwargs: recorded.append(kwargs))
    return recorded


@pytest.mark.parametrize("returned", [["last_active_drawing", "last_object_clicked"], None])
def test_the_component_gets_what_st_folium_would_give_it(calls, returned):
    m = _a_map()
    assert any(isinstance(e, JSCSSMixin) for e in m._children.values())  # the assets' links are compared
    rendered = map_component.rendered(_a_map())  # rendering changes a map: each its own, made alike
    streamlit_folium.st_folium(m, key="commune_map", height=640, use_container_width=True,
                               returned_objects=returned, feature_group_to_add=_a_group(), center=[21.2, 106.1],
                               zoom=17)
    map_component.show(rendered, key="commune_map", height=640, use_container_width=True,
                       returned_objects=returned, feature_group_to_add=_a_group(), center=[21.2, 106.1], zoom=17)
    expected, got = calls
    assert set(got) == set(expected)
    for name in expected:
        if name != "on_change":
            assert _same_ids(got[name]) == _same_ids(expected[name]), name
    assert "lpmap" in " ".join(got["js_links"]) and got["feature_group"] and "L.marker" in got["feature_group"]
