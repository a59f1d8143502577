"""CRS: VN-2000 TM-3 recognised by its parameters, the two common .prj faults found and measured, provinces."""

from __future__ import annotations

from pathlib import Path

import pytest
import vn_files as vf
from pyproj import CRS

from gis.core.crs import TM3_EPSG, VN2000_TOWGS84, VN2000_TOWGS84_PUBLISHED, offset_m, tm3_crs, vn2000_tm3_proj
from gis.core.crs_faults import analyse_crs, apply_fix
from gis.core.errors import CrsError
from gis.core.placement import guess_from_coordinates
from gis.core.provinces import MERGED_PROVINCES, PROVINCES, choices, find_province
from gis.files.io import BUILTIN_DATA_DIR
from gis.files.placing import place
from gis.files.sources import read_source

BARE = "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))


def test_builtin_esri_prj_is_recognised_as_epsg_9214() -> None:
    prj = (BUILTIN_DATA_DIR / "parcels.prj").read_text()
    finding = analyse_crs(prj)
    assert finding.status == "ok" and finding.epsg == 9214 and finding.label == "EPSG:9214"


@pytest.mark.parametrize("text", [vf.PRJ_RIGHT, vn2000_tm3_proj(107), "EPSG:9214"])
def test_right_definitions_are_ok(text: str) -> None:
    finding = analyse_crs(text)
    assert finding.status == "ok" and finding.epsg == 9214 and not finding.fault


def test_wrong_rotation_signs_are_found_and_measured() -> None:
    finding = analyse_crs(vf.PRJ_WRONG_SIGNS, at=(397_333.0, 2_361_018.0))
    assert finding.status == "wrong_rotation_signs" and finding.fault
    assert 0.5 <= finding.offset_m <= 0.8
    assert "ngược dấu" in finding.message_vi and "0,76 m" in finding.message_vi
    assert finding.epsg == 9214


def test_wrong_signs_in_a_proj_string_too() -> None:
    finding = analyse_crs(vn2000_tm3_proj(107).replace(VN2000_TOWGS84, VN2000_TOWGS84_PUBLISHED))
    assert finding.status == "wrong_rotation_signs" and 0.5 <= finding.offset_m <= 0.8


@pytest.mark.parametrize("text", [vf.PRJ_NO_SHIFT, BARE])
def test_no_datum_shift_is_found_about_224_m(text: str) -> None:
    finding = analyse_crs(text, at=(397_333.0, 2_361_018.0))
    assert finding.status == "no_datum_shift"
    assert 220 <= finding.offset_m <= 228
    assert "224 m" in finding.message_vi


def test_the_offset_is_measured_where_the_data_is() -> None:
    # farther south (Hồ Chí Minh City) the same wrong signs put the data farther off: about 1.3 m
    finding = analyse_crs(vn2000_tm3_proj(105.75).replace(VN2000_TOWGS84, VN2000_TOWGS84_PUBLISHED),
                          at=(600_000.0, 1_190_000.0))
    assert finding.status == "wrong_rotation_signs" and 1.0 < finding.offset_m < 1.6


def test_fix_only_with_consent() -> None:
    frame = vf.parcels(crs=None).set_crs(CRS(BARE))
    finding = analyse_crs(BARE)
    assert apply_fix(frame, finding, consent=False).crs == frame.crs
    fixed = apply_fix(frame, finding, consent=True)
    assert fixed.crs.to_epsg() == 9214
    assert fixed.geometry.equals(frame.geometry)  # the coordinates stay; the declaration changes


def test_shapefile_with_wrong_signs_reported_and_fixed_on_consent(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, prj=vf.PRJ_WRONG_SIGNS))
    assert source.crs.status == "wrong_rotation_signs" and 0.5 <= source.crs.offset_m <= 0.8
    frame, notes = place(source)
    assert any("Chưa sửa" in vi for vi, _ in notes)
    frame, notes = place(source, fix_crs=True)
    assert frame.crs.to_epsg() == 9214
    assert any("Đã sửa" in vi for vi, _ in notes)


def test_shapefile_with_no_datum_shift_moves_224_m_when_fixed(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, prj=vf.PRJ_NO_SHIFT))
    assert source.crs.status == "no_datum_shift" and 220 <= source.crs.offset_m <= 228
    before, _ = place(source)
    after, _ = place(source, fix_crs=True)
    a = before.to_crs(4326).geometry.iloc[0].centroid
    b = after.to_crs(4326).geometry.iloc[0].centroid
    from pyproj import Geod

    assert 220 <= Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)[2] <= 228


