"""``gis inspect`` then ``gis import`` of the same file: the import commits what the inspection staged (the
check runs once per import), gives exactly what an import alone gives, and does all the work again when the
file or a choice changed (:mod:`gis.store.staged`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyogrio
import pytest
import shapely
import vn_files as vf

from benchmarks.synthetic import planted
from gis.__main__ import main
from gis.store.imports import imported_folders, incomplete_folders
from gis.store.staged import STAGE_DIR


def _planted_shapefile(folder: Path, *, seed: int = 14, per_kind: int = 2) -> tuple[Path, dict[str, int]]:
    """A real shapefile of about 1 500 parcels with overlaps and gaps planted at known places."""
    frame, counts = planted(1500, seed=seed, per_kind=per_kind)
    frame["TENCHU"] = [f"Nguyễn Văn {i}" for i in range(len(frame))]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "thua_dat.shp"
    for old in folder.glob("thua_dat.*"):
        old.unlink()
    pyogrio.write_dataframe(frame, path, encoding="UTF-8")
    return path, counts


def _use(monkeypatch: pytest.MonkeyPatch, ws: Path) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(ws / "workspace.gpkg"))
    return ws


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def _staged(ws: Path) -> list[Path]:
    base = ws / STAGE_DIR
    return sorted(p for p in base.iterdir() if not p.name.startswith(".")) if base.is_dir() else []


def _only_import(ws: Path) -> Path:
    folders = imported_folders(ws)
    assert len(folders) == 1
    return folders[0]


def _layers(folder: Path) -> dict[str, object]:
    """Everything an import writes, as comparable values (the time of the import left out)."""
    out: dict[str, object] = {}
    for name in ("parcels", "problems"):
        frame = pyogrio.read_dataframe(folder / f"{name}.gpkg", layer=name)
        info = pyogrio.read_info(folder / f"{name}.gpkg", layer=name)
        out[name] = (frame.drop(columns="geometry").to_csv(),  # NaN equal to NaN
                      list(shapely.to_wkb(frame.geometry.to_numpy())),
                     list(info["fields"]), list(info["dtypes"]), info["geometry_type"], str(frame.crs))
    out["csv"] = (folder / "problems.csv").read_bytes()
    source = json.loads((folder / "source.json").read_text(encoding="utf-8"))
    source.pop("imported_at", None)
    out["source"] = source
    return out


def _printed(out: str, folder: Path) -> str:
    return out.replace(str(folder), "FOLDER")


def test_inspect_then_import_commits_what_inspect_staged(tmp_path: Path, monkeypatch, capsys) -> None:
    path, counts = _planted_shapefile(tmp_path / "in")
    alone = _use(monkeypatch, tmp_path / "alone")
    out_alone = _run(capsys, "import", str(path))
    assert _staged(alone) == []  # an import alone stages nothing

    ws = _use(monkeypatch, tmp_path / "ws")
    report = json.loads(_run(capsys, "inspect", str(path), "--json"))
    assert {k: report["problems"][k] for k in counts} == counts
    (staged,) = _staged(ws)
    assert imported_folders(ws) == [] and incomplete_folders(ws) == []  # staged is not an import
    inode = (staged / "parcels.gpkg").stat().st_ino
    out = _run(capsys, "import", str(path))
    folder = _only_import(ws)
    assert (folder / "parcels.gpkg").stat().st_ino == inode  # the staged files, not written again
    assert _staged(ws) == [] and not list((ws / "imports").glob(".*"))
    assert _layers(folder) == _layers(_only_import(alone))
    assert _printed(out, folder) == _printed(out_alone, _only_import(alone))
    assert "Chồng lấn: 6" in out and "Khe hở: 6" in out
    log = (ws / "logs").rglob("*")
    assert any("import ok" in p.read_text(encoding="utf-8") for p in log if p.is_file())


def test_a_changed_file_is_read_and_checked_again(tmp_path: Path, monkeypatch, capsys) -> None:
    path, _ = _planted_shapefile(tmp_path / "in", seed=14, per_kind=2)
    ws = _use(monkeypatch, tmp_path / "ws")
    _run(capsys, "inspect", str(path), "--json")
    (staged,) = _staged(ws)
    inode = (staged / "parcels.gpkg").stat().st_ino
    path, counts = _planted_shapefile(tmp_path / "in", seed=15, per_kind=3)  # same name, new content
    assert counts == {"overlap": 9, "gap": 9}
    out = _run(capsys, "import", str(path))
    folder = _only_import(ws)
    assert (folder / "parcels.gpkg").stat().st_ino != inode
    assert "Chồng lấn: 9" in out and "Khe hở: 9" in out
    alone = _use(monkeypatch, tmp_path / "alone")
    _run(capsys, "import", str(path))
    assert _layers(folder) == _layers(_only_import(alone))


@pytest.mark.parametrize("option", [["--set", "sheet=12"], ["--encoding", "cp1258"], ["--map", "TENCHU=address"],
                                    ["--max-features", "300000"]])
def test_another_choice_is_not_reused(tmp_path: Path, monkeypatch, capsys, option: list[str]) -> None:
    """A choice that changes what is read (--max-features above the file's 200 000 changes the limits in
    force) is another key."""
    path, _ = _planted_shapefile(tmp_path / "in")
    ws = _use(monkeypatch, tmp_path / "ws")
    _run(capsys, "inspect", str(path), "--json")
    (staged,) = _staged(ws)
    inode = (staged / "parcels.gpkg").stat().st_ino
    _run(capsys, "import", str(path), *option)
    folder = _only_import(ws)
    assert (folder / "parcels.gpkg").stat().st_ino != inode
    assert _staged(ws) == [staged]  # left for an import with the inspected choices
    alone = _use(monkeypatch, tmp_path / "alone")
    _run(capsys, "import", str(path), *option)
    assert _layers(folder) == _layers(_only_import(alone))


def test_same_choices_reused_and_only_the_last_staged_kept(tmp_path: Path, monkeypatch, capsys) -> None:
    first = vf.shapefile(tmp_path / "a", encoding="tcvn3", prj=vf.PRJ_RIGHT)
    second, _ = _planted_shapefile(tmp_path / "b")
    ws = _use(monkeypatch, tmp_path / "ws")
    _run(capsys, "inspect", str(first), "--encoding", "tcvn3")
    _run(capsys, "inspect", str(second))
    (staged,) = _staged(ws)  # the first one removed
    _run(capsys, "inspect", str(first), "--encoding", "tcvn3", "--json")
    (staged_first,) = _staged(ws)
    assert staged_first != staged
    inode = (staged_first / "parcels.gpkg").stat().st_ino
    out = _run(capsys, "import", str(first), "--encoding", "tcvn3", "--name", "xa_that")
    folder = _only_import(ws)
    assert folder.name.startswith("xa_that-") and (folder / "parcels.gpkg").stat().st_ino == inode
    assert "Đã nhập 6 thửa" in out
    parcels = pyogrio.read_dataframe(folder / "parcels.gpkg")
    assert sorted(parcels["TENCHU"]) == sorted(vf.OWNERS)


def test_a_file_that_would_not_import_is_not_staged(tmp_path: Path, monkeypatch, capsys) -> None:
    frame = vf.parcels().drop(columns=["SHBANDO"])  # no map sheet: the import refuses it
    path = tmp_path / "in" / "no_sheet.shp"
    path.parent.mkdir()
    pyogrio.write_dataframe(frame, path)
    ws = _use(monkeypatch, tmp_path / "ws")
    _run(capsys, "inspect", str(path), "--json")
    assert _staged(ws) == []
    assert main(["import", str(path)]) != 0
    assert imported_folders(ws) == []


def test_an_incomplete_staged_folder_is_not_committed(tmp_path: Path, monkeypatch, capsys) -> None:
    path, _ = _planted_shapefile(tmp_path / "in")
    ws = _use(monkeypatch, tmp_path / "ws")
    _run(capsys, "inspect", str(path), "--json")
    (staged,) = _staged(ws)
    with (staged / "parcels.gpkg").open("r+b") as handle:  # cut short, as by a full disk
        handle.truncate(4096)
    _run(capsys, "import", str(path))
    folder = _only_import(ws)
    alone = _use(monkeypatch, tmp_path / "alone")
    _run(capsys, "import", str(path))
    assert _layers(folder) == _layers(_only_import(alone))
    assert _staged(ws) == [] and not list((ws / "imports").glob(".*"))
    shutil.rmtree(tmp_path / "alone")


@pytest.mark.parametrize(("maker", "arrow"), [
    (lambda d: vf.shapefile(d, encoding="tcvn3", prj=vf.PRJ_RIGHT), (True, False)), (vf.geojson, (False, False)),
    (vf.kml, (False, False)), (vf.esri_json, (False, False)), (vf.geopackage, (False, False)),
    (lambda d: _planted_shapefile(d)[0], (True, True))])
def test_the_arrow_writer_writes_what_the_feature_writer_wrote(tmp_path: Path, maker, arrow) -> None:
    """An import writes its layers through Arrow when their columns allow (a shapefile's: numbers and text
    decoded by the tool): the same GeoPackage layers (fields, types, values, geometry) as the
    feature-by-feature writer every import used before, which the others keep."""
    from gis.files.sources import read_source
    from gis.store.imports import _arrow_writable, _write_gpkg, prepare

    (tmp_path / "in").mkdir()
    prepared = prepare(read_source(maker(tmp_path / "in")), province="Bắc Giang", remember=False)
    assert (_arrow_writable(prepared.report.repaired), _arrow_writable(prepared.report.problems)) == arrow
    for name, frame in (("parcels", prepared.report.repaired), ("problems", prepared.report.problems)):
        options = {"promote_to_multi": True} if name == "parcels" else {}
        (tmp_path / "arrow").mkdir(exist_ok=True)
        (tmp_path / "features").mkdir(exist_ok=True)
        _write_gpkg(frame, tmp_path / "arrow" / f"{name}.gpkg", layer=name, **options)
        pyogrio.write_dataframe(frame, tmp_path / "features" / f"{name}.gpkg", layer=name, driver="GPKG",
                                **options)
    for folder in ("arrow", "features"):
        (tmp_path / folder / "problems.csv").write_bytes(b"")
        (tmp_path / folder / "source.json").write_text("{}", encoding="utf-8")
    assert _layers(tmp_path / "arrow") == _layers(tmp_path / "features")


def test_inspect_reports_when_it_cannot_stage(tmp_path: Path, monkeypatch, capsys) -> None:
    """A workspace where nothing can be staged (here the staging folder's name is taken by a file): the
    inspection reports as always, and the import does all the work."""
    path, counts = _planted_shapefile(tmp_path / "in")
    ws = _use(monkeypatch, tmp_path / "ws")
    ws.mkdir()
    (ws / STAGE_DIR).write_text("not a folder", encoding="utf-8")
    report = json.loads(_run(capsys, "inspect", str(path), "--json"))
    assert {k: report["problems"][k] for k in counts} == counts
    assert (ws / STAGE_DIR).read_text(encoding="utf-8") == "not a folder"
    out = _run(capsys, "import", str(path))
    assert "Chồng lấn: 6" in out and len(imported_folders(ws)) == 1
