"""Roads (đường giao thông), in the orange of transport land, wider for the higher classes."""

from __future__ import annotations

from layers.spec import Field, LayerSpec

SPEC = LayerSpec(
    key="roads",
    title=("Đường giao thông", "Roads"),
    style={"color": "#e07b00", "weight": 1, "opacity": 0.75},
    fields=(Field("k", "CAP", "text"),),
    style_by="k",
    styles={
        "Quốc lộ": {"color": "#c43c00", "weight": 5, "opacity": 1},
        "Đường trục xã": {"color": "#d35400", "weight": 3, "opacity": 1},
        "Đường ngõ xóm": {"weight": 1, "opacity": 0.7},
        "Đường nội đồng": {"color": "#b8860b", "weight": 1, "opacity": 0.6},
    },
    line=True,
    simplify_m=1.0,
)
