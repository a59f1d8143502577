"""Finding parcels by sheet/parcel or by owner's name, accents optional: known answers on a small frame."""

from __future__ import annotations

import pandas as pd
import pytest

from gis.jobs.search import find_parcels, fold, has_accents, parse_sheet_parcel


@pytest.fixture
def parcels() -> pd.DataFrame:
    return pd.DataFrame({
        "sheet": [3, 3, 12, 12, 12, 7],
        "parcel_no": [16, 17, 345, 9, 8, 1],
        "owner": ["Nguyễn Văn An", "Nguyễn Văn Ân", "Nguyễn Văn Anh", "Đỗ Thị  Đào", None, "Nguyễn Văn An"],
    }, index=[10, 11, 12, 13, 14, 15])


def test_fold_strips_accents_case_and_spaces_and_turns_d_bar_into_d():
    assert fold("  Nguyễn  Văn Ấn ") == "nguyen van an"
    assert fold("Đỗ Thị Đào") == "do thi dao"
    assert fold(None) == "" and fold(float("nan")) == ""
    assert fold(12) == "12"


def test_has_accents():
    assert has_accents("Ân") and has_accents("đ")
    assert not has_accents("nguyen van an") and not has_accents("  An ")


@pytest.mark.parametrize(("query", "expected"), [
    ("12/345", (12, 345)), ("12 345", (12, 345)), ("12-345", (12, 345)), (" 3 , 16 ", (3, 16)),
    ("tờ 12 thửa 345", (12, 345)), ("Tờ bản đồ số 12 thửa số 345", (12, 345)), ("to 3 thua 16", (3, 16)),
    ("12", None), ("12/345/6", None), ("Nguyễn Văn An", None), ("", None),
])
def test_sheet_and_parcel_are_read_in_the_ways_officers_write_them(query, expected):
    assert parse_sheet_parcel(query) == expected


def test_a_sheet_parcel_query_finds_that_parcel_only(parcels):
    found = find_parcels(parcels, "tờ 12 thửa 345")
    assert (found.kind, found.labels, len(found)) == ("parcel", [12], 1)
    missing = find_parcels(parcels, "12/999")
    assert (missing.kind, missing.labels) == ("none", [])


def test_a_name_without_accents_finds_both_spellings_as_whole_words_sorted_by_sheet_and_parcel(parcels):
    found = find_parcels(parcels, "nguyen van an")
    assert found.kind == "owner"
    assert found.labels == [10, 11, 15]  # 3/16, 3/17, 7/1; not "Nguyễn Văn Anh"
    assert find_parcels(parcels, "van").labels == [10, 11, 15, 12]  # a word inside the name
    assert find_parcels(parcels, "do thi dao").labels == [13]  # double space in the data, đ as d


def test_a_name_typed_with_accents_matches_them_exactly(parcels):
    assert find_parcels(parcels, "Nguyễn Văn Ân").labels == [11]
    assert find_parcels(parcels, "nguyễn văn an").labels == [10, 15]  # case does not matter, accents do


def test_empty_queries_and_frames_without_the_columns_find_nothing(parcels):
    assert find_parcels(parcels, "   ").kind == "none"
    assert find_parcels(parcels, "Trần").kind == "none"
    no_owner = parcels.drop(columns="owner")
    assert find_parcels(no_owner, "An").kind == "none"
    assert find_parcels(no_owner, "3/16").labels == [10]
    no_numbers = parcels.drop(columns=["sheet", "parcel_no"])
    assert find_parcels(no_numbers, "3/16").kind == "none"  # a number pair, but read as a name: no one
    assert find_parcels(no_numbers, "van an").labels == [10, 11, 15]  # unsorted: the frame's order
