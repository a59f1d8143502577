"""The land-use code list against the circulars, legacy codes, unknown codes and mixed codes in summaries."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from gis.core import landuse
from gis.files import checks
from gis.files.schema import normalise_parcels
from gis.jobs import summary

# Thông tư 08/2024/TT-BTNMT, Phụ lục II mục A (the 2024 codes a parcel carries), names as written there,
# typed from the national land database catalogue and Luật Đất đai 2024 Điều 9 (see gis/core/landuse.py).
TT08_2024 = {
    "LUC": "Đất chuyên trồng lúa", "LUK": "Đất trồng lúa còn lại", "HNK": "Đất trồng cây hằng năm khác",
    "CLN": "Đất trồng cây lâu năm", "RDD": "Đất rừng đặc dụng", "RPH": "Đất rừng phòng hộ",
    "RSX": "Đất rừng sản xuất", "NTS": "Đất nuôi trồng thủy sản", "CNT": "Đất chăn nuôi tập trung",
    "LMU": "Đất làm muối", "NKH": "Đất nông nghiệp khác",
    "ONT": "Đất ở tại nông thôn", "ODT": "Đất ở tại đô thị", "TSC": "Đất xây dựng trụ sở cơ quan",
    "CQP": "Đất quốc phòng", "CAN": "Đất an ninh",
    "DVH": "Đất xây dựng cơ sở văn hóa", "DXH": "Đất xây dựng cơ sở xã hội", "DYT": "Đất xây dựng cơ sở y tế",
    "DGD": "Đất xây dựng cơ sở giáo dục và đào tạo", "DTT": "Đất xây dựng cơ sở thể dục, thể thao",
    "DKH": "Đất xây dựng cơ sở khoa học và công nghệ", "DMT": "Đất xây dựng cơ sở môi trường",
    "DKT": "Đất xây dựng cơ sở khí tượng thủy văn", "DNG": "Đất xây dựng cơ sở ngoại giao",
    "DSK": "Đất xây dựng công trình sự nghiệp khác",
    "SKK": "Đất khu công nghiệp", "SKN": "Đất cụm công nghiệp", "TMD": "Đất thương mại, dịch vụ",
    "SKC": "Đất cơ sở sản xuất phi nông nghiệp", "SKS": "Đất sử dụng cho hoạt động khoáng sản",
    "DGT": "Đất công trình giao thông", "DTL": "Đất công trình thủy lợi",
    "DCT": "Đất công trình cấp nước, thoát nước", "DPC": "Đất công trình phòng, chống thiên tai",
    "DDD": "Đất có di tích lịch sử - văn hóa, danh lam thắng cảnh, di sản thiên nhiên",
    "DRA": "Đất công trình xử lý chất thải", "DNL": "Đất công trình năng lượng, chiếu sáng công cộng",
    "DBV": "Đất công trình hạ tầng bưu chính, viễn thông, công nghệ thông tin",
    "DCH": "Đất chợ dân sinh, chợ đầu mối",
    "DKV": "Đất khu vui chơi, giải trí công cộng, sinh hoạt cộng đồng", "DCK": "Đất công trình công cộng khác",
    "TON": "Đất tôn giáo", "TIN": "Đất tín ngưỡng",
    "NTD": "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng; đất cơ sở lưu giữ tro cốt",
    "SON": "Đất có mặt nước dạng sông, ngòi, kênh, rạch, suối",
    "MNC": "Đất có mặt nước chuyên dùng dạng ao, hồ, đầm, phá", "PNK": "Đất phi nông nghiệp khác",
    "BCS": "Đất bằng chưa sử dụng", "DCS": "Đất đồi núi chưa sử dụng", "NCS": "Núi đá không có rừng cây",
    "MCS": "Đất có mặt nước chưa sử dụng",
}

# Thông tư 25/2014/TT-BTNMT, Phụ lục 01 (mã loại đất on cadastral maps), names as written there.
TT25_2014 = {
    "LUC": "Đất chuyên trồng lúa nước", "LUK": "Đất trồng lúa nước còn lại", "LUN": "Đất trồng lúa nương",
    "BHK": "Đất bằng trồng cây hàng năm khác", "NHK": "Đất nương rẫy trồng cây hàng năm khác",
    "CLN": "Đất trồng cây lâu năm", "RSX": "Đất rừng sản xuất", "RPH": "Đất rừng phòng hộ",
    "RDD": "Đất rừng đặc dụng", "NTS": "Đất nuôi trồng thủy sản", "LMU": "Đất làm muối",
    "NKH": "Đất nông nghiệp khác", "ONT": "Đất ở tại nông thôn", "ODT": "Đất ở tại đô thị",
    "TSC": "Đất xây dựng trụ sở cơ quan", "DTS": "Đất xây dựng trụ sở của tổ chức sự nghiệp",
    "DVH": "Đất xây dựng cơ sở văn hóa", "DXH": "Đất xây dựng cơ sở dịch vụ xã hội",
    "DYT": "Đất xây dựng cơ sở y tế", "DGD": "Đất xây dựng cơ sở giáo dục và đào tạo",
    "DTT": "Đất xây dựng cơ sở thể dục thể thao", "DKH": "Đất xây dựng cơ sở khoa học và công nghệ",
    "DNG": "Đất xây dựng cơ sở ngoại giao", "DSK": "Đất xây dựng công trình sự nghiệp khác",
    "CQP": "Đất quốc phòng", "CAN": "Đất an ninh", "SKK": "Đất khu công nghiệp", "SKT": "Đất khu chế xuất",
    "SKN": "Đất cụm công nghiệp", "TMD": "Đất thương mại, dịch vụ", "SKC": "Đất cơ sở sản xuất phi nông nghiệp",
    "SKS": "Đất sử dụng cho hoạt động khoáng sản", "SKX": "Đất sản xuất vật liệu xây dựng, làm đồ gốm",
    "DGT": "Đất giao thông", "DTL": "Đất thủy lợi", "DDT": "Đất có di tích lịch sử - văn hóa",
    "DDL": "Đất danh lam thắng cảnh", "DSH": "Đất sinh hoạt cộng đồng",
    "DKV": "Đất khu vui chơi, giải trí công cộng", "DNL": "Đất công trình năng lượng",
    "DBV": "Đất công trình bưu chính, viễn thông", "DRA": "Đất bãi thải, xử lý chất thải", "DCH": "Đất chợ",
    "DCK": "Đất công trình công cộng khác", "TON": "Đất cơ sở tôn giáo", "TIN": "Đất cơ sở tín ngưỡng",
    "NTD": "Đất nghĩa trang, nghĩa địa, nhà tang lễ, nhà hỏa táng", "SON": "Đất sông, ngòi, kênh, rạch, suối",
    "MNC": "Đất có mặt nước chuyên dùng", "PNK": "Đất phi nông nghiệp khác", "BCS": "Đất bằng chưa sử dụng",
    "DCS": "Đất đồi núi chưa sử dụng", "NCS": "Núi đá không có rừng cây",
}

# Codes the 2024 rules dropped or merged, and the 2024 code each maps to.
LEGACY = {"LUN": "LUK", "BHK": "HNK", "NHK": "HNK", "DTS": "DSK", "SKT": "SKK", "SKX": "SKC",
          "DDT": "DDD", "DDL": "DDD"}


def test_every_2024_code_has_its_name_of_the_circular():
    for code, name in TT08_2024.items():
        lu = landuse.LAND_USES[code]
        assert lu.name_vi == name, code
        assert lu.status == "current", code
        assert lu.group in landuse.GROUPS and lu.name_en, code


def test_every_2014_code_is_known_with_its_2014_name():
    for code, name in TT25_2014.items():
        lu = landuse.LAND_USES[code]
        assert (lu.name_vi_2014 or lu.name_vi) == name, code


def test_legacy_codes_map_to_their_2024_code_and_keep_its_group():
    for old, new in LEGACY.items():
        lu = landuse.LAND_USES[old]
        assert lu.status == "legacy" and landuse.current_code(old) == new, old
        assert landuse.group_of(old) == landuse.group_of(new), old
    assert landuse.current_code("HNK") == "HNK"
    assert all(landuse.LAND_USES[c].status != "legacy" for c in TT08_2024)


def test_every_row_is_complete_and_cites_a_circular():
    for code, lu in landuse.LAND_USES.items():
        assert len(code) == 3 and code.isupper() and code.isascii(), code
        assert lu.status in landuse.STATUSES and all(0 <= v <= 255 for v in lu.rgb), code
        assert "TT " in lu.source, code
        if lu.status == "legacy" and lu.maps_to:
            assert landuse.LAND_USES[lu.maps_to].status != "legacy", code


def test_known_colours_of_the_map_symbols():
    assert landuse.colour_of("LUC") == (255, 252, 140)
    assert landuse.colour_of("ONT") == (255, 208, 255)
    assert landuse.colour_of("DGT") == (255, 170, 50)
    assert landuse.colour_of("XYZ") == landuse.UNKNOWN_COLOUR


@pytest.mark.parametrize("code", ["DSH", "DCH", "DNL", "DBV", "DKV", "DRA", "DDT", "PNK", "BHK", "LUN", "dsh"])
def test_valid_codes_are_never_unknown(code):
    assert landuse.is_known(code)
    assert landuse.unknown_codes(code) == []
    assert landuse.group_of(code) is not None


def test_a_truly_unknown_code_is_unknown():
    assert not landuse.is_known("XYZ")
    assert landuse.unknown_codes("ONT+XYZ") == ["XYZ"]
    assert landuse.group_of("XYZ") is None and landuse.group_of("ONT+XYZ") is None


def test_public_land_uses_the_legal_wording():
    assert landuse.group_name("public") == "Đất sử dụng vào mục đích công cộng"
    assert landuse.group_name("public_service") == "Đất xây dựng công trình sự nghiệp"
    assert landuse.group_name("offices") == "Đất xây dựng trụ sở cơ quan"
    for code in ("DSH", "DCH", "DGT", "DTL", "DKV", "DNL", "DBV", "DRA"):
        assert landuse.group_of(code) == "public", code
    for code in ("DVH", "DYT", "DGD", "DTT"):
        assert landuse.group_of(code) == "public_service", code
    assert landuse.group_of("TSC") == "offices"


@pytest.mark.parametrize("value", ["ONT+CLN", "ont+cln", " ONT , CLN ", "ONT;CLN", "ONT CLN", "ONT/CLN"])
def test_mixed_values_parse_into_their_parts(value):
    assert landuse.split_codes(value) == ["ONT", "CLN"]
    assert landuse.normalise(value) == "ONT+CLN"
    assert landuse.is_mixed(value)
    assert landuse.label_of(value) == "ONT+CLN (hỗn hợp)"
    assert landuse.name_of(value) == "Đất ở tại nông thôn + Đất trồng cây lâu năm (hỗn hợp)"
    assert landuse.group_of(value) == "mixed"
    assert landuse.colour_of(value) == landuse.colour_of("ONT")  # documented: the first part's colour


def test_three_part_and_same_group_mixed_values():
    assert landuse.split_codes("ONT+CLN+LUK") == ["ONT", "CLN", "LUK"]
    assert landuse.group_of("ONT+CLN+LUK") == "mixed"
    assert landuse.group_of("LUC+LUK") == "rice"
    assert not landuse.is_mixed("ONT") and landuse.label_of("ONT") == "ONT"


def _parcels(rows):
    frame = gpd.GeoDataFrame(
        {"SHBANDO": [1] * len(rows), "SHTHUA": list(range(1, len(rows) + 1)),
         "MALOAIDAT": [r[0] for r in rows]},
        geometry=[r[1] for r in rows], crs="EPSG:9214")
    return normalise_parcels(frame, source="test")


def test_summary_rows_keep_mixed_values_apart():
    rows = [("ONT", box(0, 0, 20, 10)), ("ont+cln", box(20, 0, 50, 10)), ("ONT, CLN", box(50, 0, 60, 20)),
            ("CLN", box(60, 0, 100, 10)), ("DSH", box(0, 10, 30, 40)), ("XYZ", box(100, 0, 110, 10))]
    parcels = _parcels(rows)
    # independent: shapely areas in m², keyed by the whole value
    expected = {"ONT": 200.0, "ONT+CLN": 300.0 + 200.0, "CLN": 400.0, "DSH": 900.0, "XYZ": 100.0}
    got = summary.by_land_use(parcels)
    assert set(got.index) == set(expected)
    for key, m2 in expected.items():
        assert got[key] == pytest.approx(m2 / 10_000), key
    groups = summary.by_group(parcels)
    assert groups["mixed"] == pytest.approx(500.0 / 10_000)
    assert groups["residential"] == pytest.approx(200.0 / 10_000)
    assert groups["public"] == pytest.approx(900.0 / 10_000)
    assert groups["unknown"] == pytest.approx(100.0 / 10_000)


def test_checks_flag_only_truly_unknown_codes():
    rows = [("DSH", box(0, 0, 10, 10)), ("DCH", box(10, 0, 20, 10)), ("DDT+PNK", box(20, 0, 30, 10)),
            ("XYZ", box(30, 0, 40, 10))]
    frame = gpd.GeoDataFrame({"SHBANDO": [1] * 4, "SHTHUA": [1, 2, 3, 4], "MALOAIDAT": [r[0] for r in rows]},
                             geometry=[r[1] for r in rows], crs="EPSG:9214")
    report = checks.check_parcels(frame, layer="test")
    unknown = report.problems[report.problems["kind"] == "unknown_land_use"]
    assert len(unknown) == 1 and "XYZ" in unknown["detail_vi"].iloc[0]
