"""``python -m gis inspect`` and ``python -m gis import``: reports, datasets that load like the built-in data,
and a message in Vietnamese (never a traceback) for every bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import vn_files as vf

from gis.__main__ import main
from gis.files.io import load_dataset

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_inspect_json_for_a_tcvn3_shapefile_with_wrong_signs(tmp_path: Path, ws: Path, capsys) -> None:
    path = vf.shapefile(tmp_path / "in", encoding="tcvn3", prj=vf.PRJ_WRONG_SIGNS)
    code, out, _ = _run(capsys, "inspect", str(path), "--json")
    report = json.loads(out)
    assert code == 0
    assert report["format"] == "shapefile" and report["feature_count"] == 6
    assert report["encoding"] == "TCVN3 (ABC)"
    assert report["crs_check"]["status"] == "wrong_rotation_signs"
    assert 0.5 <= report["crs_check"]["offset_m"] <= 0.8
    assert report["crs"].startswith("+proj=tmerc")
    assert report["problems"]["overlap"] == 0 and report["problem_total"] == 0
    assert report["fields"]["mapping"]["SHTHUA"] == "parcel_no"


def test_inspect_text_in_vietnamese(tmp_path: Path, ws: Path, capsys) -> None:
    path = vf.csv_table(tmp_path, encoding="vni")
    code, out, _ = _run(capsys, "inspect", str(path), "--province", "Bắc Giang")
    assert code == 0
    assert "Bảng tọa độ CSV" in out and "VNI" in out and "X là tọa độ Bắc" in out and "Số đối tượng: 6" in out


def test_inspect_without_province_still_reports(tmp_path: Path, ws: Path, capsys) -> None:
    code, out, _ = _run(capsys, "inspect", str(vf.dgn(tmp_path)), "--json")
    report = json.loads(out)
    assert code == 0 and report["format"] == "dgn" and report["crs"] is None
    assert "tỉnh" in report["crs_check"]["guess"]
    assert report["problems"]["missing_field"] == 3


def test_import_shapefile_loads_like_the_builtin_data(tmp_path: Path, ws: Path, capsys) -> None:
    path = vf.zipped_shapefile(tmp_path / "in", encoding="vni", prj=vf.PRJ_NO_SHIFT)
    code, out, _ = _run(capsys, "import", str(path), "--fix-crs")
    assert code == 0, out
    folders = list((ws / "imports").iterdir())
    assert len(folders) == 1 and str(folders[0]) in out
    dataset = load_dataset(folders[0])
    parcels = dataset.parcels
    assert parcels.crs.to_epsg() == 9214
    assert parcels["owner"].tolist() == vf.OWNERS
    assert parcels["land_use"].tolist() == vf.CODES
    assert parcels["map_area_m2"].round(3).tolist() == [10_000.0] * 6
    provenance = json.loads((folders[0] / "source.json").read_text(encoding="utf-8"))
    assert provenance["encoding"] == "VNI-Windows" and provenance["crs_status"] == "no_datum_shift"
    # a second import never replaces the first
    code, _, _ = _run(capsys, "import", str(path), "--fix-crs")
    assert code == 0 and len(list((ws / "imports").iterdir())) == 2


@pytest.mark.parametrize("maker", [vf.geojson, vf.kml, vf.esri_json, vf.geopackage])
def test_import_other_formats(tmp_path: Path, ws: Path, capsys, maker: Callable[[Path], Path]) -> None:
    code, out, err = _run(capsys, "import", str(maker(tmp_path)), "--province", "Bắc Giang")
    assert code == 0, err
    folder = next((ws / "imports").iterdir())
    parcels = load_dataset(folder).parcels
    assert parcels.crs.to_epsg() == 9214
    assert parcels["map_area_m2"].round(1).tolist() == [10_000.0] * 6
    assert parcels["owner"].tolist() == vf.OWNERS


def test_import_cad_drawing_with_a_sheet_number(tmp_path: Path, ws: Path, capsys) -> None:
    code, out, err = _run(capsys, "import", str(vf.dxf(tmp_path)), "--province", "Bắc Giang", "--set", "sheet=12")
    assert code == 0, err
    parcels = load_dataset(next((ws / "imports").iterdir())).parcels
    assert parcels["sheet"].tolist() == [12] * 6 and parcels["land_use"].tolist() == vf.CODES


def test_import_xlsx_table_with_a_mapping_step(tmp_path: Path, ws: Path, capsys) -> None:
    path = vf.xlsx_table(tmp_path)
    code, out, err = _run(capsys, "import", str(path), "--province", "Bắc Giang", "--map", "Loại đất=land_use",
                          "--map", "Chủ sử dụng=owner")
    assert code == 0, err
    parcels = load_dataset(next((ws / "imports").iterdir())).parcels
    assert parcels["owner"].tolist() == vf.OWNERS and parcels["parcel_no"].tolist() == list(range(1, 7))


def test_english_messages(tmp_path: Path, ws: Path, capsys) -> None:
    code, _, err = _run(capsys, "--lang", "en", "import", str(vf.shapefile(tmp_path, prj=None)))
    assert code == 2 and "no coordinate system" in err and "province" in err


# -- every bad file -----------------------------------------------------------------------------------


def _incomplete_shapefile(d: Path) -> Path:
    path = vf.shapefile(d)
    path.with_suffix(".shx").unlink()
    return path


def _slip_zip(d: Path) -> Path:
    path = d / "slip.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../thua.shp", b"x")
    return path


def _bomb_zip(d: Path) -> Path:
    path = d / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("thua.dbf", b"\0" * (40 * 1024 * 1024))
    return path


def _zip_without_data(d: Path) -> Path:
    path = d / "readme.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("doc.txt.md", b"hello")
    return path


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        path.write_bytes(data)
        return path
    make.__name__ = name
    return make


def _empty_layer(d: Path) -> Path:
    path = d / "rong.gpkg"
    vf.parcels().iloc[:0].to_file(path, layer="thua", engine="pyogrio")
    return path


def _unmapped_fields(d: Path) -> Path:
    path = d / "la.gpkg"
    vf.parcels().rename(columns={"SHBANDO": "A", "SHTHUA": "B", "MALOAIDAT": "C"}).to_file(path, engine="pyogrio")
    return path


def _only_lines(d: Path) -> Path:
    path = d / "duong.gpkg"
    frame = vf.parcels()
    frame["geometry"] = frame.geometry.boundary
    frame.to_file(path, engine="pyogrio")
    return path


def _far_away(d: Path) -> Path:
    frame = vf.parcels(crs=None)
    frame["geometry"] = frame.geometry.translate(-390_000, -2_360_000)
    folder = d / "local"
    folder.mkdir()
    path = folder / "local.shp"
    with pytest.warns(UserWarning):
        frame.to_file(path, engine="pyogrio")
    return path


def _table_without_columns(d: Path) -> Path:
    path = d / "bang.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    return path


BAD_FILES: dict[str, tuple[Callable[[Path], Path], tuple[str, ...], str]] = {
    # name: (maker, extra arguments, a phrase of the Vietnamese message)
    "missing file": (lambda d: d / "khong_co.shp", (), "Không tìm thấy tệp"),
    "incomplete shapefile": (_incomplete_shapefile, (), "thiếu tệp .shx"),
    "no .prj, no province": (lambda d: vf.shapefile(d, prj=None), (), "Hãy chọn tỉnh"),
    "unknown province": (lambda d: vf.shapefile(d, prj=None), ("--province", "Atlantis"), "Không biết tỉnh"),
    "merged province with two zones": (lambda d: vf.shapefile(d, prj=None), ("--province", "Bắc Ninh"),
                                       "hãy chọn tỉnh cũ"),
    "degrees without province": (vf.geojson, (), "hãy chọn tỉnh"),
    "coordinates not recognisable": (_far_away, ("--province", "Bắc Giang"), "không thuộc VN-2000 TM-3"),
    "broken .prj": (lambda d: vf.shapefile(d, prj="PROJCS[broken"), (), "Không hiểu được hệ tọa độ"),
    "unsupported format": (_write("ban_ve.doc", b"hello"), (), "Không hỗ trợ định dạng"),
    "old excel": (_write("bang.xls", b"\xd0\xcf\x11\xe0"), (), "lưu thành .xlsx"),
    "empty file": (_write("rong.geojson", b""), (), "rỗng (0 byte)"),
    "damaged geopackage": (_write("hong.gpkg", b"SQLite format 3\x00" + b"\x00" * 100), (), "Không đọc được tệp"),
    "not a geopackage": (_write("gia.gpkg", b"hello world, not sqlite"), (), "không phải GeoPackage"),
    "json without features": (_write("x.json", b'{"name": "x"}'), (), "không phải GeoJSON hay Esri JSON"),
    "damaged geojson": (_write("x.geojson", b'{"type": "FeatureCollection", "features": [{"type": '), (),
                        "Không đọc được tệp"),
    "damaged dxf": (_write("x.dxf", b"0\nSECTION\n2\nENTITIES\n0\nLINE\n"), (), "Không đọc được tệp"),
    "damaged dgn": (_write("x.dgn", b"\x08\x09\xfe\x02" + b"\x00" * 20), (), "Không đọc được tệp"),
    "damaged xlsx": (_write("x.xlsx", b"PK\x03\x04 not really"), (), "Không đọc được tệp"),
    "table without columns": (_table_without_columns, (), "không có đủ cột"),
    "not a zip": (_write("x.zip", b"hello"), (), "không phải tệp nén .zip"),
    "zip slip": (_slip_zip, (), "trỏ ra ngoài thư mục"),
    "zip bomb": (_bomb_zip, (), "bom nén"),
    "zip without data": (_zip_without_data, (), "không có tệp dữ liệu bản đồ"),
    "empty layer": (_empty_layer, (), "không có thửa đất (vùng) nào"),
    "only lines": (_only_lines, (), "không có thửa đất (vùng) nào"),
    "fields not mapped": (_unmapped_fields, (), "thiếu trường bắt buộc"),
    "bad mapping": (vf.geopackage, ("--map", "Khong_co=sheet"), "Không ghép được"),
    "layer not there": (vf.geopackage, ("--layer", "Khong_co"), "không có lớp"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_every_bad_file_gets_a_vietnamese_message(tmp_path: Path, ws: Path, capsys, case: str) -> None:
    maker, extra, phrase = BAD_FILES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    path = maker(folder)
    code, out, err = _run(capsys, "import", str(path), *extra)
    assert code == 2, (case, out, err)
    assert phrase in err, (case, err)
    assert "Traceback" not in err and "Hãy" in err or "hãy" in err, (case, err)
    assert not (ws / "imports").exists() or not any((ws / "imports").iterdir())
    assert not (ws / "tmp").exists() or not any((ws / "tmp").iterdir())


def test_bad_files_in_a_real_process_never_show_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, LUONGPHONG_WORKSPACE=str(tmp_path / "ws" / "workspace.gpkg"))
    for name in ("zip bomb", "damaged geopackage", "incomplete shapefile"):
        folder = tmp_path / name.replace(" ", "_")
        folder.mkdir()
        path = BAD_FILES[name][0](folder)
        for command in ("inspect", "import"):
            result = subprocess.run([sys.executable, "-m", "gis", command, str(path)], cwd=ROOT, env=env,
                                    capture_output=True, text=True, check=False)
            assert result.returncode == 2, (name, result.stderr)
            assert "Traceback" not in result.stderr and BAD_FILES[name][2] in result.stderr


def test_an_import_records_who_made_it(tmp_path: Path, ws: Path, capsys) -> None:
    from gis.store.accounts import local_user
    from gis.store.imports import import_source
    from gis.store.workspace import Workspace

    path = vf.zipped_shapefile(tmp_path / "in", encoding="vni", prj=vf.PRJ_NO_SHIFT)
    code, _, err = _run(capsys, "import", str(path), "--fix-crs")
    assert code == 0, err
    by_hand = import_source(path, fix_crs=True, by="lan").folder
    (by_cli,) = [f for f in (ws / "imports").iterdir() if f != by_hand]
    assert json.loads((by_cli / "source.json").read_text(encoding="utf-8"))["imported_by"] == local_user().name
    assert json.loads((by_hand / "source.json").read_text(encoding="utf-8"))["imported_by"] == "lan"
    audit = Workspace.open(ws / "workspace.gpkg").audit()
    assert [(user, action, obj.split(" ")[0]) for _, user, action, obj in audit] == [
        (local_user().name, "import", f"imports/{by_cli.name}"), ("lan", "import", f"imports/{by_hand.name}")]
