"""Security headers (``serve.py``): read from real responses of the app started with ``streamlit run serve.py``,
and the map still drawn behind them in a real browser (its frames are the app's own)."""

from __future__ import annotations

import gzip
import http.client
import re
import time
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import MAP_IFRAME, open_offline_page, start_app, stop_app, wait_parcels_drawn

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    workspace_file = str(tmp_path_factory.mktemp("serve_ws") / "workspace.gpkg")
    app = start_app(tmp_path_factory.mktemp("serve_app") / "streamlit.log", script="serve.py", env={"LUONGPHONG_WORKSPACE": workspace_file})
    try:
        yield app
    finally:
        stop_app(app)


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/app/static/vendor/lpmap/lpmap.js", "/map"])
def test_every_response_carries_the_security_headers(served, path):
    with urllib.request.urlopen(served.url + path, timeout=30) as response:
        assert response.status == 200
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"


def test_the_map_is_drawn_behind_the_headers(served, chromium):
    # and every script of Streamlit's frontend the map page loads until its parcels are drawn was named in
    # the page (Streamlit's own or the chunks PagePreloads adds), so none waits for the script's messages
    context, record = open_offline_page(chromium)
    scripts: list[str] = []
    try:
        page = record.page
        page.on("request", lambda r: scripts.append(urlsplit(r.url).path) if "/static/js/" in r.url else None)
        response = page.goto(served.url, wait_until="domcontentloaded")
        named = set(re.findall(r'(?:src|href)="\.(/static/js/[^"]+)"', response.text()))
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=90_000).content_frame()
        wait_parcels_drawn(frame, timeout_ms=90_000)
        assert record.problems() == []
        loaded = {p for p in scripts if not p.startswith("/component/")}
        assert len(loaded) > 80, sorted(loaded)
        assert loaded <= named, sorted(loaded - named)
    finally:
        context.close()


def test_the_page_names_the_chunks_its_pages_load_late(served):
    import streamlit
    from streamlit import file_util

    import serve

    page, _ = _get(served.url + "/", gzip_ok=False)
    own = (Path(file_util.get_static_dir()) / "index.html").read_bytes()
    head = own.index(b"</head>")
    assert page.startswith(own[:head]) and page.endswith(own[head:])  # links added before </head>, nothing else
    extra = page[head:len(page) - len(own) + head]
    names = [a.decode() for a in re.findall(rb'<link rel="modulepreload" crossorigin href="\./static/js/([^"]+)">\n', extra)]
    assert extra == b"".join(b'<link rel="modulepreload" crossorigin href="./static/js/%s">\n' % n.encode() for n in names)
    assert len(names) == len(set(names)) and not any(f"/{n}".encode() in own for n in names)
    for chunk in serve.PAGE_CHUNKS:  # each entry chunk, for the Streamlit pinned in pyproject.toml
        assert any(re.fullmatch(re.escape(chunk) + r"\.[\w-]+\.js", n) for n in names), (chunk, streamlit.__version__)
    for name in names:  # each one a real file of the frontend
        body, headers = _get(f"{served.url}/static/js/{name}", gzip_ok=False)
        assert headers["Content-Type"].endswith("/javascript") and body
    for path in ("/map", "/overview"):  # any page of the app is the same page, compressed or not
        assert _get(served.url + path, gzip_ok=False)[0] == page
        packed, headers = _get(served.url + path, gzip_ok=True)
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(packed) == page


def test_the_chunks_follow_their_imports(tmp_path):
    import serve

    (tmp_path / "Entry.AbC-1.js").write_text('import{a}from"./dep.X1.js";import"./side.Y2.js";const z=1;')
    (tmp_path / "dep.X1.js").write_text('import{b}from"./deep.Z3.js";import{c}from"./shared.W4.js";')
    (tmp_path / "deep.Z3.js").write_text("export const b=2;")
    (tmp_path / "side.Y2.js").write_text('import{a}from"./dep.X1.js";')  # an import seen twice
    (tmp_path / "shared.W4.js").write_text("export const c=3;")
    (tmp_path / "EntryOther.Q9.js").write_text("")  # another chunk whose name starts the same
    assert serve.page_preloads(tmp_path, "", ("Entry", "Missing")) == \
        ["Entry.AbC-1.js", "dep.X1.js", "deep.Z3.js", "shared.W4.js", "side.Y2.js"]
    # what the page already names is left out
    page = '<link rel="modulepreload" crossorigin href="./static/js/shared.W4.js">'
    assert serve.page_preloads(tmp_path, page, ("Entry",)) == ["Entry.AbC-1.js", "dep.X1.js", "deep.Z3.js", "side.Y2.js"]


def _get(url: str, gzip_ok: bool) -> tuple[bytes, Message]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read(), response.headers


def test_scripts_go_compressed_and_unchanged(served):
    # Streamlit's own frontend (its largest script, named in the page) and the map's script: gzip when the
    # client accepts it, the same bytes once decompressed, the security headers kept; as they are otherwise
    page, _ = _get(served.url + "/", gzip_ok=False)
    scripts = re.findall(rb'src="\.?(/static/js/[^"]+\.js)"', page)
    assert scripts, page[:500]
    for path in [scripts[0].decode(), "/app/static/vendor/lpmap/lpmap.js"]:
        plain, plain_headers = _get(served.url + path, gzip_ok=False)
        for _ in range(2):  # the second answer comes from the compressed copy kept
            packed, headers = _get(served.url + path, gzip_ok=True)
            assert headers["Content-Encoding"] == "gzip"
            assert "Accept-Encoding" in headers["Vary"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert int(headers["Content-Length"]) == len(packed) < len(plain) / 2
            assert gzip.decompress(packed) == plain
        assert plain_headers["Content-Encoding"] is None


def _headers(headers: Message) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in headers.items() if k.lower() != "date")


