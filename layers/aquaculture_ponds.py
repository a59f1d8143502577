"""Aquaculture ponds (ao nuôi trồng thủy sản): a teal outline, which tells them from canals (same fill)."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="aquaculture_ponds",
    title=("Ao nuôi trồng thủy sản", "Aquaculture ponds"),
    style={"color": "#00838f", "weight": 1.8, "fill": False},
    show=False,
    simplify_m=0.5,
)
