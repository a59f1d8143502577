"""The built wheel, installed into a fresh virtual environment, runs the commands and draws the map.

A wheel is built from a copy of the checkout (so nothing is written into it) and must hold every file of
the packages and the app's entry (``app.py``, ``serve.py``, ``.streamlit/config.toml`` as ``gis_app``). A
fresh venv (no system site-packages, no ``PYTHONPATH``, run from a folder outside the checkout) gets the
wheel with its dependencies pinned by ``requirements.lock`` (pip's cache is reused); from it
``gis summary --json`` gives the checkout's figures, ``gis report`` writes the PDF, and ``gis serve`` serves
an app whose map page draws the parcels in headless Chromium with every outside request blocked.

``.ci/run`` runs this file as its own step, beside the rest of the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MAP_IFRAME, RunningApp, free_port, open_offline_page, stop_app, wait_parcels_drawn

ROOT = Path(__file__).resolve().parent.parent
#: What the wheel is built from (the rest of the checkout is not packaged).
SOURCES = ("pyproject.toml", "setup.py", "README.md", "app.py", "serve.py", ".streamlit", "gis", "layers",
           "app_pages", "data")
#: The app's entry files at the repository root and where the wheel holds them.
APP_FILES = {"app.py": "gis_app/app.py", "serve.py": "gis_app/serve.py",
             ".streamlit/config.toml": "gis_app/.streamlit/config.toml"}
PIP_TIMEOUT_S = 900
START_TIMEOUT_S = 120

pytestmark = pytest.mark.wheel


def _ignored(_folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".mypy_cache") or n.endswith((".pyc", ".egg-info"))}


def package_files() -> set[str]:
    """Every file of the packages and the app's entry, as the wheel should name it."""
    found = set(APP_FILES.values())
    for package in ("gis", "layers", "app_pages"):
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and not any(part in ("__pycache__",) for part in path.parts) and path.suffix != ".pyc":
                found.add(path.relative_to(ROOT).as_posix())
    for path in (ROOT / "data").rglob("*"):  # the shipped data, packaged as gis_data
        if path.is_file() and "__pycache__" not in path.parts:
            found.add("gis_data/" + path.relative_to(ROOT / "data").as_posix())
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built with pip from a copy of the checkout's packaged files."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=_ignored)
        else:
            shutil.copy2(src, source / name)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
                   check=True, timeout=PIP_TIMEOUT_S, capture_output=True)
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and its locked dependencies, nothing else; its ``bin`` folder."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    pip = [sys.executable, "-m", "pip", "--python", str(folder / "bin" / "python")]  # this pip, and its cache
    subprocess.run([*pip, "install", "-q", "--no-compile", "-c", str(ROOT / "requirements.lock"), str(wheel)],
                   check=True, timeout=PIP_TIMEOUT_S, env={**_clean_env(folder), "HOME": str(Path.home())})
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout
    listed = subprocess.run([*pip, "list", "--format=freeze"], capture_output=True, text=True, timeout=120,
                            check=True).stdout.lower()
    assert "fiona==" not in listed and "pytest==" not in listed  # the tool's own dependencies only
    return folder / "bin"


def _clean_env(where: Path, **extra: str) -> dict[str, str]:
    """The environment of a command from the venv: no PYTHONPATH (the checkout must not be importable)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(LUONGPHONG_WORKSPACE=str(where / "ws" / "workspace.gpkg"), LUONGPHONG_CACHE=str(where / "cache"),
               HOME=str(where / "home"), **extra)
    return env


def test_the_wheel_holds_every_file_the_app_needs(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    missing = sorted(package_files() - names)
    assert missing == []
    for checkout, packaged in APP_FILES.items():
        with zipfile.ZipFile(wheel) as archive:
            assert archive.read(packaged) == (ROOT / checkout).read_bytes(), checkout
    assert "gis = gis.__main__:main" in entry_points
    assert not [n for n in names if n.startswith("gis_app/") and n not in APP_FILES.values()]  # not setup.py


def test_the_installed_commands_give_the_checkouts_figures(venv: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    installed = subprocess.run([str(venv / "gis"), "summary", "--json"], cwd=run, env=_clean_env(tmp_path),
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    here = subprocess.run([sys.executable, "-m", "gis", "summary", "--json"], cwd=ROOT,
                          env={**_clean_env(tmp_path / "checkout"), "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(installed.stdout) == json.loads(here.stdout)
    pdf = tmp_path / "bao_cao.pdf"
    report = subprocess.run([str(venv / "gis"), "report", "--out", str(pdf)], cwd=run, env=_clean_env(tmp_path),
                            capture_output=True, text=True, timeout=600)
    assert report.returncode == 0, report.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 100_000
    log = (tmp_path / "ws" / "logs" / "gis.log").read_text(encoding="utf-8")
    assert "command ok" in log and "export ok user=local:" in log and str(pdf) in log
    assert list(run.iterdir()) == []  # nothing written where the command was run


@pytest.fixture
def installed_app(venv: Path, tmp_path: Path) -> Iterator[RunningApp]:
    """``gis serve`` from the venv, in its own process group, until its health check answers."""
    port = free_port()
    log = tmp_path / "serve.log"
    run = tmp_path / "run"
    run.mkdir()
    with log.open("wb") as out:
        process = subprocess.Popen([str(venv / "gis"), "serve", "--port", str(port)], cwd=run, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                   env=_clean_env(tmp_path))
    app = RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, app.log_text()
            try:
                with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, f"no answer in {START_TIMEOUT_S} s:\n{app.log_text()}"
                time.sleep(0.3)  # polling the health check: the condition waited for is the server's answer
        yield app
    finally:
        stop_app(app)
        assert process.returncode in (0, -signal.SIGTERM)


@pytest.mark.browser
def test_the_installed_app_draws_the_map(installed_app: RunningApp, chromium) -> None:
    with urllib.request.urlopen(f"{installed_app.url}/app/static/vendor/lpmap/lpmap.js", timeout=30) as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/javascript")
    context, record = open_offline_page(chromium)
    try:
        page = record.page
        page.goto(installed_app.url, wait_until="domcontentloaded")  # the map is the default page
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=90_000).content_frame()
        wait_parcels_drawn(frame, timeout_ms=90_000)
        assert record.problems() == []
    finally:
        context.close()
    assert "WARNING: Static file serving is enabled" not in installed_app.log_text()
