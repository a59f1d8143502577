"""Printed maps: the sheet of a theme, and its export to a PDF or PNG.

:func:`map_sheet` turns a dataset into the :class:`~gis.printing.model.MapSheet` of a theme (the themes are
in :mod:`gis.printing.themes`); :func:`export_map` lays it out and writes the PDF or PNG, after
:func:`check_output` has refused any other format or a PNG below the minimum resolution.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from gis.core.errors import GisError
from gis.files.io import Dataset
from gis.printing.model import MapSheet
from gis.printing.sheet import render_sheet, save
from gis.printing.style import MIN_PNG_DPI, printing_context
from gis.printing.themes import fields_sheet, landuse_sheet, recovery_sheet

THEMES = ("landuse", "recovery", "fields")


FORMATS = (".pdf", ".png")


@dataclass(frozen=True)
class ExportResult:
    """A written sheet: where, which theme, at what scale, and how long it took."""

    path: Path
    theme: str
    title: str
    seconds: float


def dated_notes(sheet: MapSheet, dataset: Dataset) -> MapSheet:
    """``sheet`` with, first among its notes, "Số liệu tính đến ngày dd/mm/yyyy" and the note on the layers
    that have no history, when ``dataset`` was asked as of a date (:func:`gis.jobs.ledger.asof.dated`)."""
    if dataset.as_of is None:
        return sheet
    from gis.jobs.ledger.asof import as_of_text, undated_text

    undated = undated_text(dataset, "vi")
    sheet.notes[:0] = [as_of_text(dataset.as_of, "vi") + "."] + ([undated] if undated else [])
    return sheet


def map_sheet(dataset: Dataset, theme: str, *, project: str | None = None,
              planned_fields: gpd.GeoDataFrame | None = None, day: dt.date | None = None,
              year: int | None = None) -> MapSheet:
    """The sheet of ``theme`` (``landuse``, ``recovery`` with ``project``, or ``fields``)."""
    day = day or dt.date.today()
    if theme == "landuse":
        return dated_notes(landuse_sheet(dataset, day=day, year=year), dataset)
    if theme == "recovery":
        return dated_notes(recovery_sheet(dataset, project, day=day), dataset)
    if theme == "fields":
        return dated_notes(fields_sheet(dataset, day=day, planned=planned_fields, year=year), dataset)
    raise GisError(f"Chủ đề bản đồ «{theme}» không có; hãy chọn {', '.join(THEMES)}.",
                   f"There is no map theme '{theme}'; choose {', '.join(THEMES)}.")


def check_output(path: Path, *, dpi: int) -> None:
    """Refuse an output that is neither PDF nor PNG, or a PNG below :data:`MIN_PNG_DPI`."""
    if path.suffix.lower() not in FORMATS:
        raise GisError(f"Tệp bản đồ «{path.name}» phải có đuôi .pdf hoặc .png.",
                       f"Map file '{path.name}' must end in .pdf or .png.")
    if path.suffix.lower() == ".png" and dpi < MIN_PNG_DPI:
        raise GisError(f"Ảnh PNG để in cần độ phân giải từ {MIN_PNG_DPI} dpi trở lên (đã chọn {dpi}).",
                       f"A PNG for print needs at least {MIN_PNG_DPI} dpi (got {dpi}).")


def export_map(dataset: Dataset, out: str | Path, *, theme: str = "landuse", paper: str = "A3",
               orientation: str = "landscape", project: str | None = None,
               planned_fields: gpd.GeoDataFrame | None = None, day: dt.date | None = None,
               year: int | None = None, dpi: int = MIN_PNG_DPI) -> ExportResult:
    """Draw one theme on one sheet and write it to ``out`` (``.pdf`` or ``.png``)."""
    out = Path(out)
    check_output(out, dpi=dpi)
    start = time.perf_counter()
    with printing_context():
        sheet = map_sheet(dataset, theme, project=project, planned_fields=planned_fields, day=day, year=year)
        fig = render_sheet(sheet, paper=paper, orientation=orientation)
        save([fig], out, dpi=dpi, title=sheet.full_title, subject=sheet.subtitle or "")
    return ExportResult(path=out, theme=theme, title=sheet.full_title, seconds=time.perf_counter() - start)
