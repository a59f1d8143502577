"""Where a target is measured on the map: the features it counts, for the targets page's highlight.

:func:`footprints` gives one :class:`Footprint` per layer a target uses, measured as
:func:`gis.jobs.targets.measure.evaluate` measures it (same filters, same year, same clipping).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from gis.core import landuse
from gis.files.io import Dataset
from gis.jobs.targets.measure import Measurer, where_mask
from gis.jobs.targets.plan import Plan, Target


@dataclass
class Footprint:
    """What a map-measured target counts, on one layer.

    ``counted`` holds the features the figure counts (clipped as the measure says, index kept from the
    layer); ``rest`` the features of a share's base (denominator) that do not count, empty otherwise;
    ``planned`` the workspace's planned fields when the measure includes them.
    """

    key: str
    layer: str
    counted: gpd.GeoDataFrame
    rest: gpd.GeoDataFrame
    planned: gpd.GeoDataFrame | None = None


def footprints(plan: Plan, target: Target, dataset: Dataset, *,
               planned_fields: gpd.GeoDataFrame | None = None) -> list[Footprint]:
    """Where ``target`` is measured on the map: one :class:`Footprint` per layer it uses.

    An estimate gives the footprints of the targets it multiplies; a value entered by hand gives none.
    """
    measurer = Measurer(plan, dataset, planned_fields, {})
    kind = target.measure.get("kind")
    if kind == "manual":
        return []
    if kind == "estimate":
        out: list[Footprint] = []
        for term in target.measure.get("terms", []):
            out.extend(footprints(plan, plan.target(term[0]), dataset, planned_fields=planned_fields))
        return out
    m = target.measure
    full = measurer.layer(m["layer"])
    frame = None if full is None else measurer.select(full, m)
    if frame is None:
        return []

    def clipped(sub: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if kind == "length_share" or not (m.get("outside") or m.get("inside")):
            return sub
        geoms = measurer._geoms(sub, m)
        out = sub.set_geometry(geoms.to_numpy(), crs=sub.crs)
        return out[~out.geometry.is_empty]

    if kind in ("share", "length_share"):
        base = frame[where_mask(frame, m.get("denominator"))]
        hit = where_mask(base, m.get("numerator"))
        counted, rest = clipped(base[hit]), clipped(base[~hit])
    elif kind == "crop_area":
        codes = frame["land_use_main"].isin(list(m["crops"])) if "land_use_main" in frame.columns else \
            pd.Series(False, index=frame.index)
        if "land_use" in frame.columns:
            codes &= ~frame["land_use"].map(landuse.is_mixed).astype(bool)
        counted, rest = clipped(frame[codes & where_mask(frame, m.get("where"))]), frame.iloc[0:0]
    else:
        counted, rest = clipped(frame[where_mask(frame, m.get("where"))]), frame.iloc[0:0]
    planned = None
    if m.get("include_planned") and measurer.planned_fields is not None and len(measurer.planned_fields):
        planned = measurer.planned_fields.to_crs(measurer.crs)
    return [Footprint(key=target.key, layer=m["layer"], counted=counted, rest=rest, planned=planned)]
