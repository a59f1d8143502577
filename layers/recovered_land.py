"""Recovered land (đất thu hồi): the projects' boundaries, in a strong red that nothing else uses."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="recovered_land",
    title=("Khu vực thu hồi đất", "Recovered land"),
    style={"color": "#d50000", "weight": 3.5, "fillColor": "#ff1744", "fillOpacity": 0.22, "fill": True},
    simplify_m=0.5,
)
