"""The map on a printed sheet: its axes at a true, round scale, the scale bar and the north arrow.

The map is an axes in metres whose limits are set from a round scale (1:20 000, 1:5 000, ...) and the size
of its box on paper: one millimetre on the sheet is exactly ``scale / 1000`` metres on the ground, and the
scale bar and the stated scale agree with it.
"""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle

from gis.printing.furniture import LegendBlock
from gis.printing.model import (
    INK,
    MapFrame,
    MapSheet,
)
from gis.printing.page import Page
from gis.printing.style import (
    checked,
    fmt,
    font,
    nice_length,
    nice_scale,
    text_width_mm,
)


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
