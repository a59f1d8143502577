"""Administrative units of 2025: the merger list against the resolution, the words, and the printed sheet and
report read back (the current unit named as such, every former one marked "cũ")."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pyogrio
import pypdf
import pytest
import shapely
import vn_files as vf
from conftest import PRINTED_ON, ReportPdf

from gis.files import admin_units as au
from gis.files.io import BUILTIN_DATA_DIR, load_dataset
from gis.printing.maps import export_map

#: Nghị quyết 1658/NQ-UBTVQH15, Điều 1 khoản 62, typed from the resolution's text, with the former units'
#: GSO codes (huyện Hiệp Hòa 223, tỉnh Bắc Giang 24) and their ids in the 2009 census map.
RESOLUTION_62 = {
    ("thị trấn", "Thắng"): ("07840", 2210901),
    ("xã", "Đông Lỗ"): ("07879", 2210945),
    ("xã", "Đoan Bái"): ("07867", 2210939),
    ("xã", "Danh Thắng"): ("07861", 2210937),
    ("xã", "Lương Phong"): ("07846", 2210927),
}
BUILTIN_UNIT = {
    "current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh", "commune_code": "07840",
                "province_code": "24"},
    "former": {"level": "xã", "name": "Lương Phong", "district": "Hiệp Hòa", "province": "Bắc Giang"},
}
#: Former units that must never be named without "cũ" (in capitals on titles, so matched case-blind).
FORMER = ("huyện hiệp hòa", "tỉnh bắc giang", "xã lương phong")
DAY = dt.date(2026, 11, 27)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def unmarked_former(text: str) -> list[str]:
    """Each mention of a former unit in ``text`` not followed by "cũ" within its phrase (before a bracket,
    dash, full stop or semicolon, and within 25 characters: "(huyện Hiệp Hòa, tỉnh Bắc Giang cũ)" and "xã Lương
    Phong (cũ)" pass)."""
    low = flat(text).lower()
    bad = []
    for name in FORMER:
        for m in re.finditer(re.escape(name), low):
            if not re.match(r"[^()—;.\n]{0,25}?\(?\bcũ\b", low[m.end():]):
                bad.append(low[max(0, m.start() - 30):m.end() + 30])
    return bad


# -- the merger list --------------------------------------------------------------------------------------


def test_merger_file_matches_the_resolution():
    (merger,) = [m for m in au.mergers() if m.unit.commune_code == "07840"]
    assert (merger.unit.level, merger.unit.name, merger.unit.province, merger.unit.province_code) == \
        ("xã", "Hiệp Hòa", "Bắc Ninh", "24")
    assert merger.resolution == "1658/NQ-UBTVQH15"
    assert merger.adopted == dt.date(2025, 6, 16) and merger.effective == dt.date(2025, 7, 1)
    assert merger.clause == "Điều 1, khoản 62"
    assert merger.source() == "Nghị quyết số 1658/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội"
    got = {(f.level, f.name): (f.code, f.census_id) for f in merger.former}
    assert got == RESOLUTION_62
    for f in merger.former:
        assert (f.district, f.district_code, f.province, f.province_code) == ("Hiệp Hòa", "223", "Bắc Giang", "24")
        assert f.label().endswith(" cũ")


def test_census_ids_name_the_same_communes():
    """The census ids in the merger file point at the communes of the same names in the 2009 outlines."""
    census = pyogrio.read_dataframe(au.CENSUS_OUTLINES)
    names = dict(zip(census["commune_id"].astype(int), census["name_vn"], strict=True))
    for (level, name), (_, census_id) in RESOLUTION_62.items():
        assert names[census_id] == f"{level.capitalize()} {name}"


def test_new_commune_outline_lies_in_bac_ninh():
    """The inset's new commune: the five 2009 outlines joined (census areas 125 + 1 266 + 937 + 1 142 +
    1 715 = 5 185 ha), inside the 2025 outline of Bắc Ninh (4 718,6 km² published)."""
    unit = au.from_dict(BUILTIN_UNIT)
    located = au.location(unit, "EPSG:9214")
    assert located is not None
    province, commune = located
    assert commune.geom_type == "Polygon" and not list(commune.interiors)
    assert commune.area / 1e4 == pytest.approx(5185, rel=0.02)
    assert float(province.area.sum()) / 1e6 == pytest.approx(4718.6, rel=0.01)
    assert shapely.union_all(province.to_numpy()).contains(commune.buffer(-100))
    # Lương Phong's centroid (domain notes: E 397 333, N 2 361 018) is in the new commune
    assert commune.contains(shapely.Point(397_333, 2_361_018))


# -- the words --------------------------------------------------------------------------------------------


def test_words_of_the_builtin_unit():
    unit = au.from_dict(BUILTIN_UNIT)
    assert au.title(unit) == "xã Hiệp Hòa, tỉnh Bắc Ninh"
    assert au.coverage(unit) == "địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)"
    assert au.full(unit) == "xã Hiệp Hòa, tỉnh Bắc Ninh — địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)"
    assert au.committee(unit) == "ỦY BAN NHÂN DÂN XÃ HIỆP HÒA"
    assert au.council(unit) == "HỘI ĐỒNG NHÂN DÂN XÃ HIỆP HÒA"
    assert au.MOTTO == ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    assert au.title(unit, "en") == "Hiệp Hòa commune, Bắc Ninh province"
    assert au.coverage(unit, "en") == "the area of the former Lương Phong commune (former Hiệp Hòa district, " \
                                      "Bắc Giang province)"
    assert au.from_dict(unit.to_dict()) == unit
    assert not unmarked_former(au.full(unit))


def test_unit_of_today_has_no_coverage():
    unit = au.from_dict({"current": {"level": "phường", "name": "Kinh Bắc", "province": "Bắc Ninh"}, "former": None})
    assert unit is not None and unit.former is None
    assert au.title(unit) == "phường Kinh Bắc, tỉnh Bắc Ninh"
    assert au.coverage(unit) == "" and au.full(unit) == au.title(unit)
    assert au.committee(unit) == "ỦY BAN NHÂN DÂN PHƯỜNG KINH BẮC"
    assert au.location(unit, "EPSG:9214") is None  # not in the merger list: no inset of its own


@pytest.mark.parametrize("bad", [
    {"former": {"level": "xã", "name": "Lương Phong"}},                       # no current unit
    {"current": {"level": "xã", "name": "", "province": "Bắc Ninh"}},          # no name
    {"current": {"level": "huyện", "name": "Hiệp Hòa", "province": "Bắc Ninh"}},  # no district level any more
    {"current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh"}, "former": "Lương Phong"},
])
def test_a_malformed_unit_is_refused_in_both_languages(bad):
    with pytest.raises(au.AdminUnitError) as err:
        au.from_dict(bad)
    assert err.value.vi and err.value.en and err.value.vi != err.value.en


