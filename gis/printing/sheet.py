"""The layout of a printed sheet: where the map and its furniture go on the page, and the writing of it.

:func:`render_sheet` lays a :class:`~gis.printing.model.MapSheet` out on one page. Landscape sheets put the
furniture in a column right of the map (inset, legend, table, notes); portrait sheets put the table under
the map and a band under that with the inset and notes on the left and the legend on the right. When the
furniture does not fit, the legend takes more columns and the text shrinks, step by step, to a floor that
stays legible. :func:`save` writes the pages to a PDF, or one page to a PNG.

The pieces are in :mod:`~gis.printing.model` (what a sheet holds), :mod:`~gis.printing.page` (page,
frame, title), :mod:`~gis.printing.furniture` (legend, table, notes, inset) and
:mod:`~gis.printing.mapframe` (the map at a true scale, scale bar, north arrow).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from gis.printing.furniture import InsetBlock, LegendBlock, NotesBlock, TableBlock
from gis.printing.mapframe import draw_map, map_scale
from gis.printing.model import (
    GREY,
    MapFrame,
    MapSheet,
)
from gis.printing.page import Page, draw_frame, draw_page_number, draw_title, new_page, title_layout
from gis.printing.style import (
    fmt_date,
    fmt_scale,
)


def _notes_lines(sheet: MapSheet, scale: int) -> list[str]:
    return [
        f"Tỷ lệ {fmt_scale(scale)}",
        sheet.crs_text,
        f"Ngày lập: {fmt_date(sheet.day)}",
        f"Nguồn dữ liệu: {sheet.source}",
        *sheet.notes,
    ]


#: How far the furniture's text may shrink to fit, as factors of its base size.
FONT_STEPS = (1.0, 0.93, 0.86, 0.8, 0.75, 0.7)
#: On portrait sheets the text shrinks to give the map a larger scale, but not below this factor.
PORTRAIT_MIN_FACTOR = 0.86
GAP = 4.0


def _fit_legend(legend: LegendBlock, width: float, avail: float, base: float, max_columns: int = 3) -> float:
    """The font size (and, set on ``legend``, the columns) at which the legend fits ``avail`` mm."""
    size = base
    for factor in FONT_STEPS:
        size = base * factor
        for cols in range(1, _max_columns(width, size, max_columns) + 1):
            legend.columns = cols
            if legend.height(width, size) <= avail:
                return size
    return size


def _max_columns(width: float, size: float, limit: int) -> int:
    """How many legend columns ``width`` holds with room for a label of about 30 characters in each."""
    return max(1, min(limit, int((width + 3.0) // (size * 6.2 + 3.0))))


def _legend_min_height(legend: LegendBlock, width: float, size: float, max_columns: int = 3) -> float:
    """The height of ``legend`` in its most compact number of columns (left set on ``legend``)."""
    best, best_cols = math.inf, 1
    for cols in range(1, _max_columns(width, size, max_columns) + 1):
        legend.columns = cols
        h = legend.height(width, size)
        if h < best - 0.5:
            best, best_cols = h, cols
    legend.columns = best_cols
    return best


def _inset_block(sheet: MapSheet) -> InsetBlock | None:
    if sheet.inset is None:
        return None
    src = sheet.inset.district if sheet.inset.district is not None else [sheet.inset.commune]
    bx0, by0, bx1, by1 = shapely.total_bounds(np.asarray(getattr(src, "array", src), dtype=object))
    return InsetBlock(sheet.inset, aspect=(by1 - by0) / max(bx1 - bx0, 1.0))


def render_sheet(sheet: MapSheet, *, paper: str, orientation: str, page_label: str | None = None) -> Figure:
    """Lay ``sheet`` out on one page of ``paper`` in ``orientation``; returns the matplotlib figure.

    The map is drawn first: its theme returns the legend of what it actually drew, which is then laid out
    in the space left for it (the sheet's own legend only serves to size that space beforehand).
    """
    page = new_page(paper, orientation)
    box = draw_frame(page)
    if page_label:
        draw_page_number(page, page_label)
    subtitles = ([sheet.coverage] if sheet.coverage else []) + ([sheet.subtitle] if sheet.subtitle else [])
    body_top = title_layout(page, box, sheet.title, sheet.place, len(subtitles) + 1)[-1] - 1.5
    if page.width > page.height:
        frame = _landscape(page, sheet, box, body_top)
    else:
        frame = _portrait(page, sheet, box, body_top)
    draw_title(page, box, sheet.title, sheet.place, subtitles + [f"Tỷ lệ {fmt_scale(frame.scale)}"])
    return page.fig


def _landscape(page: Page, sheet: MapSheet, box: tuple[float, float, float, float], body_top: float) -> MapFrame:
    """Map on the left; inset, legend, table and notes stacked on the right (the table goes under the map
    when the column cannot hold it at a legible size)."""
    x0, y0, x1, _ = box
    base = 7.0 * page.k**0.6
    panel_w = (x1 - x0) * 0.265
    map_w = (x1 - x0) - panel_w - GAP
    avail = body_top - y0
    inset = _inset_block(sheet)
    inset_min = 32.0 * page.k
    table = TableBlock(sheet.table) if sheet.table is not None else None
    notes = NotesBlock(_notes_lines(sheet, 10_000), sheet.demo)
    estimate = LegendBlock(list(sheet.legend))

    def column_height(size: float, legend: LegendBlock, with_table: bool) -> float:
        parts = [_legend_min_height(legend, panel_w, size, 2), notes.height(panel_w, size)]
        if inset is not None:
            parts.append(inset_min)
        if with_table and table is not None:
            parts.append(table.height(panel_w, size))
        return sum(parts) + GAP * (len(parts) - 1)

    table_in_column = table is not None and any(
        column_height(base * f, estimate, True) <= avail for f in FONT_STEPS[:4])
    table_h = 0.0
    if table is not None and not table_in_column:
        table_h = table.height(map_w, base) + GAP
    frame, legend = draw_map(page, sheet, (x0, y0 + table_h, map_w, avail - table_h))
    notes.lines = _notes_lines(sheet, frame.scale)
    if table is not None and not table_in_column:
        table.draw(page, x0, y0 + table_h - GAP, map_w, table_h - GAP, base)

    size = base
    for factor in FONT_STEPS:
        size = base * factor
        if column_height(size, legend, table_in_column) <= avail:
            break
    legend_h = _legend_min_height(legend, panel_w, size, 2)
    heights = {"legend": legend_h, "notes": notes.height(panel_w, size)}
    if table_in_column and table is not None:
        heights["table"] = table.height(panel_w, size)
    px = x1 - panel_w
    y = body_top
    if inset is not None:
        spare = avail - sum(heights.values()) - GAP * len(heights)
        title_caption = inset.height(panel_w, size) - min(panel_w * inset.aspect, inset.max_height)
        inset.max_height = max(min(avail * 0.36, spare - title_caption), inset_min - title_caption, 12.0)
        h = inset.height(panel_w, size)
        inset.draw(page, px, y, panel_w, h, size)
        y -= h + GAP
    legend.draw(page, px, y, panel_w, legend_h, size)
    y -= legend_h + GAP
    if "table" in heights and table is not None:
        table.draw(page, px, y, panel_w, heights["table"], size)
    notes.draw(page, px, y0 + heights["notes"], panel_w, heights["notes"], size)  # at the foot of the column
    page.ax.add_line(Line2D([px - GAP / 2] * 2, [y0, body_top], lw=0.4, color=GREY))
    return frame


def _portrait(page: Page, sheet: MapSheet, box: tuple[float, float, float, float], body_top: float) -> MapFrame:
    """Map on top, the table under it, then a band with the inset, the legend and the notes: in three
    columns, or in two (inset over notes, legend beside them) when that makes the band lower."""
    x0, y0, x1, _ = box
    base = 7.0 * page.k**0.6
    width = x1 - x0
    avail = body_top - y0
    inset = _inset_block(sheet)
    inset_min = 38.0 * page.k
    table = TableBlock(sheet.table) if sheet.table is not None else None
    notes = NotesBlock(_notes_lines(sheet, 10_000), sheet.demo)
    estimate = LegendBlock(list(sheet.legend))

    def widths(three: bool) -> tuple[float, float, float]:
        if three:  # inset | legend | notes
            return width * 0.24, width * 0.44 - 2 * GAP, width * 0.32
        return width * 0.36, width * 0.64 - GAP, width * 0.36  # inset over notes | legend

    def band_height(three: bool, size: float) -> float:
        w_inset, w_legend, w_notes = widths(three)
        legend_h = _legend_min_height(estimate, w_legend, size)
        if three:
            return max(inset_min if inset is not None else 0.0, legend_h, notes.height(w_notes, size))
        left = notes.height(w_notes, size) + (GAP + inset_min if inset is not None else 0.0)
        return max(left, legend_h)

    # The text shrinks (down to PORTRAIT_MIN_FACTOR) only when that lets the map take a larger scale.
    options = []
    for factor in FONT_STEPS:
        if factor < PORTRAIT_MIN_FACTOR:
            break
        size = base * factor
        three = band_height(True, size) < band_height(False, size)
        band = band_height(three, size)
        table_h = table.height(width, size) + GAP if table is not None else 0.0
        map_h = avail - band - table_h - GAP
        scale = map_scale(sheet.bounds, width, map_h, min_scale=sheet.min_scale) if map_h > 20 else 10**9
        options.append((scale, -factor, size, three, band, table_h, map_h))
    best = min(o[0] for o in options)
    _, _, size, three, band, table_h, map_h = next(o for o in options if o[0] == best)
    frame, legend = draw_map(page, sheet, (x0, y0 + band + table_h + GAP, width, map_h))
    notes.lines = _notes_lines(sheet, frame.scale)
    y = y0 + band + table_h
    if table is not None:
        table.draw(page, x0, y, width, table_h - GAP, size)
        y -= table_h
    w_inset, w_legend, w_notes = widths(three)
    notes_h = notes.height(w_notes, size)
    if three:
        legend_x, notes_x, inset_room = x0 + w_inset + GAP, x1 - w_notes, band
        rules = [x0 + w_inset + GAP / 2, notes_x - GAP / 2]
    else:
        legend_x, notes_x, inset_room = x0 + w_inset + GAP, x0, band - notes_h - GAP
        rules = [x0 + w_inset + GAP / 2]
    legend.draw(page, legend_x, y, w_legend, band, _fit_legend(legend, w_legend, band, size))
    if inset is not None:
        title_caption = inset.height(w_inset, size) - min(w_inset * inset.aspect, inset.max_height)
        inset.max_height = max(inset_room - title_caption, 12.0)
        inset.draw(page, x0, y, w_inset, inset.height(w_inset, size), size)
    notes.draw(page, notes_x, y0 + notes_h, w_notes, notes_h, size)
    for rx in rules:
        page.ax.add_line(Line2D([rx, rx], [y0, y0 + band], lw=0.4, color=GREY))
    return frame


def save(figures: Sequence[Figure], path: str | Path, *, dpi: int, title: str, subject: str = "") -> Path:
    """Write ``figures`` to ``path``: every page to a PDF, or the one figure to a PNG at ``dpi``."""
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        metadata = {"Title": title, "Subject": subject, "Creator": "luongphong-gis (matplotlib)"}
        with PdfPages(path, metadata=metadata) as pdf:
            for fig in figures:
                pdf.savefig(fig)
    elif suffix == ".png":
        if len(figures) != 1:
            raise ValueError("a PNG holds one page")
        fig = figures[0]
        w_in, h_in = fig.get_size_inches()
        # whole pixels, rounded rather than cut (A4 at 300 dpi is 3508 x 2480, not 3507): a 0.03 % stretch
        fig.set_size_inches(round(w_in * dpi) / dpi, round(h_in * dpi) / dpi)
        fig.savefig(path, dpi=dpi, format="png", metadata={"Title": title, "Software": "luongphong-gis"})
    else:
        raise ValueError(f"unsupported output {path.suffix}")
    return path
