"""The commune map in a real browser, on the merged commune and on the built-in one, in one run (issue 14).

Run::

    LUONGPHONG_CACHE=/path/to/cache python3 -m benchmarks.map_browser [--repeats 3] [--steps 12]
        [--clicks 4] [--searches 4] [--sessions 3] [--datasets builtin,hiep-hoa] [--json out.json]

For each dataset it starts the real app (``streamlit run serve.py`` from this checkout, a free 127.0.0.1 port,
its own process group, its own workspace naming the dataset as the active one, its own map tile cache) and
drives headless Debian Chromium (``/usr/bin/chromium``) through Playwright. Every request outside 127.0.0.1 is
aborted and counted (a Playwright route on outside addresses only, and a host resolver that knows no other
host; Playwright 1.65 holds every request, local ones too, while a route is set: measured without the route,
the merged commune's cold load was 2.22 s against 2.18 s with it, no consistent difference); a run with any
such request fails. A Playwright route also turns
the browser's HTTP cache off for the whole context, so every load here, not only the first, fetches every
file: the figures are cold-cache figures, and what the server's caching headers save on a next load is not
measured. The merged commune
(``hiep-hoa``, :mod:`gis.demo.merged`) is generated into the cache folder first if it is not there.

Measured, as the issue's map rows ask (medians over the repeats; bytes are what the server sent: every HTTP
response, headers included, and every WebSocket frame received, from the DevTools protocol):

- **cold load to parcels drawn**: a fresh browser context (cache cold) opens the app; the time from the start
  of navigation until the parcels are drawn (below), and the bytes received until then (also without
  Streamlit's own frontend, its ``/static/`` bundle, which any page costs once and the browser caches). The first load
  after the server started (layers read and prepared, tiles built into an empty tile cache) is given apart; the median is over the
  next ``--repeats`` loads (server warm, browser cold), the issue's "server warm" figure.
- **zoom or pan redraw**: ``--steps`` steps (zoom in, pan, zoom out, ...; no animation) from the opening
  view; each step's time is from the call until the map's layers have finished drawing (below), measured in
  the page (``performance.now``); and the bytes each step fetched.
- **search or click to card**: a click with the mouse on a known parcel (in Thắng on the merged commune), or
  ``sheet/parcel`` typed in the search box (a parcel of Đông Lỗ) and Enter, until the card's heading
  "Thửa đất số N, tờ bản đồ số S" is shown; bytes until the page has settled (no script running, no stale
  element) and the network has been quiet for 0.3 s. Two parcels alternate so that each action changes the
  card. Before a click the map is zoomed on the parcel (not timed).
- **browser memory of the map**: with only the measuring page open, after a garbage collection: the JS heap
  in use (CDP ``Performance.getMetrics`` ``JSHeapUsedSize``; the map's frame is same-origin, in the same
  renderer); the memory of the browser's renderer processes (``/proc``, those of this run's Chromium only:
  the sum of their proportional set sizes, shared pages counted once, and the resident set of the largest). ``performance.measureUserAgentSpecificMemory`` needs cross-origin isolation, which the app
  does not have. The same is measured, at the end of the run, on a page of the same app that draws no map
  (:data:`NO_MAP_PAGE`, a fresh context with the same viewport, only that page open): the map's own share is
  the difference (Streamlit's page, sidebar and widgets alone hold a renderer of about 200 MB).
- **server memory per extra session**: the resident memory of the streamlit server (process and children)
  before and after ``--sessions`` extra sessions (each a page that drew the map, kept open), divided by
  their number; and what is left of it 10 s after they are closed.

When the map's layers have finished drawing (the signals, not internals of a renderer):

- the map's frame is streamlit-folium's iframe; Leaflet's map is ``window.map`` in it and the parcel layer is
  ``lpmap.layers.parcels.group`` (what ``tests/conftest.py`` waits for: kept by the GeoJSON map and by the
  vector-tile map);
- the parcels are drawn when that layer is on the map and every Leaflet ``GridLayer`` on the map (vector
  tiles, a background) is no longer loading (``isLoading()``; its ``load`` event), the parcel grid with at
  least one tile; then two animation frames (Leaflet's canvas renderers draw in an animation frame; the
  second frame is painted after it);
- a redraw is over at the map's ``moveend`` followed by the same wait;
- the hook: a page may define ``lpmap.whenDrawn()`` returning a Promise resolved when every layer of the
  map has drawn the current view; when it exists it is awaited instead of the GridLayer wait.

The machine is shared by other work: read the figures with the load average printed beside them, and the
ratios between the two datasets of the same run.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
#: Any address not on this machine (the route aborts these; local requests are not routed through Python).
OUTSIDE = re.compile(r"^(?!(?:https?|wss?)://127\.0\.0\.1[:/]|data:|blob:|about:)")
IFRAME = 'iframe[src*="streamlit_folium"]'
TIMEOUT_MS = 180_000
#: How long a click or a search may take to show its card before it counts as failed (and the run goes on).
CARD_TIMEOUT_MS = 60_000
START_TIMEOUT_S = 120
VIEWPORT = {"width": 1500, "height": 1000}
#: The issue's targets for the merged commune.
TARGETS = {"first_load_s": None, "load_s": 2.5, "load_mb": 3.0, "redraw_ms": 150, "click_s": 0.7, "click_kb": 50,
           "search_s": 0.7, "search_kb": 50, "heap_mb": 200, "renderer_map_mb": 200, "session_mb": 30}
#: A page of the app that draws no map (tables only): the browser's memory of the app without the map.
NO_MAP_PAGE = "overview"

# JavaScript, in the map's frame --------------------------------------------------------------------------------

#: Whether the parcels are drawn (no animation frame waited yet): see the module's docstring.
PARCELS_ON_MAP = """() => {
    if (!window.map || !window.L || !window.lpmap || !lpmap.layers) return false;
    const parcels = lpmap.layers.parcels, group = parcels && parcels.group;
    if (!group || !map.hasLayer(group)) return false;
    if (typeof lpmap.whenDrawn === 'function') return true;
    let ok = true;
    map.eachLayer(l => {
        if (l instanceof L.GridLayer && (l.isLoading() || (l === group && !Object.keys(l._tiles || {}).length)))
            ok = false;
    });
    return ok;
}"""

#: The wait after a view change or a load: the hook, else the GridLayers' ``load``, then two frames.
_DRAWN = """
    const frame = () => new Promise(r => requestAnimationFrame(() => r()));
    const drawn = async () => {
        await frame();
        if (window.lpmap && typeof lpmap.whenDrawn === 'function') {
            await lpmap.whenDrawn();
        } else {
            const waits = [];
            map.eachLayer(l => {
                if (l instanceof L.GridLayer && l.isLoading()) waits.push(new Promise(r => l.once('load', r)));
            });
            await Promise.all(waits);
        }
        await frame();
        await frame();
    };
