"""Parcels (thửa đất), filled in the national land-use colours, with the tooltip an officer reads first."""

from __future__ import annotations

from gis.core import landuse
from layers.spec import Field, LayerSpec, TooltipLine

SPEC = LayerSpec(
    key="parcels",
    title=("Thửa đất", "Parcels"),
    style={"color": "#7a7a7a", "weight": 0.5, "opacity": 0.9, "fillOpacity": 0.9, "fill": True},
    fields=(
        Field("s", "sheet", "int"),
        Field("n", "parcel_no", "int"),
        Field("c", "land_use", "text"),
        Field("a", "legal_area_m2", "float1"),
        Field("v", "village", "text"),
    ),
    tooltip=(
        TooltipLine("s", ("Tờ bản đồ số", "Map sheet")),
        TooltipLine("n", ("Thửa số", "Parcel number")),
        TooltipLine("c", ("Loại đất", "Land use"), "landuse"),
        TooltipLine("a", ("Diện tích pháp lý", "Legal area"), "area_m2"),
        TooltipLine("v", ("Thôn", "Village")),
    ),
    fill_by="c",
    colours={code: lu.hex_colour for code, lu in landuse.LAND_USES.items()},
    interactive=True,
    coverage=True,
    simplify_m=2.0,
)
