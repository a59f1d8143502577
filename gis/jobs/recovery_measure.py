"""Which parcels a project boundary takes, and how much of each: :func:`measure`.

The spatial index gives the parcels whose box meets the boundary's box; the boundary's rings, cut into short
segments, find through the same index the few parcels the boundary line crosses ("cut" parcels). Every other
candidate lies wholly inside or wholly outside. A grid of tiles over the boundary decides most of them at once
(a parcel whose box meets no piece of the rings but meets a tile wholly inside the boundary is inside); a
point-in-polygon test against the prepared boundary decides the rest (the centre of its box, or one of its
vertices when its box is near the rings). An inside parcel takes its whole drawn area. Only the cut parcels
are intersected. This is exact, and within a small factor of the bare GEOS intersection of the cut parcels
(``benchmarks/recovery.py``).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.area import drawn_areas, repaired
from gis.jobs.recovery_boundary import Boundary

#: Intersections smaller than this (a square millimetre) are floating-point noise along shared edges.
NOISE_M2 = 1e-6

#: Length (m) of the pieces the boundary's rings are cut into to find the parcels they cross.
SEGMENT_M = 50.0


def _ring_segments(shape: shapely.Geometry, *, segment_m: float) -> np.ndarray:
    """The rings of a polygonal shape cut into straight pieces of at most ``segment_m``."""
    rings = shapely.get_rings(shapely.get_parts(shape))
    rings = shapely.segmentize(rings, segment_m)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    starts = coords[:-1][same]
    ends = coords[1:][same]
    return shapely.linestrings(np.stack([starts, ends], axis=1))


def _area_of(geoms: np.ndarray) -> np.ndarray:
    return shapely.area(geoms) if len(geoms) else np.zeros(0)


def _drawn_areas(parcels: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray | None:
    """The drawn areas :func:`gis.files.schema.normalise_parcels` computed once on reading, when present."""
    if isinstance(parcels, gpd.GeoDataFrame) and "map_area_m2" in parcels.columns:
        values = parcels["map_area_m2"].to_numpy()
        if values.dtype.kind == "f":
            return values
    return None


def measure(
    parcels: gpd.GeoDataFrame | gpd.GeoSeries,
    boundary: Boundary | shapely.Geometry,
    *,
    segment_m: float = SEGMENT_M,
    tile_parcels: float = 64.0,
) -> pd.DataFrame:
    """Recovered area of every parcel the boundary takes: the fast, exact core of :func:`~gis.jobs.recovery.recover`.

    Uses the layer's spatial index when it has one (``parcels.sindex``, built once and kept by geopandas
    with the frame; otherwise only the parcels in the boundary's box are indexed, for this call) and, for
    a frame in the internal schema, the drawn areas in its ``map_area_m2`` column (computed once on reading
    by :func:`gis.files.schema.normalise_parcels`; a bare GeoSeries has them measured here). The boundary must
    already be in the parcels' CRS (see :func:`~gis.jobs.recovery_boundary.prepare_boundary`). ``segment_m`` and ``tile_parcels`` (parcels
    per tile) tune the search, never the result.

    Returns
    -------
    pandas.DataFrame
        One row per parcel with a recovered area above :data:`NOISE_M2`, indexed like ``parcels`` and in its order:
        ``map_area_m2`` (drawn area), ``recovered_m2`` (exact, unrounded) and ``inside`` (True when the
        parcel lies wholly inside the boundary, so that it was not intersected). A parcel cut by the boundary
        is :func:`~gis.core.area.repaired` first when invalid, and the drawn area of an invalid parcel is its
        repair's (:func:`~gis.core.area.drawn_areas`, as ``map_area_m2`` holds it).
    """
    shape = boundary.geometry if isinstance(boundary, Boundary) else boundary
    series = parcels.geometry if isinstance(parcels, gpd.GeoDataFrame) else parcels
    geoms = series.array.to_numpy()
    columns = {"map_area_m2": np.zeros(0), "recovered_m2": np.zeros(0), "inside": np.zeros(0, dtype=bool)}
    if shape is None or shape.is_empty or len(geoms) == 0:
        return pd.DataFrame(columns, index=series.index[:0])
    shapely.prepare(shape)
    sindex = series.sindex if series.has_sindex else _BoxTree(geoms, shape.bounds)
    n = len(geoms)
    boxed = sindex.query(shape)  # parcels whose box meets the boundary's box
    if len(boxed) == 0:
        return pd.DataFrame(columns, index=series.index[:0])
    segments = _ring_segments(shape, segment_m=segment_m)
    seg_of, near_all = sindex.query(segments)  # parcels whose box meets a piece of the boundary's rings
    cut = np.unique(near_all[shapely.intersects(segments[seg_of], geoms[near_all])])
    near = np.zeros(n, dtype=bool)
    near[near_all] = True
    inside = np.zeros(n, dtype=bool)
    # A parcel whose box meets no piece of the rings ("far") has its whole box on one side of the boundary.
    # Far parcels meeting a tile wholly inside the boundary are inside; the others in tiles the rings cross
    # are decided by the centre of their box; those only in tiles outside the boundary are outside.
    tiles, tile_inside, tile_crossed = _tiles(shape, len(boxed), per_tile=tile_parcels)
    if tile_inside.any():
        inside[sindex.query(tiles[tile_inside])[1]] = True
        inside &= ~near
    if tile_crossed.any():
        candidates = np.unique(sindex.query(tiles[tile_crossed])[1])
        candidates = candidates[~inside[candidates] & ~near[candidates]]
        bounds = shapely.bounds(geoms[candidates])
        inside[candidates[shapely.contains_xy(shape, (bounds[:, 0] + bounds[:, 2]) / 2,
                                              (bounds[:, 1] + bounds[:, 3]) / 2)]] = True
    # A parcel near the rings that the rings do not cross lies on one side too: one of its vertices says
    # which (unless it has parts on both sides: those are intersected).
    rest = np.setdiff1d(np.unique(near_all), cut, assume_unique=True)
    rest_geoms = geoms[rest]
    multi = shapely.get_num_geometries(rest_geoms) > 1
    if multi.any():
        cut = np.union1d(cut, rest[multi])
        rest, rest_geoms = rest[~multi], rest_geoms[~multi]
    if len(rest):
        counts = shapely.get_num_coordinates(rest_geoms)
        first = shapely.get_coordinates(rest_geoms)[np.cumsum(counts) - counts]
        inside[rest[shapely.contains_xy(shape, first[:, 0], first[:, 1])]] = True

    cut_geoms = geoms[cut]
    # an invalid parcel is repaired for this measurement only, before it is cut (see repaired)
    cut_geoms = repaired(cut_geoms)
    try:
        cut_areas = _area_of(shapely.intersection(cut_geoms, shape))
    except shapely.errors.GEOSException:  # left for an invalid part make_valid did not mend
        cut_areas = _area_of(shapely.intersection(shapely.make_valid(cut_geoms), shape))
    code = inside.view(np.int8).copy()  # 1 inside, 2 cut, 0 outside
    code[cut] = 2
    recovered_all = np.zeros(n)
    recovered_all[cut] = cut_areas
    positions = np.flatnonzero(code)
    drawn_all = _drawn_areas(parcels)
    drawn = drawn_all[positions] if drawn_all is not None else drawn_areas(geoms[positions])
    is_inside = code[positions] == 1
    recovered = np.where(is_inside, drawn, recovered_all[positions])
    keep = recovered > NOISE_M2
    return pd.DataFrame(
        {"map_area_m2": drawn[keep], "recovered_m2": recovered[keep], "inside": is_inside[keep]},
        index=series.index[positions[keep]],
    )


class _BoxTree:
    """A spatial index of only the geometries whose box meets ``box``, answering ``query`` with positions in
    the whole array as ``GeoSeries.sindex.query`` does: for a layer read for one computation (a command),
    building the index of a province's million parcels costs more than the rest of the measurement."""

    def __init__(self, geoms: np.ndarray, box: tuple[float, float, float, float]) -> None:
        bounds = shapely.bounds(geoms)
        with np.errstate(invalid="ignore"):  # empty geometries have NaN bounds: never in the box
            self.positions = np.flatnonzero((bounds[:, 0] <= box[2]) & (bounds[:, 2] >= box[0])
                                            & (bounds[:, 1] <= box[3]) & (bounds[:, 3] >= box[1]))
        self.tree = shapely.STRtree(geoms[self.positions])

    def query(self, geometry: shapely.Geometry | np.ndarray) -> np.ndarray:
        found = self.tree.query(geometry)
        if found.ndim == 2:
            return np.vstack([found[0], self.positions[found[1]]])
        return self.positions[found]


def _tiles(shape: shapely.Geometry, count: int, *, per_tile: float = 64.0) -> tuple[np.ndarray, ...]:
    """A grid of tiles over the boundary's box, about ``per_tile`` parcels each (``count`` in the box).

    Returns the tiles, which lie wholly inside the boundary, and which the boundary's rings cross.
    """
    x0, y0, x1, y1 = shape.bounds
    side = math.sqrt(max((x1 - x0) * (y1 - y0), 1e-9) / max(count, 1) * per_tile)
    kx = int(np.clip(math.ceil((x1 - x0) / side), 1, 64))
    ky = int(np.clip(math.ceil((y1 - y0) / side), 1, 64))
    xs, ys = np.linspace(x0, x1, kx + 1), np.linspace(y0, y1, ky + 1)
    left, bottom = np.meshgrid(xs[:-1], ys[:-1])
    right, top = np.meshgrid(xs[1:], ys[1:])
    tiles = shapely.box(left.ravel(), bottom.ravel(), right.ravel(), top.ravel())
    inside = shapely.contains_properly(shape, tiles)
    crossed = ~inside & shapely.intersects(shape, tiles)
    return tiles, inside, crossed


# -------------------------------------------------------------------------------------------- the report
