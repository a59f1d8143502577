"""Print-ready maps and the council report, drawn with matplotlib alone (no streamlit, no folium).

A map sheet (:func:`export_map`) is one page in A4 or A3, portrait or landscape, as a PDF or a PNG of at
least 300 dpi: the title in the official Vietnamese pattern, the map at a true, round scale, the legend of
the land-use codes actually shown, a scale bar, a north arrow, an inset of the commune in its district, the
coordinate system, the date, the data source and, for the built-in data, a note that it is demonstration
data. :func:`build_report` puts the sheets of every theme and the plan's targets into one PDF.

Modules: :mod:`~gis.printing.style` (paper, fonts, number and date formats), :mod:`~gis.printing.paths`
(shapely to matplotlib), :mod:`~gis.printing.model` (what a sheet holds), :mod:`~gis.printing.page` (the page,
its frame and title), :mod:`~gis.printing.furniture` (legend, table, notes, inset), :mod:`~gis.printing.mapframe`
(the map at a true scale, scale bar, north arrow), :mod:`~gis.printing.sheet` (the layout, and saving),
:mod:`~gis.printing.captions` (the words naming the data), :mod:`~gis.printing.drawing` (the layers drawn on
the map), :mod:`~gis.printing.themes` (land use, recovery, fields), :mod:`~gis.printing.maps` (a theme's sheet
and its export), :mod:`~gis.printing.report` (the council report).
"""

from __future__ import annotations

from gis.printing.maps import THEMES, ExportResult, export_map, map_sheet
from gis.printing.report import ReportResult, build_report
from gis.printing.style import ORIENTATIONS, PAPERS_MM, GlyphError

__all__ = ["ORIENTATIONS", "PAPERS_MM", "THEMES", "ExportResult", "GlyphError", "ReportResult", "build_report",
           "export_map", "map_sheet"]
