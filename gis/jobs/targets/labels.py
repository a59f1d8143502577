"""A plan's targets and results in words and tables, as a land officer reads them.

:func:`results_table` is the results as a table (the page and the Excel export); :func:`source_text` says
where a figure comes from; :func:`group_of` and :data:`GROUPS` are the page's groups; :data:`LAYER_NAMES`
and :data:`COLUMN_NAMES` name layers and columns; :func:`parameter_label` and :func:`parameter_unit` name
the estimates' parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from gis.core.text import Text, texts
from gis.jobs.targets.status import COMPARE_LABELS

if TYPE_CHECKING:
    from gis.jobs.targets.measure import Result
    from gis.jobs.targets.plan import Plan, Target

def results_table(results: list[Result], *, lang: str = "vi") -> pd.DataFrame:
    """The results as a table with headers in ``lang``, for the page and the Excel export."""
    vi = lang == "vi"
    rows = []
    for r in results:
        t = r.target
        if isinstance(t.planned, tuple):
            planned = f"{t.planned[0]:g}–{t.planned[1]:g}"
        elif t.planned is None:
            planned = ""
        else:
            planned = f"{COMPARE_LABELS[t.compare](lang)} {t.planned:g}"
        rows.append({
            ("Mã" if vi else "Key"): t.key,
            ("Chỉ tiêu" if vi else "Target"): t.label(lang),
            ("Mục" if vi else "Section"): t.section,
            ("Kế hoạch" if vi else "Planned"): planned,
            ("Đo được" if vi else "Measured"): None if r.measured is None else round(r.measured, 2),
            ("Đơn vị" if vi else "Unit"): t.unit,
            ("Đánh giá" if vi else "Status"): r.status_label(lang),
            ("Nguồn số liệu" if vi else "Source"): r.source_vi if vi else r.source_en,
        })
    return pd.DataFrame(rows)


# -- for the page and the export: groups, parameters, estimates, what a target measures on the map ---------

#: The page's groups, in order: (Vietnamese, English).
GROUPS: dict[str, Text] = texts({
    "land": ("Đất đai và dự án", "Land and projects"),
    "crops": ("Cây trồng", "Crops"),
    "production": ("Sản lượng", "Production"),
    "manual": ("Chỉ tiêu nhập tay", "Entered by hand"),
})
_CROP_COLUMNS = frozenset({"crop", "VUDONG"})


def group_of(target: Target) -> str:
    """The group a target is shown in: ``land``, ``crops``, ``production`` or ``manual``.

    Values entered by hand are ``manual``; estimates ``production``; a map measure that filters on a crop
    column (``crop``, ``VUDONG``) ``crops``; every other map measure ``land``.
    """
    kind = target.measure.get("kind")
    if kind == "manual":
        return "manual"
    if kind == "estimate":
        return "production"
    columns: set[str] = set()
    for name in ("where", "numerator", "denominator"):
        columns |= set((target.measure.get(name) or {}).keys())
    return "crops" if columns & _CROP_COLUMNS else "land"

#: Layer and column names as a land officer reads them, for :func:`source_text`.
LAYER_NAMES: dict[str, Text] = texts({
    "parcels": ("thửa đất", "parcels"), "villages": ("thôn", "villages"),
    "rice_fields": ("cánh đồng lúa", "rice fields"), "aquaculture_ponds": ("ao nuôi trồng thủy sản", "aquaculture ponds"),
    "concentrated_fields": ("cánh đồng tập trung", "concentrated fields"),
    "recovered_land": ("đất thu hồi", "recovered land"), "roads": ("đường giao thông", "roads"),
    "canals": ("kênh mương", "canals"), "commune": ("ranh giới xã", "commune boundary"),
})
COLUMN_NAMES: dict[str, Text] = texts({
    "land_use_main": ("mã loại đất", "land-use code"), "crop": ("cây trồng", "crop"),
    "VUDONG": ("cây vụ đông", "winter crop"), "vietgap": ("VietGAP", "VietGAP"), "VIETGAP": ("VietGAP", "VietGAP"),
    "certificate": ("số GCN", "certificate number"), "owner": ("chủ sử dụng", "land user"),
    "group": ("nhóm đất", "land-use group"), "TRANGTHAI": ("trạng thái", "status"),
    "MUCDICH": ("mục đích", "use"), "CAP": ("cấp đường/kênh", "class"), "KETCAU": ("kết cấu", "surface"),
})


def _filter_text(where: dict[str, Any], lang: str, *, verb: bool = False) -> str:
    """A filter in words; ``verb`` starts plain conditions with "có"/"with" (a share's numerator)."""
    vi = lang == "vi"
    lead = ("có " if vi else "with ") if verb else ""
    parts = []
    for column, wanted in where.items():
        name = COLUMN_NAMES.get(column, Text(column, column))(lang)
        if isinstance(wanted, dict):
            if wanted.get("not_empty"):
                parts.append(f"{'có' if vi else 'with'} {name}" if verb else f"{name} {'có giá trị' if vi else 'filled in'}")
            if "not" in wanted:
                parts.append(f"{name} {'khác' if vi else 'not'} «{wanted['not']}»")
        elif isinstance(wanted, list):
            parts.append(f"{lead}{name}: {', '.join(str(v) for v in wanted)}")
        elif wanted in (1, True) and column.lower() == "vietgap":
            parts.append("đạt VietGAP" if vi else "meeting VietGAP")
        else:
            parts.append(f"{lead}{name} = {wanted}")
    return "; ".join(parts)


def _plain(value: float, lang: str) -> str:
    from gis.core.i18n import number

    text = number(value, 2, lang=lang)
    return text.rstrip("0").rstrip(",." if lang == "vi" else ".").rstrip(",") if ("," if lang == "vi" else ".") in text else text


def parameter_unit(name: str, lang: str = "vi") -> str:
    """The unit of a parameter, from its name: ``*_t_ha`` tonnes per hectare, ``*crops*`` crops a year."""
    return _parameter_unit(name, lang)


def parameter_label(plan: Plan, name: str, lang: str = "vi") -> str:
    """A parameter's label from the plan's ``[parameter_labels]`` (``name = ["vi", "en"]``), else its name."""
    label = plan.parameter_labels.get(name)
    return label[0 if lang == "vi" else 1] if label else name


def _parameter_unit(name: str, lang: str) -> str:
    if name.endswith("_t_ha"):
        return "tấn/ha" if lang == "vi" else "t/ha"
    if "crops" in name:
        return "vụ" if lang == "vi" else "crops"
    return ""


def source_text(result: Result, plan: Plan, *, lang: str = "vi") -> str:
    """Where a result's figure comes from, in words a land officer reads (the page and the export)."""
    vi = lang == "vi"
    t = result.target
    m = t.measure
    kind = m.get("kind")
    if kind == "manual":
        if result.entered_at:
            day = "/".join(reversed(result.entered_at[:10].split("-")))
            return f"Nhập tay ngày {day}" if vi else f"Entered by hand on {day}"
        return "Nhập tay (chưa có số liệu)" if vi else "Entered by hand (no figure yet)"
    if kind == "estimate":
        terms = []
        for term in m.get("terms", []):
            base = plan.target(term[0]).label(lang)
            factors = " × ".join(
                f"{_plain(plan.parameters[p], lang)} {_parameter_unit(p, lang)}".strip()
                + ((" (giá trị tạm " if vi else " (placeholder ") + p + ")" if p in plan.placeholders else "")
                for p in term[1:])
            terms.append(f"{base} × {factors}")
        return ("Ước tính: " if vi else "Estimate: ") + " + ".join(terms)
    layer = LAYER_NAMES.get(m.get("layer", ""), Text(m.get("layer", ""), m.get("layer", "")))(lang)
    what = texts({"area": ("Diện tích", "Area of"), "union_area": ("Diện tích (gộp chồng lấn)", "Dissolved area of"),
                  "share": ("Tỷ lệ diện tích", "Share of the area of"),
                  "length_share": ("Tỷ lệ chiều dài", "Share of the length of"),
                  "count": ("Số", "Number of"), "villages_with": ("Số thôn có", "Villages with"),
                  "crop_area": ("Diện tích gieo cấy (ha × số vụ) của", "Crop-hectares (ha × crops a year) of")})[str(kind)]
    text = f"{what(lang)} {layer}"
    if kind == "crop_area":
        counts = ", ".join(f"{code} {_plain(plan.parameters[name], lang)} {'vụ' if vi else 'crops'}"
                           for code, name in m.get("crops", {}).items())
        text += (f" ({counts}; số vụ ghi trên thửa được dùng khi có; thửa mã hỗn hợp không tính)" if vi
                 else f" ({counts}; a parcel's own crop count is used when it has one; mixed-code parcels not counted)")
    if m.get("year") is not None:
        text += f", {'năm' if vi else 'in'} {m['year']}"
    if kind == "share" and m.get("by") == "count":
        text = f"{'Tỷ lệ số' if vi else 'Share of the number of'} {layer}"
    if m.get("where"):
        text += f" ({_filter_text(m['where'], lang)})"
    if m.get("numerator"):
        den = {k: v for k, v in (m.get("denominator") or {}).items()}
        num = {k: v for k, v in m["numerator"].items() if den.get(k) != v}
        text += f" {_filter_text(num, lang, verb=True)}"
        if den:
            text += f" {'trên tổng' if vi else 'over all'} ({_filter_text(den, lang)})"
    if m.get("outside"):
        name = LAYER_NAMES.get(m["outside"], Text(m["outside"], m["outside"]))(lang)
        text += f", {'trừ phần' if vi else 'less the'} {name}"
    if m.get("include_planned"):
        text += ", kể cả cánh đồng quy hoạch mới" if vi else ", planned fields included"
    if kind == "villages_with" and m.get("villages"):
        text += f" ({'trong' if vi else 'among'} {', '.join(m['villages'])})"
    return text
