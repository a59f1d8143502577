"""Overlaps between parcels and gaps in their coverage, measured: :func:`overlaps_and_gaps`.

Every edge of every ring is compared, in numpy, with the others (:func:`_edges`): an edge shared once, in the
opposite direction, with another ring is inside the coverage. Only the polygons with another kind of edge go
to GEOS's coverage validator (with their neighbours), which finds the few that can overlap another, so only
the pairs with one of them are intersected; the gaps are the faces that the other edges enclose and no
parcel covers, the holes of the union of the parcels. Overlaps and gaps under :data:`MIN_AREA_M2` are
digitising noise. :func:`gis.files.checks.check_parcels` lists what this finds.
"""

from __future__ import annotations

from dataclasses import dataclass

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


_HASH_X = np.int64(-7046029254386353131)
_HASH_EDGE = np.int64(-4658895280553007687)


def _point_hash(point: np.ndarray) -> np.ndarray:
    """A 64-bit hash of points given as complex numbers (equal points, equal hashes; wrapping arithmetic)."""
    bits = point.view(np.int64).reshape(-1, 2)
    return bits[:, 0] * _HASH_X + bits[:, 1]


@dataclass
class _Edges:
    """Every edge of a layer's rings (repeated vertices dropped), sorted by a hash of its two ends.

    ``point`` holds the layer's vertices (complex numbers, ``-0.0`` read as ``0.0``); ``lo`` and ``hi`` are
    each edge's ends (positions in ``point``); ``first`` marks the first of the edges with the same ends;
    ``matched`` the edges shared with exactly one other edge, which runs the other way (interiors on both
    sides); ``unmatched`` is per polygon: whether one of its edges is not matched.
    """

    point: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    first: np.ndarray
    matched: np.ndarray
    unmatched: np.ndarray


#: Edges handled at once where a step needs temporary arrays of them (memory stays bounded).
_CHUNK = 1 << 18
#: The gaps are looked for among the unmatched edges (:func:`_gap_faces`, some 10-30 µs an edge) when there are
#: at most this many plus 2 % of all edges; beyond, as in a layer whose parcels share no edges (buildings, a
#: drawing with no shared vertices), the union of the parcels is cheaper (:func:`_union_holes`).
FACE_EDGES = 20_000


