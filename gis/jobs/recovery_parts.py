"""The recovered parts and the remainders of a recovery as geometries, for the map and the GeoPackage export:
:func:`recovered_parts`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.area import repaired
from gis.jobs.recovery import Recovery
from gis.jobs.recovery_boundary import _polygon_parts
from gis.jobs.recovery_measure import NOISE_M2


def _polygonal_array(geoms: np.ndarray) -> np.ndarray:
    """Each geometry reduced to its polygons (intersections along shared edges give lines too)."""
    out = np.asarray(geoms, dtype=object).copy()
    kinds = shapely.get_type_id(out)
    mixed = np.flatnonzero(kinds == 7)  # GeometryCollection
    for pos in mixed:
        out[pos] = _polygon_parts(out[pos]) or shapely.Polygon()
    return out


def recovered_parts(parcels: gpd.GeoDataFrame, result: Recovery) -> gpd.GeoDataFrame:
    """The recovered parts and the remainders of the parcels touched, as geometries.

    One row per recovered part (``part == "recovered"``, every parcel touched, slivers included) and one
    per remainder (``part == "remaining"``, every parcel not wholly inside; a ``remainder_sliver`` parcel
    counts as whole but its sliver of a remainder is kept, so that the parts of each parcel add up to it), with the parcel's attributes,
    ``parcel_id`` (the parcel's index label), ``area_m2`` (the part's drawn area), ``status`` and ``flags``
    (``;``-separated). In the parcels' CRS.
    """
    table = result.table
    shape = result.boundary.geometry
    geoms = parcels.geometry.reindex(table.index).array.to_numpy()
    inside = table["inside"].to_numpy(dtype=bool)
    geoms = repaired(geoms)  # the parts of an invalid parcel, inside or cut, as its areas were measured
    recovered = geoms.copy()
    cut = ~inside
    if cut.any():
        recovered[cut] = _polygonal_array(shapely.intersection(geoms[cut], shape))
    partial = cut.copy()  # remainders of the remainder slivers too, so that parts add up to each parcel
    remainders = _polygonal_array(shapely.difference(geoms[partial], shape)) if partial.any() \
        else np.empty(0, dtype=object)
    nonempty = ~shapely.is_empty(remainders) & (shapely.area(remainders) > NOISE_M2)
    partial[np.flatnonzero(partial)[~nonempty]] = False
    remainders = remainders[nonempty]
    attrs = pd.DataFrame({
        "parcel_id": table.index.to_numpy(),
        "sheet": table["sheet"].to_numpy(),
        "parcel": table["parcel_no"].to_numpy(),
        "land_use": table["land_use"].to_numpy(),
        "owner": table["owner"].to_numpy(),
        "village": table["village"].to_numpy(),
        "status": table["status"].to_numpy(),
        "flags": table["flags"].map(";".join).to_numpy(),
    })
    rec = attrs.assign(part="recovered")
    rem = attrs[partial].assign(part="remaining")
    frame = gpd.GeoDataFrame(
        pd.concat([rec, rem], ignore_index=True),
        geometry=np.concatenate([recovered, remainders]),
        crs=parcels.crs,
    )
    frame.insert(len(frame.columns) - 1, "area_m2", frame.geometry.area.to_numpy())
    return frame
