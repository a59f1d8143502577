"""The legend (chú giải): the land-use codes on the map with their Vietnamese names, and the other layers.

Pure data and HTML; :mod:`layers.render` puts it inside the map as a plain Leaflet control (folium has no
categorical legend, and branca's legends pull d3 from a CDN).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from gis.core import landuse
from layers.spec import LayerSpec

TITLE = ("Chú giải", "Legend")
LAND_USE_HEADING = ("Loại đất", "Land use")
LAYERS_HEADING = ("Lớp bản đồ", "Layers")
#: The legend's code for parcels with a blank or NULL land-use code.
NO_CODE = "—"


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a code (empty for a layer), a label and how its swatch is drawn."""

    code: str
    label: str
    fill: str | None
    stroke: str
    dashed: bool = False
    line: bool = False


def land_use_entries(codes: list[str], *, lang: str = "vi") -> list[LegendEntry]:
    """The land-use values present on the map, in the order of the national list (rice first), with names.

    A mixed value (``ONT+CLN``) has its own entry, named ``"... (hỗn hợp)"``, in its first code's colour
    (the colour the map gives it), after that code.
    """
    order = {code: i for i, code in enumerate(landuse.LAND_USES)}
    known = sorted((c for c in codes if not landuse.unknown_codes(c) and landuse.split_codes(c)),
                   key=lambda c: (order[landuse.primary_code(c) or ""], len(landuse.split_codes(c)), c))
    unknown = sorted(c for c in codes if c not in known)
    entries = [LegendEntry(c, landuse.name_of(c, lang=lang), "#{:02x}{:02x}{:02x}".format(*landuse.colour_of(c)),
                           "#7a7a7a")
               for c in known]
    grey = "#{:02x}{:02x}{:02x}".format(*landuse.UNKNOWN_COLOUR)
    entries += [LegendEntry(c, "Mã không rõ" if lang == "vi" else "Unknown code", grey, "#7a7a7a")
                for c in unknown if c != NO_CODE]
    if NO_CODE in codes:
        entries.append(LegendEntry(NO_CODE, landuse.NO_CODE_NAME[0 if lang == "vi" else 1],
                                   "#{:02x}{:02x}{:02x}".format(*landuse.NO_CODE_COLOUR), "#7a7a7a"))
    return entries


def layer_entries(specs: list[LayerSpec], *, lang: str = "vi") -> list[LegendEntry]:
    """The other layers (everything but the parcels), drawn as their outline, wash or line."""
    out = []
    for spec in specs:
        if spec.key == "parcels":
            continue
        style = spec.style
        filled = not spec.line and bool(style.get("fill", True))
        fill = str(style.get("fillColor", style.get("color"))) if filled else None
        out.append(LegendEntry("", spec.title_in(lang), fill, str(style.get("color", "#333333")),
                               dashed="dashArray" in style, line=spec.line))
    return out


def _swatch(entry: LegendEntry) -> str:
    if entry.code:
        return f'<span class="sw" style="background:{entry.fill}"></span>'
    border = "dashed" if entry.dashed else "solid"
    if entry.line:
        return f'<span class="ln" style="border-top:3px {border} {entry.stroke}"></span>'
    fill = f"{entry.fill}55" if entry.fill else "transparent"
    return f'<span class="sw" style="background:{fill};border:2px {border} {entry.stroke}"></span>'


def legend_html(codes: list[str], specs: list[LayerSpec], *, lang: str = "vi", open_: bool = True) -> str:
    """The legend as HTML (escaped), with a heading per part; ``open_=False`` starts it folded."""
    def pick(pair: tuple[str, str]) -> str:
        return pair[0] if lang == "vi" else pair[1]

    rows = [f'<details{" open" if open_ else ""}><summary>{escape(pick(TITLE))}</summary>', f'<h5>{escape(pick(LAND_USE_HEADING))}</h5>']
    for e in land_use_entries(codes, lang=lang):
        rows.append(f'<div class="row" data-code="{escape(e.code)}">{_swatch(e)}'
                    f'<span class="code">{escape(e.code)}</span><span>{escape(e.label)}</span></div>')
    rows.append(f'<h5>{escape(pick(LAYERS_HEADING))}</h5>')
    for e in layer_entries(specs, lang=lang):
        rows.append(f'<div class="row">{_swatch(e)}<span>{escape(e.label)}</span></div>')
    rows.append("</details>")
    return "".join(rows)
