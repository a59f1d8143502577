"""The fields page's overlay: saved planned fields, suggested blocks, and the field being planned.

Drawn above the commune map in one group that the page swaps in place (:mod:`layers.render_fields`); none
takes clicks, so a click always reaches the parcel beneath.
"""

from __future__ import annotations

from layers.spec import Field, LayerSpec

#: Saved fields adopted by a decision: a solid blue outline (the existing ones are the map's dashed green).
SAVED = LayerSpec(
    key="planned_fields",
    title=("Cánh đồng quy hoạch mới (đã phê duyệt)", "Planned fields (adopted)"),
    style={"color": "#1565c0", "weight": 3, "fillColor": "#42a5f5", "fillOpacity": 0.18, "fill": True},
    fields=(Field("name", "name", "text"),),
    label="name",
)

#: Saved fields not adopted yet (drafts): the same blue, dashed and lighter; they count toward nothing.
DRAFTS = LayerSpec(
    key="draft_fields",
    title=("Cánh đồng dự thảo (chưa phê duyệt, chưa tính)", "Draft fields (not adopted, not counted)"),
    style={"color": "#1565c0", "weight": 2.5, "dashArray": "8 6", "fillColor": "#90caf9", "fillOpacity": 0.08,
           "fill": True},
    fields=(Field("name", "name", "text"),),
    label="name",
)

#: Suggested blocks of free rice land, numbered by rank.
SUGGESTED = LayerSpec(
    key="suggested_fields",
    title=("Gợi ý cánh đồng mới", "Suggested fields"),
    style={"color": "#6a1b9a", "weight": 2.5, "dashArray": "4 4", "fillColor": "#ce93d8", "fillOpacity": 0.15,
           "fill": True},
    fields=(Field("label", "label", "text"),),
    label="label",
)

#: The rice parcels the field being planned holds.
WORKING_PARCELS = LayerSpec(
    key="working_parcels",
    title=("Thửa lúa trong cánh đồng đang lập", "Rice parcels in the field being planned"),
    style={"color": "#e65100", "weight": 1, "fillColor": "#ffb74d", "fillOpacity": 0.55, "fill": True},
)

#: The outline of the field being planned (drawn, built from parcels, or taken from a suggestion).
WORKING = LayerSpec(
    key="working_field",
    title=("Cánh đồng đang lập", "Field being planned"),
    style={"color": "#ff6d00", "weight": 3.5, "fill": False},
)
