"""The CSV written column by column (gis.core.spreadsheet.csv_bytes) is byte for byte what pandas' ``to_csv`` of
the safe frame gives: every handled dtype, text a spreadsheet would read as a formula, text the csv module
quotes, missing values, and frames it hands back to pandas."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from gis.core import spreadsheet
from gis.core.spreadsheet import _QUOTABLE, _plain_csv, csv_bytes, safe_frame

TEXTS = ["An", "=1+1", 'a,"b"', "x\ry", "l1\nl2", "", "Nguyễn Văn Ước", " @x", "＝1", "\t=1", "-5", "a=1", "'=1"]


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    """What csv_bytes wrote before it built the text itself."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n").encode(spreadsheet.CSV_ENCODING)


def frames() -> list[tuple[pd.DataFrame, bool]]:
    rng = np.random.default_rng(14)
    floats = np.concatenate([
        [0.0, -0.0, 1e16, 1e15, 9_999_999_999_999_998.0, 1e-4, 9.999e-5, 1e-5, np.inf, -np.inf, np.nan, 0.1,
         1 / 3, 5e-324, 1.7976931348623157e308],
        np.round(rng.uniform(-1e6, 1e6, 200), 1), np.round(rng.uniform(0, 100, 200), 2),
    ])
    n = len(floats)
    texts = pd.Series([TEXTS[k] for k in rng.integers(0, len(TEXTS), n)], dtype=object)
    with_missing = pd.Series([None if k % 7 == 0 else TEXTS[k % len(TEXTS)] for k in range(n)], dtype=object)
    return [
        (pd.DataFrame({"=sheet": np.arange(n, dtype=np.int32), "owner": texts.astype("str"), "area": floats,
                       "big": np.arange(n, dtype=np.uint64) * 2**40, "whole": rng.random(n) > 0.5,
                       "village": with_missing.astype("str"), "note": with_missing,
                       "python": with_missing.astype(pd.StringDtype("python"))}), True),
        (pd.DataFrame({"a,b": ["x", "y"], 'q"': [1.5, 2.0]}), True),
        (pd.DataFrame({"t": pd.Series([None, np.nan], dtype=object), "x": [np.nan, np.nan]}), True),
        (pd.DataFrame({"t": ["", ""], "x": ["", ""]}), True),
        (pd.DataFrame({"t": pd.Series(["a", None, np.nan, pd.NA, "=b"], dtype=object), "x": range(5)}), True),
        (pd.DataFrame({"t": pd.Series(["a", b"x"], dtype=object), "x": [1, 2]}), False),  # bytes: b'x' as pandas
        (pd.DataFrame({"t": pd.Series(["a", True], dtype=object), "x": [1, 2]}), False),
        (pd.DataFrame({"t": pd.Series([], dtype="str"), "x": pd.Series([], dtype=float)}), True),
        # handed back to pandas: one column, mixed objects, lists, a categorical, float32, a number as a name
        (pd.DataFrame({"t": ["", "=a"]}), False),
        (pd.DataFrame({"t": ["a", "b"], "x": pd.Series([1, "=a"], dtype=object)}), False),
        (pd.DataFrame({"t": ["a", "b"], "x": pd.Series([[1], [2]], dtype=object)}), False),
        (pd.DataFrame({"t": pd.Categorical(["=a", "b"]), "x": [1, 2]}), False),
        (pd.DataFrame({"t": ["a", "b"], "x": np.array([0.1, 2.5], dtype=np.float32)}), False),
        (pd.DataFrame({0: ["a", "b"], "x": [1, 2]}), False),
    ]


@pytest.mark.parametrize(("frame", "plain"), frames())
def test_csv_bytes_are_pandas_to_csv_of_the_safe_frame(frame, plain):
    assert (_plain_csv(frame) is not None) == plain
    assert csv_bytes(frame) == pandas_bytes(frame)


def test_formula_like_text_gets_its_apostrophe_and_quoted_text_its_quotes():
    frame = pd.DataFrame({"owner": ["=HYPERLINK(\"http://x\",\"y\")", "An, Bình", "@SUM(1)"], "m2": [1.0, 2.5, -3.0]})
    text = csv_bytes(frame).decode("utf-8-sig")
    assert text == ('owner,m2\n"\'=HYPERLINK(""http://x"",""y"")",1.0\n"An, Bình",2.5\n\'@SUM(1),-3.0\n')
    assert list(csv.reader(io.StringIO(text)))[1:] == [["'=HYPERLINK(\"http://x\",\"y\")", "1.0"],
                                                       ["An, Bình", "2.5"], ["'@SUM(1)", "-3.0"]]


def test_a_float_is_written_as_numpy_prints_it():
    rng = np.random.default_rng(9214)
    bits = rng.integers(0, 2**64, 100_000, dtype=np.uint64).view(np.float64)
    scales = 10.0 ** rng.integers(-6, 14, 200_000)
    values = np.concatenate([
        bits,  # any double, NaN and infinities among them
        *[np.round(rng.uniform(-1, 1, 200_000) * scales, d) for d in range(6)],  # areas and shares as rounded
        np.round(rng.uniform(0, 100, 100_000), 2), np.arange(-1000, 1000) / 8,
        [0.0, -0.0, 1e16, 1e15, 1e12, 999_999_999_999.9, 1e12 - 0.001, 9_999_999_999_999_998.0, 1e-4, 9.999e-5,
         1e-5, 0.001, 0.0005, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1 / 3, 2.675, -2.675],
    ])
    fields = spreadsheet._float_fields(values).to_pylist()
    expected = values.astype(str).tolist()
    nan = np.isnan(values)
    assert [f for f, x in zip(fields, nan, strict=True) if x] == [""] * int(nan.sum())
    assert [f for f, x in zip(fields, nan, strict=True) if not x] == [e for e, x in zip(expected, nan, strict=True)
                                                                      if not x]


def test_the_csv_module_quotes_only_fields_with_a_character_the_column_writer_looks_for():
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoted = []
    for code in range(0x3100):
        if 0xD800 <= code < 0xE000:
            continue
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([chr(code) + "a", "b"])
        if buffer.getvalue() != chr(code) + "a,b\n":
            quoted.append(chr(code))
    assert quoted and all(_QUOTABLE.search(c) for c in quoted)
