"""Data (Dữ liệu): bring the commune's own files in: upload, what was found, the check, the import."""

from __future__ import annotations

import html
from pathlib import Path

import streamlit as st

from app_pages import auth
from app_pages.context import lang, t
from app_pages.text import literal
from app_pages.ui import download
from gis.core.errors import GisError, PlacementError
from gis.core.i18n import number
from gis.core.text import Text, texts
from gis.files.checks import KINDS
from gis.files.io import FileKey, file_key

STRINGS: dict[str, Text] = texts({
    "title": ("Dữ liệu của xã", "The commune's data"),
    "intro": (
        "Tải lên tệp bản đồ địa chính của xã (shapefile hoặc .zip, GeoPackage, GeoJSON, Esri JSON, KML/KMZ, DXF, "
        "DGN, hoặc bảng tọa độ CSV/Excel). Công cụ nhận ra bảng mã, hệ tọa độ, kiểm tra dữ liệu rồi mới nhập.",
        "Upload the commune's cadastral files (shapefile or .zip, GeoPackage, GeoJSON, Esri JSON, KML/KMZ, DXF, "
        "DGN, or a CSV/Excel coordinate table). The tool recognises the encoding and the coordinate system and "
        "checks the data before importing it.",
    ),
    "upload": ("Tải tệp lên (một tệp .zip, hoặc cùng lúc các tệp .shp, .shx, .dbf, .prj, .cpg của một shapefile)",
               "Upload files (one .zip, or the .shp, .shx, .dbf, .prj, .cpg files of a shapefile together)"),
    "pick": ("Tệp dùng để nhập", "File to import"),
    "preview": ("Các dòng đầu như sẽ được lưu", "The first rows as they will be stored"),
    "preview_help": ("Kiểm tra chữ tiếng Việt hiển thị đúng (tên chủ, địa chỉ): nếu sai dấu, hãy chọn bảng mã khác "
                     "trong «Tùy chọn đọc».",
                     "Check that the Vietnamese text reads right (owners, addresses): if the accents are wrong, "
                     "choose another encoding under 'Reading options'."),
    "options": ("Tùy chọn đọc", "Reading options"),
    "encoding": ("Bảng mã", "Text encoding"),
    "auto": ("Tự nhận ra", "Detect"),
    "province": ("Tỉnh (kinh tuyến trục)", "Province (central meridian)"),
    "no_province": ("— chưa chọn —", "— not chosen —"),
    "half_made": ("{n} thư mục nhập dở (thiếu source.json, do một lần nhập bị ngắt) không được dùng (danh sách "
                  "dưới đây). Có thể xóa chúng trong thư mục imports của không gian làm việc.",
                  "{n} half-made import folders (no source.json: an import was cut short) are not used (listed "
                  "below). They can be deleted from the workspace's imports folder."),
    "assign_crs": ("Gán hệ tọa độ mà tọa độ khớp (thay cho tệp .prj)", "Assign the CRS the coordinates fit (instead "
                   "of the .prj)"),
    "layer": ("Lớp", "Layer"),
    "fix_crs": ("Sửa hệ tọa độ (đồng ý dịch dữ liệu về đúng vị trí)", "Fix the coordinate system (move the data "
                "to where it belongs)"),
    "found": ("Kết quả nhận dạng", "What was found"),
    "format": ("Định dạng", "Format"),
    "features": ("Số đối tượng", "Features"),
    "crs": ("Hệ tọa độ", "Coordinate system"),
    "axes": ("Trục tọa độ", "Axes"),
    "mapping": ("Ghép trường", "Field mapping"),
    "mapping_help": ("Chọn cột chứa từng thông tin còn thiếu.", "Pick the column that holds each missing field."),
    "none": ("— không có —", "— none —"),
    "sheet_value": ("Số tờ chung cho cả lớp (bản vẽ một tờ)", "One sheet number for the whole layer"),
    "check": ("Kiểm tra dữ liệu", "Data check"),
    "no_problem": ("Không phát hiện lỗi.", "No problem found."),
    "problems_map": ("Vị trí các lỗi (đỏ) trên các thửa (xám)", "Where the problems are (red) among the parcels "
                     "(grey)"),
    "download_csv": ("Tải bảng lỗi (CSV)", "Download the problems (CSV)"),
    "download_gpkg": ("Tải lớp lỗi (GeoPackage)", "Download the problems (GeoPackage)"),
    "import": ("Nhập vào không gian làm việc", "Import into the workspace"),
    "imported": ("Đã nhập {n} thửa vào bộ dữ liệu «{folder}».", "Imported {n} parcels into the dataset '{folder}'."),
    "offer": ("Các trang vẫn dùng bộ dữ liệu cũ cho đến khi chọn bộ mới.",
              "The pages keep using the previous dataset until the new one is chosen."),
    "use_new": ("Dùng bộ dữ liệu này", "Use this dataset"),
    "now_used": ("Mọi trang đang dùng bộ dữ liệu «{name}».", "Every page now uses the dataset '{name}'."),
    "datasets": ("Các bộ dữ liệu của không gian làm việc", "The workspace's datasets"),
    "col_name": ("Tên", "Name"),
    "col_title": ("Mô tả", "Description"),
    "col_active": ("Đang dùng", "In use"),
    "col_date": ("Ngày nhập", "Imported"),
    "col_by": ("Người nhập", "Imported by"),
    "col_file": ("Tệp gốc", "Source file"),
    "col_count": ("Số thửa", "Parcels"),
    "col_unit": ("Đơn vị hành chính", "Administrative unit"),
    "switch_hint": ("Chọn bộ dữ liệu dùng cho mọi trang ở thanh bên («Dùng bộ dữ liệu này»).",
                    "Choose the dataset every page uses in the sidebar ('Use this dataset')."),
})

