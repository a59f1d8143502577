"""A page of a printed sheet: a figure with one axes in millimetres, its neat line, page number and title.

Everything around the map is drawn on one axes that spans the page in millimetres (origin bottom left), so
positions and sizes read as they would on a ruler (:func:`new_page`). The title block is one line, or two
split at the dash before the place, at the largest size that fits (:func:`draw_title`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from gis.printing.model import (
    GREY,
    INK,
)
from gis.printing.style import (
    MM_PER_INCH,
    checked,
    font,
    line_height_mm,
    page_size_mm,
    text_width_mm,
)


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
