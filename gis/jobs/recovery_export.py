"""Exports of a land recovery (:class:`gis.jobs.recovery.Recovery`): Excel workbook, GeoPackage and CSV.

- The workbook (bảng tổng hợp) is for people: a title with the project and the date, Vietnamese headers
  (English on request), one sheet per table, a totals row, number formats that Excel shows in the user's
  locale (1.234,5 in Vietnamese), column widths that fit. Values, not formulas, so that any reader sees the
  same figures; a name from data that a spreadsheet would read as a formula is a text cell. Areas are
  rounded per parcel to 0.1 m² and every total is the sum of the rounded figures it lists. Slivers have
  their own sheet and stay out of every total.
- The CSV is for machines: one row per parcel touched (slivers included and flagged), the columns of
  :data:`CSV_COLUMNS` in that order, a dot for decimals, UTF-8 with a BOM (so that Excel shows Vietnamese),
  names that begin with ``=``, ``+``, ``-``, ``@`` prefixed with ``'`` (OWASP's CSV-injection rule,
  :mod:`gis.core.spreadsheet`). ``remaining_m2`` is the drawn remainder everywhere (recovered + remaining = drawn
  area); ``remaining_legal_m2`` is the remainder counted from the legal area.
- The GeoPackage holds two layers, ``recovered_parts`` and ``remainders``, and the ``boundary``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gis.core import landuse, spreadsheet
from gis.core.errors import DataSourceError
from gis.core.text import Text
from gis.jobs.recovery import FLAG_LABELS, STATUS_LABELS, Recovery
from gis.jobs.recovery_boundary import Note
from gis.jobs.recovery_parts import recovered_parts
from gis.jobs.recovery_users import identity_label, tier_labels

#: The CSV's columns, in this order.
CSV_COLUMNS = ("sheet", "parcel", "land_use", "owner", "owner_id", "village", "legal_area_m2", "map_area_m2",
               "recovered_m2", "remaining_m2", "remaining_legal_m2", "recovered_pct", "status", "flags")

FORMATS = (".xlsx", ".gpkg", ".csv")

M2 = "#,##0.0"
HA = "#,##0.0000"
PCT = "0.0"
COUNT = "#,##0"
TEXT = "@"


#: ``household`` (True/False) -> (Vietnamese, English), for the land users' sheet.
OWNER_KINDS: dict[bool, Text] = {True: Text("Hộ gia đình", "Household"), False: Text("Tổ chức", "Organisation")}


def _flags_text(flags: Iterable[str], lang: str) -> str:
    return "; ".join(FLAG_LABELS[f](lang) for f in flags)


# ------------------------------------------------------------------------------------------------- CSV


def csv_frame(result: Recovery) -> pd.DataFrame:
    """The CSV's rows: one per parcel touched, areas to 0.1 m², share to 0.01 %, flags ``;``-separated (the
    table's columns in their own dtypes: text kept as it is, not converted again)."""
    t = result.table.reset_index(drop=True)
    return pd.DataFrame({
        "sheet": t["sheet"],
        "parcel": t["parcel_no"],
        "land_use": t["land_use"],
        "owner": t["owner"],
        "owner_id": t["owner_id"],
        "village": t["village"],
        "legal_area_m2": t["legal_area_m2"].round(1).to_numpy(),
        "map_area_m2": t["map_area_m2"].round(1).to_numpy(),
        "recovered_m2": t["recovered_m2"].round(1).to_numpy(),
        "remaining_m2": t["remaining_m2"].round(1).to_numpy(),
        "remaining_legal_m2": t["remaining_legal_m2"].round(1).to_numpy(),
        "recovered_pct": t["recovered_pct"].round(2).to_numpy(),
        "status": t["status"].to_numpy(),
        "flags": t["flags"].map(";".join).to_numpy(),
    }, columns=list(CSV_COLUMNS))


def write_csv(result: Recovery, path: str | Path) -> Path:
    """Write the per-parcel CSV (UTF-8 with a BOM, dot decimals, no index; names that a spreadsheet would
    read as formulas are written as text, see :mod:`gis.core.spreadsheet`)."""
    return spreadsheet.write_csv(csv_frame(result), path)


