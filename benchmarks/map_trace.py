"""Where one cold load of the commune map spends its time, step by step, in headless Chromium.

Run::

    LUONGPHONG_CACHE=/path/to/cache python3 -m benchmarks.map_trace [--datasets hiep-hoa] [--loads 3]
        [--checkout DIR]

Starts the real app as :mod:`benchmarks.map_browser` does (its own workspace, tile cache, port), makes one
load to warm the server, then ``--loads`` cold loads (a fresh browser context each, the HTTP cache off), and
prints for each the milliseconds since the start of navigation of: the page's HTML answered, Streamlit's
main script answered, the WebSocket made (the frontend's modules evaluated) and open, the first message of
the server, the map's frame added to the page, the frame's page answered, the component's script and the
map's script answered, the map made (``window.map`` set in the frame), the first and last parcel tile and
the layers' file answered, and the parcels drawn (:data:`benchmarks.map_browser.AFTER_LOAD`); the
WebSocket's messages (rerun request sent, first delta, the delta naming the map's component, the script's
end) and the main thread's long tasks before the frame and after it. All times come from the pages
themselves (``performance.timeOrigin + performance.now()``, one clock for the page and its same-origin
frame), recorded by a script added to every frame before its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.map_browser import (
    AFTER_LOAD,
    CHROMIUM,
    CHROMIUM_ARGS,
    PARCELS_ON_MAP,
    ROOT,
    TIMEOUT_MS,
    map_frame,
    open_tab,
    prepare_dataset,
    start_app,
    stop_app,
)

#: Recorded in every frame before its own scripts: WebSocket traffic, the iframe's creation, window.map,
#: long tasks.
PROBE = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const rec = window.__lpTrace = {ws: [], marks: {}, long: []};
  const mark = (k) => { if (!(k in rec.marks)) rec.marks[k] = now(); };
  try {
    new PerformanceObserver(l => l.getEntries().forEach(e =>
      rec.long.push([performance.timeOrigin + e.startTime, e.duration]))).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const WS = window.WebSocket;
  if (WS) {
    window.WebSocket = function (...args) {
      mark('ws_new');
      const ws = new WS(...args);
      ws.addEventListener('open', () => mark('ws_open'));
      ws.addEventListener('message', (ev) => {
        const t = now();
        let size = 0, folium = false;
        if (ev.data instanceof ArrayBuffer) {
          size = ev.data.byteLength;
          folium = new TextDecoder('latin1').decode(ev.data).includes('streamlit_folium');
        } else if (typeof ev.data === 'string') size = ev.data.length;
        rec.ws.push(['in', t, size, folium]);
      });
      const send = ws.send.bind(ws);
      ws.send = (d) => { rec.ws.push(['out', now(), d.byteLength || d.length || 0, false]); return send(d); };
      return ws;
    };
    window.WebSocket.prototype = WS.prototype;
    Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  }
  let mapValue;
  try {
    Object.defineProperty(window, 'map', {configurable: true, get: () => mapValue,
      set: (v) => { mapValue = v; mark('map_made'); }});
  } catch (e) {}
  const watch = () => {
    const seen = () => { if (document.querySelector('iframe[src*="streamlit_folium"]')) { mark('frame_added'); return true; } };
    if (seen()) return;
    const mo = new MutationObserver(() => { if (seen()) mo.disconnect(); });
    mo.observe(document, {childList: true, subtree: true});
  };
  if (window === window.top) watch();
})();
"""

COLLECT = """() => {
  const r = (w) => w.performance.getEntriesByType('resource').map(e => [e.name, w.performance.timeOrigin + e.startTime,
      w.performance.timeOrigin + e.responseEnd, e.transferSize]);
  const nav = performance.getEntriesByType('navigation')[0];
  const f = document.querySelector('iframe[src*="streamlit_folium"]');
  const fw = f && f.contentWindow;
  const fnav = fw && fw.performance.getEntriesByType('navigation')[0];
  return {origin: performance.timeOrigin, html: performance.timeOrigin + nav.responseEnd,
          dcl: performance.timeOrigin + nav.domContentLoadedEventEnd,
          top: window.__lpTrace, res: r(window),
          frame: fw ? {origin: fw.performance.timeOrigin, html: fw.performance.timeOrigin + fnav.responseEnd,
                       trace: fw.__lpTrace, res: r(fw)} : null,
          end: performance.timeOrigin + performance.now()};
}"""


