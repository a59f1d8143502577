"""Concentrated fields (cánh đồng tập trung): a green dashed outline with a light green wash."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="concentrated_fields",
    title=("Cánh đồng tập trung", "Concentrated fields"),
    style={"color": "#1b7f2a", "weight": 3, "dashArray": "10 6", "fillColor": "#2e7d32", "fillOpacity": 0.08,
           "fill": True},
    simplify_m=1.0,
)