# ------------------------------------------------------------------------------------------ GeoPackage


def write_geopackage(parcels: gpd.GeoDataFrame, result: Recovery, path: str | Path) -> Path:
    """Write ``recovered_parts``, ``remainders`` and ``boundary`` layers to a GeoPackage (replacing it)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    parts = recovered_parts(parcels, result)
    recovered = parts[parts["part"] == "recovered"].drop(columns="part")
    remainders = parts[parts["part"] == "remaining"].drop(columns="part")
    boundary = gpd.GeoDataFrame(
        {"name": [result.boundary.name], "area_m2": [result.boundary.area_m2]},
        geometry=[result.boundary.geometry], crs=result.boundary.crs,
    )
    for name, frame in (("recovered_parts", recovered), ("remainders", remainders), ("boundary", boundary)):
        pyogrio.write_dataframe(frame.reset_index(drop=True), path, layer=name, driver="GPKG",
                                promote_to_multi=True, geometry_type="MultiPolygon")
    return path


# --------------------------------------------------------------------------------------------- workbook


@dataclass(frozen=True)
class Column:
    """One column of a workbook table: the frame's column, its header (vi, en) and number format."""

    key: str
    header: Text
    fmt: str | None = None
    total: bool = False


@dataclass(frozen=True)
class Sheet:
    """One workbook sheet: a title (vi, en), the table and its columns."""

    name: Text
    title: Text
    frame: pd.DataFrame
    columns: Sequence[Column]
    totals: bool = True


def parcel_rows(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        "no": np.arange(1, len(table) + 1),
        "sheet": table["sheet"].to_numpy(),
        "parcel": table["parcel_no"].to_numpy(),
        "land_use": table["land_use"].to_numpy(),
        "owner": table["owner"].to_numpy(),
        "village": table["village"].to_numpy(),
        "legal": table["legal_area_m2"].round(1).to_numpy(),
        "drawn": table["map_area_m2"].round(1).to_numpy(),
        "recovered": table["recovered_m2"].round(1).to_numpy(),
        "remaining": table["remaining_m2"].round(1).to_numpy(),
        "remaining_legal": table["remaining_legal_m2"].round(1).to_numpy(),
        "pct": table["recovered_pct"].round(1).to_numpy(),
        "status": table["status"].map(lambda s: STATUS_LABELS[s](lang)).to_numpy(),
        "flags": table["flags"].map(lambda f: _flags_text(f, lang)).to_numpy(),
    })


PARCEL_COLUMNS = (
    Column("no", Text("STT", "No."), COUNT),
    Column("sheet", Text("Tờ bản đồ số", "Map sheet")),
    Column("parcel", Text("Thửa số", "Parcel")),
    Column("land_use", Text("Mã loại đất", "Land-use code")),
    Column("owner", Text("Chủ sử dụng đất", "Land user")),
    Column("village", Text("Thôn", "Village")),
    Column("legal", Text("Diện tích pháp lý (m²)", "Legal area (m²)"), M2, True),
    Column("drawn", Text("Diện tích đo trên bản đồ (m²)", "Drawn area (m²)"), M2, True),
    Column("recovered", Text("Diện tích thu hồi (m²)", "Recovered area (m²)"), M2, True),
    Column("remaining", Text("Diện tích còn lại (đo trên bản đồ, m²)", "Remaining area (drawn, m²)"), M2, True),
    Column("remaining_legal", Text("Còn lại theo diện tích pháp lý (m²)", "Remaining from the legal area (m²)"), M2,
           True),
    Column("pct", Text("Tỷ lệ thu hồi (%)", "Recovered share (%)"), PCT),
    Column("status", Text("Hình thức thu hồi", "Recovery")),
    Column("flags", Text("Ghi chú", "Notes")),
)


