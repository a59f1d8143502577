"""What the user reads, in Vietnamese (the default) and English. Pure data: no streamlit here."""

from __future__ import annotations

LANGS = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Bản đồ đất đai", "Land map"),  # the unit follows: gis.admin_units.app_title
    "language": ("Ngôn ngữ", "Language"),
    "data_source": ("Nguồn dữ liệu", "Data source"),
    "builtin_data": ("Dữ liệu minh họa có sẵn", "Built-in demonstration data"),
    "demo_note": (
        "Đây là dữ liệu minh họa, không phải dữ liệu đo đạc thực tế. Chỉ ranh giới xã lấy từ bản đồ "
        "Tổng điều tra 2009; thửa đất, chủ sử dụng, dự án và cánh đồng đều là giả định.",
        "This is demonstration data, not real survey data. Only the commune outline comes from the 2009 "
        "census map; parcels, land users, projects and fields are invented.",
    ),
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
}


def t(key: str, lang: str = "vi", table: dict[str, tuple[str, str]] | None = None) -> str:
    """The string ``key`` in ``lang``; the key itself when it is unknown (so a gap shows, not crashes).

    ``table`` is a module's own ``{key: (vietnamese, english)}`` strings, looked up before the shared ones,
    so that each page or layer keeps its words beside its code.
    """
    pair = (table or {}).get(key) or STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "vi" else pair[1]


def number(value: float, digits: int = 2, *, lang: str = "vi") -> str:
    """A number as the user writes it: ``1.234,56`` in Vietnamese, ``1,234.56`` in English."""
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text
