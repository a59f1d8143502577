"""Workbooks and CSV files that a spreadsheet opens as data, never as formulas (OWASP's CSV injection rule).

An owner, a village or a project name read from a user's file may begin with ``=``, ``+``, ``-`` or ``@``
(``=HYPERLINK("http://…")``, ``=cmd|' /C calc'!A0``, ``@SUM(1+1)``): Excel, LibreOffice and Google Sheets
read such a cell as a formula, which can open links, run commands or leak the sheet. OWASP's rule: a value
that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text.

- :func:`formula_like` says whether a value would be read as a formula: a string whose first character,
  after any leading spaces, is one of :data:`FORMULA_STARTS` (the full-width ``＝＋－＠`` too, which Excel
  in an East Asian locale reads the same way). Numbers are numbers: ``-3.5`` is not text.
- :func:`safe_cell` is the rule for CSV: such a string gets a leading apostrophe (``'=HYPERLINK(…)``), the
  rest unchanged; :func:`csv_bytes` and :func:`write_csv` apply it to every cell and write UTF-8 with a BOM
  (so that Excel reads the Vietnamese letters right).
- :func:`make_inert` is the rule for workbooks (openpyxl): every cell holding such a string is a text cell
  (``data_type`` ``"s"``) with the style's *quote prefix* set, so Excel shows it exactly as written and does
  not evaluate it, not even after the cell is edited. The tool writes values, never formulas, in its
  workbooks; any formula cell there came from data, and :func:`make_inert` turns it back into its text.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from openpyxl import Workbook

#: First characters that make a spreadsheet read a cell as a formula (ASCII and full-width forms).
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
#: Leading characters skipped before looking at the first one (spreadsheets skip them too).
_LEADING = " \u00a0\u3000"
#: The encoding of every CSV the tool writes: UTF-8 with a byte order mark.
CSV_ENCODING = "utf-8-sig"


def formula_like(value: object) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula: a string starting (after spaces) with
    ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or their full-width forms.

    Parameters
    ----------
    value
        A cell's value; only strings can be formula-like (numbers, dates, ``None`` are not).

    Returns
    -------
    bool
        ``True`` when the value must be written as text.
    """
    if not isinstance(value, str):
        return False
    rest = value.lstrip(_LEADING)
    return bool(rest) and rest[0] in FORMULA_STARTS


def safe_cell(value: object) -> object:
    """``value`` for a CSV cell: a formula-like string with a leading apostrophe, anything else unchanged.

    Parameters
    ----------
    value
        A cell's value.

    Returns
    -------
    object
        ``"'" + value`` when :func:`formula_like`, else ``value`` itself (numbers stay numbers).

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("Nguyễn Văn An"), safe_cell(-2.5)
    ("'=1+1", 'Nguyễn Văn An', -2.5)
    """
    return "'" + value if formula_like(value) else value  # type: ignore[operator]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_cell` applied to every cell of its text columns (headers too)."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            # looked at once per distinct value (a column repeats its codes and villages); mapped only when a
            # cell is formula-like, which text rarely is
            try:
                distinct = pd.unique(out[column]).tolist()
            except TypeError:  # unhashable cells (lists): every cell
                distinct = out[column].tolist()
            if _any_formula_like(distinct):
                out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def _any_formula_like(values: list[object]) -> bool:
    """Whether any of ``values`` is :func:`formula_like`: in Arrow when they are all strings, else one by one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if values and all(isinstance(v, str) for v in values):
        try:
            texts = pc.utf8_ltrim(pa.array(values, type=pa.string()), characters=_LEADING)
        except (pa.ArrowException, UnicodeEncodeError):  # a lone surrogate Arrow will not take
            pass
        else:
            first = pc.utf8_slice_codeunits(texts, 0, 1)
            return bool(pc.any(pc.is_in(first, value_set=pa.array(sorted(FORMULA_STARTS)))).as_py())
    return any(formula_like(value) for value in values)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV (no index, ``\\n`` line ends, UTF-8 with a BOM), every cell made safe.

    The bytes are those of ``safe_frame(frame).to_csv(index=False, lineterminator="\\n")``; a frame of plain
    columns (float64, integers, booleans, text) is written column by column without pandas' row writer (the
    text of each distinct value made safe and quoted once, the floats by ``repr`` as numpy prints them).
    """
    text = _plain_csv(frame)
    if text is None:
        text = safe_frame(frame).to_csv(index=False, lineterminator="\n")
    return text.encode(CSV_ENCODING)


