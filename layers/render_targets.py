"""What a plan target measures, drawn over the commune map (the targets page).

:func:`prepare_highlight` turns a target's footprints (:func:`gis.jobs.targets.footprint.footprints`) into what the browser
needs; it knows no folium and its result is small and cacheable. Parcels are not sent again: the commune
map already holds them, so the highlight only says which of them the target counts and which belong to a
share's base without counting; ``assets/lptargets.js`` restyles them (the others fade). Other layers'
features (ponds, roads, canals, fields, recovered land) are few and are sent packed. :func:`target_group`
makes the folium group that streamlit-folium swaps in place (``feature_group_to_add``), so changing the
target never reloads the map; :func:`use_target_script` puts the script on the map once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import folium
import pandas as pd

from gis.jobs.targets.footprint import Footprint
from layers.catalogue import PreparedMap, spec_of
from layers.geometry import pack, pack_json, to_display
from layers.offline import AssetUrls
from layers.render import PackedLayer, Script, _script_json
from layers.spec import Field, LayerSpec, TooltipLine

#: Parcels a target counts (their land-use fill kept), a share's base parcels that do not count, the others.
COUNTED_STYLE = {"color": "#0d47a1", "weight": 0.9, "opacity": 1, "fillOpacity": 0.95}
REST_STYLE = {"color": "#b71c1c", "weight": 1.2, "opacity": 1, "fillColor": "#ff5252", "fillOpacity": 0.9}
OTHER_STYLE = {"opacity": 0.25, "fillOpacity": 0.12}

_NAME = (Field("t", "_title", "text"),)
_TIP = (TooltipLine("t", ("Đối tượng", "Feature")),)

#: Highlight layers for features other than parcels: (polygon spec, line spec) per role.
SPECS: dict[str, tuple[LayerSpec, LayerSpec]] = {
    "counted": (
        LayerSpec(key="target_counted", title=("Được tính vào chỉ tiêu", "Counted by the target"),
                  style={"color": "#0d47a1", "weight": 3, "fillColor": "#2979ff", "fillOpacity": 0.3, "fill": True},
                  fields=_NAME, tooltip=_TIP, interactive=True),
        LayerSpec(key="target_counted_lines", title=("Được tính vào chỉ tiêu", "Counted by the target"),
                  style={"color": "#0d47a1", "weight": 5, "opacity": 0.9}, fields=_NAME, tooltip=_TIP,
                  interactive=True, line=True),
    ),
    "rest": (
        LayerSpec(key="target_rest", title=("Chưa được tính", "Not counted"),
                  style={"color": "#d50000", "weight": 3, "fillColor": "#ff5252", "fillOpacity": 0.25, "fill": True},
                  fields=_NAME, tooltip=_TIP, interactive=True),
        LayerSpec(key="target_rest_lines", title=("Chưa được tính", "Not counted"),
                  style={"color": "#d50000", "weight": 5, "opacity": 0.9}, fields=_NAME, tooltip=_TIP,
                  interactive=True, line=True),
    ),
    "planned": (
        LayerSpec(key="target_planned", title=("Cánh đồng quy hoạch mới", "Newly planned fields"),
                  style={"color": "#6a1b9a", "weight": 3, "dashArray": "6 4", "fillColor": "#ab47bc",
                         "fillOpacity": 0.25, "fill": True},
                  fields=_NAME, tooltip=_TIP, interactive=True),
        LayerSpec(key="target_planned_lines", title=("Cánh đồng quy hoạch mới", "Newly planned fields"),
                  style={"color": "#6a1b9a", "weight": 5}, fields=_NAME, tooltip=_TIP, interactive=True, line=True),
    ),
}
#: Columns that name a feature, by layer (the tooltip of a highlighted feature).
_TITLE_COLUMNS = ("TEN", "TENDUAN", "name", "SHTHUA")


@dataclass
class TargetHighlight:
    """A target's footprint ready for the browser (no folium: cacheable)."""

    #: Positions in ``PreparedMap.parcels_display`` of the parcels to show (``None``: all, none measured).
    parcels_shown: list[int] | None = None
    parcels_counted: list[int] = field(default_factory=list)
    parcels_rest: list[int] = field(default_factory=list)
    #: ``(spec key, packed JSON, feature count)`` of the other layers' features.
    packed: list[tuple[str, str, int]] = field(default_factory=list)
    #: ``(west, south, east, north)`` of everything highlighted, or ``None`` when nothing is.
    bounds: tuple[float, float, float, float] | None = None
    #: Layers used, for the caption beside the map.
    layers: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.parcels_shown is None and not self.packed


