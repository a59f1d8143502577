"""Villages (thôn): their boundaries and their names written on the map."""

from __future__ import annotations

from layers.spec import Field, LayerSpec

SPEC = LayerSpec(
    key="villages",
    title=("Ranh giới thôn", "Village boundaries"),
    style={"color": "#6a1b9a", "weight": 1.8, "dashArray": "6 4", "fill": False},
    fields=(Field("name", "TEN", "text"),),
    label="name",
    coverage=True,
    simplify_m=1.0,
)
