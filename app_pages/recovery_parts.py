"""The Recovery page's parts that are not layout (``app_pages/recovery.py`` lays the page out).

Its words (:data:`TABLE`), the session keys, the computations cached on the dataset, the boundary and the
settings file (the recovery and its map layers, the three exports), and the builders of what the page shows:
the workbook's tables in the user's number convention, the figures above the map, and the legend.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from pandas.io.formats.style import Styler

from app_pages.context import (
    DATASET_HASH,
    lang,
    num,
    words,
)
from app_pages.ui import number_table
from gis.core.recovery_settings import DEFAULT_SETTINGS_PATH, RecoverySettings, load_settings
from gis.core.text import DEMO_NOTE, Text, short_number, texts
from gis.files import admin_units
from gis.files.io import Dataset, FileKey, file_key
from gis.jobs.recovery import Recovery, recover
from gis.jobs.recovery_boundary import Boundary, prepare_boundary
from gis.jobs.recovery_export import (
    COUNT,
    HA,
    M2,
    PCT,
    parcel_rows,
    write_csv,
    write_geopackage,
    write_workbook,
)
from gis.jobs.recovery_files import load_boundary_file
from gis.jobs.recovery_users import identity_label, tier_labels
from layers.recovery_parts import SPECS, RecoveryLayers, prepare_recovery

TABLE: dict[str, Text] = texts({
    "title": ("Thu hồi đất theo ranh giới dự án", "Land recovery by project boundary"),
    "intro": ("Chọn ranh giới dự án để biết dự án lấy những thửa đất nào, bao nhiêu, của ai và còn lại bao nhiêu.",
              "Choose a project boundary to see which parcels it takes, how much of each, whose they are and "
              "what is left."),
    "placeholder": ("Các ngưỡng tính toán (diện tích tối thiểu được tách thửa, phần sót, hộ bị ảnh hưởng nặng) "
                    "đang là **giá trị tạm**, chưa phải số liệu của tỉnh. Hãy nhập số liệu theo quyết định của "
                    "UBND tỉnh vào tệp «{file}» rồi đặt `placeholder = false` trước khi trình ký bảng tổng hợp.",
                    "The thresholds (minimum parcel size, sliver, severely affected) are **placeholders**, not "
                    "the province's figures. Enter the province's figures in “{file}” and set "
                    "`placeholder = false` before the table is signed."),
    "source": ("Ranh giới dự án lấy từ", "Project boundary from"),
    "src_project": ("Dự án có sẵn", "Built-in project"),
    "src_upload": ("Tải tệp lên", "Upload a file"),
    "src_draw": ("Vẽ trên bản đồ", "Draw on the map"),
    "project": ("Dự án", "Project"),
    "draw_help": ("Bấm nút đa giác ở góc trên bên trái bản đồ, bấm lần lượt từng đỉnh của ranh giới, rồi bấm "
                  "lại đỉnh đầu tiên để khép kín. Vẽ lại để thay ranh giới.",
                  "Click the polygon button at the map's top left, click each corner of the boundary in turn, "
                  "then click the first corner again to close it. Draw again to replace the boundary."),
    "drawn_name": ("Ranh giới vẽ trên bản đồ", "Boundary drawn on the map"),
    "project_pick": ("Chọn một dự án…", "Choose a project…"),
    "all_projects": ("Tất cả các dự án", "All projects"),
    "no_projects": ("Dữ liệu không có lớp khu vực thu hồi đất (recovered_land). Hãy tải tệp ranh giới lên.",
                    "The data has no recovered land layer (recovered_land). Upload a boundary file."),
    "upload": ("Tệp ranh giới dự án", "Project boundary file"),
    "upload_help": ("Shapefile nén .zip (kèm .shp, .shx, .dbf, .prj), GeoPackage, GeoJSON, KML/KMZ.",
                    "A zipped shapefile (.shp, .shx, .dbf, .prj), GeoPackage, GeoJSON, KML/KMZ."),
    "upload_project": ("Đối tượng trong tệp", "Feature of the file"),
    "choose": ("Hãy chọn ranh giới dự án để xem các thửa đất bị thu hồi.",
               "Choose a project boundary to see the parcels it takes."),
    "bad_boundary": ("Không dùng được ranh giới này", "This boundary cannot be used"),
    "metric_parcels": ("Thửa bị thu hồi", "Parcels taken"),
    "metric_parcels_help": ("{whole} thửa thu hồi toàn bộ, {partial} thửa thu hồi một phần",
                            "{whole} wholly, {partial} partly"),
    "metric_area": ("Diện tích thu hồi", "Recovered area"),
    "metric_rice": ("Đất trồng lúa thu hồi", "Rice land taken"),
    "metric_pond": ("Ao thủy sản thu hồi", "Ponds taken"),
    "metric_pond_help": ("Ao nuôi trồng thủy sản bị thu hồi: {ha} ha", "Aquaculture ponds taken: {ha} ha"),
    "metric_owners": ("Chủ sử dụng bị ảnh hưởng", "Land users affected"),
    "metric_owners_help": ("{households} hộ gia đình; {severe} hộ bị ảnh hưởng nặng (mất từ {pct}% đất nông "
                           "nghiệp trở lên). Tổ chức (UBND xã, cộng đồng dân cư, trường học) không tính là hộ.",
                           "{households} households; {severe} severely affected (losing {pct}% or more of their "
                           "farm land). Organisations (the commune, village communities, schools) are not "
                           "households."),
    "severe_line": ("**{severe}** hộ gia đình bị ảnh hưởng nặng (mất từ {pct}% đất nông nghiệp trở lên), theo "
                    "khoản 1 Điều 19 Nghị định 88/2024/NĐ-CP:",
                    "**{severe}** households severely affected (losing {pct}% or more of their farm land), in the "
                    "tiers of Decree 88/2024/NĐ-CP, art. 19(1):"),
    "tier_line": ("{label}: **{n}** hộ", "{label}: **{n}** households"),
    "slivers_line": ("{n} phần sót dưới {tol} m² (sai lệch số hóa) được liệt kê nhưng không tính vào tổng.",
                     "{n} slivers under {tol} m² (digitising mismatch) are listed but kept out of the totals."),
    "parcels_title": ("Danh sách thửa đất bị thu hồi", "Parcels taken"),
    "parcels_hint": ("Bấm vào một dòng để phóng to đến thửa đó trên bản đồ; bấm vào một thửa trên bản đồ để chọn "
                     "dòng của nó.",
                     "Click a row to zoom to its parcel on the map; click a parcel on the map to select its row."),
    "summaries": ("Bảng tổng hợp", "Summaries"),
    "totals": ("Tổng hợp", "Totals"),
    "item": ("Chỉ tiêu", "Item"),
    "value": ("Giá trị", "Value"),
    "downloads": ("Tải xuống", "Downloads"),
    "dl_xlsx": ("Bảng tổng hợp Excel (.xlsx)", "Excel workbook (.xlsx)"),
    "dl_gpkg": ("Phần thu hồi và phần còn lại (.gpkg)", "Recovered parts and remainders (.gpkg)"),
    "dl_csv": ("Danh sách thửa (.csv)", "Parcel list (.csv)"),
    "legend": ("Chú giải", "Legend"),
    "selected_title": ("Thửa đất số {n}, tờ bản đồ số {s}", "Parcel {n}, map sheet {s}"),
    "not_taken": ("Thửa đất số {n}, tờ bản đồ số {s} không bị dự án này thu hồi.",
                  "Parcel {n}, map sheet {s} is not taken by this project."),
    "hint": ("Bấm vào một thửa đất trên bản đồ hoặc một dòng của bảng để xem thửa đó tại đây.",
             "Click a parcel on the map or a row of the table to see it here."),
    "clear": ("Bỏ chọn", "Clear selection"),
    "none": ("Không", "None"),
    "notes": ("Lưu ý", "Notes"),
})

#: Column kinds whose figures are written as numbers (with the user's decimal convention).
_DIGITS = {M2: 1, HA: 4, PCT: 1, COUNT: 0}

MAP_KEY = "recovery_map"
TABLE_KEY = "recovery_table"
SOURCE = "recovery_source"
PROJECT = "recovery_project"
UPLOAD = "recovery_upload"
UPLOAD_PATH = "recovery_upload_path"
UPLOAD_ID = "recovery_upload_id"
UPLOAD_PROJECT = "recovery_upload_project"
SELECTED = "recovery_selected"
VIEW = "recovery_view"
CLICK_SEEN = "recovery_click_seen"
ROWS_SEEN = "recovery_rows_seen"
ALL = "all"
RETURNED = ["last_active_drawing", "last_object_clicked"]
#: In drawing mode the drawn shapes come back too.
RETURNED_DRAW = ["all_drawings", "last_active_drawing", "last_object_clicked"]
DRAWN = "recovery_drawn"
DRAW_SEEN = "recovery_draw_seen"
PARCEL_ZOOM = 19
#: The map's width in pixels on this page (five sevenths of a wide page), for choosing a zoom level.
MAP_VIEW_WIDTH_PX = 660


#: The page's words in the user's language, ``{fields}`` filled in (:func:`app_pages.context.words`).
tr = words(TABLE)


# ------------------------------------------------------------------------------------------- cached work


@st.cache_resource(show_spinner=False, max_entries=2)
def _settings(path: str, stamp: FileKey) -> RecoverySettings:
    return load_settings(path)


def settings() -> RecoverySettings:
    return _settings(str(DEFAULT_SETTINGS_PATH), file_key(DEFAULT_SETTINGS_PATH))


@dataclass(frozen=True)
class Outcome:
    """A recovery and its layers for the map, cached per dataset, boundary and settings."""

    result: Recovery
    layers: RecoveryLayers
    key: tuple


def _boundary(data: Dataset, kind: str, ref: str, project: str | None) -> Boundary:
    crs = data.parcels.crs
    if kind == "project":
        return prepare_boundary(data.get("recovered_land"), crs=crs, source="recovered_land", project=project)
    if kind == "draw":
        name = TABLE["drawn_name"].vi  # the project's name in the workbook, whatever the language
        frame = gpd.GeoDataFrame({"TENDUAN": [name]}, geometry=[shapely.from_wkt(ref)], crs=4326)
        boundary = prepare_boundary(frame, crs=crs, source=name)
        return replace(boundary, notes=tuple(n for n in boundary.notes if "WGS" not in n.en))
    return load_boundary_file(ref, crs=crs, project=project)


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=DATASET_HASH)
def _outcome(data: Dataset, kind: str, ref: str, project: str | None, settings_stamp: FileKey) -> Outcome:
    """What the boundary takes; a :class:`GisError` (bad boundary) is raised, not cached."""
    boundary = _boundary(data, kind, ref, project)
    result = recover(data.parcels, boundary, settings=settings(), source="parcels")
    return Outcome(result=result, layers=prepare_recovery(data.parcels, result),
                   key=(data.key, kind, ref, project, settings_stamp))


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=DATASET_HASH)
def _exports(key: tuple, code: str, builtin: bool, _outcome: Outcome, data: Dataset) -> dict[str, bytes]:
    """The workbook, GeoPackage and CSV of a recovery as bytes, written in the workspace's scratch folder."""
    from gis.files.uploads import scratch_dir

    notes: tuple[Text, ...] = (DEMO_NOTE,) if builtin else ()
    if data.as_of is not None:  # the figures of the sidebar's date: said in the workbook
        from gis.jobs.ledger.asof import as_of_text

        notes += (Text(as_of_text(data.as_of, "vi") + ".", as_of_text(data.as_of, "en") + "."),)
    out: dict[str, bytes] = {}
    with scratch_dir() as folder:
        write_workbook(_outcome.result, folder / "thu_hoi.xlsx", date=dt.date.today(), lang=code, notes=notes,
                       place=admin_units.full_place(data, code))
        write_geopackage(data.parcels, _outcome.result, folder / "thu_hoi.gpkg")
        write_csv(_outcome.result, folder / "thu_hoi.csv")
        for name in ("xlsx", "gpkg", "csv"):
            out[name] = (folder / f"thu_hoi.{name}").read_bytes()
    return out