def test_files_that_never_change_are_answered_from_memory_as_they_were(served):
    # the second and third answers of an immutable file come from the copy kept: the same bytes and headers,
    # compressed or not as asked; a conditional request still goes to Streamlit (which answers 304)
    page, _ = _get(served.url + "/", gzip_ok=False)
    path = re.findall(rb'href="\.?(/static/js/[^"]+\.js)"', page)[3].decode()
    etags = {}
    for gzip_ok in (False, True):
        first = _get(served.url + path, gzip_ok=gzip_ok)
        etags[gzip_ok] = first[1]["ETag"]
        for _ in range(2):
            again = _get(served.url + path, gzip_ok=gzip_ok)
            assert again[0] == first[0]
            assert _headers(again[1]) == _headers(first[1])
    request = urllib.request.Request(served.url + path, headers={"If-None-Match": etags[False]})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)
    answer.value.close()
    assert answer.value.code == 304


def test_answers_are_not_held_back_by_nagles_algorithm(served):
    # an answer's headers and body are written apart: with Nagle's algorithm on, the body waited for the
    # client's delayed acknowledgement of the headers (40 ms on Linux) on every request of a connection
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(served.url).port, timeout=30)
    try:
        times = []
        for _ in range(10):
            start = time.perf_counter()
            connection.request("GET", "/app/static/vendor/lpmap/lpmap.css")
            with connection.getresponse() as response:
                assert response.status == 200 and response.read()
            times.append(time.perf_counter() - start)
    finally:
        connection.close()
    assert sorted(times)[len(times) // 2] < 0.03, times  # 0.4 ms here; 44 ms each with Nagle's algorithm on


def test_versioned_map_assets_may_be_kept_for_good(served):
    from layers.offline import asset_urls

    urls = asset_urls()
    for url in (urls.tiles_map_js, urls.lpmap_js, urls.lpmap_css):
        body, headers = _get(served.url + url, gzip_ok=True)
        assert "?v=" in url and body
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable", url
    _, headers = _get(served.url + urls.leaflet_js, gzip_ok=True)  # no version in its address: asked again
    assert headers["Cache-Control"] is None and headers["ETag"]


def test_a_components_hashed_files_may_be_kept_for_good(served, chromium):
    # the map's component is registered once a page has used it: open the map, then ask for its files
    context, record = open_offline_page(chromium)
    answers: dict[str, str | None] = {}
    try:
        page = record.page
        page.on("response", lambda r: answers.__setitem__(urlsplit(r.url).path, r.headers.get("cache-control"))
                if "/component/" in r.url else None)
        page.goto(served.url, wait_until="domcontentloaded")
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=90_000).content_frame()
        wait_parcels_drawn(frame, timeout_ms=90_000)
    finally:
        context.close()
    scripts = [p for p in answers if re.fullmatch(r"/component/[^/]+/static/js/main\.[0-9a-f]+\.js", p)]
    assert scripts, answers
    assert all(answers[p] == "public, max-age=31536000, immutable" for p in scripts), answers
    pages = [p for p in answers if p.endswith("/index.html")]
    assert pages and all(answers[p] == "no-cache" for p in pages), answers  # the frame's page: asked again


def test_small_answers_go_as_they_are(served):
    body, headers = _get(served.url + "/_stcore/health", gzip_ok=True)
    assert body == b"ok" and headers["Content-Encoding"] is None


def test_the_frame_names_the_maps_script_and_the_map_uses_it(served, chromium):
    # streamlit-folium's frame page: its own bytes with the map's script and stylesheets named before </head>;
    # in the browser the map's script is fetched once, with the frame's page (not after the component's script)
    import streamlit_folium

    import serve
    from layers.offline import asset_urls

    context, record = open_offline_page(chromium)
    paths: list[str] = []
    try:
        page = record.page
        page.on("request", lambda r: paths.append(urlsplit(r.url).path + (
            "?" + urlsplit(r.url).query if "/vendor/" in r.url and urlsplit(r.url).query else "")))
        page.goto(served.url, wait_until="domcontentloaded")
        frame = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=90_000).content_frame()
        wait_parcels_drawn(frame, timeout_ms=90_000)
        assert record.problems() == []
    finally:
        context.close()
    urls = asset_urls()
    assert paths.count(urls.tiles_map_js) == 1, paths
    assert paths.count(urls.leaflet_css) == 1 and paths.count(urls.lpmap_css) == 1, paths
    main_js = next(i for i, p in enumerate(paths) if re.fullmatch(r"/component/[^/]+/static/js/main\.[0-9a-f]+\.js", p))
    assert abs(paths.index(urls.tiles_map_js) - main_js) <= 3, paths  # asked beside the component's script

    own = (Path(streamlit_folium.__file__).parent / "frontend" / "build" / "index.html").read_bytes()
    for gzip_ok in (False, True):
        body, headers = _get(served.url + serve.FOLIUM_FRAME + "?streamlitUrl=x", gzip_ok=gzip_ok)
        body = gzip.decompress(body) if headers["Content-Encoding"] == "gzip" else body
        head = own.index(b"</head>")
        assert body == own[:head] + serve.FramePreloads(None).links(own.decode()) + own[head:]  # type: ignore[arg-type]
        assert headers["X-Content-Type-Options"] == "nosniff"
    links = serve.FramePreloads(None).links(own.decode()).decode()  # type: ignore[arg-type]
    assert f'<link rel="preload" as="script" href="{urls.tiles_map_js}">' in links
