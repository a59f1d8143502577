"""Irrigation canals (kênh mương), in blue: the Đào canal and its branches, wider for the main ones."""

from __future__ import annotations

from layers.spec import Field, LayerSpec

SPEC = LayerSpec(
    key="canals",
    title=("Kênh mương", "Canals"),
    style={"color": "#1565c0", "weight": 1.2, "opacity": 0.85},
    fields=(Field("k", "CAP", "text"),),
    style_by="k",
    styles={
        "Kênh chính": {"weight": 5, "opacity": 1},
        "Kênh cấp 2": {"weight": 2.5, "opacity": 0.95},
        "Kênh nội đồng": {"weight": 1.2},
    },
    line=True,
    simplify_m=1.0,
)
