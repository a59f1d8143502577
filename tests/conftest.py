"""Shared fixtures for the browser tests: the real app in its own process, and an offline Chromium page.

``streamlit_app`` starts ``streamlit run serve.py`` (app.py behind the security headers) once per test session on a free port bound to 127.0.0.1
(:func:`start_app` can bind another address and add environment variables),
in its own process group (stopped by that group's id), from the repository root so that
``.streamlit/config.toml`` is read. ``offline_page`` opens a page in Debian's Chromium, driven by
Playwright (never ``playwright install``), in which every request outside 127.0.0.1 is aborted and
recorded, with page errors and HTTP statuses of 400 or more; ``OfflinePage.problems()`` lists them.

A missing browser fails these tests: they never skip.

What is costly to make and only read by the tests (the generated merged commune, the report and a map sheet of
the built-in data) is made once per test run, in a folder shared by the run's pytest-xdist workers (:func:`run_folder`),
under a lock so that one worker makes it and the others wait for it (:func:`made_once`).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1"})
START_TIMEOUT_S = 90


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningApp:
    """A Streamlit server started for the tests."""

    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_app(log: Path, *, script: str = "serve.py", extra_args: tuple[str, ...] = (), address: str = "127.0.0.1",
              env: dict[str, str] | None = None) -> RunningApp:
    """Start ``streamlit run`` on a free port in a new process group; wait until it is healthy.

    The server listens on ``address`` (``"0.0.0.0"`` for the app open to the network, which then asks for a
    login); the tests still reach it at 127.0.0.1. ``env`` adds to (or overrides) this process's environment,
    e.g. ``{"LUONGPHONG_WORKSPACE": ...}``.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
           "--server.address", address, "--server.headless", "true", *extra_args]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, **(env or {})})
    app = RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{app.log_text()}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return app
        except OSError:
            time.sleep(0.3)
    stop_app(app)
    raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT_S} s:\n{app.log_text()}")


