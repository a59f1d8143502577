"""Paper sizes, fonts and the way numbers, dates and scales are written on paper.

Every text goes through :func:`checked`: it is normalised to NFC and each character is looked up in the
DejaVu Sans files that matplotlib ships (they hold every Vietnamese letter), so a character the font lacks
stops the export with a message instead of printing an empty box. :func:`printing_context` sets the
matplotlib options for the sheets (TrueType fonts embedded whole as Type 42, no mathtext) and turns
matplotlib's missing-glyph warnings into errors.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, cast

import matplotlib
from matplotlib.font_manager import FontProperties

from gis.core.errors import GisError
from gis.core.i18n import number

#: Paper sizes in millimetres, portrait (width, height).
PAPERS_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = ("portrait", "landscape")
MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH
#: PNG sheets are never written below this resolution.
MIN_PNG_DPI = 300

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_FONT_FILES = {
    ("normal", "normal"): "DejaVuSans.ttf",
    ("bold", "normal"): "DejaVuSans-Bold.ttf",
    ("normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
}

#: matplotlib options for every sheet: fonts embedded as TrueType (Type 42), never as Type 3 outlines.
RC: dict[str, Any] = {
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "text.parse_math": False,
    "axes.unicode_minus": True,
    "pdf.compression": 6,
    "hatch.linewidth": 0.5,
    "path.simplify": True,
}


class GlyphError(GisError):
    """A text holds a character the map font cannot draw."""


def page_size_mm(paper: str, orientation: str) -> tuple[float, float]:
    """Width and height of ``paper`` (``"A4"``, ``"A3"``) in ``orientation``, in millimetres."""
    key = paper.upper()
    if key not in PAPERS_MM:
        raise GisError(f"Khổ giấy «{paper}» không hỗ trợ; hãy chọn {', '.join(PAPERS_MM)}.",
                       f"Paper '{paper}' is not supported; choose {', '.join(PAPERS_MM)}.")
    if orientation not in ORIENTATIONS:
        raise GisError("Hướng giấy phải là «portrait» (đứng) hoặc «landscape» (ngang).",
                       "The orientation must be 'portrait' or 'landscape'.")
    w, h = PAPERS_MM[key]
    return (h, w) if orientation == "landscape" else (w, h)


def font(size: float, *, weight: str = "normal", style: str = "normal") -> FontProperties:
    """The map font (matplotlib's own DejaVu Sans file, so the result never depends on system fonts)."""
    return FontProperties(fname=str(FONT_DIR / _FONT_FILES[(weight, style)]), size=size)


@cache
def _coverage() -> frozenset[int]:
    """Code points every face of the map font can draw."""
    from matplotlib.ft2font import FT2Font

    maps = [frozenset(FT2Font(str(FONT_DIR / name)).get_charmap()) for name in _FONT_FILES.values()]
    return frozenset.intersection(*maps)


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` (after NFC) that the map font cannot draw."""
    cover = _coverage()
    return sorted({c for c in unicodedata.normalize("NFC", text) if c not in "\n\t" and ord(c) not in cover})


def checked(text: object) -> str:
    """``text`` as a string in NFC; raises :class:`GlyphError` when the font lacks one of its characters."""
    value = unicodedata.normalize("NFC", str(text))
    missing = missing_glyphs(value)
    if missing:
        shown = ", ".join(f"«{c}» (U+{ord(c):04X})" for c in missing)
        raise GlyphError(
            f"Chữ «{value}» có ký tự phông chữ bản đồ không vẽ được: {shown}. Hãy sửa chữ này trong dữ liệu "
            "(có thể dữ liệu bị lỗi mã hóa TCVN3/VNI).",
            f"The text '{value}' holds characters the map font cannot draw: {shown}. Correct it in the data "
            "(it may be mis-decoded TCVN3/VNI text).",
        )
    return value


@contextmanager
def printing_context() -> Iterator[None]:
    """matplotlib options for sheets, with missing-glyph and font-fallback warnings raised as errors."""
    with matplotlib.rc_context(cast(Any, RC)), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"(?i).*glyph.*missing")
        warnings.filterwarnings("error", message=r"(?i).*font.*not found")
        yield


def text_width_mm(text: str, prop: FontProperties) -> float:
    """Width of a one-line ``text`` in ``prop`` on paper, in millimetres (no renderer needed)."""
    if not text:
        return 0.0
    return _unit_width_mm(text, str(prop.get_file())) * float(prop.get_size_in_points()) / 10.0


@cache
def _unit_width_mm(text: str, fname: str) -> float:
    """Width of ``text`` at 10 pt in the font file ``fname`` (widths scale with the size; laying text out is
    slow enough that the layout's fitting loops would spend seconds on it)."""
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(text, FontProperties(fname=fname, size=10.0),
                                                             ismath=False)
    return float(width) / PT_PER_MM


def wrap(text: str, width_mm: float, prop: FontProperties) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width_mm`` (a longer word keeps its own line)."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if line and text_width_mm(candidate, prop) > width_mm:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def line_height_mm(size_pt: float, spacing: float = 1.25) -> float:
    """Distance between baselines of text of ``size_pt``, in millimetres."""
    return size_pt * spacing / PT_PER_MM


# -- numbers, dates, scales ----------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 2) -> str:
    """A number as written in Vietnamese: ``1.234,5``; an empty value is a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(float(value), digits, lang="vi")


def fmt_plain(value: float | None) -> str:
    """A figure from a plan with only the digits it has: ``34,7``, ``160.000``, ``1,14``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    digits = len(text.split(".")[1]) if "." in text else 0
    return number(float(value), digits, lang="vi")


def fmt_date(day: dt.date) -> str:
    """``27/11/2026``: the way dates are written on Vietnamese documents."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def fmt_date_long(day: dt.date) -> str:
    """``ngày 27 tháng 11 năm 2026``, as in the place-and-date line of an official document."""
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def fmt_scale(denominator: float) -> str:
    """``1:20.000``."""
    return f"1:{number(denominator, 0, lang='vi')}"


#: Scale denominators a printed map may take (mantissas of a power of ten).
_SCALE_STEPS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 7.5)


def nice_scale(required: float) -> int:
    """The smallest round scale denominator (1, 1.5, 2, 2.5, 3, 4, 5 or 7.5 times a power of ten) at least
    ``required``."""
    if required <= 0 or not math.isfinite(required):
        raise ValueError(f"scale denominator must be positive, got {required}")
    exponent = math.floor(math.log10(required))
    for power in (exponent, exponent + 1):
        for step in _SCALE_STEPS:
            candidate = step * 10.0**power
            if candidate >= required * (1 - 1e-9):
                return int(round(candidate))
    raise AssertionError("unreachable")


def nice_length(limit: float) -> float:
    """The largest round length (1, 2 or 5 times a power of ten) not above ``limit``."""
    if limit <= 0 or not math.isfinite(limit):
        raise ValueError(f"length must be positive, got {limit}")
    exponent = math.floor(math.log10(limit))
    best = 10.0**exponent
    for step in (1.0, 2.0, 5.0):
        candidate = step * 10.0**exponent
        if candidate <= limit * (1 + 1e-9):
            best = candidate
    return best
