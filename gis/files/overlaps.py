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


def _unmatched(polys: np.ndarray) -> np.ndarray:
    """For each polygon, whether one of its edges is not shared, once and in the opposite direction, with
    exactly one edge of another ring (all at once, in numpy).

    GEOS's coverage validator passes an edge matched that way without looking further, so a polygon whose
    edges are all matched has no invalid edge: only the others (the layer's outer edge, the sides of gaps,
    overlaps, T-junctions, a repeated outline) need the validator. Edges are compared exactly, coordinates
    bit for bit as GEOS does, each ring's edges taken with the polygon's interior on their left (shells
    counter-clockwise, holes clockwise). Raises ValueError for geometries that are not all polygons.
    """
    n = len(polys)
    _, xy, offsets = shapely.to_ragged_array(polys, include_z=False)
    if len(offsets) == 2:  # polygons: ring and polygon offsets
        ring_off, poly_off = offsets
        part_off = np.arange(n + 1)
    else:  # multipolygons: ring, part and multipolygon offsets
        ring_off, poly_off, part_off = offsets
    n_rings = len(ring_off) - 1
    ring_geom = np.repeat(np.repeat(np.arange(n), np.diff(part_off)), np.diff(poly_off))
    shell = np.zeros(n_rings, dtype=bool)
    shell[poly_off[:-1][np.diff(poly_off) > 0]] = True
    sizes = np.diff(ring_off)
    # the edges: every coordinate but a ring's last starts one
    last = np.zeros(len(xy), dtype=bool)
    last[ring_off[1:] - 1] = True
    starts = np.flatnonzero(~last)
    ring = np.repeat(np.arange(n_rings), sizes - 1)
    # each ring's orientation: the shoelace sum, in coordinates relative to the ring's first vertex
    local = xy - np.repeat(xy[ring_off[:-1]], sizes, axis=0)
    cross = local[starts, 0] * local[starts + 1, 1] - local[starts + 1, 0] * local[starts, 1]
    twice_area = np.bincount(ring, weights=cross, minlength=n_rings)
    flip = (twice_area > 0) != shell  # the interior is on the right: the edges are taken backwards
    # each distinct vertex numbered (equal coordinates, equal number; a hash collision only splits a number)
    bits = (xy + 0.0).view(np.int64)  # + 0.0: -0.0 and 0.0 alike
    order = np.argsort(bits[:, 0] * np.int64(-7046029254386353131) + bits[:, 1])
    value = np.ascontiguousarray(xy).view(np.complex128).ravel()[order]
    first = np.empty(len(order), dtype=bool)
    first[:1] = True
    first[1:] = value[1:] != value[:-1]
    vertex = np.empty(len(order), dtype=np.int64)
    vertex[order] = np.cumsum(first) - 1
    count_v = int(vertex.max()) + 1 if len(vertex) else 1
    if count_v > 2**31:
        raise ValueError("too many vertices to number the edges")
    a, b = vertex[starts], vertex[starts + 1]
    backwards = flip[ring]
    a, b = np.where(backwards, b, a), np.where(backwards, a, b)
    moved = a != b  # a repeated vertex is no edge
    a, b, ring = a[moved], b[moved], ring[moved]
    forward = a < b
    key = np.where(forward, a * count_v + b, b * count_v + a)
    order = np.argsort(key)
    key = key[order]
    new = np.empty(len(key), dtype=bool)
    new[:1] = True
    new[1:] = key[1:] != key[:-1]
    group = np.cumsum(new) - 1
    matched = (np.bincount(group) == 2) & (np.bincount(group, weights=forward[order]) == 1)
    out = np.zeros(n, dtype=bool)
    out[ring_geom[ring[order[~matched[group]]]]] = True
    return out


def _suspects(polys: np.ndarray, tree: shapely.STRtree) -> np.ndarray | None:
    """Positions of the polygons with an edge GEOS's coverage validator rejects (None when it cannot run).

    A polygon whose interior another polygon enters has such an edge (an edge inside the other polygon, or
    crossing its edges, or the same outline twice), so every overlap has at least one suspect in it; edges
    that meet without sharing vertices (a T-junction) are suspects too, and are measured and dropped.

    The validator runs only on the polygons with an unmatched edge (:func:`_unmatched`) and those whose
    envelope meets theirs (the neighbours it compares them with): the answer for each of them is the one
    it gives on the whole layer, in a fraction of the time.
    """
    n = len(polys)
    try:
        candidates = np.flatnonzero(_unmatched(polys))
    except (ValueError, TypeError):  # not all polygons: the validator looks at every one
        candidates = np.arange(n)
    if not len(candidates):
        return candidates
    if len(candidates) < n:
        _, near = tree.query(polys[candidates])
        subset = np.union1d(candidates, near)
    else:
        subset = np.arange(n)
    try:
        edges = shapely.coverage_invalid_edges(polys[subset], gap_width=0.0)
    except shapely.errors.GEOSException:
        return None
    return candidates[~shapely.is_empty(edges[np.searchsorted(subset, candidates)])]


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
    suspects = _suspects(polys, tree)
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
