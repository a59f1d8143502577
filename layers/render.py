"""The one place that knows folium: the commune map and its highlights as folium objects.

The map is built from :class:`layers.catalogue.PreparedMap` (cached per dataset) and the language; it does
not depend on what is selected, so it stays the same from one rerun to the next and streamlit-folium keeps
the drawn map (no reload, no flicker, the view kept). What changes with a click, a search or a filter goes
in :func:`selection_group`, which streamlit-folium swaps in place (``feature_group_to_add``).

streamlit-folium sends the whole map script again at every rerun (it is an argument of a Streamlit component),
so the commune map page gives :func:`build_map` its :class:`MapSources`: the parcels are then drawn from vector
tiles (:mod:`gis.jobs.tiles`, Leaflet.VectorGrid) and the other layers fetched by address, and the script holds no
data, only addresses, styles and the legend (a few kilobytes, whatever the commune's size).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from folium.map import Layer
from folium.template import Template

from gis.core import landuse
from gis.jobs.tiles import LAYER as TILE_LAYER
from gis.jobs.tiles import OVERVIEW_MAX_ZOOM, TileSet, store_layer
from gis.jobs.tiles import PROPERTIES as TILE_PROPERTIES
from layers import selection
from layers.catalogue import PreparedMap
from layers.geometry import pack, pack_json, zoom_for
from layers.legend import legend_html
from layers.offline import AssetUrls
from layers.spec import LayerSpec

#: The map's height in pixels (the page and the zoom computation share it).
MAP_HEIGHT_PX = 640
#: The width assumed when choosing a zoom level for a view: the map's column on the smallest screen the tool
#: is used on (1366 x 768, sidebar open); wider screens only add room around the area.
MAP_WIDTH_PX = 700

TILES_TITLE = ("Bản đồ nền OpenStreetMap (cần Internet)", "OpenStreetMap background (needs the Internet)")
#: Shown on the map while the switched-on online background cannot load.
TILES_FAILED = ("Không tải được bản đồ nền trực tuyến (máy không có mạng?)",
                "The online background map cannot be loaded (is this computer offline?)")


def _script_json(value: object, *, encoded: bool = False) -> str:
    """``value`` as JSON safe inside a ``<script>`` element (as folium writes it).

    ``encoded`` says ``value`` is JSON text already (a packed layer).
    """
    text = str(value) if encoded else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class PackedLayer(Layer):
    """A layer packed by :func:`layers.geometry.pack`, decoded and drawn in the browser by ``lpmap.js``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = lpmap.add({{ this.spec_json }}, {{ this.data_json }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: LayerSpec, data_json: str, *, lang: str, control: bool = True) -> None:
        super().__init__(name=spec.title_in(lang), overlay=True, control=control, show=spec.show)
        self._name = "PackedLayer"
        self.spec_json = _spec_json(spec, lang)
        self.data_json = _script_json(data_json, encoded=True)


@dataclass(frozen=True)
class MapSources:
    """Where a map's data is fetched from, instead of being written into the map's HTML."""

    #: The parcel tiles' address, with ``{z}``, ``{x}`` and ``{y}``.
    tiles_url: str
    tiles: TileSet
    #: The address of each other layer's packed data, by layer key.
    layer_urls: dict[str, str] = field(default_factory=dict)
    #: The address of a stored file (:func:`gis.jobs.tiles.store_layer`) is this followed by ``<name>.json``.
    files_url: str = "/lp-map/layers/"

    def file_url(self, name: str) -> str:
        """The address of the stored file ``name``."""
        return f"{self.files_url}{name}.json"


def _names(lang: str) -> dict[str, str]:
    """The land-use codes' names in ``lang``, for the tooltips."""
    return {code: landuse.name_of(code, lang=lang) for code in landuse.LAND_USES}


def _spec_json(spec: LayerSpec, lang: str, *, names: bool = True) -> str:
    return _script_json(spec.for_browser(lang, names=_names(lang) if names else None))


class ParcelTiles(Layer):
    """The parcels drawn from vector tiles by ``lpmap.parcelTiles`` (Leaflet.VectorGrid)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = lpmap.parcelTiles({{ this._parent.get_name() }}, {{ this.spec_json }},
            {{ this.options_json }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: LayerSpec, url: str, tiles: TileSet, *, lang: str) -> None:
        super().__init__(name=spec.title_in(lang), overlay=True, control=True, show=spec.show)
        self._name = "ParcelTiles"
        browser = spec.for_browser(lang)
        # the tooltip says what the tiles carry (the legal area is on the card, not in every tile)
        browser["tooltip"] = [line for line in browser.get("tooltip", [])  # type: ignore[attr-defined]
                              if line["k"] in TILE_PROPERTIES]
        self.spec_json = _script_json(browser)
        west, south, east, north = tiles.bounds
        self.options_json = _script_json({"url": url, "layer": TILE_LAYER, "bounds": [[south, west], [north, east]],
                                          "minNativeZoom": tiles.min_zoom, "maxNativeZoom": tiles.max_zoom,
                                          "overviewMaxZoom": OVERVIEW_MAX_ZOOM})


class UrlLayer(Layer):
    """A packed layer fetched from its address by ``lpmap.addFromUrl``; ``below`` draws it under the parcels."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = lpmap.addFromUrl({{ this._parent.get_name() }}, {{ this.spec_json }},
            {{ this.url_json }}, {{ this.below_json }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: LayerSpec, url: str, *, lang: str, below: bool = False) -> None:
        super().__init__(name=spec.title_in(lang), overlay=True, control=True, show=spec.show)
        self._name = "UrlLayer"
        self.spec_json = _spec_json(spec, lang, names=False)
        self.url_json = _script_json(url)
        self.below_json = "true" if below else "false"


class Script(MacroElement):
    """Plain JavaScript; ``{map}`` in ``code`` becomes the parent map's variable."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code.replace("{map}", this._parent.get_name()) }}
        {% endmacro %}
        """
    )

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "Script"
        self.code = code


