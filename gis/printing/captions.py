"""The words of a printed sheet that name the data: the place, the coverage, the CRS, the source and the year.

``xã Hiệp Hòa, tỉnh Bắc Ninh`` for a dataset's unit (:func:`place_name`), the line under a title for data
older than the 2025 merger (:func:`coverage_text`), the coordinate-system line (:func:`crs_text`), the
source line (:func:`source_text`), the year a land-use map states (:func:`data_year`), the commune
boundary's legend entry (:func:`boundary_label`), and the small text helpers the drawing shares
(:func:`prefixed`, :func:`initial_capital`, :func:`former_era`). No drawing here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyproj import CRS

from gis.core.crs import describe
from gis.files import admin_units
from gis.files.io import Dataset

#: The year the built-in demonstration data describes (the 2024 plan, DBF dates of 2024-01-01).
BUILTIN_DATA_YEAR = 2024


def prefixed(value: object, prefix: str) -> str:
    """``value`` with ``prefix`` before it (``Thôn Cấm``), unless it already starts with it; ``""`` for none."""
    text = str(value or "").strip()
    if not text:
        return ""
    return text if text.lower().startswith(prefix.lower()) else f"{prefix} {text}"


def place_name(dataset: Dataset) -> str:
    """The words naming the dataset on a sheet: its unit (``xã Hiệp Hòa, tỉnh Bắc Ninh``), or the dataset's
    name when it has no unit (never another dataset's unit, never the commune layer's old names)."""
    return admin_units.place(dataset)


def initial_capital(text: str) -> str:
    """``text`` with its first letter in capitals (the rest as written: ``Xã Hiệp Hòa``)."""
    return text[:1].upper() + text[1:]


def former_era(dataset: Dataset) -> bool:
    """Whether the dataset predates the 2025 merger (its unit names a former one): its context layers (the
    neighbouring communes) then name former units too, and are labelled "cũ"."""
    unit = admin_units.of_dataset(dataset)
    return unit is not None and unit.former is not None


def coverage_text(dataset: Dataset) -> str:
    """The line under a title for data older than the 2025 merger: ``Địa bàn xã Lương Phong cũ (huyện Hiệp
    Hòa, tỉnh Bắc Giang cũ)``; empty for a dataset with no former unit."""
    unit = admin_units.of_dataset(dataset)
    return initial_capital(admin_units.coverage(unit)) if unit is not None else ""


def commune_name(dataset: Dataset) -> str:
    """``xã Hiệp Hòa`` (the current commune), or ``""`` when the dataset has no unit."""
    unit = admin_units.of_dataset(dataset)
    return admin_units.unit_name(unit) if unit is not None else ""


def crs_text(crs: Any) -> str:
    """The coordinate-system line of a sheet: ``Hệ tọa độ VN-2000, kinh tuyến trục 107°00', múi chiếu 3°``."""
    crs = CRS.from_user_input(crs)
    op = crs.coordinate_operation
    datum = crs.datum.name if crs.datum is not None else ""
    if op is not None and ("2000" in datum and "Vietnam" in datum or "VN-2000" in crs.name) \
            and op.method_name.startswith("Transverse Mercator"):
        params = {p.name: p.value for p in op.params}
        lon0 = float(params.get("Longitude of natural origin", 0.0))
        k = float(params.get("Scale factor at natural origin", 0.0))
        deg = int(lon0)
        minutes = int(round((lon0 - deg) * 60))
        zone = "3°" if abs(k - 0.9999) < 1e-7 else "6°" if abs(k - 0.9996) < 1e-7 else None
        text = f"Hệ tọa độ VN-2000, kinh tuyến trục {deg}°{minutes:02d}'"
        return f"{text}, múi chiếu {zone}" if zone else text
    return f"Hệ tọa độ {describe(crs)}"


def source_text(dataset: Dataset) -> str:
    """Where the data comes from, for the sheet's source line."""
    commune = dataset.get("commune")
    outline = ""
    if commune is not None and "NGUON" in commune.columns and str(commune["NGUON"].iloc[0] or "").strip():
        outline = f"ranh giới xã theo {str(commune['NGUON'].iloc[0]).strip()}"
    if dataset.builtin:
        return "dữ liệu minh họa có sẵn của công cụ" + (f"; {outline}" if outline else "")
    return f"thư mục dữ liệu «{dataset.folder.name}»" + (f"; {outline}" if outline else "")


def data_year(dataset: Dataset, day: dt.date) -> int:
    """The year a current land-use map states: the built-in data's year, else the year of ``day``."""
    return BUILTIN_DATA_YEAR if dataset.builtin else day.year


def boundary_label(dataset: Dataset) -> str:
    """The commune boundary's legend entry: the boundary drawn is the data's own commune, so for data older
    than the merger it is the former one's (``Ranh giới xã Lương Phong cũ``)."""
    unit = admin_units.of_dataset(dataset)
    if unit is not None and unit.former is not None:
        return f"Ranh giới {admin_units.former_name(unit)}"
    return "Ranh giới xã"
