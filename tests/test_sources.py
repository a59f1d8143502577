"""Reading every format officers have: text, CRS and areas come back right (files written in code)."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest
import vn_files as vf
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.core.errors import CrsError, SchemaError
from gis.files.codecs import VIETNAMESE_LETTERS, decode, encode
from gis.files.field_mapping import apply_mapping, map_fields
from gis.files.formats import detect_format
from gis.files.placing import place
from gis.files.sources import read_source
from gis.files.tables import parse_number


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "ws" / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(ws))
    return ws.parent


def _areas_ha(frame) -> list[float]:
    return [round(a / 10_000, 3) for a in frame.geometry.area]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258", "tcvn3", "vni"])
def test_shapefile_text_in_every_encoding_reads_back(tmp_path: Path, encoding: str) -> None:
    path = vf.shapefile(tmp_path, encoding=encoding)
    source = read_source(path)
    assert source.format == "shapefile"
    assert source.encoding is not None and source.encoding.encoding == encoding
    assert source.frame["TENCHU"].tolist() == vf.OWNERS
    assert source.frame["DIACHI"].iloc[0] == vf.ADDRESS
    assert source.crs.status == "ok" and source.crs.epsg == 9214
    frame, _ = place(source)
    assert frame.crs.to_epsg() == 9214
    assert _areas_ha(frame) == [1.0] * 6


def test_cp1258_with_combining_accents_is_normalised_to_nfc(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, encoding="cp1258"))
    assert all(unicodedata.is_normalized("NFC", v) for v in source.frame["TENCHU"])


def test_a_wrong_cpg_does_not_mangle_tcvn3_text(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, encoding="tcvn3", cpg="UTF-8"))
    assert source.frame["TENCHU"].tolist() == vf.OWNERS
    assert source.encoding is not None and source.encoding.declared == "UTF-8"
    assert ".cpg" in source.encoding.text("en")


def test_the_encoding_can_be_overridden(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, encoding="tcvn3"), encoding="vni")
    assert source.encoding is not None and source.encoding.overridden and source.encoding.encoding == "vni"
    assert source.frame["TENCHU"].tolist() != vf.OWNERS


def test_zipped_shapefile_in_a_subfolder(tmp_path: Path) -> None:
    source = read_source(vf.zipped_shapefile(tmp_path, encoding="vni"))
    assert source.path.suffix == ".zip"
    assert source.frame["TENCHU"].tolist() == vf.OWNERS
    assert source.crs.epsg == 9214
    assert not list((tmp_path / "ws" / "tmp").iterdir())  # unpacked copy removed


def test_shapefile_without_prj_is_recognised_by_range_and_placed_by_province(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path, prj=None))
    assert source.crs.status == "missing"
    assert source.guess is not None and source.guess.kind == "tm3"
    with pytest.raises(CrsError) as err:
        place(source)
    assert "tỉnh" in err.value.vi
    frame, notes = place(source, province="Bắc Giang")
    assert frame.crs.to_epsg() == 9214
    assert _areas_ha(frame) == [1.0] * 6


def test_geopackage_with_two_layers_picks_the_parcels(tmp_path: Path) -> None:
    source = read_source(vf.geopackage(tmp_path))
    assert source.format == "gpkg" and set(source.layers) == {"ThuaDat", "Diem"}
    assert source.layer == "ThuaDat"
    fields = map_fields(list(source.frame.columns))
    assert fields.mapping["SoHieuToBanDo"] == "sheet" and fields.mapping["KyHieuMucDichSuDung"] == "land_use"
    assert source.frame["TENCHU"].tolist() == vf.OWNERS


def test_geojson_in_degrees_is_reprojected_to_the_province_zone(tmp_path: Path) -> None:
    source = read_source(vf.geojson(tmp_path))
    assert source.format == "geojson" and source.crs.status == "geographic"
    frame, _ = place(source, province="bac giang")
    assert frame.crs.to_epsg() == 9214
    assert _areas_ha(frame) == [1.0] * 6
    assert source.frame["TENCHU"].tolist() == vf.OWNERS


def test_esri_json_from_an_arcgis_portal(tmp_path: Path) -> None:
    source = read_source(vf.esri_json(tmp_path))
    assert source.format == "esrijson"
    assert source.crs.epsg == 9214
    frame, _ = place(source)
    assert _areas_ha(frame) == [1.0] * 6
    assert source.frame["TENCHU"].tolist() == vf.OWNERS


@pytest.mark.parametrize("maker", [vf.kml, vf.kmz])
def test_kml_and_kmz(tmp_path: Path, maker) -> None:
    source = read_source(maker(tmp_path))
    assert source.format == maker.__name__
    assert source.frame["TENCHU"].tolist() == vf.OWNERS
    assert "tessellate" not in source.frame.columns
    frame, _ = place(source, province="Bắc Giang")
    assert _areas_ha(frame) == [1.0] * 6


def test_dxf_parcels_get_their_text_labels(tmp_path: Path) -> None:
    source = read_source(vf.dxf(tmp_path))
    assert source.format == "dxf"
    assert source.crs.status == "missing" and source.guess is not None and source.guess.kind == "tm3"
    assert source.frame.geometry.geom_type.tolist() == ["Polygon"] * 6
    assert source.frame["SHTHUA"].tolist() == list(range(1, 7))
    assert source.frame["MALOAIDAT"].tolist() == vf.CODES
    frame, _ = place(source, province="Bắc Giang")
    assert _areas_ha(frame) == [1.0] * 6


def test_dgn_v7_written_through_gdal(tmp_path: Path) -> None:
    path = vf.dgn(tmp_path)
    assert path.read_bytes()[:2] in (b"\x08\x09", b"\xc8\x09")  # a DGN v7 header element
    source = read_source(path)
    assert source.format == "dgn"
    assert source.frame.geometry.geom_type.tolist() == ["Polygon"] * 6
    frame, _ = place(source, province="Bắc Giang")
    assert _areas_ha(frame) == [1.0] * 6


@pytest.mark.parametrize("encoding", ["utf-8", "tcvn3", "vni", "cp1258"])
def test_csv_coordinate_table_with_x_northing(tmp_path: Path, encoding: str) -> None:
    source = read_source(vf.csv_table(tmp_path, encoding=encoding, decimal_comma=encoding == "tcvn3"))
    assert source.format == "csv_table"
    assert source.encoding is not None and source.encoding.encoding == encoding
    assert "X là tọa độ Bắc" in (source.axes_vi or "")
    assert source.frame["Chủ sử dụng"].tolist() == vf.OWNERS
    frame, _ = place(source, province="Bắc Giang")
    assert _areas_ha(frame) == [1.0] * 6
    assert frame.geometry.iloc[0].bounds == (vf.E0, vf.N0, vf.E0 + 100, vf.N0 + 100)


def test_xlsx_coordinate_table_typed_in_a_tcvn3_font(tmp_path: Path) -> None:
    source = read_source(vf.xlsx_table(tmp_path, tcvn3_font=True))
    assert source.format == "xlsx_table" and source.layer == "Toa do"
    assert source.encoding is not None and source.encoding.encoding == "tcvn3"
    # a capital with a tone was typed in the caps font (.VnTimeH) and reads back in lower case: Ỷ -> ỷ
    expected = [name if "Ỷ" not in name else name.replace("Ỷ", "ỷ") for name in vf.OWNERS]
    assert source.frame["Chủ sử dụng"].tolist() == expected
    frame, _ = place(source, province="Bắc Giang")
    assert _areas_ha(frame) == [1.0] * 6


def test_field_mapping_step_for_unknown_names(tmp_path: Path) -> None:
    frame = vf.parcels().rename(columns={"SHBANDO": "So_To_BD", "MALOAIDAT": "Ma_LD"})
    fields = map_fields(list(frame.columns))
    assert set(fields.missing) == {"sheet", "land_use"}
    fields = map_fields(list(frame.columns), {"So_To_BD": "sheet", "land_use": "Ma_LD"})
    assert fields.missing == ()
    out = apply_mapping(frame, fields)
    assert {"SHBANDO", "MALOAIDAT"} <= set(out.columns)
    with pytest.raises(SchemaError) as err:
        map_fields(list(frame.columns), {"Khong_co": "sheet"})
    assert "Khong_co" in err.value.vi


def test_user_choice_wins_over_a_known_name() -> None:
    columns = ["SHTHUA", "SoThuaMoi", "SHBANDO", "MALOAIDAT"]
    fields = map_fields(columns, {"SoThuaMoi": "parcel_no"})
    assert fields.mapping["SoThuaMoi"] == "parcel_no" and "SHTHUA" not in fields.mapping


def test_several_land_use_codes_are_kept(tmp_path: Path) -> None:
    source = read_source(vf.shapefile(tmp_path))
    assert source.frame["MALOAIDAT"].iloc[1] == "ONT+CLN"


@pytest.mark.parametrize(("text", "value"), [("2361018.25", 2361018.25), ("2361018,25", 2361018.25),
                                              ("2.361.018,25", 2361018.25), ("2 361 018.25", 2361018.25),
                                              ("2,361,018.25", 2361018.25), ("", float("nan"))])
def test_numbers_as_surveyors_write_them(text: str, value: float) -> None:
    got = parse_number(text)
    assert got == value or (got != got and value != value)


def test_formats_by_extension_and_content(tmp_path: Path) -> None:
    assert detect_format(vf.esri_json(tmp_path)) == "esrijson"
    renamed = vf.geojson(tmp_path).rename(tmp_path / "x.json")
    assert detect_format(renamed) == "geojson"


def test_glibc_iconv_agrees_with_our_tcvn3_table() -> None:
    text = "Lương Phong, Hiệp Hòa: Nguyễn Văn Ước, Đỗ Đức Mạnh, thửa đất trồng lúa"
    out = subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=text.encode(), capture_output=True,
                         check=True).stdout
    assert out == encode(text, "tcvn3")


vietnamese = st.text(alphabet=st.sampled_from(sorted(VIETNAMESE_LETTERS) + list(" ,.0123456789")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(vietnamese)
def test_round_trip_any_vietnamese_text(text: str) -> None:
    for encoding in ("utf-8", "cp1258", "tcvn3", "vni"):
        assert decode(encode(text, encoding), encoding) == unicodedata.normalize("NFC", text)
