"""A read-only, a full and a damaged workspace: a Vietnamese message on the Fields, Targets and Presentation
pages and from the ``fields`` and ``targets`` commands, the pages still usable, saving refused, and the damaged
file kept byte for byte.

The faults are real: a read-only file (``chattr +i`` when the tests run as root, who ignores permission bits;
mode 0444 in a 0555 folder otherwise), a full disk (a 1 MB tmpfs filled to the last byte: needs root to
mount), a file of random bytes and a GeoPackage cut to a third of its length.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from gis.__main__ import main
from gis.files.io import ROOT
from gis.store.faults import WorkspaceError, workspace_fault
from gis.store.workspace import Workspace

ROOT_USER = os.geteuid() == 0
FIELD = shapely.box(397_000, 2_361_000, 397_200, 2_361_200)

MESSAGES = {
    "read_only": "chỉ cho phép đọc",
    "full": "đã đầy",
    "random_bytes": "bị hỏng",
    "truncated": "bị hỏng",
}


def _saved(path: Path) -> Path:
    ws = Workspace.open(path)
    ws.save_field(FIELD, name="Cánh đồng thôn Cấm mới")
    ws.set_value("health_insurance_pct", 95.0)
    return path


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    path = _saved(tmp_path / "ws" / "workspace.gpkg")
    if ROOT_USER:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
        path.parent.chmod(0o555)
    yield path
    if ROOT_USER:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.parent.chmod(0o755)
        path.chmod(0o644)


@pytest.fixture
def full(tmp_path: Path) -> Iterator[Path]:
    if not ROOT_USER:
        if os.environ.get("CI"):  # CI runs as root: a missing fault there is a failure, never a skip
            pytest.fail("a full disk is simulated with a tmpfs, which only root can mount; CI must run as root")
        pytest.skip("a full disk is simulated with a tmpfs, which only root can mount")
    mount = tmp_path / "small_disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        path = mount / "workspace.gpkg"
        shutil.copy(_saved(tmp_path / "src" / "workspace.gpkg"), path)
        with open(mount / "filler", "wb", buffering=0) as fh:
            with pytest.raises(OSError):
                while True:
                    fh.write(b"\0" * 4096)
        assert shutil.disk_usage(mount).free == 0
        yield path
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _kept(path: Path) -> Iterator[Path]:
    before = path.read_bytes()
    yield path
    assert path.read_bytes() == before  # never repaired, never overwritten


@pytest.fixture
def random_bytes(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "ws" / "workspace.gpkg"
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(40_000))
    yield from _kept(path)


@pytest.fixture
def truncated(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "ws" / "workspace.gpkg"
    data = _saved(path).read_bytes()
    path.write_bytes(data[: len(data) // 3])
    yield from _kept(path)


def _fault(request: pytest.FixtureRequest, kind: str) -> Path:
    return request.getfixturevalue(kind)


KINDS = ["read_only", "full", "random_bytes", "truncated"]
KIND_OF = {"read_only": "read_only", "full": "full", "random_bytes": "corrupt", "truncated": "corrupt"}


@pytest.mark.parametrize("kind", KINDS)
def test_the_fault_is_found_without_writing_and_saving_is_refused(kind: str, request: pytest.FixtureRequest) -> None:
    path = _fault(request, kind)
    fault = workspace_fault(path)
    assert fault is not None and fault.kind == KIND_OF[kind] and MESSAGES[kind] in fault.vi
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(path).save_field(FIELD, name="x")
    assert caught.value.kind == KIND_OF[kind]
    if KIND_OF[kind] != "corrupt":  # what was saved can still be read
        assert list(Workspace.open(path).fields()["name"]) == ["Cánh đồng thôn Cấm mới"]


def test_a_full_disk_is_reported_by_sqlite_itself(full: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the free-space check (turned off here), SQLite's own 'database or disk is full' gives the message."""
    import gis.store.faults as gw

    monkeypatch.setattr(gw, "MIN_FREE_BYTES", 0)
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(full).save_field(FIELD.buffer(30, 256), name="Một tên rất dài " * 2000)
    assert caught.value.kind == "full" and "đã đầy" in caught.value.vi
    assert list(Workspace.open(full).fields()["name"]) == ["Cánh đồng thôn Cấm mới"]  # the saved field is intact


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", [["fields", "list"], ["targets"]])
def test_the_commands_say_what_is_wrong_and_still_answer(kind: str, command: list[str], request: pytest.FixtureRequest,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = _fault(request, kind)
    code = main([*command, "--workspace", str(path)])
    out = capsys.readouterr()
    assert code == 0 and "Traceback" not in out.err
    assert MESSAGES[kind] in out.err and "Hãy" in out.err
    assert out.out.strip()  # the fields or targets are still listed


def _page(page: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.switch_page(f"app_pages/{page}.py")
    return at.run()


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [w.value for w in at.warning]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page", ["fields", "presentation"])
def test_the_pages_show_the_message_and_stay_usable(kind: str, page: str, request: pytest.FixtureRequest,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fault(request, kind)
    at = _page(page, path, monkeypatch)
    assert not at.exception
    assert any(MESSAGES[kind] in m for m in _messages(at))
    if page == "fields":
        assert at.get("component_instance")  # the map is there
        assert len(at.dataframe) >= 1  # and the table of fields
    else:
        assert at.button  # the presentation's buttons


@pytest.mark.parametrize("kind", KINDS)
def test_the_targets_page_measures_and_refuses_a_hand_value(kind: str, request: pytest.FixtureRequest,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _fault(request, kind)
    at = _page("targets", path, monkeypatch)
    assert not at.exception
    assert any(MESSAGES[kind] in m for m in _messages(at))
    at.selectbox(key="targets_manual_key").set_value("health_insurance_pct")
    at.number_input(key="targets_manual_value").set_value(99.7)
    at.button[[b.label for b in at.button].index("Lưu số liệu")].click().run()
    assert not at.exception
    assert not at.success
    assert sum(MESSAGES[kind] in e.value for e in at.error) >= 2  # the fault at the top, and the refused save