def summary_sheets(result: Recovery, lang: str) -> list[Sheet]:
    by_code = result.by_land_use.assign(
        name=result.by_land_use["code"].map(lambda c: landuse.name_of(None if c == "?" else c, lang=lang)),
        group_name=result.by_land_use["group"].map(lambda g: landuse.group_name(g, lang=lang)))
    by_group = result.by_group.assign(
        group_name=result.by_group["group"].map(lambda g: landuse.group_name(g, lang=lang)))
    tiers = tier_labels(result.settings, lang=lang)
    owners = result.by_owner.assign(
        tier=result.by_owner["tier"].map(lambda k: tiers.get(k, "")),
        kind=result.by_owner["household"].map(lambda h: OWNER_KINDS[bool(h)](lang)),
        farm_m2=result.by_owner["farm_m2"].round(1),
        farm_recovered_m2=result.by_owner["farm_recovered_m2"].round(1),
        farm_share_pct=result.by_owner["farm_share_pct"].round(1),
    )
    counts = (Column("parcels", Text("Số thửa", "Parcels"), COUNT, True),
              Column("whole", Text("Thu hồi toàn bộ (thửa)", "Wholly recovered (parcels)"), COUNT, True),
              Column("partial", Text("Thu hồi một phần (thửa)", "Partly recovered (parcels)"), COUNT, True),
              Column("recovered_m2", Text("Diện tích thu hồi (m²)", "Recovered area (m²)"), M2, True),
              Column("recovered_ha", Text("Diện tích thu hồi (ha)", "Recovered area (ha)"), HA, True))
    return [
        Sheet(Text("Theo loại đất", "By land use"), Text("TỔNG HỢP DIỆN TÍCH THU HỒI THEO LOẠI ĐẤT",
                                                 "RECOVERED AREA BY LAND-USE CODE"), by_code,
              (Column("code", Text("Mã loại đất", "Code")), Column("name", Text("Loại đất", "Land use")),
               Column("group_name", Text("Nhóm đất", "Group")), *counts)),
        Sheet(Text("Theo nhóm đất", "By group"), Text("TỔNG HỢP DIỆN TÍCH THU HỒI THEO NHÓM ĐẤT",
                                              "RECOVERED AREA BY LAND-USE GROUP"), by_group,
              (Column("group_name", Text("Nhóm đất", "Group")), *counts)),
        Sheet(Text("Theo thôn", "By village"), Text("TỔNG HỢP DIỆN TÍCH THU HỒI THEO THÔN", "RECOVERED AREA BY VILLAGE"),
              result.by_village,
              (Column("village", Text("Thôn", "Village")),
               Column("owners", Text("Số chủ sử dụng", "Land users"), COUNT, True), *counts)),
        Sheet(Text("Theo chủ sử dụng", "By land user"), Text("DANH SÁCH HỘ BỊ ẢNH HƯỞNG", "AFFECTED LAND USERS"), owners,
              (Column("owner", Text("Chủ sử dụng đất", "Land user")), Column("village", Text("Thôn", "Village")),
               Column("kind", Text("Hộ gia đình / tổ chức", "Household / organisation")),
               Column("parcels", Text("Số thửa", "Parcels"), COUNT, True),
               Column("recovered_m2", Text("Diện tích thu hồi (m²)", "Recovered area (m²)"), M2, True),
               Column("farm_m2", Text("Đất nông nghiệp đang sử dụng (m²)", "Farm land held (m²)"), M2, True),
               Column("farm_recovered_m2", Text("Đất nông nghiệp bị thu hồi (m²)", "Farm land recovered (m²)"),
                      M2, True),
               Column("farm_share_pct", Text("Tỷ lệ đất nông nghiệp bị thu hồi (%)", "Share of farm land lost (%)"),
                      PCT),
               Column("tier", Text("Mức hỗ trợ ổn định đời sống (Điều 19 Nghị định 88/2024/NĐ-CP)",
                               "Life-stabilisation support tier (Decree 88/2024, art. 19)")))),
    ]