"""

AFTER_LOAD = "async () => {" + _DRAWN + " await drawn(); }"

#: One zoom or pan step; the milliseconds until the map's layers finished drawing the new view.
STEP = "async ([kind, arg]) => {" + _DRAWN + """
    const t0 = performance.now();
    const moved = new Promise(r => map.once('moveend', r));
    if (kind === 'zoom') map.setZoom(map.getZoom() + arg, {animate: false});
    else map.panBy(arg, {animate: false});
    await moved;
    await drawn();
    return performance.now() - t0;
}"""

#: Centre the map on a place at a zoom and wait until it is drawn.
GO_TO = "async ([lat, lng, z]) => {" + _DRAWN + """
    const moved = new Promise(r => map.once('moveend', r));
    map.setView([lat, lng], z, {animate: false});
    await moved;
    await drawn();
}"""

#: Where a place is in the frame's coordinates.
CONTAINER_POINT = """([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);
    const r = map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }"""

#: How the parcels are drawn, for the report.
MAP_KIND = """() => {
    const g = lpmap.layers.parcels.group;
    const kind = (L.GridLayer && g instanceof L.GridLayer) ? 'vector tiles' : 'GeoJSON';
    return {kind: kind, leaflet: L.version, hook: typeof lpmap.whenDrawn === 'function'};
}"""

#: The zoom and pan steps, repeated to ``--steps``: they come back near the opening view every 8.
STEPS: list[tuple[str, Any]] = [("zoom", 1), ("pan", [300, 0]), ("pan", [0, 250]), ("zoom", 1),
                                ("pan", [-300, 0]), ("zoom", -1), ("pan", [0, -250]), ("zoom", -1)]

SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-stale="true"]').length === 0
    && !document.querySelector('[data-testid="stSkeleton"]')"""