def test_app_title_and_page_heading_words():
    unit = au.from_dict(BUILTIN_UNIT)
    assert au.app_title(unit, "shapefiles") == "Bản đồ đất đai xã Hiệp Hòa"
    assert au.app_title(unit, "shapefiles", "en") == "Land map of Hiệp Hòa commune"
    assert au.app_title(None, "thua_dat-20261127") == "Bản đồ đất đai — thua_dat-20261127"
    assert au.heading(unit) == ("xã Hiệp Hòa", "Địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)")
    assert au.heading(None) == ("khu vực dữ liệu", "")
    # the app's title is made from the dataset in use: the built-in folder's unit
    assert au.app_title(au.of_folder(BUILTIN_DATA_DIR), au.dataset_name(BUILTIN_DATA_DIR)) == \
        "Bản đồ đất đai xã Hiệp Hòa"


def test_builtin_dataset_carries_its_unit():
    data = json.loads((BUILTIN_DATA_DIR / "dataset.json").read_text(encoding="utf-8"))
    assert data["name"] == "Dữ liệu minh họa — xã Hiệp Hòa (địa bàn xã Lương Phong cũ)" and data["admin_unit"] == BUILTIN_UNIT
    dataset = load_dataset()
    assert au.of_dataset(dataset) == au.from_dict(BUILTIN_UNIT)
    assert au.place(dataset) == "xã Hiệp Hòa, tỉnh Bắc Ninh"


# -- printed, read back -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landuse_text(landuse_sheet: Path) -> str:
    """The text of the land-use sheet of the built-in data, A3, on DAY (drawn once per test run:
    ``conftest.landuse_sheet``, read here and in tests/test_cartography.py)."""
    assert DAY.isoformat() == PRINTED_ON
    return flat(pypdf.PdfReader(landuse_sheet).pages[0].extract_text())


