"""Geometry for display: WGS84 once, simplified as a coverage, rounded, and packed small for the browser.

This is the one place where layers are reprojected to WGS84 (EPSG:4326) for the web map; areas are never
measured here. A commune's 14 000 parcels as folium GeoJSON are about 5.6 MB; packed as below they are
about 1.1 MB, which is what makes the whole commune drawable in one map (see ``benchmarks/map_size.py``).

The packed form (decoded by ``layers/assets/lpmap.js``)::

    {"k": [keys...],            # property keys, in the order of each feature's values
     "t": {key: [values...]},   # tables for text properties: a feature holds an index (or null)
     "f": [[v1, v2, ..., geom], ...]}

``geom`` is a list of parts. A polygon part is a list of rings, a line part one flat list. A flat list holds
``dx, dy`` pairs in millionths of a degree (about 0.1 m), each relative to the previous vertex of the
layer (the first relative to 0, 0); rings leave out their closing vertex.
"""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.crs import WGS84_EPSG
from layers.spec import LayerSpec

#: Coordinates are sent as integers of this many units per degree (6 decimals, about 0.1 m).
UNITS_PER_DEGREE = 1_000_000


def to_display(frame: gpd.GeoDataFrame, *, coverage: bool = False, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """The frame in WGS84 for the web map, simplified in its own (metric) CRS first.

    ``coverage`` simplifies with :func:`shapely.coverage_simplify`, which keeps shared edges shared (no
    gaps or overlaps appear between neighbouring parcels); otherwise each geometry is simplified on its
    own, which is only right for layers whose features do not touch. Empty and missing geometries are
    dropped. Returns a new frame; ``frame`` is not changed.
    """
    out = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].copy()
    if simplify_m > 0 and len(out) and out.crs is not None and out.crs.is_projected:
        geoms = out.geometry.to_numpy()
        if coverage:
            out = out.set_geometry(shapely.coverage_simplify(geoms, simplify_m), crs=out.crs)
        else:
            out = out.set_geometry(shapely.simplify(geoms, simplify_m, preserve_topology=True), crs=out.crs)
    if out.crs is None or out.crs.to_epsg() != WGS84_EPSG:
        out = out.to_crs(WGS84_EPSG)
    return out


def _flat(coords: np.ndarray, cursor: np.ndarray, *, ring: bool) -> list[int]:
    """Delta-encode ``coords`` (degrees) against ``cursor`` (updated in place)."""
    if ring and len(coords) > 1 and np.array_equal(coords[0], coords[-1]):
        coords = coords[:-1]
    q = np.round(coords[:, :2] * UNITS_PER_DEGREE).astype(np.int64)
    deltas = np.diff(np.vstack([cursor, q]), axis=0)
    cursor[:] = q[-1]
    return deltas.ravel().tolist()


def _parts(geom: shapely.Geometry) -> list[shapely.Geometry]:
    if geom.geom_type.startswith("Multi") or geom.geom_type == "GeometryCollection":
        return [g for g in geom.geoms if not g.is_empty]
    return [geom]


def encode_geometry(geom: shapely.Geometry, cursor: np.ndarray) -> list[Any]:
    """One geometry in the packed form (see the module's docstring); ``cursor`` is updated in place."""
    parts: list[Any] = []
    for part in _parts(geom):
        if part.geom_type == "Polygon":
            rings = [part.exterior, *part.interiors]
            parts.append([_flat(np.asarray(r.coords), cursor, ring=True) for r in rings])
        elif part.geom_type == "LineString":
            parts.append(_flat(np.asarray(part.coords), cursor, ring=False))
        elif part.geom_type == "Point":
            parts.append(_flat(np.asarray(part.coords), cursor, ring=False))
    return parts


def browser_value(value: object, kind: str) -> object:
    """``value`` as the browser receives it in a packed layer's property of ``kind`` (see :func:`pack`):
    ``"int"`` an integer (``None`` when not one: a sheet written as text ``"12a"``), ``"float1"`` rounded
    to 0.1, ``"text"`` a string; ``None`` for a missing value."""
    return _value(value, kind)