# The app and the machine -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class App:
    url: str
    process: subprocess.Popen
    log: Path


def start_app(log: Path, env: dict[str, str], checkout: Path = ROOT) -> App:
    """``streamlit run serve.py`` from ``checkout`` (this one by default) on a free port, in its own process
    group (as ``tests/conftest.py`` ``start_app``); waits until it is healthy."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=checkout, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, env={**os.environ, "PYTHONPATH": str(checkout), **env})
    app = App(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"streamlit exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return app
        except OSError:
            time.sleep(0.3)
    stop_app(app)
    raise SystemExit(f"streamlit did not answer within {START_TIMEOUT_S} s; see {log}")


def stop_app(app: App) -> None:
    """Stop the app's process group (by its id), then reap it."""
    try:
        os.killpg(app.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        app.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait(timeout=20)


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, command line)."""
    out: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        out[int(entry.name)] = (ppid, cmdline)
    return out


def _descendants(pid: int, table: dict[int, tuple[int, str]]) -> list[int]:
    children: dict[int, list[int]] = {}
    for p, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, MB."""
    return rss_mb(pid) + sum(rss_mb(p) for p in _descendants(pid, _processes()))


def pss_mb(pid: int) -> float:
    """Proportional set size of a process (its own pages, and its share of those it shares), MB."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def renderer_memory_mb() -> tuple[float, float]:
    """The renderer processes of this run's Chromium (descendants of this process): the sum of their
    proportional set sizes (shared pages counted once), and the resident memory of the largest, MB."""
    table = _processes()
    renderers = [p for p in _descendants(os.getpid(), table) if "--type=renderer" in table[p][1]]
    return sum(pss_mb(p) for p in renderers), max((rss_mb(p) for p in renderers), default=0.0)


def machine(checkout: Path) -> dict[str, Any]:
    import playwright
    import streamlit

    versions = {"python": platform.python_version(), "streamlit": streamlit.__version__}
    from importlib.metadata import PackageNotFoundError, version

    for name in ("folium", "streamlit-folium", "geopandas", "shapely", "playwright"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = getattr(playwright, "__version__", "?") if name == "playwright" else "?"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "not a git checkout"
    dirty = subprocess.run(["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "checkout": str(checkout), "commit": commit + ("+changes" if dirty else ""), "versions": versions}


# The browser -----------------------------------------------------------------------------------------------


@dataclass
class Counter:
    """Bytes the page received (HTTP responses, headers included, and WebSocket frames), from CDP."""

    http: int = 0
    ws: int = 0
    #: Of ``http``: Streamlit's own frontend (its ``/static/`` bundle, the same for any page and cached).
    frontend: int = 0
    urls: dict[str, str] = field(default_factory=dict)
    last_change: float = field(default_factory=time.monotonic)

    @property
    def total(self) -> int:
        return self.http + self.ws

    def on_response(self, event: dict) -> None:
        self.urls[event["requestId"]] = event["response"]["url"]

    def on_loaded(self, event: dict) -> None:
        size = int(event.get("encodedDataLength") or 0)
        self.http += size
        if urlsplit(self.urls.get(event["requestId"], "")).path.startswith("/static/"):
            self.frontend += size
        self.last_change = time.monotonic()

    def on_frame(self, event: dict) -> None:
        r = event["response"]
        data = r.get("payloadData") or ""
        self.ws += len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode())
        self.last_change = time.monotonic()


@dataclass
class Tab:
    context: Any
    page: Any
    cdp: Any
    bytes: Counter
    outside: list[str]


def open_tab(browser) -> Tab:
    """A fresh context (cache cold, its own session) and page; outside requests aborted and recorded."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    outside: list[str] = []

    def refuse(route) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(OUTSIDE, refuse)
    page = context.new_page()
    counter = Counter()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.responseReceived", counter.on_response)
    cdp.on("Network.loadingFinished", counter.on_loaded)
    cdp.on("Network.webSocketFrameReceived", counter.on_frame)
    return Tab(context, page, cdp, counter, outside)