def _edges(polys: np.ndarray) -> _Edges:
    """Every edge of ``polys``' rings, and which are matched (see :class:`_Edges`), all at once in numpy.

    GEOS's coverage validator passes an edge matched that way without looking further, so a polygon whose
    edges are all matched has no invalid edge: only the others (the layer's outer edge, the sides of gaps,
    overlaps, T-junctions, a repeated outline) need the validator. Edges are compared exactly, coordinates
    equal as numbers, as GEOS compares them, each ring's edges taken with the polygon's interior on their left
    (shells counter-clockwise, holes clockwise). Edges are sorted by a hash of their ends and then compared
    end for end: a collision can only leave an edge unmatched (sent to the validator), never match two
    different edges. About 60 bytes an edge at most besides the vertices. Raises ValueError for geometries
    that are not all polygons.
    """
    n = len(polys)
    _, xy, offsets = shapely.to_ragged_array(polys, include_z=False)
    if len(offsets) == 2:  # polygons: ring and polygon offsets
        ring_off, poly_off = offsets
        part_off = np.arange(n + 1)
    else:  # multipolygons: ring, part and multipolygon offsets
        ring_off, poly_off, part_off = offsets
    if len(xy) >= 2**31:
        raise ValueError("too many vertices")
    n_rings = len(ring_off) - 1
    sizes = np.diff(ring_off)
    ring_geom = np.repeat(np.repeat(np.arange(n, dtype=np.int32), np.diff(part_off)), np.diff(poly_off))
    shell = np.zeros(n_rings, dtype=bool)
    shell[poly_off[:-1][np.diff(poly_off) > 0]] = True
    last = np.zeros(len(xy), dtype=bool)
    last[ring_off[1:] - 1] = True
    ia = np.flatnonzero(~last).astype(np.int32)  # every coordinate but a ring's last starts an edge
    del last
    ring = np.repeat(np.arange(n_rings, dtype=np.int32), sizes - 1)
    # each ring's orientation: the shoelace sum, in coordinates relative to the ring's first vertex
    base = xy[ring_off[:-1]]
    twice_area = np.zeros(n_rings)
    for k in range(0, len(ia), _CHUNK):
        a, r = ia[k:k + _CHUNK], ring[k:k + _CHUNK]
        s, e = xy[a] - base[r], xy[a + 1] - base[r]
        twice_area += np.bincount(r, weights=s[:, 0] * e[:, 1] - e[:, 0] * s[:, 1], minlength=n_rings)
    backwards = ((twice_area > 0) != shell)[ring]  # the interior on the right: the edge is taken backwards
    del base, twice_area
    xy += 0.0  # -0.0 and 0.0 alike
    point = xy.view(np.complex128).ravel()
    ib = ia + 1
    ia, ib = np.where(backwards, ib, ia), np.where(backwards, ia, ib)
    del backwards
    h = _point_hash(point)
    hp, hq = h[ia], h[ib]
    del h
    same = np.flatnonzero(hp == hq)
    repeated = same[point[ia[same]] == point[ib[same]]]  # a repeated vertex is no edge
    tie = np.zeros(len(ia), dtype=bool)
    tie[same] = True  # two ends with one hash: never matched
    if len(repeated):
        keep = np.ones(len(ia), dtype=bool)
        keep[repeated] = False
        ia, ib, ring, hp, hq, tie = ia[keep], ib[keep], ring[keep], hp[keep], hq[keep], tie[keep]
    forward = hp < hq
    key = np.where(forward, hp, hq)
    key *= _HASH_EDGE
    key += np.where(forward, hq, hp)
    del hp, hq
    order = np.argsort(key)
    key = key[order]
    forward, tie, ring = forward[order], tie[order], ring[order]
    lo = np.where(forward, ia[order], ib[order])
    hi = np.where(forward, ib[order], ia[order])
    del ia, ib, order
    first = np.empty(len(key), dtype=bool)
    first[:1] = True
    first[1:] = key[1:] != key[:-1]
    del key
    alike = np.flatnonzero(~first[1:])  # same hash as the edge before: the same ends?
    first[alike + 1] = (point[lo[alike + 1]] != point[lo[alike]]) | (point[hi[alike + 1]] != point[hi[alike]])
    group = np.cumsum(first) - 1
    matched = ((np.bincount(group) == 2) & (np.bincount(group, weights=forward) == 1))[group] & ~tie
    del group
    unmatched = np.zeros(n, dtype=bool)
    unmatched[ring_geom[ring[~matched]]] = True
    return _Edges(point=point, lo=lo, hi=hi, first=first, matched=matched, unmatched=unmatched)


def _unmatched(polys: np.ndarray) -> np.ndarray:
    """For each polygon, whether one of its edges is not matched (see :func:`_edges`)."""
    return _edges(polys).unmatched


def _suspects(polys: np.ndarray, tree: shapely.STRtree, edges: _Edges | None = None) -> np.ndarray | None:
    """Positions of the polygons with an edge GEOS's coverage validator rejects (None when it cannot run).

    A polygon whose interior another polygon enters has such an edge (an edge inside the other polygon, or
    crossing its edges, or the same outline twice), so every overlap has at least one suspect in it; edges
    that meet without sharing vertices (a T-junction) are suspects too, and are measured and dropped.

    The validator runs only on the polygons with an unmatched edge (:func:`_edges`) and those whose
    envelope meets theirs (the neighbours it compares them with): the answer for each of them is the one
    it gives on the whole layer, in a fraction of the time.
    """
    n = len(polys)
    if edges is None:
        try:
            edges = _edges(polys)
        except (ValueError, TypeError):  # not all polygons: the validator looks at every one
            edges = None
    candidates = np.flatnonzero(edges.unmatched) if edges is not None else np.arange(n)
    if not len(candidates):
        return candidates
    if len(candidates) < n:
        _, near = tree.query(polys[candidates])
        subset = np.union1d(candidates, near)
    else:
        subset = np.arange(n)
    try:
        invalid = shapely.coverage_invalid_edges(polys[subset], gap_width=0.0)
    except shapely.errors.GEOSException:
        return None
    return candidates[~shapely.is_empty(invalid[np.searchsorted(subset, candidates)])]


