"""The workspace's datasets (gis/store/datasets.py) and ``python -m gis datasets``: list, use, remove to the recycle
folder, the fall-back to the built-in data, the active file written atomically, the audit, and the commands
that work on the active dataset when given no folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyogrio
import pytest
import vn_files as vf

from gis.__main__ import main
from gis.files.io import BUILTIN_DATA_DIR
from gis.store import datasets
from gis.store.faults import WorkspaceError
from gis.store.imports import import_source
from gis.store.workspace import Workspace

BUILTIN_UNIT = {
    "current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh", "commune_code": "07840",
                "province_code": "24"},
    "former": {"level": "xã", "name": "Lương Phong", "district": "Hiệp Hòa", "province": "Bắc Giang"},
}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _import(tmp_path: Path, name: str, *, encoding: str = "cp1258") -> Path:
    """Six 1 ha parcels imported into the workspace as dataset ``name-<stamp>``, by ``lan``."""
    path = vf.shapefile(tmp_path / f"src-{name}", encoding=encoding, name="thua_dat")
    return import_source(path, name=name, by="lan").folder


def _audit(root: Path) -> list[tuple[str, str, str]]:
    return [(user, action, obj) for _, user, action, obj in Workspace.open(root / "workspace.gpkg").audit()]


def test_a_fresh_workspace_has_only_the_builtin_datasets_with_their_unit(root: Path) -> None:
    only, merged = datasets.list_datasets()
    assert (merged.name, merged.builtin) == ("hiep-hoa", True)  # the merged commune: tests/test_hiep_hoa_dataset.py
    assert only.name == "builtin" and only.builtin and only.folder == BUILTIN_DATA_DIR
    assert only.title("vi") == "Dữ liệu minh họa — xã Hiệp Hòa (địa bàn xã Lương Phong cũ)"
    assert only.admin_unit == BUILTIN_UNIT
    parcels = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "parcels.shp", read_geometry=False, columns=["SHTHUA"])
    assert only.parcel_count == len(parcels) > 14_000
    current = datasets.active()
    assert current.info.name == "builtin" and current.notice is None
    assert datasets.describe(BUILTIN_DATA_DIR).admin_unit == BUILTIN_UNIT


def test_imports_are_listed_newest_first_with_their_details(tmp_path: Path, root: Path) -> None:
    first = _import(tmp_path, "thon_ha")
    second = _import(tmp_path, "thon_thuong")
    os.utime(first, (time.time() - 60, time.time() - 60))  # newest first by the folder's time
    names = [info.name for info in datasets.list_datasets()]
    assert names == ["builtin", "hiep-hoa", second.name, first.name]
    info = datasets.find(second.name)
    assert (info.source_file, info.parcel_count, info.imported_by, info.builtin) == ("thua_dat.shp", 6, "lan", False)
    assert info.imported_at and info.imported_at[:4].isdigit()
    assert info.admin_unit is None  # no unit recorded by this import
    meta = json.loads((second / "source.json").read_text(encoding="utf-8"))
    meta["admin_unit"] = BUILTIN_UNIT
    (second / "source.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    assert datasets.find(second.name).admin_unit == BUILTIN_UNIT
    assert datasets.describe(second).admin_unit == BUILTIN_UNIT


def test_use_writes_the_active_file_and_records_who(tmp_path: Path, root: Path) -> None:
    folder = _import(tmp_path, "xa")
    datasets.use(folder.name, by="lan")
    current = datasets.active()
    assert current.info.name == folder.name and current.info.folder == folder and current.notice is None
    written = json.loads((root / datasets.ACTIVE_FILE).read_text(encoding="utf-8"))
    assert (written["name"], written["changed_by"]) == (folder.name, "lan")
    assert ("lan", "use_dataset", f"imports/{folder.name}") in _audit(root)
    datasets.use("builtin", by="hoa")
    assert datasets.active().info.builtin
    assert _audit(root)[-1] == ("hoa", "use_dataset", "builtin")
    assert [p.name for p in root.iterdir() if p.name.startswith(f".{datasets.ACTIVE_FILE}")] == []  # no temp left


def test_the_active_file_is_replaced_atomically(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _import(tmp_path, "xa")
    datasets.use(folder.name, by="lan")
    path = root / datasets.ACTIVE_FILE
    before_inode, before_text = path.stat().st_ino, path.read_text(encoding="utf-8")
    datasets.use("builtin", by="lan")
    assert path.stat().st_ino != before_inode  # a new file renamed over the old one, never rewritten in place
    datasets.use(folder.name, by="lan")
    before_text = path.read_text(encoding="utf-8")

    def cut(src: str, dst: str) -> None:  # the machine stops between writing the new file and the rename
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datasets.os, "replace", cut)
    with pytest.raises(WorkspaceError) as caught:
        datasets.use("builtin", by="lan")
    assert caught.value.kind == "full"
    assert path.read_text(encoding="utf-8") == before_text  # the old choice is whole
    assert datasets.active().info.name == folder.name
    assert [p.name for p in root.iterdir() if p.name.startswith(f".{datasets.ACTIVE_FILE}")] == []


def test_unknown_and_half_made_names_are_refused_with_what_there_is(tmp_path: Path, root: Path) -> None:
    folder = _import(tmp_path, "xa")
    with pytest.raises(datasets.DatasetError) as caught:
        datasets.use("khong_co")
    assert "«khong_co»" in caught.value.vi and f"builtin, hiep-hoa, {folder.name}" in caught.value.vi
    for climbing in (f"../imports/{folder.name}", f"{folder.name}/.", "..", str(folder)):
        with pytest.raises(datasets.DatasetError):  # only a name, never a path into or out of the workspace
            datasets.use(climbing)
    (folder / "source.json").unlink()  # an import cut short
    with pytest.raises(datasets.DatasetError) as caught:
        datasets.use(folder.name)
    assert "chưa nhập xong" in caught.value.vi and "datasets remove" in caught.value.vi
    assert not (root / datasets.ACTIVE_FILE).exists()


def test_a_chosen_dataset_gone_or_half_made_falls_back_to_the_builtin_one(tmp_path: Path, root: Path) -> None:
    gone = _import(tmp_path, "mat")
    half = _import(tmp_path, "do_dang")
    datasets.use(gone.name)
    gone.rename(tmp_path / "moved_away")  # moved by hand outside the tool
    current = datasets.active()
    assert current.info.builtin and current.notice is not None
    assert f"«{gone.name}» không còn" in current.notice.vi and "dữ liệu minh họa" in current.notice.vi
    assert json.loads((root / datasets.ACTIVE_FILE).read_text(encoding="utf-8"))["name"] == gone.name  # not rewritten
    datasets.use(half.name)
    (half / "parcels.gpkg").unlink()
    current = datasets.active()
    assert current.info.builtin and "chưa nhập xong" in current.notice.vi
    (root / datasets.ACTIVE_FILE).write_bytes(b"\x00\xff not json")
    current = datasets.active()
    assert current.info.builtin and "không đọc được" in current.notice.vi


def test_remove_moves_to_the_recycle_folder_and_the_builtin_becomes_active(tmp_path: Path, root: Path) -> None:
    keep = _import(tmp_path, "giu")
    drop = _import(tmp_path, "bo")
    datasets.use(drop.name, by="lan")
    target = datasets.remove(drop.name, by="lan")
    assert not drop.exists() and target.parent == root / "recycle" and target.name.startswith(drop.name)
    assert (target / "parcels.gpkg").is_file() and (target / "source.json").is_file()  # kept, not deleted
    assert len(pyogrio.read_dataframe(target / "parcels.gpkg")) == 6
    assert [i.name for i in datasets.list_datasets()] == ["builtin", "hiep-hoa", keep.name]
    current = datasets.active()
    assert current.info.builtin and current.notice is None  # made active explicitly, no fall-back
    assert _audit(root)[-2:] == [("lan", "remove_dataset", f"imports/{drop.name} -> recycle/{target.name}"),
                                 ("lan", "use_dataset", "builtin")]
    datasets.use(keep.name)
    half = _import(tmp_path, "do_dang")
    (half / "source.json").unlink()
    datasets.remove(half.name)  # a half-made one can be removed too
    assert datasets.active().info.name == keep.name  # removing another one leaves the choice alone
    with pytest.raises(datasets.DatasetError, match="builtin"):
        datasets.remove("builtin")
    with pytest.raises(datasets.DatasetError, match="khong_co"):
        datasets.remove("khong_co")
    assert BUILTIN_DATA_DIR.is_dir()


# -- the command line ---------------------------------------------------------------------------------------

def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_list_use_and_remove(tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _import(tmp_path, "xa")
    code, out, _ = _run(capsys, "datasets", "list", "--json")
    items = json.loads(out)
    assert code == 0 and [(i["name"], i["active"]) for i in items] == [("builtin", True), ("hiep-hoa", False),
                                                                         (folder.name, False)]
    assert items[0]["admin_unit"] == BUILTIN_UNIT and items[2]["parcel_count"] == 6
    assert items[2]["source_file"] == "thua_dat.shp" and items[2]["imported_by"] == "lan"

    code, out, _ = _run(capsys, "datasets", "use", folder.name)
    assert code == 0 and f"Đang dùng bộ dữ liệu «{folder.name}»" in out
    code, out, _ = _run(capsys, "datasets", "list")
    assert code == 0 and f"* {folder.name}" in out and "  builtin" in out and "6 thửa" in out
    assert _audit(root)[-1][1:] == ("use_dataset", f"imports/{folder.name}")
    assert _audit(root)[-1][0].startswith("local:")  # the user of this machine

    code, _, err = _run(capsys, "datasets", "remove", folder.name)  # asks for --yes, moves nothing
    assert code == 2 and "--yes" in err and "recycle" in err and folder.is_dir()
    code, out, _ = _run(capsys, "datasets", "remove", folder.name, "--yes")
    assert code == 0 and not folder.exists() and "recycle" in out
    assert "Bộ dữ liệu đang dùng: Dữ liệu minh họa" in out
    code, _, err = _run(capsys, "datasets", "remove", "builtin", "--yes")
    assert code == 2 and "Không xóa được dữ liệu minh họa" in err
    code, _, err = _run(capsys, "--lang", "en", "datasets", "use", "nothing")
    assert code == 2 and "There is no dataset 'nothing'" in err and "Traceback" not in err


def test_commands_given_no_folder_work_on_the_active_dataset(tmp_path: Path, root: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = _import(tmp_path, "xa")
    datasets.use(folder.name)
    code, out, err = _run(capsys, "summary", "--json")
    figures = json.loads(out)
    assert code == 0 and figures["parcel_count"] == 6 and err == ""
    code, out, _ = _run(capsys, "fields", "list", "--json")
    assert code == 0 and json.loads(out) == []  # no concentrated fields in the six parcels
    code, out, _ = _run(capsys, "summary", "--json", str(folder))  # an explicit folder still wins
    assert json.loads(out)["parcel_count"] == 6

    folder.rename(tmp_path / "moved_away")  # the chosen dataset is gone: the built-in one, and the reason
    code, out, err = _run(capsys, "summary", "--json")
    assert code == 0 and json.loads(out)["parcel_count"] > 14_000
    assert f"«{folder.name}» không còn" in err
