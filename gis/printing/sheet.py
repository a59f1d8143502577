"""The layout of a printed sheet and its furniture: frame, title, map at a true scale, scale bar, north
arrow, inset, legend, table and notes.

Everything around the map is drawn on one axes that spans the page in millimetres (origin bottom left), so
positions and sizes read as they would on a ruler. The map itself is an axes in metres whose limits are set
from a round scale (1:20 000, 1:5 000, ...) and the size of its box on paper: one millimetre on the sheet is
exactly ``scale / 1000`` metres on the ground, and the scale bar and the stated scale agree with it.

Landscape sheets put the furniture in a column right of the map (inset, legend, table, notes); portrait
sheets put the table under the map and a band under that with the inset and notes on the left and the
legend on the right. When the furniture does not fit, the legend takes more columns and the text shrinks,
step by step, to a floor that stays legible.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle

from gis.printing import paths
from gis.printing.style import (
    MM_PER_INCH,
    checked,
    fmt,
    fmt_date,
    fmt_scale,
    font,
    line_height_mm,
    nice_length,
    nice_scale,
    page_size_mm,
    text_width_mm,
    wrap,
)
from gis.text import demo_note

INK = "#1a1a1a"
GREY = "#6b6b6b"
DEMO_RED = "#b00020"
HALO = [patheffects.Stroke(linewidth=2.2, foreground="white")]

#: The demonstration-data note, as on every sheet made from the built-in data.
#: The stamp on every sheet printed from the built-in data (the sheets are in Vietnamese).
DEMO_NOTE = demo_note("vi", stop=False)


# -------------------------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class LegendEntry:
    """One line of the legend: a symbol (``fill``, ``line`` or ``hatch``) and its label."""

    label: str
    kind: str = "fill"
    facecolor: Any = "none"
    edgecolor: Any = "#808080"
    linewidth: float = 0.3
    linestyle: Any = "-"
    hatch: str | None = None


@dataclass(frozen=True)
class LegendSection:
    """A group of legend entries under an optional heading."""

    title: str | None
    entries: tuple[LegendEntry, ...]


@dataclass(frozen=True)
class Table:
    """A table on a sheet: cells are strings already formatted for print.

    ``widths`` are relative column widths; ``align`` has one letter per column (``l``, ``r``, ``c``);
    ``cell_colours`` maps (row, column) to a background colour (a target's status, say).
    """

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    align: str
    total: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    cell_colours: dict[tuple[int, int], Any] = field(default_factory=dict)

    def part(self, start: int, stop: int, *, last: bool) -> Table:
        """Rows ``start:stop`` as a table of their own; the total row and notes only on the ``last`` part."""
        colours = {(r - start, c): v for (r, c), v in self.cell_colours.items() if start <= r < stop}
        return Table(self.title, self.columns, self.rows[start:stop], self.widths, self.align,
                     self.total if last else None, self.notes if last else (), colours)


@dataclass(frozen=True)
class MapFrame:
    """The map as laid out on paper, handed to a theme's drawing function."""

    scale: int
    width_mm: float
    height_mm: float
    view: tuple[float, float, float, float]

    def metres(self, mm: float) -> float:
        """Ground metres for ``mm`` on paper."""
        return mm * self.scale / 1000.0

    def mm(self, metres: float) -> float:
        """Paper millimetres for ``metres`` on the ground."""
        return metres * 1000.0 / self.scale

    def points(self, metres: float) -> float:
        """Paper points (1/72 inch) for ``metres`` on the ground: line widths drawn to scale."""
        return self.mm(metres) * 72.0 / MM_PER_INCH


@dataclass(frozen=True)
class Inset:
    """The location inset: the surroundings (the province, or the district's communes), the commune, and
    what the main map shows (``highlight``, framed)."""

    title: str
    caption: str
    district: Any  # GeoSeries or None
    commune: Any  # shapely geometry
    highlight: Any = None  # shapely geometry (a project) or None


@dataclass
class MapSheet:
    """Everything one printed map needs; :func:`render_sheet` lays it out on paper."""

    title: str
    place: str
    bounds: tuple[float, float, float, float]
    draw: Callable[[Axes, MapFrame], Sequence[LegendSection] | None]
    legend: list[LegendSection]
    crs_text: str
    source: str
    day: dt.date
    demo: bool
    inset: Inset | None = None
    table: Table | None = None
    subtitle: str | None = None
    notes: list[str] = field(default_factory=list)
    min_scale: int = 0
    coverage: str = ""  # the former unit the data covers, on its own line under the title

    @property
    def full_title(self) -> str:
        return f"{self.title} — {self.place}" if self.place else self.title


# -------------------------------------------------------------------------------------- page basics


@dataclass
class Page:
    """A figure with an axes in millimetres over the whole page."""

    fig: Figure
    ax: Axes
    width: float
    height: float
    k: float  # size factor: 1 for A4, about 1.41 for A3

    def text(self, x: float, y: float, s: str, *, size: float, weight: str = "normal", style: str = "normal",
             ha: str = "left", va: str = "baseline", color: str = INK, **kw: Any) -> None:
        # parse_math=False: text from data ("$x^2$", a price in "$") is drawn as written, never as mathtext
        self.ax.text(x, y, checked(s), fontproperties=font(size, weight=weight, style=style), ha=ha, va=va,
                     color=color, parse_math=False, **kw)

    def axes_at(self, x: float, y: float, w: float, h: float) -> Axes:
        """A new axes over the page rectangle (x, y, w, h) in millimetres."""
        return self.fig.add_axes((x / self.width, y / self.height, w / self.width, h / self.height))


def new_page(paper: str, orientation: str) -> Page:
    """A blank page of ``paper`` in ``orientation`` with its millimetre axes."""
    width, height = page_size_mm(paper, orientation)
    fig = Figure(figsize=(width / MM_PER_INCH, height / MM_PER_INCH))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    k = math.sqrt(width * height / (210.0 * 297.0))
    return Page(fig=fig, ax=ax, width=width, height=height, k=k)


def draw_frame(page: Page) -> tuple[float, float, float, float]:
    """The neat line (a heavy outer line and a thin inner one); returns the inner box (x0, y0, x1, y1)."""
    m = 10.0
    gap = 1.2
    page.ax.add_patch(Rectangle((m, m), page.width - 2 * m, page.height - 2 * m, fill=False, lw=1.4,
                                edgecolor=INK))
    page.ax.add_patch(Rectangle((m + gap, m + gap), page.width - 2 * (m + gap), page.height - 2 * (m + gap),
                                fill=False, lw=0.4, edgecolor=INK))
    pad = 3.5 * page.k**0.5
    return (m + gap + pad, m + gap + pad, page.width - m - gap - pad, page.height - m - gap - pad)


def draw_page_number(page: Page, label: str) -> None:
    page.text(page.width / 2, 5.5, label, size=7.5, ha="center", color=GREY)


def title_lines(title: str, place: str, width: float, *, size: float, min_size: float) -> tuple[list[str], float]:
    """The title as one line, or two (split at the dash before the place), at the largest size that fits."""
    full = f"{title} — {place}" if place else title
    options = [[full]] + ([[title, place]] if place else [])
    s = size
    while True:
        for lines in options:
            if max(text_width_mm(line, font(s, weight="bold")) for line in lines) <= width:
                return lines, s
        if s <= min_size:
            return options[-1], s
        s = max(min_size, s * 0.94)


def title_layout(page: Page, box: tuple[float, float, float, float], title: str, place: str,
                  subtitles: int) -> tuple[list[str], float, list[float], list[float], float, float]:
    """Lines and size of the title, the y of each title and subtitle line, the subtitle size and the bottom."""
    x0, _, x1, top = box
    lines, size = title_lines(checked(title), checked(place), x1 - x0, size=15.0 * page.k, min_size=9.0)
    sub = 9.5 * page.k**0.8
    ys = [top - size / 2.83 * 1.05 - i * line_height_mm(size, 1.22) for i in range(len(lines))]
    y = ys[-1] - line_height_mm(size, 0.62) - line_height_mm(sub, 0.8)
    subs = [y - i * line_height_mm(sub, 1.4) for i in range(subtitles)]
    bottom = (subs[-1] if subs else ys[-1]) - line_height_mm(sub, 0.9)
    return lines, size, ys, subs, sub, bottom


def draw_title(page: Page, box: tuple[float, float, float, float], title: str, place: str,
               subtitles: Sequence[str]) -> float:
    """Draw the title block at the top of ``box``; returns the y of its bottom edge."""
    lines, size, ys, subs, sub, bottom = title_layout(page, box, title, place, len(subtitles))
    cx = (box[0] + box[2]) / 2
    for line, y in zip(lines, ys, strict=True):
        page.text(cx, y, line, size=size, weight="bold", ha="center", va="center")
    for text, y in zip(subtitles, subs, strict=True):
        page.text(cx, y, text, size=sub, ha="center", va="center")
    return bottom


# -------------------------------------------------------------------------------------- furniture


class Block:
    """A piece of furniture: measured for a width and a font size, then drawn at a place."""

    def height(self, width: float, size: float) -> float:
        raise NotImplementedError

    def draw(self, page: Page, x: float, top: float, width: float, height: float, size: float) -> None:
        raise NotImplementedError


@dataclass
class LegendBlock(Block):
    sections: list[LegendSection]
    columns: int = 1
    title: str = "CHÚ GIẢI"

    def _symbol(self, size: float) -> tuple[float, float]:
        return 6.5 * size / 7.0, 3.6 * size / 7.0

    def _entry_lines(self, entry: LegendEntry, col_w: float, size: float) -> list[str]:
        sw, _ = self._symbol(size)
        return wrap(checked(entry.label), max(col_w - sw - 1.8, 10.0), font(size))

    def _layout(self, width: float, size: float) -> list[list[tuple[str, Any, list[str], float]]]:
        """Items (kind, payload, lines, height) split into columns, filling each column top to bottom."""
        col_w = (width - 3.0 * (self.columns - 1)) / self.columns
        lh = line_height_mm(size, 1.18)
        _, sh = self._symbol(size)
        items: list[tuple[str, Any, list[str], float]] = []
        for section in self.sections:
            if section.title:
                lines = wrap(checked(section.title), col_w, font(size, weight="bold"))
                items.append(("head", section, lines, len(lines) * lh + 0.8))
            for entry in section.entries:
                lines = self._entry_lines(entry, col_w, size)
                items.append(("entry", entry, lines, max(len(lines) * lh, sh) + 1.1))
        total = sum(h for *_, h in items)
        target = total / self.columns
        columns: list[list[tuple[str, Any, list[str], float]]] = [[]]
        acc = 0.0
        for item in items:
            if acc + item[3] / 2 > target * 1.02 and len(columns) < self.columns and columns[-1]:
                columns.append([])
                acc = 0.0
            columns[-1].append(item)
            acc += item[3]
        # a section heading never ends a column
        for left, right in zip(columns, columns[1:], strict=False):
            if left and left[-1][0] == "head":
                right.insert(0, left.pop())
        return columns

    def height(self, width: float, size: float) -> float:
        head = line_height_mm(size * 1.2, 1.5)
        return head + max(sum(i[3] for i in col) for col in self._layout(width, size))

    def draw(self, page: Page, x: float, top: float, width: float, height: float, size: float) -> None:
        page.text(x, top - line_height_mm(size * 1.2, 0.9), self.title, size=size * 1.2, weight="bold")
        y0 = top - line_height_mm(size * 1.2, 1.5)
        col_w = (width - 3.0 * (self.columns - 1)) / self.columns
        lh = line_height_mm(size, 1.18)
        sw, sh = self._symbol(size)
        for c, column in enumerate(self._layout(width, size)):
            cx = x + c * (col_w + 3.0)
            y = y0
            for kind, payload, lines, h in column:
                if kind == "head":
                    for i, line in enumerate(lines):
                        page.text(cx, y - (i + 0.8) * lh, line, size=size, weight="bold")
                else:
                    _draw_symbol(page, payload, cx, y - sh - 0.15, sw, sh)
                    first = y - max(sh / 2 + 0.15, lh * 0.5)
                    for i, line in enumerate(lines):
                        page.text(cx + sw + 1.8, first - i * lh, line, size=size, va="center_baseline")
                y -= h


def _draw_symbol(page: Page, entry: LegendEntry, x: float, y: float, w: float, h: float) -> None:
    ax = page.ax
    if entry.kind == "line":
        ax.add_line(Line2D([x, x + w], [y + h / 2, y + h / 2], color=entry.edgecolor, lw=entry.linewidth,
                           linestyle=entry.linestyle, solid_capstyle="butt"))
        return
    ax.add_patch(Rectangle((x, y), w, h, facecolor=entry.facecolor, edgecolor=entry.edgecolor,
                           lw=entry.linewidth, linestyle=entry.linestyle, hatch=entry.hatch))


@dataclass
class TableBlock(Block):
    table: Table

    def _cells(self, width: float, size: float) -> tuple[list[float], list[list[list[str]]], list[float]]:
        t = self.table
        total_w = sum(t.widths)
        col_w = [width * w / total_w for w in t.widths]
        pad = 0.9
        lh = line_height_mm(size, 1.15)
        rows: list[tuple[str, ...]] = [t.columns, *t.rows] + ([t.total] if t.total else [])
        cells: list[list[list[str]]] = []
        heights: list[float] = []
        for r, row in enumerate(rows):
            bold = r == 0 or (t.total is not None and r == len(rows) - 1)
            wrapped = [wrap(checked(v), col_w[c] - 2 * pad, font(size, weight="bold" if bold else "normal"))
                       for c, v in enumerate(row)]
            cells.append(wrapped)
            heights.append(max(len(w) for w in wrapped) * lh + 2 * pad * 0.8)
        return col_w, cells, heights

    def _extras(self, width: float, size: float) -> tuple[list[str], list[str]]:
        title = wrap(checked(self.table.title), width, font(size * 1.1, weight="bold")) if self.table.title else []
        notes = [line for n in self.table.notes for line in wrap(checked(n), width, font(size * 0.92,
                                                                                            style="italic"))]
        return title, notes

    def row_heights(self, width: float, size: float) -> list[float]:
        return self._cells(width, size)[2]

    def height(self, width: float, size: float) -> float:
        title, notes = self._extras(width, size)
        return (len(title) * line_height_mm(size * 1.1, 1.3) + sum(self._cells(width, size)[2])
                + (len(notes) * line_height_mm(size * 0.92, 1.2) + 1.0 if notes else 0.0))

    def draw(self, page: Page, x: float, top: float, width: float, height: float, size: float) -> None:
        t = self.table
        title, notes = self._extras(width, size)
        y = top
        for line in title:
            y -= line_height_mm(size * 1.1, 1.3)
            page.text(x, y + 0.9, line, size=size * 1.1, weight="bold")
        col_w, cells, heights = self._cells(width, size)
        lh = line_height_mm(size, 1.15)
        pad = 0.9
        ax = page.ax
        n = len(cells)
        table_top = y
        for r, (row, h) in enumerate(zip(cells, heights, strict=True)):
            header = r == 0
            is_total = t.total is not None and r == n - 1
            if header:
                ax.add_patch(Rectangle((x, y - h), width, h, facecolor="#e6e6e6", edgecolor="none"))
            cx = x
            for c, lines in enumerate(row):
                colour = t.cell_colours.get((r - 1, c)) if not header and not is_total else None
                if colour is not None:
                    ax.add_patch(Rectangle((cx, y - h), col_w[c], h, facecolor=colour, edgecolor="none"))
                align = "l" if header else t.align[c]
                tx = cx + pad if align == "l" else cx + col_w[c] - pad if align == "r" else cx + col_w[c] / 2
                ha = {"l": "left", "r": "right", "c": "center"}[align]
                for i, line in enumerate(lines):
                    page.text(tx, y - pad * 0.8 - (i + 0.78) * lh, line, size=size, ha=ha,
                              weight="bold" if header or is_total else "normal")
                cx += col_w[c]
            y -= h
            lw = 0.6 if header or (is_total) or r == n - 1 else 0.25
            ax.add_line(Line2D([x, x + width], [y, y], lw=lw, color=INK))
            if is_total:
                ax.add_line(Line2D([x, x + width], [y + h, y + h], lw=0.6, color=INK))
        ax.add_line(Line2D([x, x + width], [table_top, table_top], lw=0.6, color=INK))
        cx = x
        for w in col_w[:-1]:
            cx += w
            ax.add_line(Line2D([cx, cx], [y, table_top], lw=0.25, color=GREY))
        y -= 1.0
        for line in notes:
            y -= line_height_mm(size * 0.92, 1.2)
            page.text(x, y + 0.8, line, size=size * 0.92, style="italic", color=GREY)


@dataclass
class NotesBlock(Block):
    lines: list[str]
    demo: bool

    def _wrapped(self, width: float, size: float) -> tuple[list[str], list[str]]:
        body = [w for line in self.lines for w in wrap(checked(line), width, font(size))]
        demo = wrap(DEMO_NOTE, width - 3.0, font(size * 1.05, weight="bold")) if self.demo else []
        return body, demo

    def height(self, width: float, size: float) -> float:
        body, demo = self._wrapped(width, size)
        h = len(body) * line_height_mm(size, 1.3)
        if demo:
            h += 2.0 + len(demo) * line_height_mm(size * 1.05, 1.25) + 2.4
        return h

    def draw(self, page: Page, x: float, top: float, width: float, height: float, size: float) -> None:
        body, demo = self._wrapped(width, size)
        lh = line_height_mm(size, 1.3)
        y = top
        for line in body:
            y -= lh
            page.text(x, y + lh * 0.25, line, size=size)
        if demo:
            dl = line_height_mm(size * 1.05, 1.25)
            box_h = len(demo) * dl + 2.4
            y -= 2.0
            page.ax.add_patch(Rectangle((x, y - box_h), width, box_h, facecolor="#fff0f0", edgecolor=DEMO_RED,
                                        lw=0.9))
            for i, line in enumerate(demo):
                page.text(x + width / 2, y - 1.2 - (i + 0.72) * dl, line, size=size * 1.05, weight="bold",
                          color=DEMO_RED, ha="center")


@dataclass
class InsetBlock(Block):
    inset: Inset
    max_height: float = 60.0
    aspect: float = 1.0  # height / width of the district

    def height(self, width: float, size: float) -> float:
        return line_height_mm(size * 1.1, 1.4) + min(width * self.aspect, self.max_height) + \
            line_height_mm(size * 0.9, 1.4)

    def draw(self, page: Page, x: float, top: float, width: float, height: float, size: float) -> None:
        inset = self.inset
        page.text(x, top - line_height_mm(size * 1.1, 0.9), inset.title, size=size * 1.1, weight="bold")
        box_top = top - line_height_mm(size * 1.1, 1.4)
        cap = line_height_mm(size * 0.9, 1.4)
        h = max(height - line_height_mm(size * 1.1, 1.4) - cap, 10.0)
        if self.aspect > 0:
            h = min(h, width * self.aspect)
        w = min(width, h / self.aspect) if self.aspect > 0 else width
        bx = x + (width - w) / 2
        ax = page.axes_at(bx, box_top - h, w, h)
        draw_inset(ax, inset)
        page.text(x + width / 2, box_top - h - cap * 0.7, inset.caption, size=size * 0.9, style="italic",
                  ha="center", color=GREY)


def draw_inset(ax: Axes, inset: Inset) -> None:
    """The district's communes in grey, the commune in red, and the area of the main map framed."""
    if inset.district is not None and len(inset.district):
        paths.add_polygons(ax, inset.district, facecolor="#f2f2f2", edgecolor="#8c8c8c", linewidth=0.3, zorder=1)
        geoms = inset.district
    else:
        geoms = [inset.commune]
    paths.add_polygons(ax, inset.commune, facecolor="#e8a0a0", edgecolor="#a01010", linewidth=0.7, zorder=2)
    if inset.highlight is not None and not inset.highlight.is_empty:
        minx, miny, maxx, maxy = inset.highlight.bounds
        ax.add_patch(Rectangle((minx, miny), maxx - minx, maxy - miny, fill=False, edgecolor=INK, lw=0.8,
                               zorder=3))
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(getattr(geoms, "array", geoms), dtype=object))
    padx, pady = (maxx - minx) * 0.03, (maxy - miny) * 0.03
    ax.set_xlim(minx - padx, maxx + padx)
    ax.set_ylim(miny - pady, maxy + pady)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)