#: Labels of the parcel fields the schema has no label for.
_MORE_LABELS: dict[str, Text] = texts({"area_m2_field": ("Diện tích (m²)", "Area (m²)")})


#: The session's keys for the dataset just imported (its name) and its parcel count.
NEW_KEY, IMPORTED_KEY = "data_new_dataset", "data_imported_count"


def _t(key: str) -> str:
    return t(key, STRINGS)


@st.cache_data(show_spinner=False, max_entries=4)
def _read(path: str, stamp: FileKey, layer: str | None, encoding: str | None):  # noqa: ANN202 - Source
    from gis.files.sources import read_source

    return read_source(path, layer=layer, encoding=encoding)


def _label(field: str) -> str:
    """A parcel field as the user reads it (never the internal key)."""
    from gis.files.schema import LABELS

    pair = LABELS.get(field)
    if pair is not None:
        return pair[0 if lang() == "vi" else 1]
    found = _MORE_LABELS.get(field)
    return found(lang()) if found is not None else field


def _saved_uploads(uploads: list) -> list[Path]:  # noqa: ANN001 - streamlit's UploadedFile
    """Keep the uploaded files once in the workspace (not on every rerun); the readable paths (a shapefile's
    loose parts give its .shp).

    Kept in the session under the files' ids, so a rerun (a language switch) finds them again.
    """
    from gis.files.uploads import save_uploads

    key = "upload:" + "|".join(sorted(u.file_id for u in uploads))
    if key not in st.session_state:
        st.session_state[key] = [str(p) for p in save_uploads([(u.name, u.getvalue()) for u in uploads])]
    return [Path(p) for p in st.session_state[key]]


def _preview(prepared) -> None:  # noqa: ANN001 - gis.store.imports.Prepared
    """The first rows as they will be written, headed by the fields' Vietnamese labels (text cells)."""
    from gis.files.schema import match_fields

    rows = prepared.report.repaired
    table = rows.drop(columns=rows.geometry.name).head(10).reset_index(drop=True)
    known = match_fields([str(c) for c in table.columns])
    table.columns = [f"{_label(known[str(c)])} ({c})" if str(c) in known else str(c) for c in table.columns]
    st.subheader(_t("preview"))
    st.caption(_t("preview_help"))
    st.dataframe(table, hide_index=True, width="stretch")


def _svg(parcels, problems, *, size: int = 520) -> str:  # noqa: ANN001 - GeoDataFrames
    """An offline drawing of the parcels and the problems (no web map, no tiles)."""
    import shapely

    shapes = [g for g in parcels.geometry if g is not None and not g.is_empty]
    marks = [g for g in problems.geometry if g is not None and not g.is_empty]
    if not shapes and not marks:
        return ""
    minx, miny, maxx, maxy = shapely.GeometryCollection(shapes + marks).bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    flip = f"matrix(1 0 0 -1 0 {miny + maxy})"
    stroke = span / size
    body = "".join(g.svg(scale_factor=stroke, fill_color="#dddddd") for g in shapes)
    for g in marks:
        body += g.buffer(stroke * 4).svg(scale_factor=stroke, fill_color="#e03131", opacity=0.8)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
            f'viewBox="{minx} {miny} {span} {span}" role="img" aria-label="{html.escape(_t("problems_map"))}">'
            f'<g transform="{flip}">{body}</g></svg>')


def _problems_gpkg(problems) -> bytes:  # noqa: ANN001
    import pyogrio

    from gis.files.uploads import scratch_dir

    with scratch_dir() as folder:
        path = folder / "problems.gpkg"
        pyogrio.write_dataframe(problems, path, layer="problems", driver="GPKG")
        return path.read_bytes()


