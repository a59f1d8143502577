"""The neighbouring communes of the district: a light background so the commune is seen in its place."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="district",
    title=("Các xã lân cận", "Neighbouring communes"),  # of the data's time: names of former units in old data
    style={"color": "#a0a0a0", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.6, "fill": True},
    simplify_m=5.0,
)