def quiet(tab: Tab, seconds: float = 0.3, timeout_s: float = 30.0) -> None:
    """Wait until the page has settled and nothing has been received for ``seconds``."""
    tab.page.wait_for_function(SETTLED, timeout=TIMEOUT_MS)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and time.monotonic() - tab.bytes.last_change < seconds:
        tab.page.wait_for_timeout(50)


def map_frame(tab: Tab):
    return tab.page.wait_for_selector(IFRAME, state="attached", timeout=TIMEOUT_MS).content_frame()


def load(tab: Tab, url: str) -> dict[str, float]:
    """Open the app in ``tab`` and wait until the parcels are drawn: seconds and bytes received."""
    start = time.perf_counter()
    tab.page.goto(url, wait_until="commit")
    frame = map_frame(tab)
    frame.wait_for_function(PARCELS_ON_MAP, timeout=TIMEOUT_MS, polling=20)
    frame.evaluate(AFTER_LOAD)
    seconds = time.perf_counter() - start
    return {"s": seconds, "bytes": tab.bytes.total, "frontend_bytes": tab.bytes.frontend}


def zoom_steps(tab: Tab, steps: int) -> tuple[list[float], list[int]]:
    """``steps`` zoom or pan steps: milliseconds each, and bytes received for each."""
    frame = map_frame(tab)
    times, sizes = [], []
    for i in range(steps):
        kind, arg = STEPS[i % len(STEPS)]
        before = tab.bytes.total
        times.append(float(frame.evaluate(STEP, [kind, arg])))
        sizes.append(tab.bytes.total - before)
    return times, sizes


@dataclass
class Target:
    sheet: int
    number: int
    lat: float
    lng: float

    @property
    def heading(self) -> str:
        return f"Thửa đất số {self.number}, tờ bản đồ số {self.sheet}"


def click_to_card(tab: Tab, target: Target) -> dict[str, Any]:
    """Zoom on ``target`` (not timed), click it with the mouse; seconds to its card, bytes until settled."""
    page = tab.page
    frame = map_frame(tab)
    frame.evaluate(GO_TO, [target.lat, target.lng, 19])
    quiet(tab)
    x, y = frame.evaluate(CONTAINER_POINT, [target.lat, target.lng])
    box = page.query_selector(IFRAME).bounding_box()
    before = tab.bytes.total
    start = time.perf_counter()
    page.mouse.click(box["x"] + x, box["y"] + y)
    return _card(tab, target, start, before, "click")


def search_to_card(tab: Tab, target: Target) -> dict[str, Any]:
    """Type ``sheet/parcel`` in the search box and press Enter; seconds to its card, bytes until settled."""
    page = tab.page
    box = page.get_by_role("textbox", name="Tìm thửa đất")
    box.fill(f"{target.sheet}/{target.number}")
    before = tab.bytes.total
    start = time.perf_counter()
    box.press("Enter")
    return _card(tab, target, start, before, "search")


def _card(tab: Tab, target: Target, start: float, before: int, what: str) -> dict[str, Any]:
    """Wait for ``target``'s card: seconds since ``start``, bytes since ``before``; a card that does not come
    within :data:`CARD_TIMEOUT_MS` is recorded as failed (``nan``, and why) and the run goes on."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        tab.page.get_by_role("heading", name=target.heading, exact=True).wait_for(timeout=CARD_TIMEOUT_MS)
    except PlaywrightTimeout:
        print(f"  no card for the {what} of {target.heading!r} within {CARD_TIMEOUT_MS / 1000:.0f} s",
              file=sys.stderr, flush=True)
        quiet(tab)
        return {"s": float("nan"), "bytes": float("nan"), "failed": f"no card within {CARD_TIMEOUT_MS} ms"}
    seconds = time.perf_counter() - start
    quiet(tab)
    return {"s": seconds, "bytes": tab.bytes.total - before}


def browser_memory(tab: Tab) -> dict[str, float]:
    """After a garbage collection: the JS heap in use, the renderers' memory (PSS sum) and the largest
    renderer's resident memory, MB (only ``tab`` open in the browser)."""
    tab.cdp.send("HeapProfiler.enable")
    tab.cdp.send("HeapProfiler.collectGarbage")
    tab.cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in tab.cdp.send("Performance.getMetrics")["metrics"]}
    pss, largest = renderer_memory_mb()
    return {"heap_mb": metrics.get("JSHeapUsedSize", 0.0) / 1e6, "renderer_mb": pss, "renderer_rss_mb": largest}


