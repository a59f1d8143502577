"""The words every page shares, in Vietnamese (the default) and English, and :func:`t` to look one up.

Pure data: no streamlit here. The text type and the formatters are in :mod:`gis.core.text`.
"""

from __future__ import annotations

from collections.abc import Mapping

from gis.core.text import DEMO_NOTE_LONG, LANGS, Text, number, texts

__all__ = ["LANGS", "STRINGS", "number", "t"]

STRINGS: dict[str, Text] = texts({
    "app_title": ("Bản đồ đất đai", "Land map"),  # the unit follows: gis.files.admin_units.app_title
    "language": ("Ngôn ngữ", "Language"),
    "data_source": ("Nguồn dữ liệu", "Data source"),
    "builtin_data": ("Dữ liệu minh họa có sẵn", "Built-in demonstration data"),
    "demo_note": DEMO_NOTE_LONG,
    "page_map": ("Bản đồ", "Map"),
    "page_overview": ("Tổng hợp diện tích", "Area summary"),
    "page_recovery": ("Thu hồi đất", "Land recovery"),
    "page_fields": ("Cánh đồng tập trung", "Concentrated fields"),
    "page_targets": ("Chỉ tiêu kế hoạch", "Plan targets"),
    "page_presentation": ("Trình chiếu", "Presentation"),
    "page_data": ("Dữ liệu", "Data"),
    "coming_soon": ("Trang này đang được xây dựng.", "This page is being built."),
    "parcels": ("Số thửa đất", "Parcels"),
    "rice_before": ("Đất trồng lúa trước thu hồi", "Rice land before recovery"),
    "rice_after": ("Đất trồng lúa sau thu hồi", "Rice land after recovery"),
    "ponds_before": ("Nuôi trồng thủy sản trước thu hồi", "Aquaculture before recovery"),
    "ponds_after": ("Nuôi trồng thủy sản sau thu hồi", "Aquaculture after recovery"),
    "recovered": ("Diện tích thu hồi", "Recovered area"),
    "fields_kept": ("Cánh đồng tập trung còn lại", "Concentrated fields kept"),
    "by_land_use": ("Theo loại đất", "By land use"),
    "by_village": ("Theo thôn", "By village"),
    "code": ("Mã loại đất", "Land-use code"),
    "land_use": ("Loại đất", "Land use"),
    "area_ha": ("Diện tích (ha)", "Area (ha)"),
    "village": ("Thôn", "Village"),
    "error": ("Lỗi dữ liệu", "Data error"),
})


def t(key: str, lang: str = "vi", table: Mapping[str, Text | tuple[str, str]] | None = None) -> str:
    """The string ``key`` in ``lang``; the key itself when it is unknown (so a gap shows, not crashes).

    ``table`` is a module's own ``{key: Text}`` words (``(vietnamese, english)`` pairs are still read), looked
    up before the shared ones, so that each page or layer keeps its words beside its code.
    """
    found = (table or {}).get(key) or STRINGS.get(key)
    if found is None:
        return key
    if isinstance(found, Text):
        return found.get(lang)
    return found[0] if lang == "vi" else found[1]
