"""Drawing a dataset's layers on a printed map: parcels by land use, roads and canals, boundaries, labels.

The map themes (:mod:`gis.printing.themes`) call these on the map's axes: the neighbouring communes
(:func:`draw_context`), the parcels filled by land-use value (:func:`draw_parcels`), the roads and canals
detailed as the scale allows (:func:`draw_network`), the village and commune boundaries
(:func:`draw_boundaries`), the parcel numbers (:func:`label_parcels`), and what the location inset shows
(:func:`inset`). The colours and dashes of these symbols are here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes

from gis.core import landuse
from gis.core.area import repaired
from gis.files import admin_units
from gis.files.io import Dataset
from gis.printing import paths
from gis.printing.captions import boundary_label, former_era, initial_capital, prefixed
from gis.printing.model import HALO, INK, Inset, LegendEntry, MapFrame
from gis.printing.style import checked, font, text_width_mm

BOUNDARY_DASH = (0, (7.0, 1.6, 1.2, 1.6))
VILLAGE_DASH = (0, (2.6, 1.4))
VILLAGE_GREY = "#505050"
PROJECT_RED = "#c00000"
PARTIAL_ORANGE = "#e07000"
WHOLE_EDGE = "#8b0000"
RECOVERED_TINT = (0.85, 0.1, 0.1, 0.12)
FIELD_GREEN = "#1b7837"
PLANNED_BLUE = "#2166ac"
CANAL_BLUE = "#1f78b4"
ROAD_CASING = "#7a3b00"
ROAD_FILL = "#ffb347"
OTHER_LAND = "#ececec"


def _in_view(frame_or_gdf: gpd.GeoDataFrame, view: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    hits = frame_or_gdf.sindex.query(shapely.box(*view), predicate="intersects")
    return frame_or_gdf.iloc[np.sort(hits)]


def commune_shape(dataset: Dataset) -> shapely.Geometry:
    """The commune's outline in the parcels' CRS: its commune layer, or the union of its parcels (invalid shapes
    :func:`~gis.core.area.repaired` first: a ring crossing itself would make the union raise)."""
    commune = dataset.get("commune")
    if commune is not None and len(commune):
        return shapely.union_all(repaired(commune.to_crs(dataset.parcels.crs).geometry.to_numpy()))
    return shapely.union_all(repaired(dataset.parcels.geometry.to_numpy()))


def _district(dataset: Dataset) -> gpd.GeoDataFrame | None:
    district = dataset.get("district")
    if district is None or district.empty:
        return None
    return district.to_crs(dataset.parcels.crs)


def inset(dataset: Dataset) -> Inset:
    """The location inset. For a unit formed by the 2025 merger whose province outline the tool holds: the
    new commune (the union of its former units' 2009 census outlines, approximate) inside the province.
    Otherwise the data's own district layer (if any) with the commune."""
    commune = commune_shape(dataset)
    unit = admin_units.of_dataset(dataset)
    crs = dataset.parcels.crs
    if unit is not None:
        located = admin_units.location(unit, crs)
        if located is not None:
            province, new_commune = located
            caption = f"{initial_capital(admin_units.unit_name(unit))} trong tỉnh {unit.current.province} " \
                      "(ranh giới gần đúng)"
            return Inset(title="SƠ ĐỒ VỊ TRÍ", caption=caption, district=province, commune=new_commune,
                         highlight=commune)
    district = _district(dataset)
    if unit is not None:
        caption = initial_capital(admin_units.unit_name(unit))
        if unit.former is not None and district is not None:
            caption = f"{initial_capital(admin_units.former_name(unit))} và các xã lân cận"
    else:
        caption = admin_units.dataset_name(dataset)
    return Inset(title="SƠ ĐỒ VỊ TRÍ", caption=caption,
                 district=district.geometry if district is not None else None, commune=commune)


def _line_angle(line: shapely.Geometry, at: float = 0.5) -> tuple[shapely.Point, float]:
    """A point along ``line`` and the angle (degrees, -90..90) of the line there."""
    if line.geom_type.startswith("Multi"):
        line = max(shapely.get_parts(line), key=lambda g: g.length)
    d = line.length * at
    p0, p1 = line.interpolate(max(d - 15.0, 0.0)), line.interpolate(min(d + 15.0, line.length))
    angle = float(np.degrees(np.arctan2(p1.y - p0.y, p1.x - p0.x)))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    return line.interpolate(d), angle


def label_point(geom: shapely.Geometry, frame: MapFrame) -> shapely.Point:
    """The point of ``geom`` farthest from its edges (of its largest part): where a label sits best."""
    from shapely.ops import polylabel

    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if not parts:
        return geom.representative_point()
    return polylabel(max(parts, key=lambda g: g.area), tolerance=frame.metres(0.5))


def _label(ax: Axes, x: float, y: float, text: str, *, size: float, weight: str = "normal",
           style: str = "normal", color: str = INK, rotation: float = 0.0, zorder: float = 30,
           halo: bool = True, frame: MapFrame | None = None) -> None:
    """A map label with a white halo; with ``frame``, left out when it would run over the map's edge."""
    if frame is not None:
        half_w = frame.metres(text_width_mm(checked(text), font(size, weight=weight, style=style)) / 2 + 1.5)
        half_h = frame.metres(size / 2.83 / 2 + 1.5)
        reach = max(half_w, half_h) if rotation else 0.0
        hx, hy = (reach, reach) if rotation else (half_w, half_h)
        minx, miny, maxx, maxy = frame.view
        if x - hx < minx or x + hx > maxx or y - hy < miny or y + hy > maxy:
            return
    kw: dict[str, Any] = {"fontproperties": font(size, weight=weight, style=style), "ha": "center", "va": "center",
                          "rotation": rotation, "rotation_mode": "anchor", "clip_on": True,
                          "parse_math": False}  # a name from data is drawn as written, never as mathtext
    if halo:  # the halo alone (drawn as outlines), then the text itself, which stays text in the PDF
        ax.text(x, y, checked(text), color="white", zorder=zorder - 0.01, path_effects=HALO, **kw)
    ax.text(x, y, checked(text), color=color, zorder=zorder, **kw)


#: Parcel outlines are drawn only at this scale or larger: at commune scale they would bury the land use
#: under a mesh of lines (a current land-use map shows land-use areas, not the cadastre).
PARCEL_EDGES_MAX_SCALE = 10_000


def _edge_width(frame: MapFrame) -> float:
    """Parcel outlines: hairlines at 1:10 000, firmer when zoomed in."""
    return float(np.clip(1500.0 / frame.scale * 0.1, 0.08, 0.35))


def generalised(geoms: Any, *, min_area: float) -> np.ndarray:
    """Polygons without the holes and parts smaller than ``min_area`` (m²): outlines for a small scale."""
    out = []
    for geom in np.asarray(getattr(geoms, "array", geoms), dtype=object):
        parts = []
        for part in shapely.get_parts(geom):
            if part.area < min_area:
                continue
            holes = [r for r in part.interiors if shapely.Polygon(r).area >= min_area]
            parts.append(shapely.Polygon(part.exterior, holes))
        out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


def draw_context(ax: Axes, frame: MapFrame, dataset: Dataset, commune: shapely.Geometry, *, size: float) -> None:
    """Neighbouring communes in light grey with their names, where the map shows them."""
    district = _district(dataset)
    view = shapely.box(*frame.view)
    if district is None:
        return
    others = district[~district.geometry.representative_point().within(commune)]
    others = others[others.intersects(view)]
    others = others.set_geometry(repaired(others.geometry))  # cut below: an invalid outline as its repair
    paths.add_polygons(ax, others.geometry.difference(commune), facecolor="#f5f5f5", edgecolor="#9a9a9a",
                       linewidth=0.5, zorder=0.5)
    min_area = frame.metres(22.0) ** 2
    old = f" {admin_units.WORD_OLD[0]}" if former_era(dataset) else ""
    for name, geom in zip(others.get("TEN", pd.Series("", index=others.index)), others.geometry, strict=True):
        piece = geom.intersection(view).difference(commune.buffer(frame.metres(2.0)))
        if piece.is_empty or piece.area < min_area or not str(name or "").strip():
            continue
        p = piece.representative_point() if piece.geom_type == "Polygon" else \
            max(shapely.get_parts(piece), key=lambda g: g.area).representative_point()
        _label(ax, p.x, p.y, f"{name}{old}", size=size, style="italic", color="#7a7a7a", frame=frame)


def draw_parcels(ax: Axes, frame: MapFrame, parcels: gpd.GeoDataFrame, *,
                  colour_of: Callable[[str | None], Any] | None = None, edges: bool = True) -> list[str]:
    """Parcels filled by land-use value (one path per value); returns the values drawn, in code-list order.

    A mixed value (``ONT+CLN``) is drawn in its first code's colour and returned as itself, so the legend
    names it.
    """
    parcels = _in_view(parcels, frame.view)
    codes = parcels["land_use"].astype("object").where(parcels["land_use"].notna(), None)
    drawn: list[str] = []
    for code, group in parcels.groupby(codes.fillna("?"), sort=False):
        key = None if code == "?" else str(code)
        colour = colour_of(key) if colour_of is not None else paths.rgb(landuse.colour_of(key))
        paths.add_polygons(ax, group.geometry, facecolor=colour, zorder=1)
        drawn.append(str(code))
    if edges and frame.scale <= PARCEL_EDGES_MAX_SCALE:
        paths.add_lines(ax, parcels.geometry, color="#5a5a5a", linewidth=_edge_width(frame), zorder=1.5,
                        alpha=0.7)
    return sorted(drawn, key=code_order)


def code_order(value: str) -> tuple[int, int, str]:
    """Sort key of a land-use value: by its first code's place in the list, a mixed value after it."""
    order = {c: i for i, c in enumerate(landuse.LAND_USES)}
    main = landuse.primary_code(value)
    return (order.get(main, len(order)) if main is not None else len(order), len(landuse.split_codes(value)), value)


def landuse_entries(codes: list[str]) -> tuple[LegendEntry, ...]:
    """One legend entry per colour: codes of one group that share a colour (the public facilities, say) are
    listed together under the group's name, since their swatches could not be told apart anyway."""
    merged: dict[tuple[Any, str], list[str]] = {}
    for code in codes:
        key = None if code == "?" else code
        merged.setdefault((landuse.colour_of(key), landuse.group_of(key) or code), []).append(code)
    entries = []
    for (colour, group), members in merged.items():
        if members == ["?"]:
            label = "Chưa có mã loại đất"
        elif len(members) == 1:
            label = f"{members[0]} – {landuse.name_of(members[0])}"
        else:
            label = f"{', '.join(members)} – {landuse.group_name(group)}"
        entries.append(LegendEntry(label, facecolor=paths.rgb(colour)))
    return tuple(entries)


def _roads_by_class(dataset: Dataset) -> dict[str, gpd.GeoDataFrame]:
    roads = dataset.get("roads")
    if roads is None or roads.empty:
        return {}
    roads = roads.to_crs(dataset.parcels.crs)
    cap = roads.get("CAP", pd.Series("", index=roads.index)).fillna("").astype(str).str.lower()
    return {
        "national": roads[cap.str.contains("quốc lộ|tỉnh lộ|đường tỉnh", regex=True)],
        "trunk": roads[cap.str.contains("trục xã|liên xã|huyện", regex=True)],
        "minor": roads[~cap.str.contains("quốc lộ|tỉnh lộ|đường tỉnh|trục xã|liên xã|huyện", regex=True)],
    }


def _canals_by_class(dataset: Dataset) -> dict[str, gpd.GeoDataFrame]:
    canals = dataset.get("canals")
    if canals is None or canals.empty:
        return {}
    canals = canals.to_crs(dataset.parcels.crs)
    cap = canals.get("CAP", pd.Series("", index=canals.index)).fillna("").astype(str).str.lower()
    return {"main": canals[cap.str.contains("chính|cấp 1", regex=True)],
            "secondary": canals[cap.str.contains("cấp 2", regex=False)],
            "field": canals[~cap.str.contains("chính|cấp 1|cấp 2", regex=True)]}


def draw_network(ax: Axes, frame: MapFrame, dataset: Dataset, *, size: float) -> list[LegendEntry]:
    """Roads and canals, detailed as the scale allows; returns their legend entries."""
    entries: list[LegendEntry] = []
    detailed = frame.scale <= 10_000
    canals = _canals_by_class(dataset)
    canal_widths = {"main": 1.3, "secondary": 0.7, "field": 0.35}
    for cls in ("main", "secondary", "field") if detailed else ("main", "secondary"):
        layer = canals.get(cls)
        if layer is None or layer.empty:
            continue
        paths.add_lines(ax, layer.geometry, color=CANAL_BLUE, linewidth=canal_widths[cls], zorder=4)
    if canals and any(len(canals.get(c, [])) for c in ("main", "secondary")):
        entries.append(LegendEntry("Kênh mương chính, cấp 2", kind="line", edgecolor=CANAL_BLUE, linewidth=1.0))
    roads = _roads_by_class(dataset)
    if detailed and roads.get("minor") is not None and len(roads["minor"]):
        paths.add_lines(ax, roads["minor"].geometry, color="#a0703a", linewidth=0.3, zorder=4.5)
        entries.append(LegendEntry("Đường ngõ xóm, nội đồng", kind="line", edgecolor="#a0703a", linewidth=0.5))
    for cls, (outer, inner) in {"trunk": (1.5, 0.9), "national": (2.6, 1.7)}.items():
        layer = roads.get(cls)
        if layer is None or layer.empty:
            continue
        paths.add_lines(ax, layer.geometry, color=ROAD_CASING, linewidth=outer, zorder=5, capstyle="butt")
        paths.add_lines(ax, layer.geometry, color=ROAD_FILL, linewidth=inner, zorder=5.1, capstyle="butt")
    if roads.get("national") is not None and len(roads["national"]):
        entries.append(LegendEntry("Quốc lộ", kind="line", edgecolor=ROAD_CASING, linewidth=2.4))
    if roads.get("trunk") is not None and len(roads["trunk"]):
        entries.append(LegendEntry("Đường trục xã", kind="line", edgecolor=ROAD_CASING, linewidth=1.4))
    view = shapely.box(*frame.view)
    for layer, style, colour in ((roads.get("national"), "normal", ROAD_CASING),
                                 (canals.get("main"), "italic", CANAL_BLUE)):
        if layer is None or layer.empty:
            continue
        for name, geom in zip(layer.get("TEN", pd.Series("", index=layer.index)), layer.geometry, strict=True):
            piece = geom.intersection(view)
            if not str(name or "").strip() or piece.is_empty or frame.mm(piece.length) < 40:
                continue
            p, angle = _line_angle(piece, 0.3)
            offset = frame.metres(2.6)
            nx, ny = -np.sin(np.radians(angle)) * offset, np.cos(np.radians(angle)) * offset
            _label(ax, p.x + nx, p.y + ny, str(name), size=size, style=style, color=colour, rotation=angle, frame=frame,
                   weight="bold" if style == "normal" else "normal")
    return entries


def draw_boundaries(ax: Axes, frame: MapFrame, dataset: Dataset, commune: shapely.Geometry, *, size: float,
                     village_labels: bool = True) -> list[LegendEntry]:
    """Village boundaries and names, then the commune boundary; returns their legend entries."""
    entries = [LegendEntry(boundary_label(dataset), kind="line", edgecolor=INK, linewidth=1.4,
                           linestyle=BOUNDARY_DASH)]
    villages = dataset.get("villages")
    if villages is not None and len(villages):
        villages = villages.to_crs(dataset.parcels.crs)
        villages = villages.set_geometry(repaired(villages.geometry))  # cut below: an invalid one as its repair
        shapes = generalised(villages.geometry, min_area=frame.metres(6.0) ** 2)
        inner = shapely.intersection(shapely.boundary(shapes), commune.buffer(-frame.metres(0.3)))
        paths.add_lines(ax, inner, color=VILLAGE_GREY, linewidth=0.55, linestyle=VILLAGE_DASH, zorder=6)
        entries.append(LegendEntry("Ranh giới thôn", kind="line", edgecolor=VILLAGE_GREY, linewidth=0.55,
                                   linestyle=VILLAGE_DASH))
        if village_labels:
            view = shapely.box(*frame.view).buffer(-frame.metres(8.0))
            names = villages.get("TEN", pd.Series("", index=villages.index))
            kinds = villages.get("LOAI", pd.Series("Thôn", index=villages.index)).fillna("Thôn")
            for name, kind, geom in zip(names, kinds, villages.geometry, strict=True):
                piece = geom.intersection(view)  # label the part of the village the map shows
                if not str(name or "").strip() or piece.is_empty or piece.area < frame.metres(15.0) ** 2:
                    continue
                # a village wholly in view keeps its usual label point; a cut one is labelled in what is shown
                p = geom.representative_point() if geom.within(view) else label_point(piece, frame)
                _label(ax, p.x, p.y, prefixed(name, str(kind) or "Thôn"), size=size, weight="bold", frame=frame,
                       zorder=31)
    paths.add_lines(ax, commune, color=INK, linewidth=1.4, linestyle=BOUNDARY_DASH, zorder=7)
    return entries


def label_size(frame: MapFrame) -> float:
    """The labels' font size (pt) for a map box this wide: 5.5 to 8.5."""
    return float(np.clip(frame.width_mm / 40.0, 5.5, 8.5))


def label_parcels(ax: Axes, frame: MapFrame, parcels: gpd.GeoDataFrame, *, size: float) -> None:
    """Parcel numbers inside the parcels wide enough on paper to hold them."""
    if parcels.empty or frame.scale > 5000:
        return
    prop = font(size)
    geoms = parcels.geometry.to_numpy()
    rects = shapely.oriented_envelope(geoms)
    for no, geom, rect in zip(parcels["parcel_no"], geoms, rects, strict=True):
        if pd.isna(no):
            continue
        text = str(int(no)) if isinstance(no, float) and float(no).is_integer() else str(no)
        coords = np.asarray(rect.exterior.coords) if rect.geom_type == "Polygon" else None
        if coords is None:
            continue
        sides = np.hypot(*np.diff(coords[:3], axis=0).T)
        short, long_ = frame.mm(float(sides.min())), frame.mm(float(sides.max()))
        width = text_width_mm(text, prop)
        if long_ < width * 1.3 or short < size / 2.83 * 1.6:
            continue
        p = geom.representative_point()
        angle = 0.0
        if short < width * 1.3:  # a narrow strip: write along it
            i = int(np.argmax(sides))
            dx, dy = coords[i + 1] - coords[i]
            angle = float(np.degrees(np.arctan2(dy, dx)))
            angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
        ax.text(p.x, p.y, checked(text), fontproperties=prop, ha="center", va="center", rotation=angle,
                rotation_mode="anchor", color="#303030", zorder=11, clip_on=True, parse_math=False)