def stop_app(app: RunningApp) -> None:
    """Stop the app's process group (by its id), then reap it."""
    try:
        os.killpg(app.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        app.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait(timeout=15)


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole test run: the run's base folder, or under pytest-xdist the folder that
    holds every worker's base folder (the workers of one run share it; another run has its own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """``run_folder()/name``, made by ``make(folder)`` by the first test process that asks for it in this run.

    An exclusive lock on ``name.lock`` beside it is held while making, so that a pytest-xdist worker asking for
    it meanwhile waits and then finds it; ``name.done`` marks it complete (a ``make`` that failed leaves no mark,
    and the next one to ask tries again). What is made is read only: a test that changes it works on a copy.
    """
    root = run_folder(tmp_path_factory)
    folder, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                folder.mkdir(parents=True, exist_ok=True)
                make(folder)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session", autouse=True)
def _session_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test (and every app the tests start) uses a workspace and a map tile cache in the test run's
    temporary folder unless it sets its own: what a developer keeps in ``./workspace`` (an active dataset,
    fields) never leaks into a test, and no test writes into the checkout."""
    previous = {name: os.environ.get(name)
                for name in ("LUONGPHONG_WORKSPACE", "LUONGPHONG_TILE_CACHE", "LUONGPHONG_CACHE")}
    path = tmp_path_factory.mktemp("session-workspace") / "workspace.gpkg"
    os.environ["LUONGPHONG_WORKSPACE"] = str(path)
    # the map's tiles and layer files (gis.jobs.tiles) too are written in the run's temporary folder
    os.environ["LUONGPHONG_TILE_CACHE"] = str(tmp_path_factory.mktemp("tile-cache"))
    # and the generated merged commune, once per run (a cache named by the developer is used as it is)
    # (in the run's folder, so that pytest-xdist's workers share it: see merged_commune)
    if not os.environ.get("LUONGPHONG_CACHE"):
        cache = run_folder(tmp_path_factory) / "cache"
        cache.mkdir(exist_ok=True)
        os.environ["LUONGPHONG_CACHE"] = str(cache)
    yield path
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@dataclass(frozen=True)
class MergedCommune:
    """The merged commune generated for the test run."""

    #: The folder written by ``python -m gis generate-demo --dataset hiep-hoa``.
    folder: Path
    #: What that command printed (``--lang en``).
    output: str
    #: The merged commune in the cache folder, as the app and the commands find it (:func:`gis.demo.merged.ensure`):
    #: ``folder`` itself unless the developer named a cache folder of their own (``$LUONGPHONG_CACHE``).
    cached: Path


@pytest.fixture(scope="session")
def merged_commune(tmp_path_factory: pytest.TempPathFactory, _session_workspace: Path) -> MergedCommune:
    """The merged commune xã Hiệp Hòa (mới), generated once per test run by the command, as a user would
    (``python -m gis --lang en generate-demo --dataset hiep-hoa``), into the run's cache folder; into a folder of
    its own when the developer named a cache folder (that one is used as it is, generated there only if it is
    missing or outdated). Read only: a test that changes it works on a copy."""
    from gis.demo import merged as merged_demo

    ours = Path(os.environ["LUONGPHONG_CACHE"]) == run_folder(tmp_path_factory) / "cache"

    def generate(folder: Path) -> None:
        out = folder / merged_demo.NAME if not ours else merged_demo.default_folder()
        done = subprocess.run([sys.executable, "-m", "gis", "--lang", "en", "generate-demo", "--dataset", "hiep-hoa",
                               "--out", str(out)], capture_output=True, text=True, cwd=ROOT, check=True,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        (folder / "output.txt").write_text(done.stdout, encoding="utf-8")
        (folder / "folder.txt").write_text(str(out), encoding="utf-8")
        merged_demo.ensure()  # the developer's cache folder, when named (nothing to do when it is ours)

    made = made_once(tmp_path_factory, "merged-commune", generate)
    return MergedCommune(folder=Path((made / "folder.txt").read_text(encoding="utf-8")),
                         output=(made / "output.txt").read_text(encoding="utf-8"), cached=merged_demo.default_folder())


#: The day of the report and of the land-use sheet the tests read back (:func:`report_pdf`, :func:`landuse_sheet`).
PRINTED_ON = "2026-11-27"


@dataclass(frozen=True)
class ReportPdf:
    """The council report the tests read back."""

    path: Path
    #: Each page's text as ``pypdf`` extracts it.
    texts: list[str]


@pytest.fixture(scope="session")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> ReportPdf:
    """The council report of the built-in data on :data:`PRINTED_ON`, made once per test run through the command
    line (``gis report``) with no workspace (no planned fields, no values by hand), and its pages' text. Read only."""
    def make(folder: Path) -> None:
        import pypdf

        from gis.__main__ import main

        code = main(["report", "--out", str(folder / "report.pdf"), "--date", PRINTED_ON,
                     "--workspace", str(folder / "none.gpkg")])
        if code != 0:
            raise RuntimeError(f"gis report exited with {code}")
        texts = [page.extract_text() for page in pypdf.PdfReader(folder / "report.pdf").pages]
        (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")

    folder = made_once(tmp_path_factory, "report", make)
    return ReportPdf(path=folder / "report.pdf", texts=json.loads((folder / "texts.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def landuse_sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The land-use map sheet of the built-in data, A3 landscape, on :data:`PRINTED_ON`
    (:func:`gis.printing.maps.export_map`), drawn once per test run. Read only."""
    def make(folder: Path) -> None:
        import datetime as dt

        from gis.files.io import load_dataset
        from gis.printing.maps import export_map

        export_map(load_dataset(), folder / "landuse.pdf", theme="landuse", paper="A3", orientation="landscape",
                   day=dt.date.fromisoformat(PRINTED_ON))

    return made_once(tmp_path_factory, "landuse-sheet", make) / "landuse.pdf"


@pytest.fixture(scope="session", autouse=True)
def _hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hypothesis keeps its example database and its Unicode cache in the test run's temporary folder, not in
    ``.hypothesis/`` of the checkout (its storage folder is looked up on first use, after this)."""
    from hypothesis.configuration import set_hypothesis_home_dir

    path = tmp_path_factory.mktemp("hypothesis")
    set_hypothesis_home_dir(path)
    return path


@pytest.fixture(scope="session")
def streamlit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The real app, served on 127.0.0.1 for the whole test session."""
    app = start_app(tmp_path_factory.mktemp("streamlit") / "streamlit.log")
    try:
        yield app
    finally:
        stop_app(app)


def launch_chromium(playwright):
    """Debian's Chromium in headless mode; fails (never skips) when it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
                    "(the browser tests must run, not skip).")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Chromium shared by the session's browser tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflinePage:
    """A page whose requests outside 127.0.0.1 are aborted, with what went wrong recorded."""

    page: object
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bad_statuses: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every outside request, page error and HTTP status >= 400 seen so far."""
        return ([f"outside request: {u}" for u in self.outside] + [f"page error: {e}" for e in self.errors]
                + [f"HTTP {s}" for s in self.bad_statuses])


def is_local(url: str) -> bool:
    """Whether a request stays on this machine: 127.0.0.1, or a data:/blob:/about: address."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


def open_offline_page(browser, *, width: int = 1500, height: int = 1000) -> tuple[object, OfflinePage]:
    """A new browser context and page, offline as described in the module's docstring."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    record = OfflinePage(page=page)

    def route(r) -> None:
        url = r.request.url
        if is_local(url):
            r.continue_()
        else:
            record.outside.append(url)
            r.abort()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: record.errors.append(str(exc)))
    page.on("response", lambda resp: record.bad_statuses.append(f"{resp.status} {resp.url}")
            if resp.status >= 400 else None)
    return context, record


@pytest.fixture
def offline_page(chromium) -> Iterator[OfflinePage]:
    """A fresh offline page (its own context: no cookies or session shared between tests)."""
    context, record = open_offline_page(chromium)
    try:
        yield record
    finally:
        context.close()


# -- the commune map inside a page ----------------------------------------------------------------------

#: streamlit-folium's frame: 0 px high until the map inside it is built.
MAP_IFRAME = 'iframe[src*="streamlit_folium"]'
PARCELS_DRAWN = "window.map && window.lpmap && lpmap.layers.parcels && map.hasLayer(lpmap.layers.parcels.group)"


def wait_parcels_drawn(frame, *, timeout_ms: int = 120_000) -> None:
    """Wait until the map in ``frame`` exists and carries the parcel layer."""
    frame.wait_for_function(PARCELS_DRAWN, timeout=timeout_ms)


#: The RGBA painted on the map's canvas at ``[lat, lng]`` (a JavaScript function).
PIXEL_JS = """([lat, lng]) => {
    const canvas = document.querySelector('.leaflet-overlay-pane canvas');
    const p = map.latLngToLayerPoint([lat, lng]);
    const origin = L.DomUtil.getPosition(canvas);
    const scale = canvas.width / canvas.clientWidth;
    const d = canvas.getContext('2d').getImageData(Math.round((p.x - origin.x) * scale),
                                                   Math.round((p.y - origin.y) * scale), 1, 1).data;
    return Array.from(d);
}"""


def pixel_at(frame, lat: float, lng: float) -> list[int]:
    """The RGBA of the map's canvas at a place (what is actually painted there)."""
    return frame.evaluate(PIXEL_JS, [lat, lng])


def wait_painted(frame, lat: float, lng: float, condition: str, *, timeout_ms: int = 120_000) -> list[int]:
    """Wait until the canvas at a place is painted as ``condition`` says (a JavaScript expression of ``r``, ``g``,
    ``b`` and ``a``, e.g. ``"a > 200 && r > g + 60"``), after a move of the map; the RGBA found.

    The canvas is redrawn in an animation frame after the map moves: this waits for that redraw to show the
    expected colour instead of sleeping. The caller still asserts on the returned pixel, so that a wrong
    colour fails with the colour in the message.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        frame.wait_for_function(f"([lat, lng]) => {{ const [r, g, b, a] = ({PIXEL_JS})([lat, lng]); "
                                f"return {condition}; }}", arg=[lat, lng], timeout=timeout_ms)
    except PlaywrightTimeout:
        pass  # the caller's assertion on the pixel says what was painted instead
    return pixel_at(frame, lat, lng)


# -- a map whose parcels are vector tiles (the map page: gis/jobs/tiles.py, lpmap.parcelTiles) -----------------

#: At least one parcel tile drawn (Leaflet marks a tile loaded once VectorGrid has painted it).
TILES_PAINTED = "document.querySelectorAll('.leaflet-lp-parcels-pane canvas.leaflet-tile-loaded').length > 0"


def wait_tiles_painted(frame, *, timeout_ms: int = 120_000) -> None:
    """Wait until the map in ``frame`` has painted parcel tiles and none is still loading."""
    frame.wait_for_function(f"{TILES_PAINTED} && !lpmap.layers.parcels.group.isLoading()", timeout=timeout_ms)


def tile_pixel_at(frame, lat: float, lng: float) -> list[int]:
    """The RGBA of the parcel tiles at a place (the tile canvas actually painted there)."""
    return frame.evaluate(
        """([lat, lng]) => {
            const p = map.latLngToContainerPoint([lat, lng]);
            const box = map.getContainer().getBoundingClientRect();
            const x = box.left + p.x, y = box.top + p.y;
            for (const c of document.querySelectorAll('.leaflet-lp-parcels-pane canvas.leaflet-tile-loaded')) {
                const r = c.getBoundingClientRect();
                if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
                const d = c.getContext('2d').getImageData(Math.floor((x - r.left) * c.width / r.width),
                                                          Math.floor((y - r.top) * c.height / r.height), 1, 1).data;
                return Array.from(d);
            }
            return null;
        }""", [lat, lng])


# -- Streamlit's script runs ----------------------------------------------------------------------------

#: True when no script run is going on and no element on the page is left from the previous run.
IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelectorAll('[data-stale="true"]').length === 0
        && !document.querySelector('[data-testid="stStatusWidget"]');
}"""

#: Counts the script runs that start from now in ``window.__lpRuns`` (the app's run state leaving
#: ``notRunning``, or an element marked stale by a new run).
COUNT_RUNS_JS = """() => {
    if (window.__lpRunObserver) { window.__lpRunObserver.disconnect(); }
    window.__lpRuns = 0;
    const observer = new MutationObserver(changes => {
        for (const c of changes) {
            const value = c.target.getAttribute(c.attributeName);
            if ((c.attributeName === 'data-test-script-state' && value !== 'notRunning')
                || (c.attributeName === 'data-stale' && value === 'true')) { window.__lpRuns += 1; }
        }
    });
    observer.observe(document.body, {attributes: true, subtree: true,
                                     attributeFilter: ['data-test-script-state', 'data-stale']});
    window.__lpRunObserver = observer;
}"""


def settle(page, *, timeout_ms: int = 90_000) -> None:
    """Wait until the script run is over: the app not running, no status widget, nothing stale on the page.

    Call it once something the run shows has been waited for (so the run has begun); after an action whose
    run shows nothing to wait for, use :func:`rerun_after`.
    """
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


def rerun_after(page, action, *, timeout_ms: int = 90_000) -> None:
    """Do ``action`` (a widget change on the same page) and wait until the script run it starts is over."""
    page.evaluate(COUNT_RUNS_JS)
    action()
    page.wait_for_function(f"() => window.__lpRuns > 0 && ({IDLE_JS})()", timeout=timeout_ms)


def next_frame(page) -> None:
    """Wait until the browser has drawn two more frames (a layout change, such as a resized window, shown)."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


#: The Leaflet.draw handler now drawing on the map in a frame (the draw control found among the globals).
DRAW_HANDLER_JS = """(() => {
    for (const key of Object.keys(window)) {
        let value;
        try { value = window[key]; } catch (e) { continue; }
        if (value instanceof L.Control.Draw) {
            return Object.values(value._toolbars.draw._modes).map(m => m.handler).find(h => h.enabled()) || null;
        }
    }
    return null;
})()"""


def wait_vertices(frame, count: int, *, timeout_ms: int = 30_000) -> None:
    """Wait until the shape being drawn has ``count`` vertices and takes the next click (Leaflet.draw ignores
    clicks for 50 ms after each vertex)."""
    frame.wait_for_function(f"n => {{ const h = {DRAW_HANDLER_JS}; "
                            "return !!h && h._markers.length === n && !h._disableMarkers; }", arg=count,
                            timeout=timeout_ms)

