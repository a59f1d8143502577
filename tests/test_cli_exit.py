"""``python -m gis`` ends its process without the interpreter's teardown (:func:`gis.__main__.exit_now`): the exit
code, the printed text, the files written and the audit log are what the ordinary exit gives, checked in real
processes against :func:`gis.__main__.main` run in this one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyogrio

from gis.__main__ import main
from gis.files.io import BUILTIN_DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
PARCELS = BUILTIN_DATA_DIR / "parcels.shp"
PROJECTS = BUILTIN_DATA_DIR / "recovered_land.shp"


def _run(argv: list[str], ws: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LUONGPHONG_WORKSPACE=str(ws / "workspace.gpkg"))
    env.pop("PYTHONUNBUFFERED", None)  # printed text held in the buffers to the end, as in a pipe
    return subprocess.run([sys.executable, "-m", "gis", *argv], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _log(ws: Path) -> list[str]:
    return (ws / "logs" / "gis.log").read_text(encoding="utf-8").splitlines()


def test_a_recovery_ends_with_its_outputs_whole_and_its_log_lines_written(tmp_path: Path, monkeypatch,
                                                                         capsys) -> None:
    outs = [tmp_path / "cli.csv", tmp_path / "cli.xlsx", tmp_path / "cli.gpkg"]
    ws = tmp_path / "ws"
    argv = ["--lang", "en", "recovery", str(PARCELS), str(PROJECTS), "--project", "Cụm công nghiệp",
            "--date", "2026-12-02"]
    done = _run([*argv, *(a for out in outs for a in ("--out", str(out)))], ws)
    assert done.returncode == 0, done.stderr
    # in this process, with the interpreter going on: the same text and the same CSV
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws2" / "workspace.gpkg"))
    here = tmp_path / "here.csv"
    assert main([*argv, "--out", str(here)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert outs[0].read_bytes() == here.read_bytes()
    assert done.stdout.splitlines() == [*printed[:-1], *(f"Wrote '{out}'." for out in outs)]
    assert printed[-1] == f"Wrote '{here}'." and len(printed) > 10
    # every output whole: the workbook opens, the GeoPackage holds the recovered parcels of the CSV
    rows = len(here.read_text(encoding="utf-8-sig").splitlines()) - 1
    assert rows > 10
    assert openpyxl.load_workbook(outs[1], read_only=True).sheetnames
    layers = [str(name) for name, _ in pyogrio.list_layers(outs[2])]
    assert rows <= max(len(pyogrio.read_dataframe(outs[2], layer=layer)) for layer in layers)
    lines = _log(ws)
    assert sum(" INFO command ok " in line and "detail=recovery" in line for line in lines) == 1, lines
    assert sum(" INFO export ok " in line for line in lines) == 3, lines
    assert not list((ws / "tmp").glob("*")) if (ws / "tmp").exists() else True  # no scratch folder left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.csv", "cli.gpkg", "cli.xlsx", "here.csv", "ws", "ws2"]


def test_a_refused_command_exits_2_with_its_message_and_its_log_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = _run(["--lang", "en", "recovery", str(PARCELS), str(PROJECTS), "--out", str(tmp_path / "x.txt")], ws)
    assert done.returncode == 2
    assert "must end in" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
    assert sum(" WARNING command refused " in line and "must end in" in line for line in _log(ws)) == 1


def test_json_printed_to_a_pipe_arrives_whole(tmp_path: Path, monkeypatch, capsys) -> None:
    argv = ["recovery", str(PARCELS), str(PROJECTS), "--json"]
    done = _run(argv, tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws2" / "workspace.gpkg"))
    assert main(argv) == 0
    here = capsys.readouterr().out
    assert len(here) > 10_000 and json.loads(here)["owners"]
    assert done.stdout == here


def test_a_command_run_under_the_profiler_still_leaves_its_profile(tmp_path: Path) -> None:
    import pstats

    env = dict(os.environ, PYTHONPATH=str(ROOT), LUONGPHONG_WORKSPACE=str(tmp_path / "ws" / "workspace.gpkg"))
    profile = tmp_path / "recovery.prof"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "gis", "recovery", str(PARCELS),
                           str(PROJECTS), "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["owners"]
    functions = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    assert any(name == "recover" and path.endswith("recovery.py") for path, _, name in functions)
