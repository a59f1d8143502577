"""The map themes: current land use, a recovery project, and the concentrated fields.

:func:`map_sheet` turns a dataset into a :class:`~gis.printing.sheet.MapSheet` (title, what to draw, legend,
table, inset, notes); :func:`export_map` lays it out and writes the PDF or PNG.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from pyproj import CRS

from gis import admin_units, landuse
from gis.area import M2_PER_HA
from gis.crs import describe
from gis.errors import DataSourceError, GisError
from gis.io import Dataset
from gis.printing import paths
from gis.printing.sheet import (
    HALO,
    INK,
    Inset,
    LegendEntry,
    LegendSection,
    MapFrame,
    MapSheet,
    Table,
    render_sheet,
    save,
)
from gis.printing.style import MIN_PNG_DPI, checked, fmt, font, printing_context, text_width_mm

THEMES = ("landuse", "recovery", "fields")
#: The year the built-in demonstration data describes (the 2024 plan, DBF dates of 2024-01-01).
BUILTIN_DATA_YEAR = 2024
FORMATS = (".pdf", ".png")

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


@dataclass(frozen=True)
class ExportResult:
    """A written sheet: where, which theme, at what scale, and how long it took."""

    path: Path
    theme: str
    title: str
    seconds: float


# ----------------------------------------------------------------------------------------- naming


def _prefixed(value: object, prefix: str) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    return text if text.lower().startswith(prefix.lower()) else f"{prefix} {text}"


def place_name(dataset: Dataset) -> str:
    """The words naming the dataset on a sheet: its unit (``xã Hiệp Hòa, tỉnh Bắc Ninh``), or the dataset's
    name when it has no unit (never another dataset's unit, never the commune layer's old names)."""
    return admin_units.place(dataset)


def _initial(text: str) -> str:
    """``text`` with its first letter in capitals (the rest as written: ``Xã Hiệp Hòa``)."""
    return text[:1].upper() + text[1:]


def _former_era(dataset: Dataset) -> bool:
    """Whether the dataset predates the 2025 merger (its unit names a former one): its context layers (the
    neighbouring communes) then name former units too, and are labelled "cũ"."""
    unit = admin_units.of_dataset(dataset)
    return unit is not None and unit.former is not None


def coverage_text(dataset: Dataset) -> str:
    """The line under a title for data older than the 2025 merger: ``Địa bàn xã Lương Phong cũ (huyện Hiệp
    Hòa, tỉnh Bắc Giang cũ)``; empty for a dataset with no former unit."""
    unit = admin_units.of_dataset(dataset)
    return _initial(admin_units.coverage(unit)) if unit is not None else ""


def commune_name(dataset: Dataset) -> str:
    """``xã Hiệp Hòa`` (the current commune), or ``""`` when the dataset has no unit."""
    unit = admin_units.of_dataset(dataset)
    return admin_units.unit_name(unit) if unit is not None else ""


def crs_text(crs: Any) -> str:
    """The coordinate-system line of a sheet: ``Hệ tọa độ VN-2000, kinh tuyến trục 107°00', múi chiếu 3°``."""
    crs = CRS.from_user_input(crs)
    op = crs.coordinate_operation
    datum = crs.datum.name if crs.datum is not None else ""
    if op is not None and ("2000" in datum and "Vietnam" in datum or "VN-2000" in crs.name) \
            and op.method_name.startswith("Transverse Mercator"):
        params = {p.name: p.value for p in op.params}
        lon0 = float(params.get("Longitude of natural origin", 0.0))
        k = float(params.get("Scale factor at natural origin", 0.0))
        deg = int(lon0)
        minutes = int(round((lon0 - deg) * 60))
        zone = "3°" if abs(k - 0.9999) < 1e-7 else "6°" if abs(k - 0.9996) < 1e-7 else None
        text = f"Hệ tọa độ VN-2000, kinh tuyến trục {deg}°{minutes:02d}'"
        return f"{text}, múi chiếu {zone}" if zone else text
    return f"Hệ tọa độ {describe(crs)}"