# -------------------------------------------------------------------------------------- the map


def map_scale(bounds: tuple[float, float, float, float], width_mm: float, height_mm: float, *,
              min_scale: int = 0) -> int:
    """The round scale at which ``bounds`` fits a map box of ``width_mm`` x ``height_mm`` (2 % margin)."""
    minx, miny, maxx, maxy = bounds
    need = max((maxx - minx) / width_mm, (maxy - miny) / height_mm) * 1000.0 * 1.02
    return nice_scale(max(need, float(min_scale), 1.0))


def draw_map(page: Page, sheet: MapSheet, rect: tuple[float, float, float, float]) -> tuple[MapFrame, LegendBlock]:
    """The map axes in ``rect`` (x, y, w, h in mm) at a round scale, with scale bar and north arrow; returns
    the frame and the legend of what the theme drew."""
    x, y, w, h = rect
    scale = map_scale(sheet.bounds, w, h, min_scale=sheet.min_scale)
    minx, miny, maxx, maxy = sheet.bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = w * scale / 2000.0, h * scale / 2000.0
    view = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    ax = page.axes_at(x, y, w, h)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_linewidth(0.9)
        spine.set_zorder(50)
    frame = MapFrame(scale=scale, width_mm=w, height_mm=h, view=view)
    drawn = sheet.draw(ax, frame)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    size = 6.5 * page.k**0.6
    draw_scale_bar(ax, frame, size=size)
    draw_north_arrow(ax, frame, size=size)
    return frame, LegendBlock(list(drawn) if drawn is not None else list(sheet.legend))