def _value(value: object, kind: str) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if kind == "int":
        try:
            return int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return None
    if kind == "float1":
        try:
            return round(float(value), 1)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return str(value)


def pack(frame: gpd.GeoDataFrame, spec: LayerSpec) -> dict[str, Any]:
    """A display frame (WGS84) in the packed form, keeping only the spec's fields.

    Text values go into one table per field and features carry their index, so a village name or a
    land-use code is sent once, not fourteen thousand times.
    """
    keys = [f.key for f in spec.fields]
    tables: dict[str, list[str]] = {}
    columns: list[list[object]] = []
    for f in spec.fields:
        values = [_value(v, f.kind) for v in frame[f.column].tolist()]
        if f.kind == "text":
            table = sorted({v for v in values if v is not None})  # type: ignore[type-var]
            index = {v: i for i, v in enumerate(table)}
            tables[f.key] = table  # type: ignore[assignment]
            values = [None if v is None else index[v] for v in values]
        columns.append(values)
    cursor = np.zeros(2, dtype=np.int64)
    features = []
    for row, geom in enumerate(frame.geometry.to_numpy()):
        features.append([col[row] for col in columns] + [encode_geometry(geom, cursor)])
    return {"k": keys, "t": tables, "f": features}


def pack_json(data: dict[str, Any]) -> str:
    """The packed layer as compact JSON (no spaces; non-ASCII text kept as UTF-8)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def decode(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The packed layer back to GeoJSON-like features (what the browser builds): for tests and checks."""
    cursor = [0, 0]

    def flat(values: list[int], *, ring: bool) -> list[list[float]]:
        pts = []
        for i in range(0, len(values), 2):
            cursor[0] += values[i]
            cursor[1] += values[i + 1]
            pts.append([cursor[0] / UNITS_PER_DEGREE, cursor[1] / UNITS_PER_DEGREE])
        if ring and pts:
            pts.append(list(pts[0]))
        return pts

    out = []
    for feature in data["f"]:
        *values, geom = feature
        props = {}
        for key, value in zip(data["k"], values, strict=True):
            table = data["t"].get(key)
            props[key] = table[value] if table is not None and value is not None else value
        parts: list[Any] = []
        for part in geom:
            if part and isinstance(part[0], list):
                parts.append([flat(r, ring=True) for r in part])
            else:
                parts.append(flat(part, ring=False))
        out.append({"properties": props, "parts": parts})
    return out


def bounds_wgs84(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` of a frame in degrees."""
    if frame.crs is not None and frame.crs.to_epsg() != WGS84_EPSG:
        frame = frame.to_crs(WGS84_EPSG)
    west, south, east, north = (float(v) for v in frame.total_bounds)
    return west, south, east, north


#: Room kept clear on every side of a view, in pixels: the map's controls sit there (zoom buttons and scale on
#: the left, the layer switch and the folded legend on the right), so an area zoomed to is never under them.
VIEW_PADDING_PX = 48


def zoom_for(bounds: tuple[float, float, float, float], *, width_px: int = 800, height_px: int = 600,
             max_zoom: int = 19, padding_px: int = VIEW_PADDING_PX) -> int:
    """The largest web-map zoom level at which ``bounds`` fit in a view of the given size.

    ``padding_px`` is kept clear on every side (see :data:`VIEW_PADDING_PX`).
    """
    west, south, east, north = bounds
    width_px = max(width_px - 2 * padding_px, 64)
    height_px = max(height_px - 2 * padding_px, 64)

    def merc_y(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return math.log((1 + s) / (1 - s)) / 2

    dx = max(east - west, 1e-9) / 360.0
    dy = max(merc_y(north) - merc_y(south), 1e-9) / (2 * math.pi)
    zoom = min(math.log2(width_px / 256 / dx), math.log2(height_px / 256 / dy))
    return int(max(1, min(max_zoom, math.floor(zoom))))