@pytest.fixture(scope="module")
def report_pages(report_pdf: ReportPdf) -> list[str]:
    """The pages' text of the report made through the command line on DAY with no workspace (made and read once
    per test run: ``conftest.report_pdf``, read here and in tests/test_report.py)."""
    assert DAY.isoformat() == PRINTED_ON
    return [flat(text) for text in report_pdf.texts]


def test_sheet_names_the_current_unit_and_the_former_ones_as_former(landuse_text):
    assert "BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM 2024 — XÃ HIỆP HÒA, TỈNH BẮC NINH" in landuse_text
    assert "Địa bàn xã Lương Phong cũ (huyện Hiệp Hòa, tỉnh Bắc Giang cũ)" in landuse_text
    assert "Xã Hiệp Hòa trong tỉnh Bắc Ninh" in landuse_text  # the inset
    assert "Ranh giới xã Lương Phong cũ" in landuse_text  # the boundary drawn is the former commune's
    assert "Hệ tọa độ VN-2000, kinh tuyến trục 107°00', múi chiếu 3°" in landuse_text  # the survey's zone
    assert unmarked_former(landuse_text) == []
    assert "huyện hiệp hòa" in landuse_text.lower() and "tỉnh bắc giang" in landuse_text.lower()


def test_report_names_the_current_unit_and_the_former_ones_as_former(report_pages):
    cover = report_pages[0]
    assert "ỦY BAN NHÂN DÂN XÃ HIỆP HÒA" in cover
    assert "Hiệp Hòa, ngày 27 tháng 11 năm 2026" in cover
    assert "Trình kỳ họp Hội đồng nhân dân xã Hiệp Hòa" in cover
    assert "Diện tích tự nhiên của xã Lương Phong cũ (ha)" in cover
    for page in report_pages[1:]:  # every map and every targets page carries the current unit
        assert "XÃ HIỆP HÒA, TỈNH BẮC NINH" in page, page[:120]
    targets = [p for p in report_pages if "BẢNG ĐÁNH GIÁ THỰC HIỆN CHỈ TIÊU" in p]
    assert "Kế hoạch năm 2024 của xã Lương Phong (cũ)" in targets[0]
    for n, page in enumerate(report_pages, start=1):
        assert unmarked_former(page) == [], f"page {n}"
    assert any("tỉnh bắc giang cũ" in p.lower() for p in report_pages)


def test_a_dataset_without_a_unit_is_titled_by_its_own_name(tmp_path):
    """An import that records no unit: its sheet says its name, never the built-in data's unit."""
    folder = tmp_path / "imports" / "thua_dat-20261127"
    folder.mkdir(parents=True)
    pyogrio.write_dataframe(vf.parcels(), folder / "parcels.gpkg", layer="parcels", driver="GPKG")
    (folder / "source.json").write_text(json.dumps({"name": "Thửa đất thôn Sơn Quả", "file": "thua_dat.shp"},
                                                   ensure_ascii=False), encoding="utf-8")
    dataset = load_dataset(folder)
    assert au.of_dataset(dataset) is None and au.place(dataset) == "Thửa đất thôn Sơn Quả"
    out = tmp_path / "sheet.pdf"
    result = export_map(dataset, out, theme="landuse", paper="A4", day=DAY)
    assert result.title == "BẢN ĐỒ HIỆN TRẠNG SỬ DỤNG ĐẤT NĂM 2026 — THỬA ĐẤT THÔN SƠN QUẢ"
    text = flat(pypdf.PdfReader(out).pages[0].extract_text()).lower()
    for word in ("hiệp hòa", "bắc ninh", "bắc giang", "lương phong", "địa bàn"):
        assert word not in text, word


def test_plan_is_labelled_as_the_former_communes():
    from gis.jobs.targets.plan import load_plan

    plan = load_plan(None)
    assert plan.unit == "xã Lương Phong (cũ)"
    assert plan.label("vi") == "Kế hoạch năm 2024 của xã Lương Phong (cũ)"
    assert plan.label("en") == "2024 plan of the former Lương Phong commune"


def test_reference_outline_files_are_documented():
    readme = (Path(au.REFERENCE_DIR) / "README.md").read_text(encoding="utf-8")
    for path in (au.CENSUS_OUTLINES, *au.PROVINCE_OUTLINES.values()):
        assert path.is_file() and f"## {path.name}" in readme
