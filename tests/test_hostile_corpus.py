"""Every file of the hostile corpus (tests/hostile) through ``gis inspect``, ``gis import`` and the Data page's
upload path, with the outcome its case expects: a named Vietnamese message (exit 2), a counted problem, or
an import that works; never a traceback, never a file outside the workspace, nothing left in its ``tmp/``.

Heavy cases run the commands in a subprocess whose peak memory and wall time are measured (a small launcher
reports the command's own peak, see :data:`_LAUNCHER`) and held under :data:`HEAVY_MAX_RSS_MB` and :data:`HEAVY_MAX_SECONDS`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hostile import Case, all_cases

from gis.__main__ import main
from gis.core.errors import GisError

ROOT = Path(__file__).resolve().parent.parent
#: Peak memory (MB) and wall time (s) a heavy case may take in one command.
HEAVY_MAX_RSS_MB = 1024
HEAVY_MAX_SECONDS = 30.0
CASES = all_cases()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    return tmp_path / "ws"


def _main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


#: A small Python process that runs the command and reports that command's own peak memory. Measured from
#: the test process itself, the peak would include the test process's memory: a child started with vfork
#: shares its parent's pages until it runs the new program, and the kernel counts them as the child's.
_LAUNCHER = """
import os, resource, subprocess, sys
done = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL)
with open(sys.argv[1], "w") as fh:
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(done.returncode)
"""


def _subprocess(argv: list[str], ws: Path, tmp: Path) -> tuple[int, str, str, float, float]:
    """Run ``python -m gis ARGV``; exit code, output, error, peak memory (MB) and wall time (s) of that command."""
    env = dict(os.environ, LUONGPHONG_WORKSPACE=str(ws / "workspace.gpkg"), PYTHONPATH=str(ROOT))
    out_path, err_path, rss_path = tmp / "stdout.txt", tmp / "stderr.txt", tmp / "maxrss.txt"
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, str(rss_path), sys.executable, "-m", "gis", *argv],
                              cwd=ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, check=False)
    seconds = time.monotonic() - start
    return (done.returncode, out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8"),
            int(rss_path.read_text()) / 1024, seconds)


def _options(path: Path, args: tuple[str, ...]) -> argparse.Namespace:
    """The choices a case's arguments stand for, as the Data page's widgets would hold them."""
    from gis.commands.inspect import add_common

    parser = argparse.ArgumentParser()
    add_common(parser)
    return parser.parse_args([str(path), *args])


def _upload_bytes(path: Path) -> tuple[str, bytes]:
    """What an officer uploads: the file itself, or a loose shapefile zipped with its sibling files."""
    if path.suffix.lower() != ".shp":
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sibling in sorted(path.parent.iterdir()):
            if sibling.stem == path.stem:
                archive.write(sibling, sibling.name)
    return f"{path.stem}.zip", buffer.getvalue()


def upload_path(path: Path, args: tuple[str, ...]) -> dict[str, int] | GisError:
    """The Data page's path for an upload (app_pages/data.py): save_upload, read_source, prepare, write_dataset.

    Returns the problem counts of the check, or the :class:`GisError` the page would show.
    """
    from gis.commands.inspect import _defaults, parse_pairs
    from gis.files.sources import read_source
    from gis.files.uploads import save_upload
    from gis.store.imports import prepare, write_dataset

    options = _options(path, args)
    try:
        name, data = _upload_bytes(path)
        saved = save_upload(name, data)
        source = read_source(str(saved), layer=options.layer, encoding=options.encoding)
        prepared = prepare(source, province=options.province, fix_crs=options.fix_crs,
                           mapping=parse_pairs(options.map, option="--map"), defaults=_defaults(options.set),
                           require_fields=False)
        if not prepared.fields.missing:
            write_dataset(prepared)
        return dict(prepared.report.counts)
    except GisError as exc:
        return exc


def _leftovers(ws: Path) -> list[str]:
    tmp = ws / "tmp"
    return sorted(str(p) for p in tmp.rglob("*")) if tmp.exists() else []


def _datasets(ws: Path) -> list[Path]:
    imports = ws / "imports"
    return sorted(imports.iterdir()) if imports.exists() else []


def _outside(stems: set[str]) -> set[str]:
    names: set[str] = set()
    for folder in (ROOT, Path("/tmp")):
        names |= {f"{folder}/{n}" for n in os.listdir(folder) if any(s in n for s in stems)}
    return names


def _check_command(case: Case, command: str, code: int, out: str, err: str) -> dict[str, int] | None:
    text = out + err
    assert "Traceback" not in text, (case.name, command, text)
    if case.expect == "refused":
        assert code == 2, (case.name, command, code, text[-2000:])
        assert case.message in err, (case.name, command, err)
        return None
    assert code == 0, (case.name, command, code, text[-2000:])
    if command == "inspect":
        return json.loads(out)["problems"]
    return None


def _check_upload(case: Case, result: dict[str, int] | GisError) -> None:
    if case.expect == "refused":
        assert isinstance(result, GisError), (case.name, "upload", result)
        assert case.message in result.vi, (case.name, "upload", result.vi)
        return
    assert not isinstance(result, GisError), (case.name, "upload", result.vi)
    if case.expect == "problems":
        assert result.get(case.problem or "", 0) > 0, (case.name, "upload", result)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_file(case: Case, tmp_path: Path, ws: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = case.make(folder)
    stems = {path.stem} if len(path.stem) >= 4 else set()
    before = _outside(stems)
    problems: dict[str, int] | None = None
    for command in ("inspect", "import"):
        argv = [command, *(["--json"] if command == "inspect" else []), str(path), *case.args]
        if case.heavy:
            code, out, err, rss_mb, seconds = _subprocess(argv, ws, tmp_path)
            print(f"{case.name}: {command} peak {rss_mb:.0f} MB, {seconds:.1f} s")  # shown with pytest -s
            assert rss_mb < HEAVY_MAX_RSS_MB, (case.name, command, f"{rss_mb:.0f} MB")
            assert seconds < HEAVY_MAX_SECONDS, (case.name, command, f"{seconds:.1f} s")
        else:
            code, out, err = _main(argv)
        problems = _check_command(case, command, code, out, err) or problems
        assert _leftovers(ws) == [], (case.name, command, _leftovers(ws))
    if case.expect == "problems":
        assert problems is not None and problems.get(case.problem or "", 0) > 0, (case.name, problems)
        counts = json.loads((_datasets(ws)[0] / "source.json").read_text(encoding="utf-8"))["problems"]
        assert counts.get(case.problem or "", 0) > 0, (case.name, counts)
    if case.expect == "refused":
        assert _datasets(ws) == [], (case.name, _datasets(ws))
    else:
        assert len(_datasets(ws)) == 1, (case.name, _datasets(ws))
    _check_upload(case, upload_path(path, case.args))
    assert _leftovers(ws) == [], (case.name, "upload", _leftovers(ws))
    if case.expect == "refused":
        assert _datasets(ws) == [], (case.name, "upload", _datasets(ws))
    assert _outside(stems) == before, (case.name, _outside(stems) - before)


def test_the_corpus_is_large_and_covers_every_outcome() -> None:
    from hostile import archives, tables

    assert len(archives.CASES) + len(tables.CASES) >= 60
    assert {c.expect for c in CASES} >= {"refused", "ok"}
    assert any(c.heavy for c in CASES)
