"""Uploads: size limits, zip entries climbing out, zip bombs, nothing outside the workspace, nothing overwritten."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from gis.core.errors import DataSourceError
from gis.files.uploads import (
    check_size,
    check_zip,
    new_folder,
    remove_folder,
    safe_extract,
    safe_name,
    save_upload,
    scratch_dir,
    workspace_root,
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def test_workspace_root_follows_the_environment(root: Path) -> None:
    assert workspace_root() == root


def test_upload_goes_to_a_new_folder_and_never_overwrites(root: Path) -> None:
    a = save_upload("thua.zip", b"one")
    b = save_upload("thua.zip", b"two")
    assert a != b and a.read_bytes() == b"one" and b.read_bytes() == b"two"
    assert a.is_relative_to(root / "uploads") and b.is_relative_to(root / "uploads")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "C:\\x\\thua.shp", ""])
def test_upload_names_cannot_climb_out(root: Path, name: str) -> None:
    path = save_upload(name, b"x")
    assert path.resolve().is_relative_to(root.resolve())
    assert ".." not in path.name and "/" not in safe_name(name)


def test_size_limit_and_empty_files(root: Path) -> None:
    with pytest.raises(DataSourceError) as err:
        save_upload("lon.zip", b"x" * 2048, limit=1024)
    assert "quá giới hạn" in err.value.vi
    with pytest.raises(DataSourceError) as err:
        check_size(0, name="rong.shp")
    assert "rỗng" in err.value.vi


def _zip(path: Path, entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../evil.shp", "a/../../evil.shp", "/abs/evil.shp", "C:/evil.shp"])
def test_zip_slip_is_refused(tmp_path: Path, root: Path, name: str) -> None:
    path = _zip(tmp_path / "slip.zip", {"ok.txt": b"1", name: b"evil"})
    with pytest.raises(DataSourceError) as err:
        check_zip(path)
    assert "ra ngoài thư mục" in err.value.vi and "Hãy" in err.value.vi
    with scratch_dir() as folder, pytest.raises(DataSourceError):
        safe_extract(path, folder)
    assert not (tmp_path / "evil.shp").exists()


def test_zip_bomb_is_refused(tmp_path: Path, root: Path) -> None:
    path = _zip(tmp_path / "bomb.zip", {"thua.dbf": b"\0" * (50 * 1024 * 1024)})
    assert path.stat().st_size < 200_000
    with pytest.raises(DataSourceError) as err:
        check_zip(path)
    assert "bom nén" in err.value.vi


def test_too_much_unpacked_data_is_refused(tmp_path: Path, root: Path) -> None:
    path = _zip(tmp_path / "big.zip", {f"f{i}.txt": bytes(range(256)) * 40 for i in range(5)},
                compression=zipfile.ZIP_STORED)
    with pytest.raises(DataSourceError) as err:
        check_zip(path, max_unpacked=30_000)
    assert "giải nén ra quá nhiều dữ liệu" in err.value.vi and "unpacked_mb" in err.value.vi


def test_symlink_entries_are_refused(tmp_path: Path, root: Path) -> None:
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("thua.shp")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(DataSourceError) as err:
        check_zip(path)
    assert "liên kết" in err.value.vi


def test_not_a_zip(tmp_path: Path, root: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"this is not a zip")
    with pytest.raises(DataSourceError) as err:
        check_zip(path)
    assert "không phải tệp nén" in err.value.vi


def test_safe_extract_keeps_folders_inside(tmp_path: Path, root: Path) -> None:
    path = _zip(tmp_path / "ok.zip", {"ban_do/thua.shp": b"1", "ban_do/thua.dbf": b"2"})
    with scratch_dir() as folder:
        files = safe_extract(path, folder)
        assert sorted(p.name for p in files) == ["thua.dbf", "thua.shp"]
        assert all(p.is_relative_to(folder.resolve()) for p in files)
        assert folder.is_relative_to(root)
    assert not folder.exists()


def test_new_folder_never_reuses_one(root: Path) -> None:
    a = new_folder(root / "imports", "x")
    (a / "keep.txt").write_text("mine")
    b = new_folder(root / "imports", "x")
    assert a != b and (a / "keep.txt").read_text() == "mine"


def test_nothing_outside_the_workspace_is_removed(tmp_path: Path, root: Path) -> None:
    outside = tmp_path / "mine"
    outside.mkdir()
    with pytest.raises(DataSourceError):
        remove_folder(outside)
    assert outside.exists()


# -- several files at once: the loose parts of a shapefile ---------------------------------------------------

def _shapefile_parts(folder: Path, *, name: str = "thua_dat") -> list[tuple[str, bytes]]:
    import vn_files as vf

    shp = vf.shapefile(folder, encoding="cp1258", name=name)
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.stem == shp.stem]


def test_loose_parts_are_kept_together_and_read_as_one_layer(tmp_path: Path, root: Path) -> None:
    import vn_files as vf

    from gis.files.sources import read_source
    from gis.files.uploads import save_uploads

    parts = _shapefile_parts(tmp_path / "src")
    renamed = [(n.replace("thua_dat", "Thua_Dat") if n.endswith(".dbf") else n.upper() if n.endswith(".shx") else n,
                data) for n, data in parts]  # names as a Windows machine may give them: case differs
    other = ("ranh_gioi.geojson", (tmp_path / "src" / "thua_dat.prj").read_bytes())
    found = save_uploads([*renamed, other])
    assert [p.name for p in found] == ["thua_dat.shp", "ranh_gioi.geojson"]
    folder = found[0].parent
    assert folder.parent == root / "uploads" and found[1].parent == folder
    assert sorted(p.name for p in folder.iterdir() if p.stem == "thua_dat") == sorted(
        f"thua_dat{Path(n).suffix.lower()}" for n, _ in parts)
    source = read_source(found[0])
    assert list(source.frame["TENCHU"]) == vf.OWNERS and len(source.frame) == 6


def test_missing_parts_duplicates_and_sizes_are_refused_before_writing(tmp_path: Path, root: Path) -> None:
    from gis.files.uploads import save_uploads

    parts = dict(_shapefile_parts(tmp_path / "src"))
    with pytest.raises(DataSourceError) as err:
        save_uploads([("thua_dat.shp", parts["thua_dat.shp"]), ("thua_dat.prj", parts["thua_dat.prj"]),
                      ("ao.dbf", parts["thua_dat.dbf"])])
    assert "«thua_dat» thiếu .shx, .dbf" in err.value.vi and "«ao» thiếu .shp, .shx" in err.value.vi
    assert "'thua_dat' lacks .shx, .dbf" in err.value.en
    with pytest.raises(DataSourceError, match="twice"):
        save_uploads([(n, d) for n, d in parts.items()] + [("THUA_DAT.shp", parts["thua_dat.shp"])])
    total = sum(len(d) for d in parts.values())
    with pytest.raises(DataSourceError) as err:  # every part under the limit, together over it
        save_uploads(list(parts.items()), limit=total - 1)
    assert "quá giới hạn" in err.value.vi and "upload_mb" in err.value.vi
    assert not (root / "uploads").exists()