def scale_bar_length(frame: MapFrame, *, label_mm: float = 0.0) -> tuple[float, int]:
    """A round length (m) for the scale bar, about a fifth of the map's width, and its number of segments:
    as many as can each carry a label ``label_mm`` wide."""
    length = nice_length(frame.metres(frame.width_mm) * 0.22)
    mantissa = round(length / 10 ** math.floor(math.log10(length)), 1)
    choices = {1.0: (4, 2), 2.0: (4, 2), 5.0: (5, 2)}.get(mantissa, (4, 2))
    for segments in choices:
        if frame.mm(length / segments) >= label_mm:
            return length, segments
    return length, choices[-1]


def draw_scale_bar(ax: Axes, frame: MapFrame, *, size: float) -> None:
    """An alternating black and white bar in metres at the lower left of the map, labelled in round numbers."""
    m = frame.metres
    label_w = text_width_mm(fmt(nice_length(frame.metres(frame.width_mm) * 0.22), 0), font(size)) + 1.5
    length, segments = scale_bar_length(frame, label_mm=label_w)
    x0 = frame.view[0] + m(7.0)
    y0 = frame.view[1] + m(6.0)
    bar_h = m(1.6)
    seg = length / segments
    labelled = range(segments + 1) if frame.mm(seg) >= label_w else (0, segments)
    unit_w = text_width_mm("m", font(size))
    ax.add_patch(Rectangle((x0 - m(3.0), y0 - m(2.2)), length + m(3.0 + label_w / 2 + unit_w + 3.0),
                           bar_h + m(2.2 + 5.6), facecolor="white", edgecolor="none", alpha=0.88, zorder=40))
    for i in range(segments):
        ax.add_patch(Rectangle((x0 + i * seg, y0), seg, bar_h, facecolor=INK if i % 2 == 0 else "white",
                               edgecolor=INK, lw=0.5, zorder=41))
    for i in labelled:
        ax.text(x0 + i * seg, y0 + bar_h + m(1.1), checked(fmt(i * seg, 0)), fontproperties=font(size),
                ha="center", va="bottom", color=INK, zorder=42)
    ax.text(x0 + length + m(label_w / 2 + 0.8), y0 + bar_h + m(1.1), "m", fontproperties=font(size),
            ha="left", va="bottom", color=INK, zorder=42)


