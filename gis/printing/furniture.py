"""The furniture of a printed sheet: legend, table, notes and the location inset.

Each piece is a :class:`Block`, measured for a width and a font size and then drawn at a place on the
page, so that the layout (:mod:`gis.printing.sheet`) can try sizes until everything fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from gis.printing import paths
from gis.printing.model import (
    DEMO_NOTE,
    DEMO_RED,
    GREY,
    INK,
    Inset,
    LegendEntry,
    LegendSection,
    Table,
)
from gis.printing.page import Page
from gis.printing.style import (
    checked,
    font,
    line_height_mm,
    wrap,
)


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
