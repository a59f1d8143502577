"""Shapely geometries as matplotlib paths: one compound path per style, so that thousands of parcels make
one drawing operation (and one path in the PDF) instead of thousands of patches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path

_POLYGONAL = (3, 6)  # Polygon, MultiPolygon
_LINEAR = (1, 2, 5)  # LineString, LinearRing, MultiLineString


def _array(geoms: Any) -> np.ndarray:
    if isinstance(geoms, shapely.Geometry):
        geoms = [geoms]
    arr = np.asarray(getattr(geoms, "array", geoms), dtype=object)
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    return shapely.get_parts(arr) if len(arr) else arr


def _ring_path(rings: np.ndarray, *, closed: bool) -> Path | None:
    if not len(rings):
        return None
    coords, which = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return None
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    starts = np.r_[True, which[1:] != which[:-1]]
    codes[starts] = Path.MOVETO
    if closed:
        ends = np.r_[which[1:] != which[:-1], True]
        codes[ends & ~starts] = Path.CLOSEPOLY
    return Path(coords, codes)


def polygon_path(geoms: Any) -> Path | None:
    """One compound path of every polygon in ``geoms`` (exteriors counter-clockwise, holes clockwise)."""
    parts = _array(geoms)
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)] if len(parts) else parts
    if not len(parts):
        return None
    parts = shapely.orient_polygons(parts)
    return _ring_path(shapely.get_rings(parts), closed=True)


def line_path(geoms: Any) -> Path | None:
    """One compound path of every line (and every polygon's rings) in ``geoms``."""
    parts = _array(geoms)
    if not len(parts):
        return None
    kinds = shapely.get_type_id(parts)
    lines = list(parts[np.isin(kinds, _LINEAR)])
    polys = parts[np.isin(kinds, _POLYGONAL)]
    if len(polys):
        lines.extend(shapely.get_rings(polys))
    return _ring_path(np.asarray(lines, dtype=object), closed=False)


def add_polygons(ax: Axes, geoms: Any, *, facecolor: Any = "none", edgecolor: Any = "none",
                 linewidth: float = 0.0, hatch: str | None = None, linestyle: Any = "-", zorder: float = 1,
                 alpha: float | None = None) -> PathPatch | None:
    """Draw polygons as one patch; ``None`` when there is nothing to draw."""
    path = polygon_path(geoms)
    if path is None:
        return None
    patch = PathPatch(path, facecolor=facecolor, edgecolor=edgecolor, linewidth=linewidth, hatch=hatch,
                      linestyle=linestyle, zorder=zorder, alpha=alpha, joinstyle="round", capstyle="round")
    ax.add_artist(patch)  # add_patch would walk every vertex to update the data limits, which are fixed
    return patch


def add_lines(ax: Axes, geoms: Any, *, color: Any, linewidth: float, linestyle: Any = "-", zorder: float = 3,
              alpha: float | None = None, capstyle: str = "round") -> PathPatch | None:
    """Draw lines (or polygon outlines) as one unfilled patch."""
    path = line_path(geoms)
    if path is None:
        return None
    patch = PathPatch(path, facecolor="none", edgecolor=color, linewidth=linewidth, linestyle=linestyle,
                      zorder=zorder, alpha=alpha, joinstyle="round", capstyle=capstyle)
    ax.add_artist(patch)  # add_patch would walk every vertex to update the data limits, which are fixed
    return patch


def rgb(values: Sequence[int]) -> tuple[float, float, float]:
    """An RGB triple of 0-255 as matplotlib's 0-1 floats."""
    r, g, b = values
    return (r / 255.0, g / 255.0, b / 255.0)
