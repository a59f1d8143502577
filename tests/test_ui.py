"""The pages' shared look: number tables in the user's convention, the style sheet per language."""

from __future__ import annotations

import pandas as pd

from app_pages.ui import VIETNAMESE_PART, number_table, style_css
from gis.core.text import short_number


def test_number_table_shows_each_language_and_keeps_numbers():
    frame = pd.DataFrame({"Thôn": ["Chùa", "Cấm", "Giữa"], "Diện tích (ha)": [1234.5, 40.48, None],
                          "Số thửa": [1200, 7, 30]})
    vi = number_table(frame, {"Diện tích (ha)": 2, "Số thửa": 0}, lang="vi")
    assert pd.api.types.is_float_dtype(vi.data["Diện tích (ha)"])  # the values sort as numbers
    assert pd.api.types.is_integer_dtype(vi.data["Số thửa"])
    text = vi.to_string(delimiter="|")
    assert "1.234,50" in text and "40,48" in text and "1.200" in text and "—" in text
    en = number_table(frame, {"Diện tích (ha)": 2}, lang="en", suffix={"Diện tích (ha)": " ha"}).to_string()
    assert "1,234.50 ha" in en and "40.48 ha" in en
    assert frame["Diện tích (ha)"].iloc[0] == 1234.5  # the input is left as it was


def test_the_vietnamese_words_are_left_out_in_english():
    vi, en = style_css("vi"), style_css("en")
    assert VIETNAMESE_PART in vi and "Kéo thả tệp vào đây" in vi and '--lp-upload-mb:"200"' in vi
    assert VIETNAMESE_PART not in en and "Kéo thả" not in en
    assert "padding-top" in en  # the layout applies in both


def test_short_number_drops_trailing_zeros_in_each_convention():
    assert short_number(30.0, lang="vi") == "30"
    assert short_number(0.5, lang="vi") == "0,5" and short_number(0.5, lang="en") == "0.5"
    assert short_number(1250.25, lang="vi") == "1.250,25" and short_number(1250.25, lang="en") == "1,250.25"
