"""The recovery page's layers: a boundary's recovered parts, the remainders, the flagged parcels, the boundary.

Pure data, no folium (:mod:`layers.render_recovery` draws them). :func:`prepare_recovery` reprojects and packs
them once per recovery (a few hundred parcels for a project), so a rerun only swaps the packed JSON in.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd

from gis.jobs.recovery import Recovery
from gis.jobs.recovery_parts import recovered_parts
from layers.geometry import bounds_wgs84, pack, pack_json, to_display
from layers.spec import Field, LayerSpec

_KEYS = (Field("s", "sheet", "int"), Field("n", "parcel", "int"))

RECOVERED = LayerSpec(
    key="recovered_parts",
    title=("Phần diện tích thu hồi", "Recovered parts"),
    style={"color": "#8e0000", "weight": 1, "fillColor": "#c62828", "fillOpacity": 0.6, "fill": True},
    fields=_KEYS,
)

REMAINDERS = LayerSpec(
    key="remainders",
    title=("Phần diện tích còn lại", "Remainders"),
    style={"color": "#1b5e20", "weight": 1.5, "dashArray": "4 3", "fillColor": "#43a047", "fillOpacity": 0.55,
           "fill": True},
    fields=_KEYS,
)

FLAGGED = LayerSpec(
    key="flagged_parcels",
    title=("Thửa cần lưu ý (có ghi chú)", "Flagged parcels"),
    style={"color": "#6a1b9a", "weight": 3, "fill": False},
    fields=_KEYS,
)

BOUNDARY = LayerSpec(
    key="recovery_boundary",
    title=("Ranh giới dự án", "Project boundary"),
    style={"color": "#000000", "weight": 2.5, "dashArray": "8 6", "fill": False},
)

#: Drawing order, bottom first.
SPECS: tuple[LayerSpec, ...] = (REMAINDERS, RECOVERED, FLAGGED, BOUNDARY)


@dataclass(frozen=True)
class RecoveryLayers:
    """A recovery ready for the browser: packed JSON per layer key, and the boundary's extent (WGS84)."""

    data: dict[str, str]
    counts: dict[str, int]
    bounds: tuple[float, float, float, float]


def prepare_recovery(parcels: gpd.GeoDataFrame, result: Recovery) -> RecoveryLayers:
    """Reproject and pack the recovered parts, remainders, flagged parcels and boundary of ``result``."""
    parts = recovered_parts(parcels, result)
    flagged = result.flagged
    frames = {
        RECOVERED.key: parts[parts["part"] == "recovered"],
        REMAINDERS.key: parts[parts["part"] == "remaining"],
        FLAGGED.key: gpd.GeoDataFrame(
            {"sheet": flagged["sheet"].to_numpy(), "parcel": flagged["parcel_no"].to_numpy()},
            geometry=parcels.geometry.reindex(flagged.index).to_numpy(), crs=parcels.crs),
        BOUNDARY.key: gpd.GeoDataFrame(geometry=[result.boundary.geometry], crs=result.boundary.crs),
    }
    data: dict[str, str] = {}
    counts: dict[str, int] = {}
    for spec in SPECS:
        display = to_display(frames[spec.key], simplify_m=0.0)
        data[spec.key] = pack_json(pack(display, spec))
        counts[spec.key] = len(display)
    return RecoveryLayers(data=data, counts=counts, bounds=bounds_wgs84(frames[BOUNDARY.key]))