def steps(d: dict[str, Any]) -> dict[str, float]:
    """The milestones of one load, ms since navigation start."""
    t0 = d["origin"]
    top, fr = d["top"], d["frame"] or {"res": [], "trace": {"marks": {}}, "html": float("nan"), "origin": float("nan")}
    out: dict[str, float] = {"html": d["html"] - t0}
    main_js = [e for e in d["res"] if "/static/js/index." in e[0]]
    if main_js:
        out["main_js_answered"] = main_js[0][2] - t0
    static = [e for e in d["res"] if "/static/" in e[0]]
    if static:
        out["last_static_answered"] = max(e[2] for e in static) - t0
    out["dcl"] = d["dcl"] - t0
    for k in ("ws_new", "ws_open"):
        if k in top["marks"]:
            out[k] = top["marks"][k] - t0
    outs = [m for m in top["ws"] if m[0] == "out"]
    ins = [m for m in top["ws"] if m[0] == "in"]
    if outs:
        out["rerun_sent"] = outs[0][1] - t0
    if ins:
        out["first_msg"] = ins[0][1] - t0
    fol = [m for m in ins if m[3]]
    if fol:
        out["map_delta"] = fol[0][1] - t0
    if ins and outs:
        before_frame = [m for m in ins if m[1] < top["marks"].get("frame_added", float("inf"))]
        out["last_msg_before_frame"] = before_frame[-1][1] - t0 if before_frame else float("nan")
    if "frame_added" in top["marks"]:
        out["frame_added"] = top["marks"]["frame_added"] - t0
    out["frame_origin"] = fr["origin"] - t0
    out["frame_html"] = fr["html"] - t0
    comp = [e for e in fr["res"] if "/static/js/main." in e[0]]
    if comp:
        out["component_js"] = comp[0][2] - t0
    tm = [e for e in fr["res"] if "tiles-map.js" in e[0]]
    if tm:
        out["tiles_map_js_start"] = tm[0][1] - t0
        out["tiles_map_js"] = tm[0][2] - t0
    if "map_made" in fr["trace"]["marks"]:
        out["map_made"] = fr["trace"]["marks"]["map_made"] - t0
    tiles = [e for e in fr["res"] if ".pbf" in e[0]]
    if tiles:
        out["tile_first_start"] = min(e[1] for e in tiles) - t0
        out["tile_last_answered"] = max(e[2] for e in tiles) - t0
        out["tiles_n"] = len(tiles)
        out["tiles_kb"] = sum(e[3] for e in tiles) / 1e3
    layers = [e for e in fr["res"] if "/lp-map/layers/" in e[0]]
    if layers:
        out["layers_start"] = min(e[1] for e in layers) - t0
        out["layers_answered"] = max(e[2] for e in layers) - t0
        out["layers_kb"] = sum(e[3] for e in layers) / 1e3
    out["drawn"] = d["end"] - t0
    frame_at = top["marks"].get("frame_added", float("inf"))
    longs = top["long"]
    out["long_before_frame_ms"] = sum(dur for s, dur in longs if s < frame_at)
    out["long_after_frame_ms"] = sum(dur for s, dur in longs if s >= frame_at)
    out["ws_in_n"] = len(ins)
    return out


def one_load(browser, url: str) -> dict[str, float]:
    """One cold load of the app at ``url`` in a fresh context: its milestones (:func:`steps`)."""
    tab = open_tab(browser)
    try:
        tab.context.add_init_script(PROBE)
        tab.page.goto(url, wait_until="commit")
        frame = map_frame(tab)
        frame.wait_for_function(PARCELS_ON_MAP, timeout=TIMEOUT_MS, polling=20)
        frame.evaluate(AFTER_LOAD)
        data = tab.page.evaluate(COLLECT)
        return steps(data)
    finally:
        tab.context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="hiep-hoa")
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="map_trace_") as tmp, sync_playwright() as pw:
        for name in [n.strip() for n in args.datasets.split(",") if n.strip()]:
            scratch = Path(tmp) / name
            (scratch / "ws").mkdir(parents=True)
            prepare_dataset(name, scratch / "ws")
            env = {"LUONGPHONG_WORKSPACE": str(scratch / "ws" / "workspace.gpkg"),
                   "LUONGPHONG_TILE_CACHE": str(scratch / "tiles")}
            app = start_app(scratch / "streamlit.log", env, args.checkout.resolve())
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                one_load(browser, app.url)  # the server warmed
                time.sleep(0.5)
                results[name] = [one_load(browser, app.url) for _ in range(args.loads)]
            finally:
                browser.close()
                stop_app(app)
    for name, loads in results.items():
        keys = list(dict.fromkeys(k for r in loads for k in r))
        keys.sort(key=lambda k: statistics.median(r[k] for r in loads if k in r) if not k.endswith(("_n", "_kb", "_ms"))
                  else 1e9)
        print(f"{name}: {len(loads)} cold loads, server warm (ms since navigation start; median, then each)")
        for k in keys:
            vals = [r[k] for r in loads if k in r]
            print(f"  {k:<24} {statistics.median(vals):8.0f}   " + " ".join(f"{v:7.0f}" for v in vals))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
