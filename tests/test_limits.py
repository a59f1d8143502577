"""The limits settings file, the upload constants derived from it, the command line's size check before
reading, and the command line's answer to a bug (a message and exit 3, the traceback only with --debug)."""

from __future__ import annotations

import contextlib
import io
import time
import tomllib
from pathlib import Path

import pytest
import vn_files as vf

import gis.commands.provinces as provinces_command
from gis.__main__ import main
from gis.core.errors import DataSourceError
from gis.core.limits import SETTINGS_PATH, Deadline, Limits, limits, load_limits
from gis.files import uploads

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_settings_file_has_every_limit_with_a_comment() -> None:
    text = SETTINGS_PATH.read_text(encoding="utf-8")
    table = tomllib.loads(text)["limits"]
    assert set(table) == set(Limits.__dataclass_fields__)
    lines = text.splitlines()
    for key in table:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
        assert lines[at - 1].startswith("# "), key  # each limit says its unit and meaning just above it


def test_upload_constants_follow_the_settings() -> None:
    lim = limits()
    assert uploads.MAX_UPLOAD_BYTES == lim.upload_mb * 1024 * 1024
    assert uploads.MAX_UNPACKED_BYTES == lim.unpacked_mb * 1024 * 1024
    assert uploads.MAX_ENTRIES == lim.entries and uploads.MAX_RATIO == lim.ratio
    assert lim.table_bytes < lim.unpacked_bytes / 10  # a table is held far below an archive


def test_streamlit_upload_limit_matches_the_settings() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == limits().upload_mb


def test_a_faulty_settings_file_names_the_key(tmp_path: Path) -> None:
    text = SETTINGS_PATH.read_text(encoding="utf-8").replace("rows = 200000", "rows = -1")
    path = tmp_path / "limits.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataSourceError) as err:
        load_limits(path)
    assert "«rows»" in err.value.vi and "số dương" in err.value.vi
    path.write_text("[limits\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match="Cannot read the limits file"):
        load_limits(path)


def test_the_read_budget_names_its_limit() -> None:
    deadline = Deadline("thua.csv", seconds=0.01)
    deadline.check()  # within the budget
    time.sleep(0.02)
    with pytest.raises(DataSourceError) as err:
        deadline.check()
    assert "read_seconds" in err.value.vi and "quá lâu" in err.value.vi


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:  # a hole: the size is real to stat(), no disk is used
        fh.truncate(size)
    return path


@pytest.mark.parametrize("command", ["inspect", "import"])
def test_commands_refuse_a_file_over_the_limit_before_reading(tmp_path: Path, ws: Path, command: str) -> None:
    path = _sparse(tmp_path / "qua_lon.gpkg", limits().file_bytes + 1)
    started = time.monotonic()
    code, out, err = _main(command, str(path))
    assert code == 2 and "file_mb" in err and "quá lớn" in err and "Traceback" not in err
    assert time.monotonic() - started < 5
    assert not (ws / "tmp").exists() or not any((ws / "tmp").iterdir())


def test_every_input_file_of_a_command_is_checked(tmp_path: Path, ws: Path) -> None:
    parcels = vf.geopackage(tmp_path)
    boundary = _sparse(tmp_path / "ranh_gioi.geojson", limits().file_bytes + 1)
    code, _, err = _main("recovery", str(parcels), str(boundary), "--out", str(tmp_path / "kq.xlsx"))
    assert code == 2 and "ranh_gioi.geojson" in err and "file_mb" in err
    assert not (tmp_path / "kq.xlsx").exists()


def test_a_bug_gets_a_message_and_exit_3(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(provinces_command, "run", broken)
    code, out, err = _main("provinces")
    assert code == 3 and "Traceback" not in err
    assert "lỗi của công cụ" in err and "RuntimeError" in err
    log = ws / "logs" / "gis.log"  # the workspace's one log (gis.core.logs), named in the message
    assert str(log) in err
    text = log.read_text(encoding="utf-8")
    assert "ERROR command failed" in text and "detail=provinces" in text
    assert "Traceback" in text and "RuntimeError: a bug" in text


def test_out_of_memory_gets_a_message(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def hungry(args: object) -> int:
        raise MemoryError

    monkeypatch.setattr(provinces_command, "run", hungry)
    code, _, err = _main("provinces")
    assert code == 3 and "không đủ bộ nhớ" in err and "Traceback" not in err
    code, _, err = _main("--lang", "en", "provinces")
    assert code == 3 and "out of memory" in err


def test_debug_shows_the_traceback(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(provinces_command, "run", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["--debug", "provinces"])
    monkeypatch.setenv("LUONGPHONG_DEBUG", "1")
    with pytest.raises(RuntimeError, match="a bug"):
        main(["provinces"])


def test_max_features_lets_a_command_take_a_larger_layer(tmp_path: Path, ws: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import json

    import pyogrio

    from gis.core import limits as limits_module
    from gis.files.io import BUILTIN_DATA_DIR, read_layer

    five = read_layer(BUILTIN_DATA_DIR / "parcels.shp").iloc[:5]
    path = tmp_path / "five.gpkg"
    pyogrio.write_dataframe(five, path)
    small = dataclasses.replace(limits(), features=3, vertices=40)
    monkeypatch.setattr(limits_module, "limits", lambda: small)
    try:
        code, _, err = _main("--lang", "en", "inspect", str(path), "--json")
        assert code == 2
        assert "5, over the limit of 3 ('features' in gis/limits.toml)" in err and "--max-features 5" in err
        code, _, err = _main("--lang", "en", "recovery", str(path), str(BUILTIN_DATA_DIR / "recovered_land.shp"),
                             "--json")
        assert code == 2 and "--max-features 5" in err
        assert limits_module.feature_limits() == (3, 40)
        code, out, err = _main("--lang", "en", "inspect", str(path), "--json", "--max-features", "5")
        assert code == 0, err
        assert json.loads(out)["feature_count"] == 5
        assert limits_module.feature_limits() == (5, 32 * 5)  # vertices: 32 a feature on average
        code, _, err = _main("--lang", "en", "inspect", str(path), "--json", "--max-features", "4")
        assert code == 2 and "5, over the limit of 4 ('features'" in err
        code, _, err = _main("--lang", "en", "inspect", str(path), "--json", "--max-features", "0")
        assert code == 2 and "--max-features must be a positive number" in err
    finally:
        limits_module.allow_features(None)
    assert limits_module.feature_limits() == (3, 40)  # the next command is held to the file's limits again
