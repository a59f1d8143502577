"""Areas, measured in the layer's own projected CRS, never in degrees or Web Mercator."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from gis.core.crs import require_projected

M2_PER_HA = 10_000.0


def area_m2(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> pd.Series:
    """Planar area in m² of each geometry, in the layer's CRS.

    Raises :class:`gis.core.errors.CrsError` when the layer has no CRS or one in degrees.
    """
    require_projected(frame.crs, source=source)
    geoms = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
    return pd.Series(geoms.area.to_numpy(), index=frame.index, name="area_m2")


def total_ha(frame: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer") -> float:
    """Total area of a layer in hectares."""
    return float(area_m2(frame, source=source).sum()) / M2_PER_HA


def clip_area_m2(
    frame: gpd.GeoDataFrame, mask: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str = "layer"
) -> pd.Series:
    """Area in m² of each geometry of ``frame`` that lies inside ``mask`` (dissolved), aligned to ``frame``."""
    require_projected(frame.crs, source=source)
    if mask.crs != frame.crs:
        mask = mask.to_crs(frame.crs)
    shape = mask.geometry.union_all() if isinstance(mask, gpd.GeoDataFrame) else mask.union_all()
    out = pd.Series(0.0, index=frame.index, name="inside_m2")
    if shape.is_empty:
        return out
    hits = frame.sindex.query(shape, predicate="intersects")
    if len(hits):
        # a geometry properly inside the mask is inside whole: only those the mask's edge cuts are intersected
        geoms = frame.geometry.to_numpy()[hits]
        shapely.prepare(shape)
        areas = shapely.area(geoms)
        cut = ~shapely.contains_properly(shape, geoms)
        if cut.any():
            areas[cut] = shapely.area(shapely.intersection(geoms[cut], shape))
        out.iloc[hits] = areas
    return out
