"""What a printed sheet is made of, before it is laid out: the map sheet, its legend, table and inset.

:class:`MapSheet` holds everything one printed map needs (title, place, what to draw, legend sections,
table, inset, notes); :class:`MapFrame` is the map as laid out on paper, handed to a theme's drawing
function. The ink colours and the demonstration-data note every sheet shares are here too. Nothing is drawn
in this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib import patheffects
from matplotlib.axes import Axes

from gis.core.text import demo_note
from gis.printing.style import (
    MM_PER_INCH,
)

INK = "#1a1a1a"
GREY = "#6b6b6b"
DEMO_RED = "#b00020"
HALO = [patheffects.Stroke(linewidth=2.2, foreground="white")]

#: The demonstration-data note, as on every sheet made from the built-in data.
DEMO_NOTE = demo_note("vi", stop=False)


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
