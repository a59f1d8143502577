"""What a map layer is: its source, titles, style, kept properties and tooltip. Pure data, no folium.

Each module of this package describes one layer with a :class:`LayerSpec`; :mod:`layers.render` turns the
specs into a Leaflet map and :mod:`layers.geometry` turns the source frames into what the browser draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd


@dataclass(frozen=True)
class Field:
    """One property kept for the browser.

    ``key`` is the short name the browser sees; ``column`` the source column. ``kind`` is ``"text"``
    (sent once in a table, then by index), ``"int"`` or ``"float1"`` (rounded to 0.1).
    """

    key: str
    column: str
    kind: str = "text"


@dataclass(frozen=True)
class TooltipLine:
    """One line of a tooltip: a label and the property shown after it.

    ``fmt`` is ``"text"``, ``"int"``, ``"area_m2"`` (Vietnamese or English number, 0.1 m²) or ``"landuse"``
    (a land-use value such as ``"ONT+CLN"`` written as the names of its codes).
    """

    key: str
    label: tuple[str, str]
    fmt: str = "text"


@dataclass(frozen=True)
class LayerSpec:
    """A layer of the commune map.

    Parameters
    ----------
    key
        The layer's name in the dataset (``gis.files.io.LAYERS``) and in the browser.
    title
        Its title in the layer control and legend, in Vietnamese and English.
    style
        Leaflet path options (``color``, ``weight``, ``fillColor``, ``fillOpacity``, ``dashArray`` ...).
    fields
        The properties kept for the browser; nothing else leaves the server.
    tooltip
        The tooltip's lines; empty for no tooltip.
    fill_by
        A ``text`` field whose value picks the fill colour from ``colours``.
    colours
        Fill colour per value of ``fill_by``.
    style_by
        A ``text`` field whose value picks extra style options from ``styles`` (a road's class, its width).
    styles
        Style options per value of ``style_by``, over ``style``.
    label
        A ``text`` field written on the map at each feature (village names).
    interactive
        Whether the layer takes clicks and hovers; only the parcels do, so that a click anywhere on a
        parcel reaches it whatever is drawn above.
    show
        Whether the layer is on when the map opens.
    line
        Whether the layer is made of lines (roads, canals), for the legend's swatch.
    coverage
        Whether the layer is a coverage (neighbours share edges), simplified with
        ``shapely.coverage_simplify`` so that shared edges stay shared.
    simplify_m
        Simplification tolerance in metres (0 for none).
    prepare
        A function giving the frame to draw from the dataset's layer (derived columns, a subset).
    """

    key: str
    title: tuple[str, str]
    style: dict[str, object]
    fields: tuple[Field, ...] = ()
    tooltip: tuple[TooltipLine, ...] = ()
    fill_by: str | None = None
    colours: dict[str, str] = field(default_factory=dict)
    style_by: str | None = None
    styles: dict[str, dict[str, object]] = field(default_factory=dict)
    label: str | None = None
    interactive: bool = False
    show: bool = True
    line: bool = False
    coverage: bool = False
    simplify_m: float = 0.0
    prepare: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame] | None = None

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.title[0] if lang == "vi" else self.title[1]

    def for_browser(self, lang: str, *, names: dict[str, str] | None = None) -> dict[str, object]:
        """What the browser's ``lpmap.add`` needs to draw the layer, in ``lang`` (no data, no folium).

        ``names`` maps land-use codes to their names, for a tooltip line of format ``"landuse"`` (left out
        when ``None``: the map then gives them once for all its layers, see ``lpmap.configFromUrl``).
        """
        out: dict[str, object] = {
            "key": self.key,
            "style": dict(self.style),
            "interactive": self.interactive,
            "lang": lang,
        }
        if self.fill_by:
            out["fillBy"] = self.fill_by
            out["colours"] = dict(self.colours)
        if self.style_by:
            out["styleBy"] = self.style_by
            out["styles"] = {k: dict(v) for k, v in self.styles.items()}
        if self.label:
            out["label"] = self.label
        if self.tooltip:
            out["tooltip"] = [{"k": line.key, "l": line.label[0] if lang == "vi" else line.label[1], "f": line.fmt}
                              for line in self.tooltip]
            if names is not None and any(line.fmt == "landuse" for line in self.tooltip):
                out["names"] = dict(names)
        return out

    def source_frame(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The frame to draw: the dataset's layer passed through ``prepare``, with the fields' columns."""
        out = self.prepare(frame) if self.prepare is not None else frame
        for f in self.fields:
            if f.column not in out.columns:
                out = out.assign(**{f.column: pd.Series(None, index=out.index, dtype=object)})
        return out
