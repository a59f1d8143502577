"""The workspace's log (gis.core.logs): imports, saves, exports, logins and errors, read back from the file."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import shapely
import vn_files as vf

from gis.__main__ import main
from gis.core import logs
from gis.core.errors import GisError
from gis.files.io import BUILTIN_DATA_DIR, load_dataset
from gis.store.accounts import Accounts, LoginError
from gis.store.faults import WorkspaceError
from gis.store.imports import import_source
from gis.store.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace folder of this test (every file written stays in tmp_path)."""
    folder = tmp_path / "ws"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(folder / "workspace.gpkg"))
    return folder


def _lines(ws: Path) -> list[str]:
    for handler in logging.getLogger(logs.LOGGER_NAME).handlers:
        handler.flush()
    return (ws / "logs" / "gis.log").read_text(encoding="utf-8").splitlines()


def _line(ws: Path, start: str) -> str:
    """The one log line whose message starts with ``start`` (after the date, time and level)."""
    found = [line for line in _lines(ws) if line.split(" ", 3)[3].startswith(start)]
    assert len(found) == 1, (start, _lines(ws))
    return found[0]


def test_an_import_is_logged_with_the_user_the_dataset_and_the_file(tmp_path: Path, ws: Path) -> None:
    folder = import_source(vf.shapefile(tmp_path / "src"), name="xa_that", by="lan").folder
    line = _line(ws, "import ok")
    assert " INFO import ok user=lan " in line
    assert f"dataset=imports/{folder.name}" in line and "file=thua_dat.shp" in line
    assert f"detail='{len(load_dataset(folder).parcels)} parcels'" in line


def test_a_refused_import_is_logged_with_the_reason(tmp_path: Path, ws: Path) -> None:
    points = tmp_path / "diem.geojson"
    vf.parcels().assign(geometry=lambda f: f.geometry.centroid).to_file(points)
    with pytest.raises(GisError) as err:
        import_source(points, by="lan")
    line = _line(ws, "import refused")
    assert " WARNING " in line and "user=lan" in line and "file=diem.geojson" in line
    assert err.value.en.split(".")[0] in line  # the English message, as the user was told


def test_saves_are_logged_per_audit_row_and_a_refused_save_too(ws: Path) -> None:
    workspace = Workspace.open(ws / "workspace.gpkg")
    field_id = workspace.save_field(shapely.box(0, 0, 100, 100), name="Cánh đồng Đông", by="lan")
    workspace.rename_field(field_id, "Cánh đồng Tây", by="minh")
    saved = [line for line in _lines(ws) if " save ok " in line]
    assert len(saved) == 2
    assert "user=lan" in saved[0] and "file=workspace.gpkg" in saved[0] and "Cánh đồng Đông" in saved[0]
    assert "user=minh" in saved[1] and "Cánh đồng Tây" in saved[1]
    workspace.adopt_field(field_id, decision="Quyết định 12/QĐ-UBND", decision_date="2026-01-05", by="lan")
    with pytest.raises(GisError):
        workspace.delete_field(field_id, by="minh")  # adopted: refused inside the transaction, rolled back
    line = _line(ws, "save refused")
    assert " WARNING save refused file=workspace.gpkg" in line and "is adopted" in line
    assert len([line for line in _lines(ws) if " save ok " in line]) == 3


def test_a_save_to_a_damaged_workspace_is_logged_as_refused(ws: Path) -> None:
    workspace = Workspace.open(ws / "workspace.gpkg")
    (ws / "workspace.gpkg").write_bytes(b"not a geopackage at all" * 100)  # damaged after it was opened
    with pytest.raises(WorkspaceError) as err:
        workspace.save_field(shapely.box(0, 0, 1, 1), name="A", by="lan")
    line = _line(ws, "save refused")
    assert "file=workspace.gpkg" in line and err.value.en.split(" (")[0] in line


def test_a_command_and_the_file_it_writes_are_logged(ws: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chi_tieu.xlsx"
    out.write_bytes(b"an older export, overwritten")
    assert main(["targets", "--out", str(out)]) == 0
    capsys.readouterr()
    assert "detail=targets" in _line(ws, "command ok")
    export = _line(ws, "export ok")
    assert f"file={out}" in export and "detail=targets" in export and "user=local:" in export


def test_a_command_that_writes_nothing_logs_no_export(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summary", str(BUILTIN_DATA_DIR)]) == 0  # a folder argument, read and left as it was
    capsys.readouterr()
    assert "detail=summary" in _line(ws, "command ok")
    assert not [line for line in _lines(ws) if " export " in line]


def test_a_refused_command_is_logged_with_its_input_file(ws: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "hong.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    assert main(["inspect", str(bad)]) == 2
    err = capsys.readouterr().err
    line = _line(ws, "command refused")
    assert " WARNING " in line and f"file={bad}" in line and "inspect:" in line and err


def test_logins_are_logged_without_the_password_or_the_token(ws: Path) -> None:
    accounts = Accounts.open(ws / "accounts.sqlite")
    password = "Mat-khau-rat-bi-mat-2026"
    accounts.add("lan", password, role="officer", by="admin")
    with pytest.raises(LoginError):
        accounts.login("lan", password + "x")
    session = accounts.login("lan", password)
    assert "user=lan" in _line(ws, "login refused") and "user=lan" in _line(ws, "login ok")
    text = "\n".join(_lines(ws))
    assert password not in text and session.token not in text


def test_secrets_are_blanked_and_a_value_never_breaks_the_line(ws: Path) -> None:
    logs.event("save", "ok", user="lan", file="a\nINFO import ok user=admin", detail="password=hunter2 token: abc")
    (line,) = _lines(ws)
    assert "hunter2" not in line and "abc" not in line and "password=***" in line
    assert "file='a INFO import ok user=admin'" in line  # one line; the forged record is inside quotes


def test_the_log_rotates_and_stays_bounded(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(logs, "BACKUPS", 2)
    for handler in list(logging.getLogger(logs.LOGGER_NAME).handlers):  # a handler made with the real sizes
        if isinstance(handler, logs.WorkspaceLogHandler):
            logging.getLogger(logs.LOGGER_NAME).removeHandler(handler)
            handler.close()
    for n in range(200):
        logs.event("export", "ok", user="lan", file=f"bang_{n}.xlsx")
    files = sorted((ws / "logs").iterdir())
    assert [f.name for f in files] == ["gis.log", "gis.log.1", "gis.log.2"]
    assert all(f.stat().st_size <= 2_000 for f in files)
    assert "file=bang_199.xlsx" in _lines(ws)[-1]