#: Characters that can make the ``csv`` module quote a field (which of them do depends on the Python
#: version: a carriage return is quoted from 3.12 on); fields with none of them are written as they are.
_QUOTABLE = re.compile('[,"\r\n]')


def _csv_fields(values: list[str]) -> list[str]:
    """``values`` as the ``csv`` module writes them in a row of several fields (quoted where it would)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    out = []
    for value in values:
        if _QUOTABLE.search(value) is None:
            out.append(value)
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow((value, ""))
        out.append(buffer.getvalue()[:-2])  # the field without ",\n"
    return out


def _plain_cells(column: pd.Series) -> list[str] | None:
    """The CSV fields of one column as ``safe_frame(...).to_csv`` writes them, or ``None`` when its dtype is
    not one handled here."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        if dtype.kind == "f":
            if dtype.itemsize != 8:
                return None
            values = column.to_numpy()
            cells = list(map(repr, values.tolist()))  # numpy's str of a float64 is its shortest repr too
            for position in np.flatnonzero(np.isnan(values)).tolist():
                cells[position] = ""
            return cells
        return list(map(str, column.tolist()))
    if isinstance(dtype, pd.StringDtype):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        fields = _text_fields(pa.array(uniques))
    elif isinstance(dtype, np.dtype) and dtype.kind == "O":
        try:
            codes, uniques = pd.factorize(column, use_na_sentinel=True)
        except TypeError:  # unhashable cells
            return None
        distinct = list(uniques)
        if not all(type(value) is str for value in distinct):  # 1, 1.0 and True would be one value
            return None
        if _any_formula_like(distinct):
            distinct = [safe_cell(value) for value in distinct]
        fields = np.array(_csv_fields(distinct), dtype=object)
    else:
        return None
    return np.append(fields, "")[codes].tolist()  # code -1 (a missing value): the empty field


def _text_fields(texts: pa.Array) -> np.ndarray:
    """The CSV fields of distinct texts (no nulls) as an object array: each made safe
    (:func:`safe_cell`) and quoted as the ``csv`` module would, found in Arrow and changed one by one."""
    trimmed = pc.utf8_ltrim(texts, characters=_LEADING)
    formula = pc.is_in(pc.utf8_slice_codeunits(trimmed, 0, 1), value_set=pa.array(sorted(FORMULA_STARTS)))
    special = pc.or_(formula, pc.match_substring_regex(texts, _QUOTABLE.pattern))
    fields = texts.to_numpy(zero_copy_only=False).astype(object, copy=False)
    changed = np.flatnonzero(special.to_numpy(zero_copy_only=False))
    if len(changed):
        fields[changed] = _csv_fields([str(safe_cell(value)) for value in fields[changed].tolist()])
    return fields


def _plain_csv(frame: pd.DataFrame) -> str | None:
    """``safe_frame(frame).to_csv(index=False, lineterminator="\\n")`` built column by column, or ``None``
    when a column or the header is not plain (one column only, a column name that is not text, another
    dtype)."""
    names = list(frame.columns)
    if len(names) < 2 or not all(type(name) is str for name in names) or not frame.columns.is_unique:
        return None
    columns = []
    for name in names:
        cells = _plain_cells(frame[name])
        if cells is None:
            return None
        columns.append(cells)
    header = ",".join(_csv_fields([safe_cell(name) for name in names]))  # type: ignore[misc]
    if not len(frame):
        return header + "\n"
    return header + "\n" + "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as :func:`csv_bytes` does; returns the path."""
    path = Path(path)
    path.write_bytes(csv_bytes(frame))
    return path


def make_inert(workbook: Workbook) -> Workbook:
    """Make every formula-like cell of ``workbook`` a text cell that shows its value as written.

    Every cell whose value is a string that :func:`formula_like` (openpyxl has typed those starting with
    ``=`` as formulas) becomes a text cell (``data_type`` ``"s"``) with its style's quote prefix set; the
    value is unchanged. The tool writes no formulas on purpose, so none is lost. Call it just before saving.

    Parameters
    ----------
    workbook
        An openpyxl workbook, changed in place.

    Returns
    -------
    Workbook
        The same workbook.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or formula_like(cell.value):
                    if not isinstance(cell.value, str):  # an ArrayFormula or the like: keep its text
                        cell.value = str(getattr(cell.value, "text", cell.value))
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return workbook
