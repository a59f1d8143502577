"""The commune boundary (ranh giới xã): a thick dash-dot line over everything else."""

from __future__ import annotations

from layers.spec import LayerSpec

SPEC = LayerSpec(
    key="commune",
    title=("Ranh giới xã", "Commune boundary"),
    style={"color": "#222222", "weight": 3.5, "dashArray": "12 5 3 5", "fill": False},
)
