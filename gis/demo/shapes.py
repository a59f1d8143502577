"""Geometry tools of the demonstration-data generators: shapes, cuts and clean-ups of a generated cadastre.

A local frame that turns the field grid axis-aligned (:class:`Frame`), irregular village cores (:func:`blob`,
:func:`fit_area`), corridors along lines (:func:`corridor`), the minimum spanning tree that joins the villages
by commune roads (:func:`mst_edges`), the cutting of blocks into strips and cells (:func:`cut`,
:func:`strips`, :func:`cells`), and the clean-ups that leave a true tiling (:func:`merge_small`,
:func:`explode_and_absorb`, :func:`node`). Used by :mod:`gis.demo.builtin` and :mod:`gis.demo.merged`; pure
geometry, no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Polygon, box


@dataclass
class Frame:
    """The local frame: rotate real coordinates about ``origin`` so the field grid is axis-aligned."""

    origin: tuple[float, float]
    angle: float

    def to_local(self, geom):
        return affinity.rotate(geom, -self.angle, origin=self.origin)

    def to_real(self, geom):
        return affinity.rotate(geom, self.angle, origin=self.origin)


def blob(rng: np.random.Generator, centre: tuple[float, float], area_m2: float) -> Polygon:
    """An irregular rounded polygon of the given area around ``centre``: a village's residential core."""
    phi = np.linspace(0, 2 * math.pi, 64, endpoint=False)
    r = np.ones_like(phi)
    for k, amp in ((1, 0.16), (2, 0.14), (3, 0.08), (5, 0.04)):
        r += amp * np.cos(k * phi + rng.uniform(0, 2 * math.pi))
    ring = np.column_stack([np.cos(phi) * r, np.sin(phi) * r])
    poly = Polygon(ring)
    scale = math.sqrt(area_m2 / poly.area)
    return affinity.translate(affinity.scale(poly, scale, scale, origin=(0, 0)), *centre)


def fit_area(poly: Polygon, commune, area_m2: float, anchor: tuple[float, float]):
    """Scale ``poly`` about ``anchor`` until its part inside the commune has ``area_m2`` (to 1 m²)."""
    lo, hi = 0.2, 4.0
    for _ in range(60):
        mid = (lo + hi) / 2
        got = affinity.scale(poly, mid, mid, origin=anchor).intersection(commune).area
        lo, hi = (mid, hi) if got < area_m2 else (lo, mid)
    fitted = affinity.scale(poly, hi, hi, origin=anchor).intersection(commune)
    return shapely.set_precision(fitted, 0.01)


def corridor(lines, width: float) -> shapely.Geometry:
    """The union of ``lines`` buffered to ``width`` (m) with flat ends: a road or canal corridor."""
    geoms = [LineString(c) if not isinstance(c, LineString | MultiLineString) else c for c in lines]
    return shapely.union_all([g.buffer(width / 2, cap_style="flat", join_style="mitre") for g in geoms])


def mst_edges(points: np.ndarray) -> list[tuple[int, int]]:
    """Edges of the Euclidean minimum spanning tree (Prim), deterministic."""
    n = len(points)
    in_tree = [0]
    edges = []
    while len(in_tree) < n:
        best = None
        for i in in_tree:
            for j in range(n):
                if j in in_tree:
                    continue
                d = float(np.hypot(*(points[i] - points[j])))
                if best is None or d < best[0]:
                    best = (d, i, j)
        assert best is not None
        edges.append((best[1], best[2]))
        in_tree.append(best[2])
    return edges


def cut(piece: Polygon, xs: np.ndarray, ys: np.ndarray) -> list[Polygon]:
    """Cut ``piece`` by the cells of the grid with column edges ``xs`` and row edges ``ys``."""
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in range(len(ys) - 1) for i in range(len(xs) - 1)]
    parts = shapely.intersection(piece, np.array(cells, dtype=object))
    out: list[Polygon] = []
    for part in parts:
        if part.is_empty:
            continue
        for poly in getattr(part, "geoms", [part]):
            if isinstance(poly, Polygon) and poly.area > 1e-6:
                out.append(poly)
    return out


