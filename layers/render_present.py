"""Folium for the council: the presentation map (large labels) and the map as one offline HTML file."""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path

import folium
import geopandas as gpd
import xstatic.pkg.leaflet as xleaflet
from branca.element import Element, Figure

from layers.catalogue import PreparedMap
from layers.geometry import pack, pack_json, to_display
from layers.offline import ASSETS_DIR, AssetUrls
from layers.render import PackedLayer, build_map
from layers.spec import LayerSpec

#: What a presentation step points at: a strong outline with a wash, above every other layer.
HIGHLIGHT = LayerSpec(
    key="present_highlight",
    title=("Nổi bật", "Highlight"),
    style={"color": "#00c853", "weight": 5, "fillColor": "#00e676", "fillOpacity": 0.35, "fill": True},
)

#: CSS that makes the map readable from the back of a meeting room.
LARGE_LABELS_CSS = """
<style>
.lp-label span { font-size: 22px !important; }
.lp-tooltip, .leaflet-tooltip { font-size: 18px !important; }
.lp-legend { font-size: 16px !important; max-width: 380px !important; }
.lp-legend summary { font-size: 18px !important; }
.leaflet-control-scale-line { font-size: 16px !important; }
</style>
"""


def presentation_map(prepared: PreparedMap, *, lang: str, assets: AssetUrls) -> folium.Map:
    """The commune map with labels, tooltips and legend large enough for a projector."""
    # the legend starts folded: on a projector the map needs the room; one click opens it
    m = build_map(prepared, lang=lang, assets=assets, tiles_option=False, legend_open=False)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(LARGE_LABELS_CSS))
    return m


#: Draft fields in a presentation step: dashed and unfilled, apart from what counts.
DRAFT_HIGHLIGHT = LayerSpec(
    key="present_drafts",
    title=("Dự thảo (chưa phê duyệt)", "Drafts (not adopted)"),
    style={"color": "#1565c0", "weight": 4, "dashArray": "10 8", "fill": False},
)


def highlight_group(frame: gpd.GeoDataFrame | None, *, lang: str, colour: str = "#00c853",
                    drafts: gpd.GeoDataFrame | None = None) -> folium.FeatureGroup:
    """The shapes a presentation step points at (swapped in place by streamlit-folium), or an empty group;
    ``drafts`` (fields not adopted) are drawn apart, dashed."""
    group = folium.FeatureGroup(name="present_highlight", control=False)
    if frame is not None and not frame.empty:
        style = {**HIGHLIGHT.style, "color": colour, "fillColor": colour}
        spec = LayerSpec(key=HIGHLIGHT.key, title=HIGHLIGHT.title, style=style)
        display = to_display(frame[[frame.geometry.name]], simplify_m=0.5)
        PackedLayer(spec, pack_json(pack(display, spec)), lang=lang, control=False).add_to(group)
    if drafts is not None and not drafts.empty:
        display = to_display(drafts[[drafts.geometry.name]], simplify_m=0.5)
        PackedLayer(DRAFT_HIGHLIGHT, pack_json(pack(display, DRAFT_HIGHLIGHT)), lang=lang,
                    control=False).add_to(group)
    return group


def _data_url(path: Path, text: str | None = None) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    raw = text.encode() if text is not None else path.read_bytes()
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def inline_assets() -> AssetUrls:
    """The map's assets as data URLs, so a saved map needs no server and no internet.

    Leaflet's stylesheet refers to its control images by relative address: they are inlined too.
    """
    leaflet_dir = Path(xleaflet.BASE_DIR)
    css = (leaflet_dir / "leaflet.css").read_text()
    css = re.sub(r"url\((images/[^)]+)\)", lambda m: f"url({_data_url(leaflet_dir / m.group(1))})", css)
    return AssetUrls(
        leaflet_js=_data_url(leaflet_dir / "leaflet.js"),
        leaflet_css=_data_url(leaflet_dir / "leaflet.css", css),
        jquery_js="",
        lpmap_js=_data_url(ASSETS_DIR / "lpmap.js"),
        lpmap_css=_data_url(ASSETS_DIR / "lpmap.css"),
    )


def standalone_html(prepared: PreparedMap, *, lang: str, title: str, note: str = "") -> str:
    """The interactive commune map as one HTML file with every asset inside (opens offline on any PC)."""
    m = build_map(prepared, lang=lang, assets=inline_assets(), tiles_option=False)
    head = f"<title>{html.escape(title)}</title><link rel=\"icon\" href=\"data:,\">"  # no favicon request
    root = m.get_root()
    assert isinstance(root, Figure)
    if note:
        root.html.add_child(Element(
            "<div style='position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:1000;"
            "background:#fff8e1;border:1px solid #e0b000;padding:4px 10px;border-radius:4px;"
            f"font:14px sans-serif'>{html.escape(note)}</div>"))
    root.header.add_child(Element(head))
    return root.render()
