"""Areas, measured in the layer's own projected CRS, never in degrees or Web Mercator; shapes repaired before
they are cut (:func:`repaired`) and an invalid shape's drawn area that of its repair (:func:`drawn_areas`)."""

from __future__ import annotations

from typing import overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.crs import require_projected

M2_PER_HA = 10_000.0

#: From this many shapes on, their validity is checked on two threads at once (GEOS checks without Python's lock).
SPLIT_CHECK_SHAPES = 50_000


def valid(geoms: np.ndarray) -> np.ndarray:
    """``shapely.is_valid`` of each shape (False for a missing one); a large array checked in two halves at once."""
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) < SPLIT_CHECK_SHAPES:
        return shapely.is_valid(geoms)
    from concurrent.futures import ThreadPoolExecutor

    middle = len(geoms) // 2
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(shapely.is_valid, geoms[middle:])
        first = shapely.is_valid(geoms[:middle])
        return np.concatenate([first, later.result()])


def drawn_areas(geoms: np.ndarray) -> np.ndarray:
    """The drawn area of each shape, in its CRS's units (m² in a projected CRS): GEOS's area of it, or of its
    repair (:func:`repaired`) when it is invalid, since GEOS's area of an invalid shape is wrong (a ring crossing
    itself subtracts one lobe from the other; a bow-tie of two 50 m² lobes measures 0). NaN for a missing
    shape. The one definition of a parcel's drawn area: the parcel layer's ``map_area_m2``
    (:func:`gis.files.schema.normalise_parcels`), the recovery, the card and the summaries use it."""
    return shapely.area(repaired(np.asarray(geoms, dtype=object)))


def _repair(geoms: np.ndarray | shapely.Geometry) -> np.ndarray | shapely.Geometry:
    return shapely.make_valid(geoms, method="structure", keep_collapsed=False)


@overload
def repaired(geoms: np.ndarray) -> np.ndarray: ...
@overload
def repaired(geoms: shapely.Geometry) -> shapely.Geometry: ...
@overload
def repaired(geoms: gpd.GeoSeries) -> gpd.GeoSeries: ...  # type: ignore[overload-cannot-match]  # untyped here
def repaired(geoms: np.ndarray | gpd.GeoSeries | shapely.Geometry) -> np.ndarray | gpd.GeoSeries | shapely.Geometry:
    """``geoms`` (an array, a GeoSeries or one shape) with each invalid shape replaced by GEOS's ``make_valid``
    of it (a copy; the same object when all are valid), to be cut, dissolved or measured against another
    shape: the "structure" method, collapsed parts dropped, so the repair is a polygon or multipolygon (a
    spike, a line, has no area; a ring crossing itself keeps both lobes, a hole outside its shell becomes a
    second polygon). ``None`` stays ``None``.

    GEOS's overlay does not always raise on an invalid ring: it may answer a wrong area instead (a square with
    a spike, touched at its corner by a box, came out 2 500 m² "recovered"; a box over part of it, 18 000 m²
    of a 10 000 m² parcel); a ring crossing itself ("bow-tie") makes every overlay raise. The repair is for
    the computation only; the data check reports the shape.
    """
    if isinstance(geoms, shapely.Geometry):
        return geoms if geoms.is_valid else _repair(geoms)
    values = geoms.to_numpy() if isinstance(geoms, gpd.GeoSeries) else geoms
    invalid = ~valid(values) & ~shapely.is_missing(values)
    if not invalid.any():
        return geoms
    out = np.array(values, dtype=object)
    out[invalid] = _repair(values[invalid])
    if isinstance(geoms, gpd.GeoSeries):
        return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs, name=geoms.name)
    return out


def area_m2(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> pd.Series:
    """Planar area in m² of each geometry, in the layer's CRS; an invalid one measured as its repair
    (:func:`drawn_areas`).

    Raises :class:`gis.core.errors.CrsError` when the layer has no CRS or one in degrees.
    """
    require_projected(frame.crs, source=source)
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return pd.Series(drawn_areas(geoms.array.to_numpy()), index=frame.index, name="area_m2")


def total_ha(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> float:
    """Total area of a layer in hectares."""
    return float(area_m2(frame, source=source).sum()) / M2_PER_HA


def clip_area_m2(
    frame: gpd.GeoDataFrame, mask: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer"
) -> pd.Series:
    """Area in m² of each geometry of ``frame`` that lies inside ``mask`` (dissolved), aligned to ``frame``; invalid
    shapes of either are :func:`repaired` first (a ring crossing itself counts both its lobes)."""
    require_projected(frame.crs, source=source)
    if mask.crs != frame.crs:
        mask = mask.to_crs(frame.crs)
    shape = shapely.union_all(repaired(mask.geometry.to_numpy()))
    out = pd.Series(0.0, index=frame.index, name="inside_m2")
    if shape.is_empty:
        return out
    hits = frame.sindex.query(shape, predicate="intersects")
    if len(hits):
        # a geometry properly inside the mask is inside whole: only those the mask's edge cuts are intersected
        geoms = repaired(frame.geometry.to_numpy()[hits])
        shapely.prepare(shape)
        areas = shapely.area(geoms)
        cut = ~shapely.contains_properly(shape, geoms)
        if cut.any():
            areas[cut] = shapely.area(shapely.intersection(geoms[cut], shape))
        out.iloc[hits] = areas
    return out
