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
    columns (float64, integers, booleans, text) is written column by column in Arrow, without pandas' row
    writer (see :func:`_plain_csv`).
    """
    text = _plain_csv(frame)
    if text is not None:
        return "\ufeff".encode() + text
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode(CSV_ENCODING)


#: Characters that can make the ``csv`` module quote a field (which of them do depends on the Python
#: version: a carriage return is quoted from 3.12 on); fields with none of them are written as they are.
_QUOTABLE = re.compile('[,"\r\n]')
#: Floats of at most this size with at most :data:`_MAX_DECIMALS` decimals are formatted from integers.
_EXACT_BELOW = 1e12
_MAX_DECIMALS = 3


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


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


def _float_fields(values: np.ndarray) -> pa.Array:
    """The CSV fields of float64 ``values`` as pandas writes them: numpy's ``str`` of each (its shortest
    ``repr``), the empty field for NaN.

    A value that is exactly ``k / 10**d`` for an integer ``k`` and ``d`` of 1 to :data:`_MAX_DECIMALS` (the
    smallest such ``d``), below :data:`_EXACT_BELOW` in size, is that decimal with ``d`` decimals (the shortest
    text that reads back as it, and the only one of that length); the others (NaN, infinities, more
    decimals, huge or tiny values) are formatted by ``repr`` one by one.
    """
    magnitude = np.abs(values)
    scaled = np.zeros(len(values), dtype=np.int64)
    power = np.zeros(len(values), dtype=np.int64)  # 10**d, 0 when not found
    with np.errstate(invalid="ignore", over="ignore"):
        todo = np.flatnonzero(magnitude < _EXACT_BELOW)  # False for NaN
        for d in range(1, _MAX_DECIMALS + 1):
            k = np.rint(magnitude[todo] * 10.0 ** d)
            exact = k / 10.0 ** d == magnitude[todo]
            scaled[todo[exact]] = k[exact].astype(np.int64)
            power[todo[exact]] = 10 ** d
            todo = todo[~exact]
    found = power > 0
    unit = np.where(found, power, 1)
    whole = pc.cast(pa.array(scaled // unit), pa.large_string())
    fraction = pc.utf8_slice_codeunits(pc.cast(pa.array(scaled % unit + unit), pa.large_string()), 1)
    sign = pa.array(["", "-"], pa.large_string()).take(pa.array(np.signbit(values).astype(np.int8)))
    fields = pc.binary_join_element_wise(sign, whole, _large("."), fraction, _large(""))
    others = np.flatnonzero(~found)
    if len(others):
        texts = ["" if v != v else repr(v) for v in values[others].tolist()]
        mask = np.zeros(len(values), dtype=bool)
        mask[others] = True
        fields = pc.replace_with_mask(fields, pa.array(mask), pa.array(texts, pa.large_string()))
    return fields


def _plain_fields(column: pd.Series) -> pa.Array | None:
    """The CSV fields of one column as ``safe_frame(...).to_csv`` writes them (large strings), or ``None`` when
    its dtype is not one handled here."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        values = column.to_numpy()
        if dtype.kind == "f":
            return _float_fields(values) if dtype.itemsize == 8 else None
        if dtype.kind == "b":
            return pa.array(["False", "True"], pa.large_string()).take(pa.array(values.astype(np.int8)))
        return pc.cast(pa.array(values), pa.large_string())
    if isinstance(dtype, pd.StringDtype):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        distinct = pa.array(uniques).cast(pa.large_string())
        if isinstance(distinct, pa.ChunkedArray):  # what Arrow gives for no values
            distinct = distinct.combine_chunks()
    elif isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = column.to_numpy()
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None  # texts and missing values only: anything else (bytes, numbers) is left to pandas' writer
        try:
            coded = pc.dictionary_encode(pa.array(values, pa.large_string(), from_pandas=True))
        except (pa.ArrowException, UnicodeEncodeError, TypeError, ValueError):
            return None
        distinct = coded.dictionary
        codes = coded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    else:
        return None
    fields = pa.concat_arrays([_text_fields(distinct), pa.array([""], pa.large_string())])
    return fields.take(pa.array(np.where(codes < 0, len(distinct), codes)))  # code -1 (missing): the empty field


def _text_fields(texts: pa.Array) -> pa.Array:
    """The CSV fields of distinct texts (large strings, no nulls): each made safe (:func:`safe_cell`) and quoted
    as the ``csv`` module would; the few that change found in Arrow and changed one by one."""
    trimmed = pc.utf8_ltrim(texts, characters=_LEADING)
    formula = pc.is_in(pc.utf8_slice_codeunits(trimmed, 0, 1), value_set=pa.array(sorted(FORMULA_STARTS)))
    special = pc.or_(formula, pc.match_substring_regex(texts, _QUOTABLE.pattern))
    if not pc.any(special).as_py():
        return texts
    changed = texts.filter(special).to_pylist()
    return pc.replace_with_mask(texts, special, pa.array(_csv_fields([str(safe_cell(v)) for v in changed]),
                                                          pa.large_string()))


def _plain_csv(frame: pd.DataFrame) -> bytes | None:
    """The UTF-8 bytes (no BOM) of ``safe_frame(frame).to_csv(index=False, lineterminator="\\n")``, built
    column by column in Arrow and joined row by row there, or ``None`` when a column or the header is not
    plain (one column only, a column name that is not text, another dtype)."""
    names = list(frame.columns)
    if len(names) < 2 or not all(type(name) is str for name in names) or not frame.columns.is_unique:
        return None
    columns = []
    for name in names:
        fields = _plain_fields(frame[name])
        if fields is None:
            return None
        columns.append(fields)
    header = ",".join(_csv_fields([str(safe_cell(name)) for name in names])) + "\n"
    rows = pc.binary_join_element_wise(*columns, _large(","))
    lines = pc.binary_join_element_wise(rows, _large(""), _large("\n"))  # each row and its line end
    if not len(lines):
        return header.encode()
    # the lines lie one after another in the array's data: the body is that stretch of bytes
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return header.encode() + memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])].tobytes()


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