# ------------------------------------------------------------------------------------------------ tables


def _cell(value: object, fmt: str | None) -> object:
    if fmt in _DIGITS:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return num(float(value), _DIGITS[fmt])  # type: ignore[arg-type]
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else value


def _shown(frame: pd.DataFrame, columns) -> Styler:
    """A workbook table as the page shows it: the same headers, numbers in the user's convention.

    The number columns stay numbers (a click on the header sorts them as numbers); a ``Styler`` shows them.
    """
    code = lang()

    def head(c) -> str:
        return c.header(code)

    table = pd.DataFrame({
        head(c): (frame[c.key].to_numpy() if c.fmt in _DIGITS else [_cell(v, c.fmt) for v in frame[c.key]])
        for c in columns
    })
    return number_table(table, {head(c): _DIGITS[c.fmt] for c in columns if c.fmt in _DIGITS}, lang=code)


def _parcel_table(result: Recovery) -> Styler:
    from gis.jobs.recovery_export import PARCEL_COLUMNS

    columns = [c for c in PARCEL_COLUMNS if c.key != "no"]
    return _shown(parcel_rows(result.table, lang()), columns)


def _metrics(result: Recovery) -> None:
    tot = result.totals
    pct = short_number(result.settings.severe_share_pct, lang=lang())
    cols = st.columns(5)
    cols[0].metric(tr("metric_parcels"), num(tot.parcels, 0),
                   help=tr("metric_parcels_help", whole=num(tot.whole, 0), partial=num(tot.partial, 0)))
    cols[1].metric(tr("metric_area"), f"{num(tot.recovered_m2)} m²", help=f"{num(tot.recovered_ha, 4)} ha")
    cols[2].metric(tr("metric_rice"), f"{num(tot.rice_m2)} m²", help=f"{num(tot.rice_ha, 4)} ha")
    cols[3].metric(tr("metric_pond"), f"{num(tot.pond_m2)} m²", help=tr("metric_pond_help", ha=num(tot.pond_ha, 4)))
    cols[4].metric(tr("metric_owners"), num(tot.owners, 0),
                   help=tr("metric_owners_help", households=num(tot.households, 0), severe=num(tot.severe_owners, 0),
                           pct=pct))
    tiers = tier_labels(result.settings, lang=lang())
    lines = [tr("severe_line", severe=num(tot.severe_owners, 0), pct=pct),
             tr("tier_line", label=tiers["30_70"], n=num(tot.tier_30_70, 0)),
             tr("tier_line", label=tiers["over_70"], n=num(tot.tier_over_70, 0)),
             identity_label(result.owner_identity, lang=lang()) + "."]
    if tot.slivers:
        lines.append(tr("slivers_line", n=num(tot.slivers, 0), tol=short_number(result.settings.sliver_m2, lang=lang())))
    st.caption("  \n".join(lines))


def _legend() -> None:
    items = []
    for spec in SPECS:
        style = spec.style
        fill = style.get("fillColor", "transparent") if style.get("fill") else "transparent"
        border = "dashed" if style.get("dashArray") else "solid"
        items.append(
            f'<div style="margin:2px 0"><span style="display:inline-block;width:18px;height:12px;'
            f'background:{fill};opacity:{0.85 if style.get("fill") else 1};border:2px {border} {style.get("color")};'
            f'vertical-align:middle;margin-right:6px"></span>{html.escape(spec.title_in(lang()))}</div>')
    st.markdown(f'<div class="lp-recovery-legend"><b>{tr("legend")}</b>{"".join(items)}</div>',
                unsafe_allow_html=True)