def totals_rows(result: Recovery, lang: str) -> list[tuple[str, float | int, str]]:
    t = result.totals
    vi = lang == "vi"
    tiers = tier_labels(result.settings, lang=lang)
    return [
        ("Số thửa bị thu hồi" if vi else "Parcels recovered", t.parcels, COUNT),
        ("  trong đó thu hồi toàn bộ" if vi else "  of which wholly", t.whole, COUNT),
        ("  trong đó thu hồi một phần" if vi else "  of which partly", t.partial, COUNT),
        ("Tổng diện tích thu hồi (m²)" if vi else "Recovered area (m²)", t.recovered_m2, M2),
        ("Tổng diện tích thu hồi (ha)" if vi else "Recovered area (ha)", t.recovered_ha, HA),
        ("Tổng diện tích đo trên bản đồ của các thửa (m²)" if vi else "Drawn area of these parcels (m²)", t.drawn_m2,
         M2),
        ("Tổng diện tích còn lại (đo trên bản đồ, m²)" if vi else "Remaining area (drawn, m²)", t.remaining_m2, M2),
        ("Đất trồng lúa bị thu hồi (m²)" if vi else "Rice land recovered (m²)", t.rice_m2, M2),
        ("Đất nuôi trồng thủy sản bị thu hồi (m²)" if vi else "Aquaculture ponds recovered (m²)", t.pond_m2, M2),
        ("Đất nông nghiệp bị thu hồi (m²)" if vi else "Farm land recovered (m²)", t.farm_m2, M2),
        ("Số chủ sử dụng bị ảnh hưởng" if vi else "Land users affected", t.owners, COUNT),
        ("  trong đó hộ gia đình" if vi else "  of which households", t.households, COUNT),
        (f"Số hộ gia đình bị ảnh hưởng nặng (từ {result.settings.severe_share_pct:g}% đất nông nghiệp trở lên)" if vi
         else f"Households severely affected ({result.settings.severe_share_pct:g} % of farm land or more)",
         t.severe_owners, COUNT),
        (f"  trong đó {tiers['30_70'][0].lower()}{tiers['30_70'][1:]}" if vi else f"  of which {tiers['30_70']}",
         t.tier_30_70, COUNT),
        (f"  trong đó {tiers['over_70'][0].lower()}{tiers['over_70'][1:]}" if vi else f"  of which {tiers['over_70']}",
         t.tier_over_70, COUNT),
        ("Thửa còn lại nhỏ hơn diện tích tối thiểu" if vi else "Remainders below minimum size",
         t.below_minimum, COUNT),
        ("Thửa chênh lệch diện tích pháp lý / đo vẽ" if vi else "Legal and drawn area differ",
         t.area_mismatch, COUNT),
        ("Phần sót không tính vào tổng (thửa)" if vi else "Slivers kept out of totals (parcels)", t.slivers, COUNT),
        ("Diện tích ranh giới dự án (m²)" if vi else "Project boundary area (m²)", round(t.boundary_m2, 1), M2),
        ("Diện tích trong ranh giới không thuộc thửa nào (m²)" if vi else "Boundary area on no parcel (m²)",
         round(t.uncovered_m2, 1), M2),
    ]


def _display_width(value: object, fmt: str | None) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        digits = {M2: 1, HA: 4, PCT: 1}.get(fmt or "", 0)
        return len(f"{float(value):,.{digits}f}")
    return len(str(value))