def _unit_text(unit: dict | None) -> str:
    """``xã Hiệp Hòa, tỉnh Bắc Ninh (xã Lương Phong cũ)``; empty when the unit is not known."""
    if not unit:
        return ""
    current = unit.get("current") or {}
    text = f"{current.get('level', '')} {current.get('name', '')}, tỉnh {current.get('province', '')}".strip()
    former = unit.get("former")
    if former:
        text += f" ({former.get('level', '')} {former.get('name', '')} {'cũ' if lang() == 'vi' else 'former'})"
    return text


def _datasets() -> None:
    """Every dataset of the workspace with its details, the one in use marked; half-made imports named."""
    import pandas as pd

    from app_pages.context import active
    from gis.store.datasets import list_datasets
    from gis.store.imports import incomplete_folders

    current = active().info.name
    rows = [{_t("col_active"): "✓" if info.name == current else "", _t("col_name"): info.name,
             _t("col_title"): info.title(lang()), _t("col_date"): (info.imported_at or "").replace("T", " "),
             _t("col_by"): info.imported_by or "", _t("col_file"): info.source_file or "",
             _t("col_count"): info.parcel_count, _t("col_unit"): _unit_text(info.admin_unit)}
            for info in list_datasets()]
    with st.expander(_t("datasets"), expanded=False):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")  # cells are text: data is safe here
        st.caption(_t("switch_hint"))
        half_made = incomplete_folders()
        if half_made:  # never offered: told, so that they can be removed
            st.warning(_t("half_made").format(n=len(half_made)))
            st.text("\n".join(p.name for p in half_made))  # folder names as plain text, never markup


def _offer_new() -> None:
    """After an import: the button that makes the new dataset the one every page uses."""
    from app_pages.context import active
    from gis.store import datasets
    name = st.session_state.get(NEW_KEY)
    if not name:
        return
    count = st.session_state.get(IMPORTED_KEY)
    if count is not None:
        st.success(_t("imported").format(n=number(count, 0, lang=lang()), folder=literal(name)))
    if active().info.name == name:
        st.success(_t("now_used").format(name=literal(name)))
        return
    st.info(_t("offer"))
    if st.button(_t("use_new"), key="use_new_dataset", type="primary") and auth.can("import"):
        try:
            datasets.use(name, by=auth.who())
        except GisError as exc:
            st.error(literal(exc.text(lang())))
            return
        st.rerun()


def _page() -> None:
    st.title(_t("title"))
    st.caption(_t("intro"))
    _datasets()
    if not auth.can("import"):
        st.info(auth.denied("import"))
        return
    # keyed widgets: their identity (and so the upload) survives a language switch, which changes the labels
    uploads = st.file_uploader(_t("upload"), type=["zip", "shp", "shx", "dbf", "prj", "cpg", "gpkg", "geojson",
                                                   "json", "kml", "kmz", "dxf", "dgn", "csv", "txt", "xlsx"],
                               accept_multiple_files=True, key="data_upload")
    if uploads:
        _import_flow(list(uploads))
    _offer_new()  # at the end: beside the import button the officer just pressed


