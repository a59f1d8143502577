"""Overlaps between parcels and gaps in their coverage, measured: :func:`overlaps_and_gaps`.

GEOS's coverage validator finds the few polygons that can overlap another, so only the pairs with one of them
are intersected; the gaps are the holes of the union of the parcels. Overlaps and gaps under
:data:`MIN_AREA_M2` are digitising noise. :func:`gis.files.checks.check_parcels` lists what this finds.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Overlaps and gaps smaller than this (m²) are digitising noise, not problems.
MIN_AREA_M2 = 0.1


def _intersections(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersections; a pair GEOS cannot intersect (a topology exception) gives an empty polygon."""
    try:
        return shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        out = []
        for x, y in zip(a, b, strict=True):
            try:
                out.append(shapely.intersection(x, y))
            except shapely.errors.GEOSException:
                out.append(shapely.Polygon())
        return np.array(out, dtype=object)


def _suspects(polys: np.ndarray) -> np.ndarray | None:
    """Positions of the polygons with an edge GEOS's coverage validator rejects (None when it cannot run).

    A polygon whose interior another polygon enters has such an edge (an edge inside the other polygon, or
    crossing its edges, or the same outline twice), so every overlap has at least one suspect in it; edges
    that meet without sharing vertices (a T-junction) are suspects too, and are measured and dropped.
    """
    try:
        edges = shapely.coverage_invalid_edges(polys, gap_width=0.0)
    except shapely.errors.GEOSException:
        return None
    return np.flatnonzero(~shapely.is_empty(edges))


def overlaps_and_gaps(polys: np.ndarray, *, min_area_m2: float = MIN_AREA_M2,
                      ) -> tuple[list[tuple[int, int, shapely.Geometry, float]], list[shapely.Polygon]]:
    """The overlaps between valid polygons and the gaps between them, coverage tools first.

    GEOS's coverage validator (:func:`shapely.coverage_invalid_edges`) finds the few polygons that can
    overlap another; only the pairs with one of them in it are intersected and measured. The gaps are the
    holes of the union: the union of the polygons the validator passes is a coverage union (edges shared by
    two polygons dropped, linear), and the suspects are added to it with a plain union.

    Parameters
    ----------
    polys
        Valid polygons and multipolygons, in metres.
    min_area_m2
        Overlaps and gaps smaller than this are left out.

    Returns
    -------
    overlaps, gaps
        ``(a, b, intersection, area_m2)`` for each pair of positions ``a < b`` overlapping by at least
        ``min_area_m2``, in order of ``a`` then ``b``; and each hole of the union (a polygon) of at least
        ``min_area_m2``.
    """
    n = len(polys)
    tree = shapely.STRtree(polys)
    suspects = _suspects(polys)
    if suspects is None:  # the validator cannot run: every touching pair is measured
        left, right = tree.query(polys, predicate="intersects")
    else:
        found_in, tree_idx = tree.query(polys[suspects], predicate="intersects")
        found = suspects[found_in]
        left, right = np.minimum(found, tree_idx), np.maximum(found, tree_idx)
    pick = left < right
    pairs = np.unique(np.column_stack([left[pick], right[pick]]), axis=0) if pick.any() else np.empty((0, 2), int)
    overlaps: list[tuple[int, int, shapely.Geometry, float]] = []
    if len(pairs):
        inter = _intersections(polys[pairs[:, 0]], polys[pairs[:, 1]])
        areas = shapely.area(inter)
        for (a, b), geom, area in zip(pairs, inter, areas, strict=True):
            if area >= min_area_m2:
                overlaps.append((int(a), int(b), geom, float(area)))
    try:
        if suspects is None:
            union = shapely.union_all(polys)
        else:
            clean = np.ones(n, dtype=bool)
            clean[suspects] = False
            union = shapely.coverage_union_all(polys[clean]) if clean.any() else shapely.Polygon()
            if len(suspects):
                union = shapely.union_all(np.array([union, *polys[suspects]], dtype=object))
    except shapely.errors.GEOSException:  # a topology GEOS cannot resolve: gaps are not looked for
        union = shapely.Polygon()
    holes: list[shapely.Polygon] = []
    for part in shapely.get_parts(union):
        if part.geom_type != "Polygon":
            continue
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            if hole.area >= min_area_m2:
                holes.append(hole)
    return overlaps, holes