def use_local_assets(assets: AssetUrls) -> None:
    """Point every folium map made from now on at the local Leaflet and jQuery (no CDN).

    Other pages' maps (popups need jQuery) are covered too; a commune map replaces these per map.
    """
    folium.Map.default_js = [("leaflet", assets.leaflet_js), ("jquery", assets.jquery_js)]
    folium.Map.default_css = [("leaflet_css", assets.leaflet_css)]


def build_map(prepared: PreparedMap, *, lang: str, assets: AssetUrls, tiles_option: bool = True,
              legend_open: bool = False, sources: MapSources | None = None) -> folium.Map:
    """The commune map: every layer, a layer control, the legend and a scale bar; no basemap tiles.

    With ``sources`` the parcels are drawn from vector tiles and the other layers fetched from their addresses
    (the map's HTML then holds no data); without, every layer is written into the HTML, packed.
    ``tiles_option`` offers an OpenStreetMap background in the layer control, off by default (it needs
    the Internet; the commune's own layers are the basemap); when it is switched on and cannot load, a notice
    on the map says so. The legend starts folded (``legend_open``) so that it covers nothing until opened.
    """
    west, south, east, north = prepared.bounds
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=zoom_for(prepared.bounds, width_px=MAP_WIDTH_PX, height_px=MAP_HEIGHT_PX),
        tiles=None,
        prefer_canvas=True,
        control_scale=False,
        maxZoom=21,
    )
    m.default_js = assets.tiles_map if sources is not None else assets.js
    m.default_css = assets.css
    below = True  # the layers listed before the parcels are drawn under them
    for layer in prepared.layers:
        if sources is None:
            PackedLayer(layer.spec, layer.data_json, lang=lang).add_to(m)
        elif layer.spec.key == "parcels":
            ParcelTiles(layer.spec, sources.tiles_url, sources.tiles, lang=lang).add_to(m)
            below = False
        else:
            UrlLayer(layer.spec, sources.layer_urls[layer.spec.key], lang=lang, below=below).add_to(m)
    if tiles_option:
        folium.TileLayer("OpenStreetMap", name=TILES_TITLE[0] if lang == "vi" else TILES_TITLE[1],
                         overlay=True, show=False, control=True, max_zoom=21, max_native_zoom=19).add_to(m)
        notice = TILES_FAILED[0] if lang == "vi" else TILES_FAILED[1]
        Script(f"lpmap.tileNotice({{map}}, {_script_json(notice)});").add_to(m)
    folium.LayerControl(position="topright", collapsed=True).add_to(m)
    legend = legend_html(prepared.codes, [layer.spec for layer in prepared.layers], lang=lang, open_=legend_open)
    if sources is None:
        Script(f"lpmap.control({{map}}, {_script_json(legend)}, 'lp-legend', 'bottomright');").add_to(m)
    else:  # the legend and the land-use names (for the tooltips) fetched once, not sent at every rerun
        config = store_layer(json.dumps({"legend": legend, "names": _names(lang)}, ensure_ascii=False))
        Script(f"lpmap.configFromUrl({{map}}, {_script_json(sources.file_url(config))}, 'lp-legend', "
               "'bottomright');").add_to(m)
    Script("L.control.scale({metric: true, imperial: false, maxWidth: 180, position: 'bottomleft'})"
           ".addTo({map});").add_to(m)
    return m


def selection_group(prepared: PreparedMap, *, lang: str, selected: int | None = None,
                    matches: Sequence[int] = (), visible: Sequence[int] | None = None,
                    tile_filter: dict[str, list[str]] | None = None, tiles: bool = False) -> folium.FeatureGroup:
    """What a click, a search or a filter changes on the map, as one group swapped in place.

    ``selected`` and ``matches`` are positions in ``prepared.parcels_display``; ``visible`` the positions
    of the parcels the filters keep (``None`` for all). For a map whose parcels are tiles (``tiles``), the
    filters are ``tile_filter`` instead: the values kept per tile attribute (``{"v": villages, "g": groups}``,
    ``None`` for all), applied in the browser.
    """
    group = folium.FeatureGroup(name="selection", control=False)
    frame = prepared.parcels_display
    for spec, positions in ((selection.MATCHES, list(matches)),
                            (selection.SELECTED, [] if selected is None else [selected])):
        if positions:
            data = pack(frame.iloc[positions], spec)
            PackedLayer(spec, pack_json(data), lang=lang, control=False).add_to(group)
    if tiles:
        Script(f"lpmap.filterTiles('parcels', {_script_json(tile_filter)});").add_to(group)
        return group
    shown = "null" if visible is None else json.dumps([int(v) for v in visible], separators=(",", ":"))
    Script(f"lpmap.filter('parcels', {shown});").add_to(group)
    return group