def no_map_memory(browser, url: str) -> dict[str, float]:
    """:func:`browser_memory` of the app's :data:`NO_MAP_PAGE` in a fresh context (call it with no other page
    open in ``browser``): once its heading is shown and the page has settled."""
    tab = open_tab(browser)
    try:
        tab.page.goto(f"{url}/{NO_MAP_PAGE}", wait_until="commit")
        tab.page.wait_for_selector("h1", timeout=TIMEOUT_MS)
        quiet(tab)
        memory = browser_memory(tab)
        memory["outside"] = len(tab.outside)
        return memory
    finally:
        tab.context.close()


# The datasets ----------------------------------------------------------------------------------------------


def prepare_dataset(name: str, workspace: Path) -> tuple[Path, int, list[Target], list[Target]]:
    """Make ``name`` the active dataset of a new workspace (generating the merged commune if needed); its
    folder, its number of parcels, two parcels to click (Thắng on the merged commune) and two to search for
    (Đông Lỗ)."""
    import geopandas as gpd

    from gis.files.io import load_dataset
    from gis.store import datasets

    info = datasets.find(name, workspace)
    if datasets.needs_generating(info):
        print(datasets.GENERATING.en, flush=True)
        datasets.generate(info)
    datasets.use(name, root=workspace, by="benchmark")
    data = load_dataset(info.folder)
    parcels = data.parcels
    overlays = [data.get(k) for k in ("recovered_land", "concentrated_fields", "rice_fields", "aquaculture_ponds")]
    covered = [o.to_crs(parcels.crs).union_all() for o in overlays if o is not None and not o.empty]

    def pick(unit: str | None, skip: set[tuple[int, int]]) -> list[Target]:
        p = parcels
        if unit is not None and "former_unit" in p.columns:
            p = p[p["former_unit"] == unit]
        p = p[p["land_use"].astype(str).str.startswith(("ONT", "ODT", "CLN", "TMD"))]
        for shape in covered:
            p = p[~p.intersects(shape)]
        p = p.sort_values("map_area_m2", ascending=False)
        out: list[Target] = []
        for _, row in p.iterrows():
            key = (int(row["sheet"]), int(row["parcel_no"]))
            if key in skip or any((t.sheet, t.number) == key for t in out):
                continue
            point = gpd.GeoSeries([row.geometry.representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
            out.append(Target(key[0], key[1], point.y, point.x))
            if len(out) == 2:
                return out
        raise SystemExit(f"no parcel to pick in {name} ({unit})")

    merged = "former_unit" in parcels.columns and parcels["former_unit"].notna().any()
    clicks = pick("Thắng" if merged else None, set())
    searches = pick("Đông Lỗ" if merged else None, {(t.sheet, t.number) for t in clicks})
    return info.folder, len(parcels), clicks, searches


def run_dataset(pw, name: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    workspace = scratch / name / "ws"
    workspace.mkdir(parents=True)
    folder, count, clicks, searches = prepare_dataset(name, workspace)
    env = {"LUONGPHONG_WORKSPACE": str(workspace / "workspace.gpkg"),
           "LUONGPHONG_TILE_CACHE": str(scratch / name / "tiles")}
    app = start_app(scratch / name / "streamlit.log", env, args.checkout)
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    out: dict[str, Any] = {"dataset": name, "folder": str(folder)}
    tabs: list[Tab] = []
    try:
        tab = open_tab(browser)
        tabs.append(tab)
        out["first_load"] = load(tab, app.url)
        frame = map_frame(tab)
        out["map"] = frame.evaluate(MAP_KIND)
        out["parcels"] = count
        tab.context.close()
        tabs.remove(tab)
        loads = []
        for i in range(args.repeats):
            tab = open_tab(browser)
            tabs.append(tab)
            loads.append(load(tab, app.url))
            quiet(tab)
            if i < args.repeats - 1:
                tab.context.close()
                tabs.remove(tab)
        out["loads"] = loads
        out["steps_ms"], out["steps_bytes"] = zoom_steps(tab, args.steps)
        out["clicks"] = [click_to_card(tab, clicks[i % 2]) for i in range(args.clicks)]
        out["searches"] = [search_to_card(tab, searches[i % 2]) for i in range(args.searches)]
        frame = map_frame(tab)
        frame.evaluate(GO_TO, [clicks[0].lat, clicks[0].lng, int(frame.evaluate("map.getZoom()")) - 3])
        out["memory"] = browser_memory(tab)
        quiet(tab)
        before = tree_rss_mb(app.process.pid)
        extra = []
        for _ in range(args.sessions):
            t = open_tab(browser)
            extra.append(t)
            tabs.append(t)
            load(t, app.url)
            quiet(t)
        after = tree_rss_mb(app.process.pid)
        for t in extra:
            t.context.close()
            tabs.remove(t)
        time.sleep(10)
        closed = tree_rss_mb(app.process.pid)
        out["server"] = {"before_mb": before, "after_mb": after, "closed_mb": closed,
                         "per_session_mb": (after - before) / max(args.sessions, 1),
                         "kept_per_session_mb": (closed - before) / max(args.sessions, 1)}
        outside = [u for t in tabs for u in t.outside]
        for t in tabs:
            t.context.close()
        tabs.clear()
        out["memory_no_map"] = no_map_memory(browser, app.url)
        out["outside_requests"] = outside + ["(the page without the map)"] * int(out["memory_no_map"]["outside"])
    finally:
        for t in tabs:
            t.context.close()
        browser.close()
        stop_app(app)
    if out.get("outside_requests"):
        raise SystemExit(f"{name}: requests outside 127.0.0.1: {out['outside_requests'][:5]}")
    return out


# The report ------------------------------------------------------------------------------------------------


def _med(values: list[float]) -> float:
    """The median of the values that are numbers (failed actions are ``nan``); ``nan`` when there are none."""
    numbers = [v for v in values if v == v]
    return statistics.median(numbers) if numbers else float("nan")


def summary(result: dict[str, Any]) -> dict[str, float]:
    """The figures of one dataset, as the table shows them."""
    return {
        "first_load_s": result["first_load"]["s"],
        "first_load_mb": result["first_load"]["bytes"] / 1e6,
        "load_s": _med([r["s"] for r in result["loads"]]),
        "load_mb": _med([r["bytes"] for r in result["loads"]]) / 1e6,
        "load_map_mb": _med([r["bytes"] - r["frontend_bytes"] for r in result["loads"]]) / 1e6,
        "redraw_ms": _med(result["steps_ms"]),
        "redraw_max_ms": max(result["steps_ms"]) if result["steps_ms"] else float("nan"),
        "redraw_kb": _med(result["steps_bytes"]) / 1e3,
        "click_s": _med([r["s"] for r in result["clicks"]]),
        "click_kb": _med([r["bytes"] for r in result["clicks"]]) / 1e3,
        "search_s": _med([r["s"] for r in result["searches"]]),
        "search_kb": _med([r["bytes"] for r in result["searches"]]) / 1e3,
        "heap_mb": result["memory"]["heap_mb"],
        "renderer_mb": result["memory"]["renderer_mb"],
        "renderer_rss_mb": result["memory"]["renderer_rss_mb"],
        "renderer_nomap_mb": result["memory_no_map"]["renderer_mb"],
        "renderer_map_mb": result["memory"]["renderer_mb"] - result["memory_no_map"]["renderer_mb"],
        "session_mb": result["server"]["per_session_mb"],
        "kept_mb": result["server"]["kept_per_session_mb"],
        "server_mb": result["server"]["before_mb"],
    }


ROWS = [
    ("map load, first user after server start (s)", "first_load_s", "{:.2f}"),
    ("  bytes sent for it (MB)", "first_load_mb", "{:.2f}"),
    ("map load, server warm, browser cold (s)", "load_s", "{:.2f}"),
    ("  bytes sent for it (MB)", "load_mb", "{:.2f}"),
    ("  of which not Streamlit's own frontend (MB)", "load_map_mb", "{:.2f}"),
    ("zoom/pan redraw, median (ms)", "redraw_ms", "{:.0f}"),
    ("  slowest step (ms)", "redraw_max_ms", "{:.0f}"),
    ("  bytes per step, median (kB)", "redraw_kb", "{:.1f}"),
    ("click to card (s)", "click_s", "{:.2f}"),
    ("  bytes sent (kB)", "click_kb", "{:.1f}"),
    ("search to card (s)", "search_s", "{:.2f}"),
    ("  bytes sent (kB)", "search_kb", "{:.1f}"),
    ("browser memory: JS heap in use (MB)", "heap_mb", "{:.0f}"),
    ("browser memory: renderers' PSS (MB)", "renderer_mb", "{:.0f}"),
    ("  largest renderer's RSS (MB)", "renderer_rss_mb", "{:.0f}"),
    ("  the same app on a page without the map (MB)", "renderer_nomap_mb", "{:.0f}"),
    ("browser memory of the map: renderers' PSS, with - without (MB)", "renderer_map_mb", "{:.0f}"),
    ("server memory per extra session (MB)", "session_mb", "{:.1f}"),
    ("  kept 10 s after they closed (MB/session)", "kept_mb", "{:.1f}"),
    ("server RSS with one session (MB)", "server_mb", "{:.0f}"),
]


def print_report(info: dict[str, Any], results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    v = info["versions"]
    print(f"machine: {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB; load average at the end "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"app from {info['checkout']} ({info['commit']}); Python {v['python']}, Streamlit {v['streamlit']}, folium {v['folium']}, "
          f"streamlit-folium {v['streamlit-folium']}, Playwright {v['playwright']}, Chromium {info['chromium']}")
    print(f"repeats: {args.repeats} cold loads, {args.steps} zoom/pan steps, {args.clicks} clicks, "
          f"{args.searches} searches, {args.sessions} extra sessions; medians")
    for r in results:
        failed = [f"{len([a for a in r[k] if 'failed' in a])} of {len(r[k])} {k}" for k in ("clicks", "searches")
                  if any("failed" in a for a in r[k])]
        if failed:
            print(f"  {r['dataset']}: NO CARD for {', '.join(failed)} (medians of the others)")
        print(f"  {r['dataset']}: {r['parcels']} parcels, drawn as {r['map']['kind']} (Leaflet "
              f"{r['map']['leaflet']}{', lpmap.whenDrawn hook' if r['map']['hook'] else ''})")
    figures = [summary(r) for r in results]
    names = [r["dataset"] for r in results]
    width = max(len(label) for label, _, _ in ROWS)
    print()
    print(f"{'':<{width}}  " + "  ".join(f"{n:>12}" for n in names) + f"  {'target':>8}")
    for label, key, fmt in ROWS:
        target = TARGETS.get(key)
        cells = "  ".join(f"{fmt.format(f[key]):>12}" for f in figures)
        print(f"{label:<{width}}  {cells}  {('< ' + str(target)) if target else '':>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="builtin,hiep-hoa", help="comma-separated (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="cold loads, server warm (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=12, help="zoom/pan steps (default: %(default)s)")
    parser.add_argument("--clicks", type=int, default=4, help="clicks to a card (default: %(default)s)")
    parser.add_argument("--searches", type=int, default=4, help="searches to a card (default: %(default)s)")
    parser.add_argument("--sessions", type=int, default=3, help="extra sessions for the server's memory "
                        "(default: %(default)s)")
    parser.add_argument("--json", type=Path, default=None, help="also write every measurement to this file")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="run the app of this checkout (default: this "
                        "one), e.g. a snapshot of another branch: git -C WT archive HEAD | tar -x -C DIR")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.steps < 1 or args.clicks < 1 or args.searches < 1 or args.sessions < 1:
        parser.error("--repeats, --steps, --clicks, --searches and --sessions must be at least 1")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM} (Debian's 'chromium' package)")
    from playwright.sync_api import sync_playwright

    info = machine(args.checkout.resolve())
    results = []
    with tempfile.TemporaryDirectory(prefix="map_browser_") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        info["chromium"] = browser.version
        browser.close()
        for name in [n.strip() for n in args.datasets.split(",") if n.strip()]:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            results.append(run_dataset(pw, name, args, Path(tmp)))
    print_report(info, results, args)
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": info, "results": results,
                                         "figures": {r["dataset"]: summary(r) for r in results}},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