def _cell_value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_workbook(
    result: Recovery,
    path: str | Path,
    *,
    date: dt.date | None = None,
    lang: str = "vi",
    notes: Sequence[Note] = (),
    place: str = "",
) -> Path:
    """Write the recovery workbook (bảng tổng hợp); ``place`` (the dataset's unit and what it covers, or its
    name) follows the project on the second title line.

    Sheets: the totals, the parcels touched, by land-use code, by group, by village, by land user, the
    slivers, and the notes (repairs, reprojection, placeholder thresholds). Each table has a title with the
    project and ``date`` (today by default), and a totals row summing the rounded figures it lists.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    path = Path(path)
    date = date or dt.date.today()
    vi = lang == "vi"
    project = result.boundary.name or result.boundary.source
    subtitle = (f"Dự án: {project}" if vi else f"Project: {project}") + (f" — {place}" if place else "")
    dated = (f"Ngày lập: {date:%d/%m/%Y}" if vi else f"Date: {date:%d/%m/%Y}")
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    total_fill = PatternFill("solid", fgColor="F2F2F2")

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp" if vi else "Summary"

    def heading(sheet, title: str, width: int) -> int:
        for row, (text, font) in enumerate(((title, Font(bold=True, size=13)), (subtitle, bold), (dated, None)),
                                           start=1):
            cell = sheet.cell(row=row, column=1, value=text)
            if font is not None:
                cell.font = font
            cell.alignment = Alignment(horizontal="center")
            if width > 1:
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        return 5

    # the totals sheet
    start = heading(ws, "BẢNG TỔNG HỢP DIỆN TÍCH THU HỒI ĐẤT" if vi else "LAND RECOVERY SUMMARY", 2)
    ws.cell(row=start, column=1, value="Chỉ tiêu" if vi else "Item").font = bold
    ws.cell(row=start, column=2, value="Giá trị" if vi else "Value").font = bold
    widths = [len("Chỉ tiêu"), len("Giá trị")]
    for offset, (label, value, fmt) in enumerate(totals_rows(result, lang), start=1):
        ws.cell(row=start + offset, column=1, value=label).border = box
        cell = ws.cell(row=start + offset, column=2, value=_cell_value(value))
        cell.number_format = fmt
        cell.border = box
        widths = [max(widths[0], len(label)), max(widths[1], _display_width(value, fmt))]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = min(width + 3, 80)

    sheets = [Sheet(Text("Danh sách thửa", "Parcels"), Text("DANH SÁCH THỬA ĐẤT THU HỒI", "PARCELS RECOVERED"),
                    parcel_rows(result.counted, lang), PARCEL_COLUMNS)]
    sheets += summary_sheets(result, lang)
    sheets.append(Sheet(Text("Phần sót", "Slivers"),
                        Text("CÁC PHẦN SÓT DƯỚI NGƯỠNG (KHÔNG TÍNH VÀO TỔNG)", "SLIVERS (KEPT OUT OF TOTALS)"),
                        parcel_rows(result.slivers, lang), PARCEL_COLUMNS, totals=False))
    for spec in sheets:
        sheet = wb.create_sheet(spec.name(lang))
        row = heading(sheet, spec.title(lang), len(spec.columns))
        widths = []
        for col, column in enumerate(spec.columns, start=1):
            header = column.header(lang)
            cell = sheet.cell(row=row, column=col, value=header)
            cell.font = bold
            cell.fill = head_fill
            cell.border = box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            widths.append(max(max((len(w) for w in header.split()), default=4), min(len(header), 16)))
        sheet.freeze_panes = sheet.cell(row=row + 1, column=1)
        records = spec.frame[[c.key for c in spec.columns]].itertuples(index=False, name=None)
        count = 0
        for count, values in enumerate(records, start=1):
            for col, (column, value) in enumerate(zip(spec.columns, values, strict=True), start=1):
                cell = sheet.cell(row=row + count, column=col, value=_cell_value(value))
                cell.border = box
                if column.fmt:
                    cell.number_format = column.fmt
                widths[col - 1] = max(widths[col - 1], _display_width(value, column.fmt))
        if count == 0:
            sheet.cell(row=row + 1, column=1, value="Không có" if vi else "None")
            count = 1
        if spec.totals and len(spec.frame):
            total_row = row + count + 1
            sheet.cell(row=total_row, column=1, value="Tổng cộng" if vi else "Total")
            for col, column in enumerate(spec.columns, start=1):
                cell = sheet.cell(row=total_row, column=col)
                cell.font = bold
                cell.fill = total_fill
                cell.border = box
                if column.total:
                    total = spec.frame[column.key].sum()
                    total = round(float(total), 4 if column.fmt == HA else 1) if column.fmt != COUNT else int(total)
                    cell.value = total
                    cell.number_format = column.fmt or "General"
                    widths[col - 1] = max(widths[col - 1], _display_width(total, column.fmt))
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = min(width + 3, 60)
        sheet.row_dimensions[row].height = 45

    notes_sheet = wb.create_sheet("Ghi chú" if vi else "Notes")
    heading(notes_sheet, "GHI CHÚ" if vi else "NOTES", 1)
    lines = [n.text(lang) for n in (*result.notes, *notes)]
    lines.append(identity_label(result.owner_identity, lang=lang) + ".")
    lines.append(("Mức hỗ trợ ổn định đời sống theo khoản 1 Điều 19 Nghị định 88/2024/NĐ-CP: " if vi else
                  "Life-stabilisation support tiers of Decree 88/2024/NĐ-CP, art. 19(1): ")
                 + "; ".join(tier_labels(result.settings, lang=lang).values())
                 + (". Tổ chức không tính là hộ gia đình." if vi else ". Organisations are not households."))
    s = result.settings
    minimum = ", ".join(f"{landuse.group_name(g, lang=lang)} {v:g} m²" for g, v in s.minimum_parcel_m2.items())
    lines += [
        (f"Ngưỡng phần sót: {s.sliver_m2:g} m²; chênh lệch diện tích pháp lý và đo vẽ: quá hạn sai ΔP = 0,0004 × M "
         f"× √P m² (Thông tư 25/2014/TT-BTNMT), M là mẫu số tỷ lệ tờ bản đồ (mặc định 1:{s.default_scale}); "
         f"diện tích tối thiểu: {minimum or 'không đặt'}. Nguồn: {s.source}.") if vi else
        (f"Sliver tolerance: {s.sliver_m2:g} m²; legal against drawn area: beyond ΔP = 0.0004 × M × √P m² "
         f"(Circular 25/2014/TT-BTNMT), M the sheet's scale denominator (default 1:{s.default_scale}); minimum "
         f"parcel size: {minimum or 'none'}. Source: {s.source}."),
        ("Diện tích làm tròn đến 0,1 m² cho từng thửa; các dòng tổng là tổng các số đã làm tròn. Diện tích còn "
         "lại = diện tích đo trên bản đồ − diện tích thu hồi (thửa thu hồi toàn bộ: toàn bộ diện tích đo); cột "
         "«còn lại theo diện tích pháp lý» = diện tích pháp lý − diện tích thu hồi.") if vi else
        ("Areas are rounded to 0.1 m² per parcel; totals sum the rounded figures. Remaining area = drawn area − "
         "recovered area (a wholly recovered parcel: its whole drawn area); the column 'remaining from the "
         "legal area' = legal area − recovered area."),
    ]
    for row, line in enumerate(lines, start=5):
        notes_sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")
    notes_sheet.column_dimensions["A"].width = 120
    spreadsheet.make_inert(wb)  # names from data that begin with = + - @ are text, never formulas
    wb.save(path)
    return path


def export(
    parcels: gpd.GeoDataFrame,
    result: Recovery,
    path: str | Path,
    *,
    date: dt.date | None = None,
    lang: str = "vi",
    notes: Sequence[Note] = (),
    place: str = "",
) -> Path:
    """Write ``result`` in the format its extension names: ``.xlsx``, ``.gpkg`` or ``.csv`` (``place``: see
    :func:`write_workbook`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataSourceError(
            f"Không xuất được «{path.name}»: chỉ hỗ trợ tệp {', '.join(FORMATS)}.",
            f"Cannot export '{path.name}': the supported formats are {', '.join(FORMATS)}.",
        )
    if not path.parent.is_dir():
        raise DataSourceError(
            f"Không có thư mục «{path.parent}» để ghi «{path.name}».",
            f"Folder '{path.parent}' does not exist, so '{path.name}' cannot be written.",
        )
    if suffix == ".xlsx":
        return write_workbook(result, path, date=date, lang=lang, notes=notes, place=place)
    if suffix == ".gpkg":
        return write_geopackage(parcels, result, path)
    return write_csv(result, path)