def draw_north_arrow(ax: Axes, frame: MapFrame, *, size: float) -> None:
    """A north arrow (grid north; VN-2000 TM-3 meridian convergence here is under half a degree) with "B"."""
    m = frame.metres
    h = m(11.0)
    w = m(4.6)
    cx = frame.view[2] - m(9.0)
    top = frame.view[3] - m(8.5)
    base = top - h
    ax.add_patch(Rectangle((cx - m(5.0), base - m(2.0)), m(10.0), h + m(8.5), facecolor="white", edgecolor="none",
                           alpha=0.88, zorder=40))
    notch = base + h * 0.28
    ax.add_patch(PolygonPatch([(cx, top), (cx - w / 2, base), (cx, notch)], closed=True, facecolor=INK,
                              edgecolor=INK, lw=0.6, zorder=41))
    ax.add_patch(PolygonPatch([(cx, top), (cx + w / 2, base), (cx, notch)], closed=True, facecolor="white",
                              edgecolor=INK, lw=0.6, zorder=41))
    ax.text(cx, top + m(0.8), "B", fontproperties=font(size * 1.5, weight="bold"), ha="center", va="bottom",
            color=INK, zorder=42)


# -------------------------------------------------------------------------------------- composing


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


# -------------------------------------------------------------------------------------- saving


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