def _gap_faces(edges: _Edges, tree: shapely.STRtree) -> np.ndarray:
    """The gaps, as polygons: the faces enclosed by the edges that are not matched (the union's outline and
    more), noded, where no polygon of ``tree`` covers a point inside; each without the islands in it, as a hole
    of the union is reported."""
    pick = ~edges.matched & edges.first
    lo, hi = edges.point[edges.lo[pick]], edges.point[edges.hi[pick]]
    if not len(lo):
        return np.empty(0, dtype=object)
    lines = shapely.linestrings(np.stack([np.column_stack([lo.real, lo.imag]), np.column_stack([hi.real, hi.imag])],
                                         axis=1))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    if not len(faces):
        return faces
    covered = np.zeros(len(faces), dtype=bool)
    hit, _ = tree.query(shapely.point_on_surface(faces), predicate="intersects")
    covered[hit] = True
    return shapely.polygons(shapely.get_exterior_ring(faces[~covered]))


def _union_holes(polys: np.ndarray, suspects: np.ndarray | None) -> np.ndarray:
    """The gaps as the holes of the union: a coverage union of the polygons the validator passes (linear),
    the suspects added with a plain union; none when GEOS cannot build it."""
    try:
        if suspects is None:
            union = shapely.union_all(polys)
        else:
            clean = np.ones(len(polys), dtype=bool)
            clean[suspects] = False
            union = shapely.coverage_union_all(polys[clean]) if clean.any() else shapely.Polygon()
            if len(suspects):
                union = shapely.union_all(np.array([union, *polys[suspects]], dtype=object))
    except shapely.errors.GEOSException:  # a topology GEOS cannot resolve: gaps are not looked for
        return np.empty(0, dtype=object)
    return np.array([shapely.Polygon(ring) for part in shapely.get_parts(union) if part.geom_type == "Polygon"
                     for ring in part.interiors], dtype=object)


def overlaps_and_gaps(polys: np.ndarray, *, min_area_m2: float = MIN_AREA_M2,
                      ) -> tuple[list[tuple[int, int, shapely.Geometry, float]], list[shapely.Polygon]]:
    """The overlaps between valid polygons and the gaps between them, coverage tools first.

    GEOS's coverage validator (:func:`shapely.coverage_invalid_edges`), run on the polygons with an edge not
    matched and their neighbours (:func:`_suspects`), finds the few polygons that can overlap another; only
    the pairs with one of them in it are intersected and measured. The gaps are the holes of the union of
    the polygons: the faces the edges not matched enclose where no polygon is (:func:`_gap_faces`); when the
    edges cannot be compared (geometries that are not all polygons), are too many (:data:`FACE_EDGES`) or GEOS
    cannot node them, the holes of a union (:func:`_union_holes`).

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
    tree = shapely.STRtree(polys)
    try:
        edges: _Edges | None = _edges(polys)
    except (ValueError, TypeError):  # not all polygons: the validator and a union look at every one
        edges = None
    suspects = _suspects(polys, tree, edges)
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
    gaps = None
    if edges is not None and int((~edges.matched & edges.first).sum()) <= FACE_EDGES + len(edges.matched) // 50:
        try:
            gaps = _gap_faces(edges, tree)
        except shapely.errors.GEOSException:  # lines GEOS cannot node: the union's holes instead
            gaps = None
    if gaps is None:
        gaps = _union_holes(polys, suspects)
    holes = [hole for hole, area in zip(gaps, shapely.area(gaps), strict=True) if area >= min_area_m2]
    return overlaps, holes
