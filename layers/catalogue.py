"""The commune map's layers in drawing order, and their display data prepared once per dataset.

:func:`prepare` does the slow part (reprojection, coverage simplification, packing: about a second for
the built-in commune) and its result does not depend on the language, so the app caches it per dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely

from gis.files.io import Dataset
from layers import (
    aquaculture_ponds,
    canals,
    commune,
    concentrated_fields,
    district,
    parcels,
    recovered_land,
    rice_fields,
    roads,
    villages,
)
from layers.geometry import bounds_wgs84, pack, pack_json, to_display
from layers.legend import NO_CODE
from layers.spec import LayerSpec

#: Every layer of the commune map, bottom first. Only the parcels take clicks, so the layers above them
#: (outlines, lines, the recovered land's wash) never hide a parcel from the mouse.
SPECS: tuple[LayerSpec, ...] = (
    district.SPEC,
    parcels.SPEC,
    rice_fields.SPEC,
    aquaculture_ponds.SPEC,
    concentrated_fields.SPEC,
    villages.SPEC,
    roads.SPEC,
    canals.SPEC,
    recovered_land.SPEC,
    commune.SPEC,
)


def spec_of(key: str) -> LayerSpec:
    """The spec of layer ``key``."""
    for spec in SPECS:
        if spec.key == key:
            return spec
    raise KeyError(key)


@dataclass
class PreparedLayer:
    """One layer ready for the browser: its spec and its packed data as JSON."""

    spec: LayerSpec
    data_json: str
    count: int


@dataclass
class PreparedMap:
    """The dataset's layers ready for the browser, and what the page needs to place and search them."""

    layers: list[PreparedLayer]
    #: The parcels in WGS84 as drawn (simplified), aligned to ``dataset.parcels`` by position.
    parcels_display: gpd.GeoDataFrame
    #: ``(west, south, east, north)`` of the commune (or of the parcels when there is no commune layer).
    bounds: tuple[float, float, float, float]
    #: Land-use values present in the parcels (ONT+CLN as itself), for the legend.
    codes: list[str] = field(default_factory=list)

    @property
    def size_bytes(self) -> int:
        """The packed layers' size in bytes (UTF-8)."""
        return sum(len(layer.data_json.encode()) for layer in self.layers)


def prepare(dataset: Dataset, *, pack_parcels: bool = True) -> PreparedMap:
    """Reproject, simplify and pack every layer the dataset has.

    With ``pack_parcels=False`` (a map whose parcels are vector tiles, :mod:`gis.jobs.tiles`) the parcel layer is
    listed with no data (``data_json`` empty) and ``parcels_display`` is the parcels reprojected, not
    simplified (only the few highlighted ones are ever sent from it): the slow part is skipped.
    """
    out: list[PreparedLayer] = []
    parcels_display = None
    for spec in SPECS:
        frame = dataset.get(spec.key)
        if frame is None or frame.empty:
            continue
        if spec.key == "parcels" and not pack_parcels:
            parcels_display = to_display(frame)
            out.append(PreparedLayer(spec=spec, data_json="", count=len(parcels_display)))
            continue
        source = spec.source_frame(frame)
        display = to_display(source, coverage=spec.coverage, simplify_m=spec.simplify_m)
        data = pack(display, spec)
        if spec.label:
            points = shapely.point_on_surface(source.loc[display.index].geometry.to_numpy())
            points = gpd.GeoSeries(points, crs=source.crs).to_crs(display.crs)
            data["lp"] = [[round(p.x, 6), round(p.y, 6)] for p in points]
        if spec.key == "parcels":
            parcels_display = display
        out.append(PreparedLayer(spec=spec, data_json=pack_json(data), count=len(display)))
    if parcels_display is None:  # the parcels always exist in a Dataset; an empty layer still needs a frame
        parcels_display = to_display(dataset.parcels)
    outline = dataset.get("commune")
    bounds = bounds_wgs84(outline if outline is not None and not outline.empty else dataset.parcels)
    codes = sorted({c for c in dataset.parcels["land_use"].dropna().unique()})  # ONT+CLN named in the legend
    if dataset.parcels["land_use_main"].isna().any():
        codes.append(NO_CODE)  # blank or NULL codes (roads, water): a grey legend entry of their own
    return PreparedMap(layers=out, parcels_display=parcels_display, bounds=bounds, codes=codes)