def source_text(dataset: Dataset) -> str:
    """Where the data comes from, for the sheet's source line."""
    commune = dataset.get("commune")
    outline = ""
    if commune is not None and "NGUON" in commune.columns and str(commune["NGUON"].iloc[0] or "").strip():
        outline = f"ranh giới xã theo {str(commune['NGUON'].iloc[0]).strip()}"
    if dataset.builtin:
        return "dữ liệu minh họa có sẵn của công cụ" + (f"; {outline}" if outline else "")
    return f"thư mục dữ liệu «{dataset.folder.name}»" + (f"; {outline}" if outline else "")


def data_year(dataset: Dataset, day: dt.date) -> int:
    """The year a current land-use map states: the built-in data's year, else the year of ``day``."""
    return BUILTIN_DATA_YEAR if dataset.builtin else day.year


# ----------------------------------------------------------------------------------------- helpers


def _in_view(frame_or_gdf: gpd.GeoDataFrame, view: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    hits = frame_or_gdf.sindex.query(shapely.box(*view), predicate="intersects")
    return frame_or_gdf.iloc[np.sort(hits)]


def _commune_shape(dataset: Dataset) -> shapely.Geometry:
    commune = dataset.get("commune")
    if commune is not None and len(commune):
        return shapely.union_all(commune.to_crs(dataset.parcels.crs).geometry.to_numpy())
    return shapely.union_all(dataset.parcels.geometry.to_numpy())


def _district(dataset: Dataset) -> gpd.GeoDataFrame | None:
    district = dataset.get("district")
    if district is None or district.empty:
        return None
    return district.to_crs(dataset.parcels.crs)


def _inset(dataset: Dataset) -> Inset:
    """The location inset. For a unit formed by the 2025 merger whose province outline the tool holds: the
    new commune (the union of its former units' 2009 census outlines, approximate) inside the province.
    Otherwise the data's own district layer (if any) with the commune."""
    commune = _commune_shape(dataset)
    unit = admin_units.of_dataset(dataset)
    crs = dataset.parcels.crs
    if unit is not None:
        located = admin_units.location(unit, crs)
        if located is not None:
            province, new_commune = located
            caption = f"{_initial(admin_units.unit_name(unit))} trong tỉnh {unit.current.province} " \
                      "(ranh giới gần đúng)"
            return Inset(title="SƠ ĐỒ VỊ TRÍ", caption=caption, district=province, commune=new_commune,
                         highlight=commune)
    district = _district(dataset)
    if unit is not None:
        caption = _initial(admin_units.unit_name(unit))
        if unit.former is not None and district is not None:
            caption = f"{_initial(admin_units.former_name(unit))} và các xã lân cận"
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


def _label_point(geom: shapely.Geometry, frame: MapFrame) -> shapely.Point:
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


def _draw_context(ax: Axes, frame: MapFrame, dataset: Dataset, commune: shapely.Geometry, *, size: float) -> None:
    """Neighbouring communes in light grey with their names, where the map shows them."""
    district = _district(dataset)
    view = shapely.box(*frame.view)
    if district is None:
        return
    others = district[~district.geometry.representative_point().within(commune)]
    others = others[others.intersects(view)]
    paths.add_polygons(ax, others.geometry.difference(commune), facecolor="#f5f5f5", edgecolor="#9a9a9a",
                       linewidth=0.5, zorder=0.5)
    min_area = frame.metres(22.0) ** 2
    old = f" {admin_units.WORD_OLD[0]}" if _former_era(dataset) else ""
    for name, geom in zip(others.get("TEN", pd.Series("", index=others.index)), others.geometry, strict=True):
        piece = geom.intersection(view).difference(commune.buffer(frame.metres(2.0)))
        if piece.is_empty or piece.area < min_area or not str(name or "").strip():
            continue
        p = piece.representative_point() if piece.geom_type == "Polygon" else \
            max(shapely.get_parts(piece), key=lambda g: g.area).representative_point()
        _label(ax, p.x, p.y, f"{name}{old}", size=size, style="italic", color="#7a7a7a", frame=frame)


def _draw_parcels(ax: Axes, frame: MapFrame, parcels: gpd.GeoDataFrame, *,
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
    return sorted(drawn, key=_code_order)


def _code_order(value: str) -> tuple[int, int, str]:
    """Sort key of a land-use value: by its first code's place in the list, a mixed value after it."""
    order = {c: i for i, c in enumerate(landuse.LAND_USES)}
    main = landuse.primary_code(value)
    return (order.get(main, len(order)) if main is not None else len(order), len(landuse.split_codes(value)), value)


def _landuse_entries(codes: list[str]) -> tuple[LegendEntry, ...]:
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


def _draw_network(ax: Axes, frame: MapFrame, dataset: Dataset, *, size: float) -> list[LegendEntry]:
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


def _draw_boundaries(ax: Axes, frame: MapFrame, dataset: Dataset, commune: shapely.Geometry, *, size: float,
                     village_labels: bool = True) -> list[LegendEntry]:
    """Village boundaries and names, then the commune boundary; returns their legend entries."""
    entries = [LegendEntry(boundary_label(dataset), kind="line", edgecolor=INK, linewidth=1.4,
                           linestyle=BOUNDARY_DASH)]
    villages = dataset.get("villages")
    if villages is not None and len(villages):
        villages = villages.to_crs(dataset.parcels.crs)
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
                p = geom.representative_point() if geom.within(view) else _label_point(piece, frame)
                _label(ax, p.x, p.y, _prefixed(name, str(kind) or "Thôn"), size=size, weight="bold", frame=frame,
                       zorder=31)
    paths.add_lines(ax, commune, color=INK, linewidth=1.4, linestyle=BOUNDARY_DASH, zorder=7)
    return entries


def boundary_label(dataset: Dataset) -> str:
    """The commune boundary's legend entry: the boundary drawn is the data's own commune, so for data older
    than the merger it is the former one's (``Ranh giới xã Lương Phong cũ``)."""
    unit = admin_units.of_dataset(dataset)
    if unit is not None and unit.former is not None:
        return f"Ranh giới {admin_units.former_name(unit)}"
    return "Ranh giới xã"


def _label_size(frame: MapFrame) -> float:
    return float(np.clip(frame.width_mm / 40.0, 5.5, 8.5))


# ----------------------------------------------------------------------------------------- themes


def landuse_sheet(dataset: Dataset, *, day: dt.date, year: int | None = None) -> MapSheet:
    """The current land-use map (bản đồ hiện trạng sử dụng đất) of the whole commune."""
    parcels = dataset.parcels
    commune = _commune_shape(dataset)

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = _label_size(frame)
        _draw_context(ax, frame, dataset, commune, size=size * 0.95)
        codes = _draw_parcels(ax, frame, parcels)
        other = _draw_network(ax, frame, dataset, size=size * 0.85)
        other = _draw_boundaries(ax, frame, dataset, commune, size=size) + other
        return [LegendSection("Loại đất", _landuse_entries(codes)), LegendSection("Ký hiệu khác", tuple(other))]

    legend = _provisional_landuse_legend(dataset)  # sizes the legend's space; the drawing gives the real one
    year = year or data_year(dataset, day)
    return _sheet(dataset, title=f"BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM {year}", bounds=tuple(shapely.bounds(commune)),
                  draw=draw, legend=legend, day=day, inset=_inset(dataset))


def _sheet(dataset: Dataset, **fields) -> MapSheet:
    """A sheet of ``dataset``: the place, CRS line, source and demonstration flag every theme shares."""
    return MapSheet(place=place_name(dataset).upper(), coverage=coverage_text(dataset),
                    crs_text=crs_text(dataset.parcels.crs), source=source_text(dataset), demo=dataset.builtin,
                    **fields)


def _provisional_other(dataset: Dataset) -> tuple[LegendEntry, ...]:
    """Stand-ins for the line symbols, to size the legend before the map is drawn."""
    return tuple(LegendEntry(x, kind="line") for x in (boundary_label(dataset), "Ranh giới thôn", "Kênh mương chính, cấp 2",
                                                       "Đường ngõ xóm, nội đồng", "Quốc lộ", "Đường trục xã"))


def _provisional_landuse_legend(dataset: Dataset) -> list[LegendSection]:
    codes = sorted(dataset.parcels["land_use"].dropna().astype(str).unique().tolist(), key=_code_order)
    if dataset.parcels["land_use"].isna().any():
        codes.append("?")
    return [LegendSection("Loại đất", _landuse_entries(codes)), LegendSection("Ký hiệu khác", _provisional_other(dataset))]


def _projects(dataset: Dataset) -> gpd.GeoDataFrame:
    layer = dataset.get("recovered_land")
    if layer is None or layer.empty:
        raise DataSourceError(
            "Dữ liệu không có lớp khu vực thu hồi đất (recovered_land): không vẽ được bản đồ thu hồi.",
            "The data has no recovered-land layer (recovered_land): there is no recovery map to draw.",
        )
    return layer


def project_names(dataset: Dataset) -> list[str]:
    """The names of the recovery projects in the data, in file order."""
    layer = _projects(dataset)
    names = layer.get("TENDUAN", pd.Series([f"#{i + 1}" for i in range(len(layer))], index=layer.index))
    return [str(n) for n in names.fillna("")]


def recovery_sheet(dataset: Dataset, project: str | None, *, day: dt.date) -> MapSheet:
    """One recovery project: affected parcels highlighted, the recovered parts hatched, and its summary."""
    from gis.recovery import STATUS_LABELS, prepare_boundary, recover, recovered_parts, select_project

    layer = _projects(dataset)
    if project is None or not str(project).strip():
        listing = "; ".join(f"{i + 1}. {n}" for i, n in enumerate(project_names(dataset)))
        raise DataSourceError(f"Hãy chọn một dự án (--project tên, số quyết định hoặc số thứ tự): {listing}.",
                              f"Choose a project (--project name, decision number or position): {listing}.")
    row = select_project(layer, str(project), source="recovered_land")
    parcels = dataset.parcels
    boundary = prepare_boundary(row, crs=parcels.crs, source="recovered_land")
    result = recover(parcels, boundary)
    parts = recovered_parts(parcels, result)
    first = row.iloc[0]
    name = str(first.get("TENDUAN") or boundary.name)
    decision = str(first.get("SOQD") or "").strip()
    year = first.get("NAM")
    commune = _commune_shape(dataset)

    affected = parcels.loc[result.table.index]
    geoms = [boundary.geometry, *affected.geometry.to_numpy()] if len(affected) else [boundary.geometry]
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    span = max(maxx - minx, maxy - miny, 250.0)
    pad = span * 0.05 + 20.0
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    whole = result.table["status"] == "whole"
    recovery_entries = (
        LegendEntry("Ranh giới dự án", kind="line", edgecolor=PROJECT_RED, linewidth=2.0),
        LegendEntry("Diện tích thu hồi", kind="fill",
                    facecolor=RECOVERED_TINT, edgecolor=WHOLE_EDGE, linewidth=0.0, hatch="//"),
        LegendEntry(f"Thửa {STATUS_LABELS['partial'].vi.lower()}", kind="fill",
                    facecolor="none", edgecolor=PARTIAL_ORANGE, linewidth=0.9),
    )

    affected_codes = set(affected["land_use"].dropna().astype(str))

    def colour(code: str | None) -> Any:
        return paths.rgb(landuse.colour_of(code)) if code in affected_codes else OTHER_LAND

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = _label_size(frame)
        _draw_context(ax, frame, dataset, commune, size=size)
        _draw_parcels(ax, frame, parcels.drop(index=affected.index), colour_of=lambda _: OTHER_LAND)
        codes = _draw_parcels(ax, frame, affected, colour_of=colour)
        other = _draw_network(ax, frame, dataset, size=size * 0.85)
        other = _draw_boundaries(ax, frame, dataset, commune, size=size, village_labels=True) + other
        rec = parts[parts["part"] == "recovered"]
        paths.add_polygons(ax, rec.geometry, facecolor=RECOVERED_TINT, edgecolor=WHOLE_EDGE, linewidth=0.0,
                           hatch="//", zorder=8)
        paths.add_lines(ax, affected.geometry[~whole.to_numpy()], color=PARTIAL_ORANGE, linewidth=0.9, zorder=9.1)
        paths.add_lines(ax, boundary.geometry, color=PROJECT_RED, linewidth=2.0, zorder=10)
        _label_parcels(ax, frame, affected, size=max(size * 0.55, 3.6))
        land = (*_landuse_entries(codes), LegendEntry("Thửa đất không bị thu hồi", facecolor=OTHER_LAND))
        return [LegendSection("Thu hồi đất", recovery_entries), LegendSection("Loại đất của thửa bị thu hồi", land),
                LegendSection("Ký hiệu khác", tuple(other))]

    legend = [LegendSection("Thu hồi đất", recovery_entries),
              LegendSection("Loại đất của thửa bị thu hồi", (*_landuse_entries(sorted(affected_codes)),
                                                             LegendEntry("Thửa đất không bị thu hồi"))),
              LegendSection("Ký hiệu khác", _provisional_other(dataset))]
    inset = _inset(dataset)
    inset = Inset(inset.title, inset.caption, inset.district, inset.commune, highlight=shapely.box(*bounds))
    subtitle = None
    if decision:
        subtitle = f"Quyết định thu hồi đất số {decision}" + (f" năm {int(year)}" if pd.notna(year) else "")
    return _sheet(dataset, title=f"BẢN ĐỒ KHU VỰC THU HỒI ĐẤT DỰ ÁN {name.upper()}", bounds=bounds, draw=draw,
                  legend=legend, day=day, inset=inset, table=recovery_table(result), subtitle=subtitle,
                  min_scale=1000)


def recovery_table(result: Any) -> Table:
    """The summary of a recovery by land-use code, with totals and the figures the council asks for."""
    t = result.totals
    rows = tuple(
        (str(r.code), landuse.name_of(str(r.code)) if r.code != "?" else "Chưa có mã", fmt(r.parcels, 0),
         fmt(r.recovered_m2, 1))
        for r in result.by_land_use.itertuples()
    )
    notes = [
        f"Thu hồi toàn bộ {fmt(t.whole, 0)} thửa, thu hồi một phần {fmt(t.partial, 0)} thửa; "
        f"tổng {fmt(t.recovered_ha, 2)} ha (đất trồng lúa {fmt(t.rice_ha, 2)} ha).",
        f"Người sử dụng đất bị ảnh hưởng: {fmt(t.owners, 0)}, trong đó {fmt(t.households, 0)} hộ gia đình; "
        f"{fmt(t.severe_owners, 0)} hộ mất từ {fmt(result.settings.severe_share_pct, 0)}% đất nông nghiệp trở lên.",
    ]
    if t.below_minimum:
        notes.append(f"{fmt(t.below_minimum, 0)} thửa còn lại nhỏ hơn diện tích tối thiểu.")
    if t.slivers:
        notes.append(f"{fmt(t.slivers, 0)} phần sót dưới ngưỡng (do lệch ranh giới) không tính vào tổng.")
    if result.settings.placeholder:
        notes.append("Ngưỡng tính toán là giá trị tạm, chưa phải số liệu của tỉnh.")
    return Table(
        title="BẢNG TỔNG HỢP DIỆN TÍCH THU HỒI THEO LOẠI ĐẤT",
        columns=("Mã", "Loại đất", "Số thửa", "Diện tích thu hồi (m²)"),
        rows=rows,
        widths=(0.9, 3.2, 1.1, 1.9),
        align="llrr",
        total=("", "Tổng cộng", fmt(t.parcels, 0), fmt(t.recovered_m2, 1)),
        notes=tuple(notes),
    )


def _label_parcels(ax: Axes, frame: MapFrame, parcels: gpd.GeoDataFrame, *, size: float) -> None:
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


def fields_sheet(dataset: Dataset, *, day: dt.date, planned: gpd.GeoDataFrame | None = None,
                 year: int | None = None) -> MapSheet:
    """The concentrated fields (cánh đồng tập trung): kept, recovered, planned and adopted, and drafts (drawn
    dashed, listed apart and left out of the totals), over the rice land."""
    from gis import fields as fields_mod

    parcels = dataset.parcels
    commune = _commune_shape(dataset)
    table, shapes = fields_table(dataset, planned)
    field_entries = [
        LegendEntry("Cánh đồng tập trung hiện có", facecolor=(0.11, 0.47, 0.22, 0.16), edgecolor=FIELD_GREEN,
                    linewidth=1.4),
        LegendEntry("Cánh đồng quy hoạch mới đã phê duyệt", facecolor=(0.13, 0.4, 0.67, 0.14),
                    edgecolor=PLANNED_BLUE, linewidth=1.4),
        LegendEntry("Cánh đồng dự thảo, chưa phê duyệt (không tính)", facecolor="none", edgecolor=PLANNED_BLUE,
                    linewidth=1.2, linestyle=(0, (3, 1.5))),
        LegendEntry("Cánh đồng đã bị thu hồi", facecolor="none", edgecolor="#707070", linewidth=1.0,
                    hatch="xxx"),
        LegendEntry("Ranh giới dự án thu hồi đất", kind="line", edgecolor=PROJECT_RED, linewidth=1.0),
    ]
    kinds_present = set(shapes["kind"])
    field_entries = [e for e, k in zip(field_entries, ("existing", "planned", "draft", "recovered", "projects"),
                                        strict=True)
                     if k in kinds_present or (k == "projects" and dataset.get("recovered_land") is not None)]

    def colour(code: str | None) -> Any:
        return paths.rgb(landuse.colour_of(code)) if code in landuse.RICE_CODES else OTHER_LAND

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = _label_size(frame)
        _draw_context(ax, frame, dataset, commune, size=size * 0.95)
        codes = _draw_parcels(ax, frame, parcels, colour_of=colour)
        projects = dataset.get("recovered_land")
        if projects is not None and len(projects):
            paths.add_lines(ax, projects.to_crs(parcels.crs).geometry, color=PROJECT_RED, linewidth=1.0, zorder=8)
        styles: tuple[tuple[str, dict[str, Any]], ...] = (
            ("recovered", {"facecolor": "none", "edgecolor": "#707070", "linewidth": 1.0, "hatch": "xxx"}),
            ("existing", {"facecolor": (0.11, 0.47, 0.22, 0.16), "edgecolor": FIELD_GREEN, "linewidth": 1.6}),
            ("planned", {"facecolor": (0.13, 0.4, 0.67, 0.14), "edgecolor": PLANNED_BLUE, "linewidth": 1.6}),
            ("draft", {"facecolor": "none", "edgecolor": PLANNED_BLUE, "linewidth": 1.3,
                       "linestyle": (0, (3, 1.5))}),
        )
        for kind, style in styles:
            sel = shapes[shapes["kind"] == kind]
            if len(sel):
                paths.add_polygons(ax, sel.geometry, zorder=9, **style)
        other = _draw_boundaries(ax, frame, dataset, commune, size=size * 0.9, village_labels=True)
        for number, geom in zip(shapes["number"], shapes.geometry, strict=True):
            p = _label_point(geom, frame)
            ax.text(p.x, p.y, str(number), fontproperties=font(size * 1.15, weight="bold"), ha="center",
                    va="center", color="white", zorder=33, clip_on=True,
                    bbox={"boxstyle": "circle,pad=0.25", "facecolor": INK, "edgecolor": "white", "linewidth": 0.8})
        rice = [c for c in codes if c in landuse.RICE_CODES]
        land = list(_landuse_entries(rice))
        if any(c not in landuse.RICE_CODES for c in codes):
            land.append(LegendEntry("Các loại đất khác", facecolor=OTHER_LAND))
        return [LegendSection("Cánh đồng tập trung", tuple(field_entries)), LegendSection("Loại đất", tuple(land)),
                LegendSection("Ký hiệu khác", tuple(other))]

    legend = [LegendSection("Cánh đồng tập trung", tuple(field_entries)),
                 LegendSection("Loại đất", _landuse_entries(sorted(fields_mod.rice_parcels(parcels)
                                                                   ["land_use_main"].unique())) +
                               (LegendEntry("Các loại đất khác", facecolor=OTHER_LAND),)),
                 LegendSection("Ký hiệu khác", (LegendEntry(boundary_label(dataset), kind="line"),
                                                LegendEntry("Ranh giới thôn", kind="line")))]
    year = year or data_year(dataset, day)
    return _sheet(dataset, title=f"BẢN ĐỒ CÁNH ĐỒNG TẬP TRUNG NĂM {year}", bounds=tuple(shapely.bounds(commune)),
                  draw=draw, legend=legend, day=day, inset=_inset(dataset), table=table)


FIELD_STATUS = {"existing": "Hiện có", "planned": "Đã phê duyệt", "draft": "Dự thảo", "recovered": "Đã thu hồi"}


def field_shapes(dataset: Dataset, planned: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Every concentrated field to show: those of the data (kept or recovered) and the planned ones drawn on
    this dataset, numbered: adopted (``planned``) apart from drafts (``draft``), with their decision."""
    from gis.fields import of_dataset
    from gis.summary import RECOVERED_STATUSES
    from gis.workspace import ADOPTED

    crs = dataset.parcels.crs
    rows: list[dict[str, Any]] = []
    layer = dataset.get("concentrated_fields")
    if layer is not None and len(layer):
        layer = layer.to_crs(crs)
        status = layer.get("TRANGTHAI", pd.Series("", index=layer.index)).fillna("").astype(str)
        for i, (idx, geom) in enumerate(zip(layer.index, layer.geometry, strict=True)):
            recovered = status.iloc[i].strip().lower() in RECOVERED_STATUSES
            rows.append({"name": str(layer.at[idx, "TEN"]) if "TEN" in layer.columns else f"Cánh đồng {i + 1}",
                         "village": str(layer.at[idx, "THON"] or "") if "THON" in layer.columns else "",
                         "year": layer.at[idx, "NAM"] if "NAM" in layer.columns else None,
                         "kind": "recovered" if recovered else "existing", "geometry": geom,
                         "decision": "", "decision_date": ""})
    planned = of_dataset(planned, dataset)
    if planned is not None and len(planned):
        for _, r in planned.to_crs(crs).iterrows():
            adopted = "state" not in planned.columns or r.get("state") == ADOPTED
            rows.append({"name": str(r.get("name") or ""), "village": str(r.get("village") or ""), "year": None,
                         "kind": "planned" if adopted else "draft", "geometry": r.geometry,
                         "decision": str(r.get("decision") or ""), "decision_date": str(r.get("decision_date") or "")})
    frame = gpd.GeoDataFrame(rows, columns=["name", "village", "year", "kind", "geometry", "decision",
                                            "decision_date"], geometry="geometry", crs=crs)
    order = {"existing": 0, "planned": 1, "draft": 2, "recovered": 3}
    frame = frame.iloc[np.argsort(frame["kind"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    frame.insert(0, "number", np.arange(1, len(frame) + 1))
    return frame


def fields_table(dataset: Dataset, planned: gpd.GeoDataFrame | None = None) -> tuple[Table, gpd.GeoDataFrame]:
    """The fields' table (number, name, village, status, area, rice land inside) and their shapes."""
    from gis.fields import rice_parcels

    shapes = field_shapes(dataset, planned)
    rice = rice_parcels(dataset.parcels)
    rows = []
    area_total = rice_total = 0.0
    for r in shapes.itertuples():
        hits = rice.sindex.query(r.geometry, predicate="intersects")
        rice_m2 = float(rice.iloc[hits].geometry.intersection(r.geometry).area.sum())
        area_m2 = float(r.geometry.area)
        if r.kind not in ("recovered", "draft"):
            area_total += area_m2
            rice_total += rice_m2
        rows.append((str(r.number), r.name, r.village, FIELD_STATUS[r.kind], fmt(area_m2 / M2_PER_HA, 2),
                     fmt(rice_m2 / M2_PER_HA, 2)))
    left_out = [what for kind, what in (("recovered", "cánh đồng đã bị thu hồi"),
                                        ("draft", "cánh đồng dự thảo (chưa có quyết định phê duyệt)"))
                if (shapes["kind"] == kind).any()]
    notes = tuple([f"Tổng cộng không tính {' và '.join(left_out)}."] if left_out else [])
    for r in shapes[shapes["kind"] == "planned"].itertuples():
        if r.decision:
            try:
                day = dt.date.fromisoformat(r.decision_date).strftime("%d/%m/%Y")
            except ValueError:
                day = r.decision_date
            notes += (f"Cánh đồng số {r.number} được phê duyệt theo {r.decision}" + (f" ngày {day}." if day else "."),)
    table = Table(
        title="BẢNG TỔNG HỢP CÁNH ĐỒNG TẬP TRUNG",
        columns=("Số", "Tên cánh đồng", "Thôn", "Tình trạng", "Diện tích (ha)", "Đất lúa (ha)"),
        rows=tuple(rows),
        widths=(0.55, 3.0, 1.1, 1.35, 1.25, 1.2),
        align="llllrr",
        total=("", "Tổng cộng", "", "", fmt(area_total / M2_PER_HA, 2), fmt(rice_total / M2_PER_HA, 2)),
        notes=notes,
    )
    return table, shapes


# ----------------------------------------------------------------------------------------- export


def map_sheet(dataset: Dataset, theme: str, *, project: str | None = None,
              planned_fields: gpd.GeoDataFrame | None = None, day: dt.date | None = None,
              year: int | None = None) -> MapSheet:
    """The sheet of ``theme`` (``landuse``, ``recovery`` with ``project``, or ``fields``)."""
    day = day or dt.date.today()
    if theme == "landuse":
        return landuse_sheet(dataset, day=day, year=year)
    if theme == "recovery":
        return recovery_sheet(dataset, project, day=day)
    if theme == "fields":
        return fields_sheet(dataset, day=day, planned=planned_fields, year=year)
    raise GisError(f"Chủ đề bản đồ «{theme}» không có; hãy chọn {', '.join(THEMES)}.",
                   f"There is no map theme '{theme}'; choose {', '.join(THEMES)}.")


def check_output(path: Path, *, dpi: int) -> None:
    """Refuse an output that is neither PDF nor PNG, or a PNG below :data:`MIN_PNG_DPI`."""
    if path.suffix.lower() not in FORMATS:
        raise GisError(f"Tệp bản đồ «{path.name}» phải có đuôi .pdf hoặc .png.",
                       f"Map file '{path.name}' must end in .pdf or .png.")
    if path.suffix.lower() == ".png" and dpi < MIN_PNG_DPI:
        raise GisError(f"Ảnh PNG để in cần độ phân giải từ {MIN_PNG_DPI} dpi trở lên (đã chọn {dpi}).",
                       f"A PNG for print needs at least {MIN_PNG_DPI} dpi (got {dpi}).")


def export_map(dataset: Dataset, out: str | Path, *, theme: str = "landuse", paper: str = "A3",
               orientation: str = "landscape", project: str | None = None,
               planned_fields: gpd.GeoDataFrame | None = None, day: dt.date | None = None,
               year: int | None = None, dpi: int = MIN_PNG_DPI) -> ExportResult:
    """Draw one theme on one sheet and write it to ``out`` (``.pdf`` or ``.png``)."""
    out = Path(out)
    check_output(out, dpi=dpi)
    start = time.perf_counter()
    with printing_context():
        sheet = map_sheet(dataset, theme, project=project, planned_fields=planned_fields, day=day, year=year)
        fig = render_sheet(sheet, paper=paper, orientation=orientation)
        save([fig], out, dpi=dpi, title=sheet.full_title, subject=sheet.subtitle or "")
    return ExportResult(path=out, theme=theme, title=sheet.full_title, seconds=time.perf_counter() - start)