def _import_flow(uploads: list) -> None:
    """What was found in the upload, the reading options, the field mapping, the preview, the check, the import."""
    from gis.core.provinces import choices
    from gis.core.spreadsheet import csv_bytes
    from gis.files.schema import PARCEL_FIELDS
    from gis.store.imports import prepare, write_dataset

    vi = lang() == "vi"
    try:  # save_uploads checks the parts and the sizes (upload_mb of gis/limits.toml) before anything is written
        paths = _saved_uploads(uploads)
    except GisError as exc:
        st.error(literal(exc.text(lang())))
        return
    path = paths[0]
    if len(paths) > 1:
        path = st.selectbox(_t("pick"), paths, format_func=lambda p: p.name, key="data_pick")

    with st.expander(_t("options"), expanded=False):
        encodings = [None, "utf-8", "cp1258", "tcvn3", "vni", "unicode"]
        encoding = st.selectbox(_t("encoding"), encodings, format_func=lambda e: _t("auto") if e is None else e,
                                key="data_encoding")
    try:
        source = _read(str(path), file_key(path), st.session_state.get("data_layer"), encoding)
    except GisError as exc:
        st.error(literal(exc.text(lang())))
        return
    if len(source.layers) > 1:
        st.selectbox(_t("layer"), source.layers, index=source.layers.index(source.layer) if source.layer in
                     source.layers else 0, key="data_layer")

    st.subheader(_t("found"))
    cols = st.columns(3)
    cols[0].metric(_t("format"), source.format_label(lang()))
    cols[1].metric(_t("features"), number(len(source.frame), 0, lang=lang()))
    cols[2].metric(_t("encoding"), source.encoding_name)
    if source.encoding is not None:
        st.caption(literal(source.encoding.text(lang())))
    st.markdown(f"**{_t('crs')}:** {literal(source.crs.label)}")
    (st.warning if source.crs.fault else st.info)(literal(source.crs.text(lang())))
    if source.guess is not None:
        st.info(literal(source.guess.text(lang())))
    if source.axes_vi:
        st.markdown(f"**{_t('axes')}:** {literal(source.axes_vi if vi else source.axes_en)}")
    for note_vi, note_en in source.notes:
        st.caption(literal(note_vi if vi else note_en))

    needs_province = source.crs.status in ("missing", "geographic", "other")
    shown = dict(zip(choices(lang="vi"), choices(lang=lang()), strict=True))  # one value in both languages
    province = st.selectbox(_t("province"), [None, *shown], key="data_province",
                            format_func=lambda p: _t("no_province") if p is None else shown[p],
                            help=None if not needs_province else literal(source.crs.text(lang())))
    fix_crs = st.checkbox(_t("fix_crs"), value=False, key="data_fix_crs") if source.crs.fault else False

    from gis.files.field_mapping import map_fields

    columns = [str(c) for c in source.frame.columns if c != source.frame.geometry.name]
    auto = map_fields(columns)
    st.subheader(_t("mapping"))
    st.caption(literal(", ".join(f"{c} → {_label(i)}" for c, i in auto.mapping.items())) or "—")
    user: dict[str, str] = {}
    missing = [f for f in PARCEL_FIELDS if f not in set(auto.mapping.values())
               and f in ("sheet", "parcel_no", "land_use", "legal_area_m2", "owner", "address")]
    defaults: dict[str, object] = {}
    if missing:
        st.caption(_t("mapping_help"))
        grid = st.columns(3)
        for n, field in enumerate(missing):
            choice = grid[n % 3].selectbox(_label(field), [None, *auto.unmapped],
                                           format_func=lambda c: _t("none") if c is None else c, key=f"map:{field}")
            if choice:
                user[choice] = field
        if "sheet" in missing and not any(v == "sheet" for v in user.values()):
            sheet = st.text_input(_t("sheet_value"), key="sheet_value").strip()
            if sheet:
                defaults["sheet"] = int(sheet) if sheet.isdigit() else sheet

    try:
        prepared = prepare(source, province=province, fix_crs=fix_crs, mapping=user, defaults=defaults,
                           require_fields=False)
    except PlacementError as exc:  # the data falls in the wrong place: refused unless the CRS it fits is assigned
        st.error(literal(exc.text(lang())))
        if exc.fix is None or not st.checkbox(_t("assign_crs"), value=False, key="assign_crs"):
            return
        try:
            prepared = prepare(source, province=province, fix_crs=True, mapping=user, defaults=defaults,
                               require_fields=False)
        except GisError as again:
            st.error(literal(again.text(lang())))
            return
    except GisError as exc:
        st.error(literal(exc.text(lang())))
        return
    for note_vi, note_en in prepared.notes[len(source.notes):]:
        st.caption(literal(note_vi if vi else note_en))
    _preview(prepared)

    st.subheader(_t("check"))
    report = prepared.report
    if report.total == 0:
        st.success(_t("no_problem"))
    else:
        found = [(k, n) for k, n in report.counts.items() if n]
        metric_cols = st.columns(min(len(found), 4))
        for i, (kind, count) in enumerate(found):
            metric_cols[i % len(metric_cols)].metric(KINDS[kind][0 if vi else 1], count)
        table = report.table(lang())
        st.dataframe(table, hide_index=True, width="stretch")
        svg = _svg(report.repaired, report.problems)
        if svg:
            st.caption(_t("problems_map"))
            st.markdown(svg, unsafe_allow_html=True)
        left, right = st.columns(2)
        download(_t("download_csv"), csv_bytes(table), f"{path.stem}-loi.csv", where=left, mime="text/csv")
        download(_t("download_gpkg"), _problems_gpkg(report.problems), f"{path.stem}-loi.gpkg", where=right,
                 mime="application/geopackage+sqlite3")

    if st.button(_t("import"), type="primary", disabled=bool(prepared.fields.missing), key="data_import") \
            and auth.can("import"):
        try:
            folder = write_dataset(prepared, by=auth.who())
        except GisError as exc:
            st.error(literal(exc.text(lang())))
            return
        st.session_state[NEW_KEY] = folder.name
        st.session_state[IMPORTED_KEY] = len(report.repaired)
        st.rerun()  # the page's end tells the import and offers the new dataset
    if prepared.fields.missing:
        labels = ", ".join(_label(m) for m in prepared.fields.missing)
        st.warning(("Còn thiếu: " if vi else "Still missing: ") + labels)


_page()
