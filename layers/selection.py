"""The map's two highlight layers: the search's matches and the selected parcel. Never take clicks."""

from __future__ import annotations

from layers.spec import Field, LayerSpec

MATCHES = LayerSpec(
    key="matches",
    title=("Kết quả tìm kiếm", "Search results"),
    style={"color": "#c51162", "weight": 2.5, "fillColor": "#ff4081", "fillOpacity": 0.25, "fill": True},
    fields=(Field("s", "sheet", "int"), Field("n", "parcel_no", "int")),
)

SELECTED = LayerSpec(
    key="selected",
    title=("Thửa đang chọn", "Selected parcel"),
    style={"color": "#0d47a1", "weight": 4.5, "fillColor": "#2979ff", "fillOpacity": 0.35, "fill": True},
    fields=(Field("s", "sheet", "int"), Field("n", "parcel_no", "int")),
)
