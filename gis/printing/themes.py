"""The map themes: current land use, a recovery project, and the concentrated fields.

Each theme turns a dataset into a :class:`~gis.printing.model.MapSheet` (title, what to draw, legend,
table, inset, notes): :func:`landuse_sheet`, :func:`recovery_sheet` (with :func:`recovery_table`, the
summary by land-use code) and :func:`fields_sheet` (with :func:`fields_table` and :func:`field_shapes`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes

from gis.core import landuse
from gis.core.area import M2_PER_HA, repaired
from gis.core.errors import DataSourceError
from gis.files.io import Dataset
from gis.printing import drawing, paths
from gis.printing.captions import (
    boundary_label,
    coverage_text,
    crs_text,
    data_year,
    place_name,
    source_text,
)
from gis.printing.drawing import (
    FIELD_GREEN,
    OTHER_LAND,
    PARTIAL_ORANGE,
    PLANNED_BLUE,
    PROJECT_RED,
    RECOVERED_TINT,
    WHOLE_EDGE,
)
from gis.printing.model import INK, Inset, LegendEntry, LegendSection, MapFrame, MapSheet, Table
from gis.printing.style import fmt, font


def landuse_sheet(dataset: Dataset, *, day: dt.date, year: int | None = None) -> MapSheet:
    """The current land-use map (bản đồ hiện trạng sử dụng đất) of the whole commune."""
    parcels = dataset.parcels
    commune = drawing.commune_shape(dataset)

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = drawing.label_size(frame)
        drawing.draw_context(ax, frame, dataset, commune, size=size * 0.95)
        codes = drawing.draw_parcels(ax, frame, parcels)
        other = drawing.draw_network(ax, frame, dataset, size=size * 0.85)
        other = drawing.draw_boundaries(ax, frame, dataset, commune, size=size) + other
        return [LegendSection("Loại đất", drawing.landuse_entries(codes)), LegendSection("Ký hiệu khác", tuple(other))]

    legend = _provisional_landuse_legend(dataset)  # sizes the legend's space; the drawing gives the real one
    year = year or data_year(dataset, day)
    return _sheet(dataset, title=f"BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM {year}", bounds=tuple(shapely.bounds(commune)),
                  draw=draw, legend=legend, day=day, inset=drawing.inset(dataset))


def _sheet(dataset: Dataset, **fields) -> MapSheet:
    """A sheet of ``dataset``: the place, CRS line, source and demonstration flag every theme shares."""
    return MapSheet(place=place_name(dataset).upper(), coverage=coverage_text(dataset),
                    crs_text=crs_text(dataset.parcels.crs), source=source_text(dataset), demo=dataset.builtin,
                    **fields)


def _provisional_other(dataset: Dataset) -> tuple[LegendEntry, ...]:
    """Stand-ins for the line symbols, to size the legend before the map is drawn."""
    return tuple(LegendEntry(x, kind="line") for x in (boundary_label(dataset), "Ranh giới thôn", "Kênh mương chính, cấp 2",
                                                       "Đường ngõ xóm, nội đồng", "Quốc lộ", "Đường trục xã"))


def _provisional_landuse_legend(dataset: Dataset) -> list[LegendSection]:
    codes = sorted(dataset.parcels["land_use"].dropna().astype(str).unique().tolist(), key=drawing.code_order)
    if dataset.parcels["land_use"].isna().any():
        codes.append("?")
    return [LegendSection("Loại đất", drawing.landuse_entries(codes)), LegendSection("Ký hiệu khác", _provisional_other(dataset))]


def _projects(dataset: Dataset) -> gpd.GeoDataFrame:
    layer = dataset.get("recovered_land")
    if layer is None or layer.empty:
        raise DataSourceError(
            "Dữ liệu không có lớp khu vực thu hồi đất (recovered_land): không vẽ được bản đồ thu hồi.",
            "The data has no recovered-land layer (recovered_land): there is no recovery map to draw.",
        )
    return layer


def project_names(dataset: Dataset) -> list[str]:
    """The names of the recovery projects in the data, in file order."""
    layer = _projects(dataset)
    names = layer.get("TENDUAN", pd.Series([f"#{i + 1}" for i in range(len(layer))], index=layer.index))
    return [str(n) for n in names.fillna("")]


def recovery_sheet(dataset: Dataset, project: str | None, *, day: dt.date) -> MapSheet:
    """One recovery project: affected parcels highlighted, the recovered parts hatched, and its summary."""
    from gis.jobs.recovery import STATUS_LABELS, recover
    from gis.jobs.recovery_boundary import prepare_boundary, select_project
    from gis.jobs.recovery_parts import recovered_parts

    layer = _projects(dataset)
    if project is None or not str(project).strip():
        listing = "; ".join(f"{i + 1}. {n}" for i, n in enumerate(project_names(dataset)))
        raise DataSourceError(f"Hãy chọn một dự án (--project tên, số quyết định hoặc số thứ tự): {listing}.",
                              f"Choose a project (--project name, decision number or position): {listing}.")
    row = select_project(layer, str(project), source="recovered_land")
    parcels = dataset.parcels
    boundary = prepare_boundary(row, crs=parcels.crs, source="recovered_land")
    result = recover(parcels, boundary)
    parts = recovered_parts(parcels, result)
    first = row.iloc[0]
    name = str(first.get("TENDUAN") or boundary.name)
    decision = str(first.get("SOQD") or "").strip()
    year = first.get("NAM")
    commune = drawing.commune_shape(dataset)

    affected = parcels.loc[result.table.index]
    geoms = [boundary.geometry, *affected.geometry.to_numpy()] if len(affected) else [boundary.geometry]
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    span = max(maxx - minx, maxy - miny, 250.0)
    pad = span * 0.05 + 20.0
    bounds = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    whole = result.table["status"] == "whole"
    recovery_entries = (
        LegendEntry("Ranh giới dự án", kind="line", edgecolor=PROJECT_RED, linewidth=2.0),
        LegendEntry("Diện tích thu hồi", kind="fill",
                    facecolor=RECOVERED_TINT, edgecolor=WHOLE_EDGE, linewidth=0.0, hatch="//"),
        LegendEntry(f"Thửa {STATUS_LABELS['partial'].vi.lower()}", kind="fill",
                    facecolor="none", edgecolor=PARTIAL_ORANGE, linewidth=0.9),
    )

    affected_codes = set(affected["land_use"].dropna().astype(str))

    def colour(code: str | None) -> Any:
        return paths.rgb(landuse.colour_of(code)) if code in affected_codes else OTHER_LAND

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = drawing.label_size(frame)
        drawing.draw_context(ax, frame, dataset, commune, size=size)
        drawing.draw_parcels(ax, frame, parcels.drop(index=affected.index), colour_of=lambda _: OTHER_LAND)
        codes = drawing.draw_parcels(ax, frame, affected, colour_of=colour)
        other = drawing.draw_network(ax, frame, dataset, size=size * 0.85)
        other = drawing.draw_boundaries(ax, frame, dataset, commune, size=size, village_labels=True) + other
        rec = parts[parts["part"] == "recovered"]
        paths.add_polygons(ax, rec.geometry, facecolor=RECOVERED_TINT, edgecolor=WHOLE_EDGE, linewidth=0.0,
                           hatch="//", zorder=8)
        paths.add_lines(ax, affected.geometry[~whole.to_numpy()], color=PARTIAL_ORANGE, linewidth=0.9, zorder=9.1)
        paths.add_lines(ax, boundary.geometry, color=PROJECT_RED, linewidth=2.0, zorder=10)
        drawing.label_parcels(ax, frame, affected, size=max(size * 0.55, 3.6))
        land = (*drawing.landuse_entries(codes), LegendEntry("Thửa đất không bị thu hồi", facecolor=OTHER_LAND))
        return [LegendSection("Thu hồi đất", recovery_entries), LegendSection("Loại đất của thửa bị thu hồi", land),
                LegendSection("Ký hiệu khác", tuple(other))]

    legend = [LegendSection("Thu hồi đất", recovery_entries),
              LegendSection("Loại đất của thửa bị thu hồi", (*drawing.landuse_entries(sorted(affected_codes)),
                                                             LegendEntry("Thửa đất không bị thu hồi"))),
              LegendSection("Ký hiệu khác", _provisional_other(dataset))]
    inset = drawing.inset(dataset)
    inset = Inset(inset.title, inset.caption, inset.district, inset.commune, highlight=shapely.box(*bounds))
    subtitle = None
    if decision:
        subtitle = f"Quyết định thu hồi đất số {decision}" + (f" năm {int(year)}" if pd.notna(year) else "")
    return _sheet(dataset, title=f"BẢN ĐỒ KHU VỰC THU HỒI ĐẤT DỰ ÁN {name.upper()}", bounds=bounds, draw=draw,
                  legend=legend, day=day, inset=inset, table=recovery_table(result), subtitle=subtitle,
                  min_scale=1000)


def recovery_table(result: Any) -> Table:
    """The summary of a recovery by land-use code, with totals and the figures the council asks for."""
    t = result.totals
    rows = tuple(
        (str(r.code), landuse.name_of(str(r.code)) if r.code != "?" else "Chưa có mã", fmt(r.parcels, 0),
         fmt(r.recovered_m2, 1))
        for r in result.by_land_use.itertuples()
    )
    notes = [
        f"Thu hồi toàn bộ {fmt(t.whole, 0)} thửa, thu hồi một phần {fmt(t.partial, 0)} thửa; "
        f"tổng {fmt(t.recovered_ha, 2)} ha (đất trồng lúa {fmt(t.rice_ha, 2)} ha).",
        f"Người sử dụng đất bị ảnh hưởng: {fmt(t.owners, 0)}, trong đó {fmt(t.households, 0)} hộ gia đình; "
        f"{fmt(t.severe_owners, 0)} hộ mất từ {fmt(result.settings.severe_share_pct, 0)}% đất nông nghiệp trở lên.",
    ]
    if t.below_minimum:
        notes.append(f"{fmt(t.below_minimum, 0)} thửa còn lại nhỏ hơn diện tích tối thiểu.")
    if t.slivers:
        notes.append(f"{fmt(t.slivers, 0)} phần sót dưới ngưỡng (do lệch ranh giới) không tính vào tổng.")
    if result.settings.placeholder:
        notes.append("Ngưỡng tính toán là giá trị tạm, chưa phải số liệu của tỉnh.")
    return Table(
        title="BẢNG TỔNG HỢP DIỆN TÍCH THU HỒI THEO LOẠI ĐẤT",
        columns=("Mã", "Loại đất", "Số thửa", "Diện tích thu hồi (m²)"),
        rows=rows,
        widths=(0.9, 3.2, 1.1, 1.9),
        align="llrr",
        total=("", "Tổng cộng", fmt(t.parcels, 0), fmt(t.recovered_m2, 1)),
        notes=tuple(notes),
    )


def fields_sheet(dataset: Dataset, *, day: dt.date, planned: gpd.GeoDataFrame | None = None,
                 year: int | None = None) -> MapSheet:
    """The concentrated fields (cánh đồng tập trung): kept, recovered, planned and adopted, and drafts (drawn
    dashed, listed apart and left out of the totals), over the rice land."""
    from gis.jobs import fields as fields_mod
    parcels = dataset.parcels
    commune = drawing.commune_shape(dataset)
    table, shapes = fields_table(dataset, planned)
    field_entries = [
        LegendEntry("Cánh đồng tập trung hiện có", facecolor=(0.11, 0.47, 0.22, 0.16), edgecolor=FIELD_GREEN,
                    linewidth=1.4),
        LegendEntry("Cánh đồng quy hoạch mới đã phê duyệt", facecolor=(0.13, 0.4, 0.67, 0.14),
                    edgecolor=PLANNED_BLUE, linewidth=1.4),
        LegendEntry("Cánh đồng dự thảo, chưa phê duyệt (không tính)", facecolor="none", edgecolor=PLANNED_BLUE,
                    linewidth=1.2, linestyle=(0, (3, 1.5))),
        LegendEntry("Cánh đồng đã bị thu hồi", facecolor="none", edgecolor="#707070", linewidth=1.0,
                    hatch="xxx"),
        LegendEntry("Ranh giới dự án thu hồi đất", kind="line", edgecolor=PROJECT_RED, linewidth=1.0),
    ]
    kinds_present = set(shapes["kind"])
    field_entries = [e for e, k in zip(field_entries, ("existing", "planned", "draft", "recovered", "projects"),
                                        strict=True)
                     if k in kinds_present or (k == "projects" and dataset.get("recovered_land") is not None)]

    def colour(code: str | None) -> Any:
        return paths.rgb(landuse.colour_of(code)) if code in landuse.RICE_CODES else OTHER_LAND

    def draw(ax: Axes, frame: MapFrame) -> list[LegendSection]:
        size = drawing.label_size(frame)
        drawing.draw_context(ax, frame, dataset, commune, size=size * 0.95)
        codes = drawing.draw_parcels(ax, frame, parcels, colour_of=colour)
        projects = dataset.get("recovered_land")
        if projects is not None and len(projects):
            paths.add_lines(ax, projects.to_crs(parcels.crs).geometry, color=PROJECT_RED, linewidth=1.0, zorder=8)
        styles: tuple[tuple[str, dict[str, Any]], ...] = (
            ("recovered", {"facecolor": "none", "edgecolor": "#707070", "linewidth": 1.0, "hatch": "xxx"}),
            ("existing", {"facecolor": (0.11, 0.47, 0.22, 0.16), "edgecolor": FIELD_GREEN, "linewidth": 1.6}),
            ("planned", {"facecolor": (0.13, 0.4, 0.67, 0.14), "edgecolor": PLANNED_BLUE, "linewidth": 1.6}),
            ("draft", {"facecolor": "none", "edgecolor": PLANNED_BLUE, "linewidth": 1.3,
                       "linestyle": (0, (3, 1.5))}),
        )
        for kind, style in styles:
            sel = shapes[shapes["kind"] == kind]
            if len(sel):
                paths.add_polygons(ax, sel.geometry, zorder=9, **style)
        other = drawing.draw_boundaries(ax, frame, dataset, commune, size=size * 0.9, village_labels=True)
        for number, geom in zip(shapes["number"], shapes.geometry, strict=True):
            p = drawing.label_point(geom, frame)
            ax.text(p.x, p.y, str(number), fontproperties=font(size * 1.15, weight="bold"), ha="center",
                    va="center", color="white", zorder=33, clip_on=True,
                    bbox={"boxstyle": "circle,pad=0.25", "facecolor": INK, "edgecolor": "white", "linewidth": 0.8})
        rice = [c for c in codes if c in landuse.RICE_CODES]
        land = list(drawing.landuse_entries(rice))
        if any(c not in landuse.RICE_CODES for c in codes):
            land.append(LegendEntry("Các loại đất khác", facecolor=OTHER_LAND))
        return [LegendSection("Cánh đồng tập trung", tuple(field_entries)), LegendSection("Loại đất", tuple(land)),
                LegendSection("Ký hiệu khác", tuple(other))]

    legend = [LegendSection("Cánh đồng tập trung", tuple(field_entries)),
                 LegendSection("Loại đất", drawing.landuse_entries(sorted(fields_mod.rice_parcels(parcels)
                                                                   ["land_use_main"].unique())) +
                               (LegendEntry("Các loại đất khác", facecolor=OTHER_LAND),)),
                 LegendSection("Ký hiệu khác", (LegendEntry(boundary_label(dataset), kind="line"),
                                                LegendEntry("Ranh giới thôn", kind="line")))]
    year = year or data_year(dataset, day)
    return _sheet(dataset, title=f"BẢN ĐỒ CÁNH ĐỒNG TẬP TRUNG NĂM {year}", bounds=tuple(shapely.bounds(commune)),
                  draw=draw, legend=legend, day=day, inset=drawing.inset(dataset), table=table)


FIELD_STATUS = {"existing": "Hiện có", "planned": "Đã phê duyệt", "draft": "Dự thảo", "recovered": "Đã thu hồi"}


def field_shapes(dataset: Dataset, planned: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Every concentrated field to show: those of the data (kept or recovered) and the planned ones drawn on
    this dataset, numbered: adopted (``planned``) apart from drafts (``draft``), with their decision."""
    from gis.jobs.fields import of_dataset
    from gis.jobs.summary import RECOVERED_STATUSES
    from gis.store.rows import ADOPTED

    crs = dataset.parcels.crs
    rows: list[dict[str, Any]] = []
    layer = dataset.get("concentrated_fields")
    if layer is not None and len(layer):
        layer = layer.to_crs(crs)
        status = layer.get("TRANGTHAI", pd.Series("", index=layer.index)).fillna("").astype(str)
        for i, (idx, geom) in enumerate(zip(layer.index, layer.geometry, strict=True)):
            recovered = status.iloc[i].strip().lower() in RECOVERED_STATUSES
            rows.append({"name": str(layer.at[idx, "TEN"]) if "TEN" in layer.columns else f"Cánh đồng {i + 1}",
                         "village": str(layer.at[idx, "THON"] or "") if "THON" in layer.columns else "",
                         "year": layer.at[idx, "NAM"] if "NAM" in layer.columns else None,
                         "kind": "recovered" if recovered else "existing", "geometry": geom,
                         "decision": "", "decision_date": ""})
    planned = of_dataset(planned, dataset)
    if planned is not None and len(planned):
        for _, r in planned.to_crs(crs).iterrows():
            adopted = "state" not in planned.columns or r.get("state") == ADOPTED
            rows.append({"name": str(r.get("name") or ""), "village": str(r.get("village") or ""), "year": None,
                         "kind": "planned" if adopted else "draft", "geometry": r.geometry,
                         "decision": str(r.get("decision") or ""), "decision_date": str(r.get("decision_date") or "")})
    frame = gpd.GeoDataFrame(rows, columns=["name", "village", "year", "kind", "geometry", "decision",
                                            "decision_date"], geometry="geometry", crs=crs)
    order = {"existing": 0, "planned": 1, "draft": 2, "recovered": 3}
    frame = frame.iloc[np.argsort(frame["kind"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    frame.insert(0, "number", np.arange(1, len(frame) + 1))
    return frame


def fields_table(dataset: Dataset, planned: gpd.GeoDataFrame | None = None) -> tuple[Table, gpd.GeoDataFrame]:
    """The fields' table (number, name, village, status, area, rice land inside) and their shapes."""
    from gis.jobs.fields import rice_parcels

    shapes = field_shapes(dataset, planned)
    rice = rice_parcels(dataset.parcels)
    rows = []
    area_total = rice_total = 0.0
    for r in shapes.itertuples():
        hits = rice.sindex.query(r.geometry, predicate="intersects")
        shape = repaired(r.geometry)  # an invalid field or parcel is cut and measured as its repair
        rice_m2 = float(repaired(rice.iloc[hits].geometry).intersection(shape).area.sum())
        area_m2 = float(shape.area)
        if r.kind not in ("recovered", "draft"):
            area_total += area_m2
            rice_total += rice_m2
        rows.append((str(r.number), r.name, r.village, FIELD_STATUS[r.kind], fmt(area_m2 / M2_PER_HA, 2),
                     fmt(rice_m2 / M2_PER_HA, 2)))
    left_out = [what for kind, what in (("recovered", "cánh đồng đã bị thu hồi"),
                                        ("draft", "cánh đồng dự thảo (chưa có quyết định phê duyệt)"))
                if (shapes["kind"] == kind).any()]
    notes = tuple([f"Tổng cộng không tính {' và '.join(left_out)}."] if left_out else [])
    for r in shapes[shapes["kind"] == "planned"].itertuples():
        if r.decision:
            try:
                day = dt.date.fromisoformat(r.decision_date).strftime("%d/%m/%Y")
            except ValueError:
                day = r.decision_date
            notes += (f"Cánh đồng số {r.number} được phê duyệt theo {r.decision}" + (f" ngày {day}." if day else "."),)
    table = Table(
        title="BẢNG TỔNG HỢP CÁNH ĐỒNG TẬP TRUNG",
        columns=("Số", "Tên cánh đồng", "Thôn", "Tình trạng", "Diện tích (ha)", "Đất lúa (ha)"),
        rows=tuple(rows),
        widths=(0.55, 3.0, 1.1, 1.35, 1.25, 1.2),
        align="llllrr",
        total=("", "Tổng cộng", "", "", fmt(area_total / M2_PER_HA, 2), fmt(rice_total / M2_PER_HA, 2)),
        notes=notes,
    )
    return table, shapes