def merge_small(parts: list[Polygon], min_area: float) -> list[Polygon]:
    """Merge every part smaller than ``min_area`` into the touching part with the longest shared edge."""
    parts = list(parts)
    changed = True
    while changed and len(parts) > 1:
        changed = False
        order = sorted(range(len(parts)), key=lambda i: parts[i].area)
        for i in order:
            if parts[i].area >= min_area:
                break
            best, best_len = None, 0.0
            for j, other in enumerate(parts):
                if j == i:
                    continue
                shared = parts[i].boundary.intersection(other.boundary).length
                if shared > best_len:
                    best, best_len = j, shared
            if best is None:
                continue
            merged = shapely.union(parts[i], parts[best])
            if merged.geom_type != "Polygon":
                continue
            parts[best] = merged
            del parts[i]
            changed = True
            break
    return parts


def _widths(rng: np.random.Generator, start: float, stop: float, low: float, high: float) -> np.ndarray:
    edges = [start]
    while edges[-1] < stop:
        edges.append(edges[-1] + rng.uniform(low, high))
    edges[-1] = max(edges[-1], stop)
    return np.array(edges)


def strips(rng, piece: Polygon, *, low: float, high: float, row_depth: float) -> list[Polygon]:
    """``piece`` cut into rows ``row_depth`` deep and strips of random widths between ``low`` and ``high`` (m)."""
    minx, miny, maxx, maxy = piece.bounds
    rows = max(1, round((maxy - miny) / row_depth))
    ys = np.linspace(miny, maxy, rows + 1)
    xs = _widths(rng, minx, maxx, low, high)
    return cut(piece, xs, ys)


def cells(rng, piece: Polygon, *, cell_x: float, cell_y: float) -> list[Polygon]:
    """``piece`` cut into a grid of about ``cell_x`` by ``cell_y`` (m), its columns jittered."""
    minx, miny, maxx, maxy = piece.bounds
    nx = max(1, round((maxx - minx) / cell_x))
    ny = max(1, round((maxy - miny) / cell_y))
    jitter_x = rng.uniform(-0.15, 0.15, nx + 1) * (maxx - minx) / nx
    jitter_x[0] = jitter_x[-1] = 0
    xs = np.linspace(minx, maxx, nx + 1) + jitter_x
    ys = np.linspace(miny, maxy, ny + 1)
    return cut(piece, xs, ys)


def explode_and_absorb(parcels: gpd.GeoDataFrame, *, min_area: float) -> gpd.GeoDataFrame:
    """Explode multipart parcels and merge slivers under ``min_area`` into their longest neighbour."""
    parcels = parcels.explode(index_parts=False).reset_index(drop=True)
    parcels = parcels[parcels.geometry.geom_type == "Polygon"].reset_index(drop=True)
    small = np.flatnonzero(parcels.area.to_numpy() < min_area)
    geoms = parcels.geometry.to_numpy().copy()
    drop = set()
    tree = shapely.STRtree(geoms)
    for i in small:
        cands = [j for j in tree.query(geoms[i], predicate="intersects") if j != i and j not in drop]
        best, best_len = None, 0.0
        for j in cands:
            shared = shapely.intersection(geoms[i].boundary, geoms[j].boundary).length
            if shared > best_len:
                best, best_len = j, shared
        if best is None:
            continue
        merged = shapely.union(geoms[best], geoms[i])
        if merged.geom_type == "Polygon":
            geoms[best] = merged
            drop.add(i)
    parcels = parcels.set_geometry(geoms)
    return parcels.drop(index=sorted(drop)).reset_index(drop=True)


def node(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Node the coverage: rebuild every parcel from the noded linework, so neighbours share vertices.

    Cutting blocks independently leaves a vertex on one side of a shared edge and not on the other;
    coverage operations (dissolve by coverage, coverage simplification for the map) need them matched.
    """
    lines = shapely.union_all(parcels.boundary.to_numpy(), grid_size=0.001)
    faces = np.array(list(shapely.polygonize(list(getattr(lines, "geoms", [lines]))).geoms), dtype=object)
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    face_idx, parcel_idx = tree.query(points, predicate="within")
    owner = np.full(len(faces), -1)
    owner[face_idx] = parcel_idx
    if (owner < 0).any():  # gaps: give each to the parcel it shares most edge with
        for f in np.flatnonzero(owner < 0):
            cands = tree.query(faces[f], predicate="intersects")
            lengths = [shapely.intersection(faces[f].boundary, parcels.geometry.iloc[c].boundary).length
                       for c in cands]
            owner[f] = cands[int(np.argmax(lengths))]
    geoms = []
    for i in range(len(parcels)):
        mine = faces[owner == i]
        geoms.append(mine[0] if len(mine) == 1 else shapely.union_all(mine, grid_size=0.001))
    return parcels.set_geometry(geoms)