def _titled(frame: pd.DataFrame, layer: str) -> pd.DataFrame:
    column = next((c for c in _TITLE_COLUMNS if c in frame.columns), None)
    try:
        title = spec_of(layer).title[0]
    except KeyError:
        title = layer
    names = frame[column].astype(str) if column else pd.Series("", index=frame.index)
    return frame.assign(_title=[f"{title}: {n}" if n and n != "None" else title for n in names])


def _merge(bounds: tuple[float, float, float, float] | None, other) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in other)
    if bounds is None:
        return west, south, east, north
    return min(bounds[0], west), min(bounds[1], south), max(bounds[2], east), max(bounds[3], north)


def prepare_highlight(items: list[Footprint], prepared: PreparedMap) -> TargetHighlight:
    """What the browser needs to show ``items`` over the commune map in ``prepared``."""
    out = TargetHighlight()
    index = prepared.parcels_display.index
    counted: set[int] = set()
    rest: set[int] = set()
    frames: dict[tuple[str, bool], list[pd.DataFrame]] = {}
    for item in items:
        if item.layer not in out.layers:
            out.layers.append(item.layer)
        if item.layer == "parcels":
            counted |= {int(p) for p in index.get_indexer(item.counted.index) if p >= 0}
            rest |= {int(p) for p in index.get_indexer(item.rest.index) if p >= 0}
        else:
            for role, frame in (("counted", item.counted), ("rest", item.rest)):
                if len(frame):
                    frames.setdefault((role, False), []).append(_titled(frame, item.layer))
        if item.planned is not None and len(item.planned):
            planned = item.planned.assign(TEN=item.planned.get("name", pd.Series("", index=item.planned.index)))
            frames.setdefault(("planned", False), []).append(_titled(planned, "concentrated_fields"))
    if counted or rest:
        out.parcels_counted = sorted(counted)
        out.parcels_rest = sorted(rest - counted)
        out.parcels_shown = sorted(counted | rest)
        out.bounds = _merge(out.bounds, prepared.parcels_display.iloc[out.parcels_shown].total_bounds)
    for (role, _), parts in frames.items():
        frame = pd.concat(parts)
        display = to_display(frame, simplify_m=1.0)
        if display.empty:
            continue
        lines = display.geometry.geom_type.str.contains("Line")
        for is_line, spec in ((False, SPECS[role][0]), (True, SPECS[role][1])):
            sub = display[lines == is_line]
            if len(sub):
                out.packed.append((spec.key, pack_json(pack(sub, spec)), len(sub)))
        out.bounds = _merge(out.bounds, display.total_bounds)
    return out


def _spec_by_key(key: str) -> LayerSpec:
    return next(s for pair in SPECS.values() for s in pair if s.key == key)


def use_target_script(m: folium.Map, assets: AssetUrls) -> None:
    """Load ``lptargets.js`` (served with the map's other scripts, after ``lpmap.js``) in the map ``m``."""
    m.default_js = [*m.default_js, ("lptargets", assets.targets_js)]


def target_group(highlight: TargetHighlight, *, lang: str) -> folium.FeatureGroup:
    """The folium group for ``highlight``: packed layers, and a call of ``lptargets.show`` that restyles the
    parcels (the map needs :func:`use_target_script`).

    Parcels the target counts keep their land-use colour with a dark outline, a share's base parcels that
    do not count turn red, and the other parcels fade (they still show their tooltip). The script restyles
    only the parcels whose role changes, so groups can be swapped in place; it runs as soon as the parcel
    layer exists (``lpmap.whenLayer``: no polling); the legend is folded once so that it does not hide the
    highlight.
    """
    group = folium.FeatureGroup(name="target", control=False)
    for key, data_json, _count in highlight.packed:
        PackedLayer(_spec_by_key(key), data_json, lang=lang, control=False).add_to(group)
    shown = {"focus": highlight.parcels_shown is not None, "counted": highlight.parcels_counted,
             "rest": highlight.parcels_rest, "styles": {"c": COUNTED_STYLE, "r": REST_STYLE, "o": OTHER_STYLE}}
    Script(f"lptargets.show({_script_json(shown)});").add_to(group)
    return group