def test_wgs84_utm_is_a_crs_in_its_own_right() -> None:
    assert analyse_crs("EPSG:32648").status == "other"
    assert analyse_crs("EPSG:4326").status == "geographic"
    assert analyse_crs(None).status == "missing"


def test_vn2000_utm_is_recognised() -> None:
    assert analyse_crs("EPSG:3405").epsg == 3405


def test_a_broken_prj_says_what_to_do() -> None:
    with pytest.raises(CrsError) as err:
        analyse_crs("PROJCS[nonsense")
    assert "Hãy" in err.value.vi


@pytest.mark.parametrize(("bounds", "kind"), [
    ((397_000, 2_361_000, 398_000, 2_362_000), "tm3"),
    ((2_361_000, 397_000, 2_362_000, 398_000), "tm3_swapped"),
    ((106.0, 21.3, 106.1, 21.4), "degrees"),
    ((21.3, 106.0, 21.4, 106.1), "degrees_swapped"),
    ((0, 0, 100, 100), "unknown"),
])
def test_coordinates_recognised_by_range(bounds: tuple[float, float, float, float], kind: str) -> None:
    assert guess_from_coordinates(bounds).kind == kind


def test_custom_zones_carry_the_right_datum_shift() -> None:
    hanoi = tm3_crs(find_province("Hà Nội").central_meridian)
    assert hanoi.to_epsg(min_confidence=100) is None
    assert analyse_crs(hanoi.to_wkt()).status == "ok"
    same = offset_m(hanoi, CRS.from_epsg(5897), (500_000.0, 2_330_000.0))  # zone 482 has the same parameters
    assert same < 0.01


def test_every_epsg_zone_matches_its_meridian() -> None:
    for meridian, code in TM3_EPSG.items():
        crs = CRS.from_epsg(code)
        lon_0 = [p.value for p in crs.coordinate_operation.params if p.name == "Longitude of natural origin"][0]
        assert lon_0 == meridian and "VN-2000" in crs.name


def test_all_provinces_listed() -> None:
    assert len(PROVINCES) == 63 and len(MERGED_PROVINCES) == 34
    assert len(choices()) == 63
    merged_parts = sorted(p for m in MERGED_PROVINCES.values() for p in m.former)
    assert merged_parts == sorted(p.name for p in PROVINCES.values())


def test_province_epsg_agrees_with_epsg_area_of_use() -> None:
    import unicodedata

    def plain(text: str) -> str:
        text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
        return "".join(c for c in text if unicodedata.category(c) != "Mn").replace(" - ", "-").lower()

    for province in PROVINCES.values():
        code = province.epsg
        if code is None:
            assert province.central_meridian in (105.0, 108.0)
            continue
        area = plain(CRS.from_epsg(code).area_of_use.name).replace("-", " ")
        name = plain(province.name).replace("-", " ").replace("thua thien hue", "thua thien hue")
        short = {"ho chi minh": "ho chi minh", "ba ria vung tau": "ba ria vung tau",
                 "thua thien hue": "thua thien hue"}.get(name, name)
        assert short.split()[-1] in area, (province.name, code, area)


@pytest.mark.parametrize(("name", "meridian"), [
    ("Bắc Giang", 107.0), ("bac giang", 107.0), ("Tỉnh Bắc Giang", 107.0), ("Huế", 107.0),
    ("Bắc Ninh cũ", 105.5), ("Lào Cai", 104.75), ("TP. Hồ Chí Minh cũ", 105.75), ("Hà Nội", 105.0),
])
def test_find_province(name: str, meridian: float) -> None:
    assert find_province(name).central_meridian == meridian


def test_a_merged_province_with_two_zones_asks_which_former_one() -> None:
    with pytest.raises(CrsError) as err:
        find_province("Bắc Ninh")
    assert "Bắc Giang (107°00')" in err.value.vi and "Bắc Ninh (105°30')" in err.value.vi


def test_an_unknown_province() -> None:
    with pytest.raises(CrsError) as err:
        find_province("Atlantis")
    assert "python -m gis provinces" in err.value.vi
