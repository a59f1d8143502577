"""Rice fields (cánh đồng lúa): blocks of rice parcels, drawn as outlines over the parcels."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="rice_fields",
    title=("Cánh đồng lúa", "Rice fields"),
    style={"color": "#b59a00", "weight": 1.5, "fill": False},
    show=False,
    simplify_m=1.0,
)
