"""The app behind security headers: ``streamlit run serve.py`` (same options as ``streamlit run app.py``).

Streamlit has no option for response headers. Since Streamlit 1.5x its server is Starlette, and ``st.App``
(the documented ASGI entry point, found by ``streamlit run`` in this file) takes a middleware stack. The one
below adds to every HTTP response (pages, static files, the map's assets, uploads, downloads):

- ``X-Content-Type-Options: nosniff``: a browser never guesses a script or a page out of a file served as
  something else (an upload or a download, say);
- ``Referrer-Policy: no-referrer``: no address of the app (with its query) leaks to another site;
- ``X-Frame-Options: SAMEORIGIN`` and ``Content-Security-Policy: frame-ancestors 'self'``: no other site can
  frame the app to trick a click (the app frames its own components, so "self" stays allowed).

It also compresses (gzip) what is worth it (:class:`Compression`): Streamlit's own frontend (2.9 MB of
JavaScript and CSS, about 0.8 MB compressed), the page, and the map's scripts, for the officers' slow links.
Streamlit leaves its ``/static/`` bundle uncompressed on purpose (compressing it again at every request costs
the server CPU); these files never change for a given address, so each answer is made once and kept in memory.
And it names in Streamlit's page the scripts of its frontend that the app's pages would otherwise fetch only
once the script's first messages arrive (:class:`PagePreloads`), so that the map's frame is made sooner, names
the map's script in that frame's page (:class:`FramePreloads`), and lets the browser keep a component's
content-hashed build files (:class:`ResponseHeaders`).

WebSocket traffic is passed through untouched. A full script policy (``script-src``) is not set: Streamlit's
own front end and its components need inline scripts and styles.

It also serves the map's JavaScript and CSS at ``/app/static/vendor/...`` (:mod:`layers.offline`), straight
from the installed packages: only the files listed there, so no static folder is needed (Streamlit's own
static serving is off in ``.streamlit/config.toml``). This file, ``app.py`` and ``.streamlit/config.toml``
are shipped in the wheel as the package ``gis_app`` (see ``setup.py``); ``python -m gis serve`` starts them.

``st.App`` also takes extra Starlette routes (``routes=``, checked against Streamlit's reserved prefixes
``/_stcore/``, ``/media/``, ``/component/``, ``/static/``; see ``streamlit.web.server.starlette.starlette_app.App``
in Streamlit 1.67). Two serve the commune map's data, built once per dataset and cached on disk
(:mod:`gis.jobs.tiles`), so that the map's HTML holds addresses, not data:

- ``/lp-map/tiles/<key>/<z>/<x>/<y>.pbf``: a parcel vector tile (gzip-compressed Mapbox Vector Tile); a tile
  with no parcel in it is an empty answer (204), an unknown tile set 404;
- ``/lp-map/layers/<name>.json``: a stored JSON file (:func:`gis.jobs.tiles.store_layer`): a map's packed
  overlay layers (all in one file, by layer key) or its legend and names.

Both are content-addressed (the key or name is a hash of the content), so browsers may keep them for good.
Under ``server.baseUrlPath`` the same routes answer after the base path.

At start, a background thread builds the active dataset's map and tiles (:func:`prebuild_tiles`), so that
the first map after a start does not wait for them.
"""

from __future__ import annotations

import gzip
import os
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from gis.jobs import tiles
from layers.offline import URL_PREFIX, asset_file, asset_urls, bundle

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The headers added to every HTTP response (a header the response already has is replaced).
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}


class ResponseHeaders:
    """ASGI middleware that sets ``headers`` on HTTP responses (replacing any of the same name).

    Used twice (:data:`MIDDLEWARE`): :data:`SECURITY_HEADERS` on every response, and ``Cache-Control:``
    :data:`IMMUTABLE` on a component's content-hashed build files (streamlit-folium's ``main.<hash>.js``,
    225 kB), which Streamlit answers with ``Cache-Control: public`` and no validator or lifetime, so that a
    browser fetched them again at every load of the app (a new content has a new name).

    Parameters
    ----------
    app
        The ASGI application it wraps.
    headers
        The headers to set.
    path
        Only on the responses to a path (after ``server.baseUrlPath``) it matches in full; every path when None.
    ok_only
        Only on a 200 response.
    """

    def __init__(self, app: ASGIApp, headers: dict[str, str], *, path: re.Pattern[str] | None = None,
                 ok_only: bool = False) -> None:
        self.app = app
        self.headers = headers
        self.path = path
        self.ok_only = ok_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.path is not None and not self.path.fullmatch(_local_path(scope))):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and (not self.ok_only or message["status"] == 200):
                set_on = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    set_on[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _local_path(scope: Scope) -> str:
    """The request's path after ``server.baseUrlPath`` (the path itself when there is none)."""
    base = _base_url_path()
    path = scope.get("path", "")
    return path[len(base):] if base and path.startswith(base) else path


def _other_etag(headers: MutableHeaders, suffix: str) -> None:
    """A body changed from the original has another validator: ``suffix`` added to its ETag, if it has one."""
    if "etag" in headers:
        etag = headers["etag"]
        headers["ETag"] = etag[:-1] + suffix + '"' if etag.endswith('"') else etag + suffix


#: A component's build file named by its content hash (``/component/<name>/static/js/main.521860b0.js``).
_HASHED_COMPONENT_FILE = re.compile(r"/component/[^/]+/static/(?:[^/]+/)*[^/]+\.[0-9a-f]{8,}\.(?:js|css)")


#: Content types worth compressing (the rest, pictures and fonts already compressed, go as they are).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
                "application/wasm")
#: Smaller responses go uncompressed (the gzip header and a round of work are not worth it).
MIN_COMPRESS_BYTES = 1024
#: Bigger responses (an export, a download) go uncompressed, streamed as they are.
MAX_COMPRESS_BYTES = 16_000_000
#: Whole answers kept in memory, in bytes, of files whose address never changes meaning.
MAX_CACHED_BYTES = 16_000_000


def _whole_body(send: Send, keep: Callable[[Message], bool], finish: Callable[[Message, bytes], bytes]) -> Send:
    """``send`` for a middleware that changes whole answers: an answer whose start message ``keep`` accepts is held
    back until its whole body is there, then sent as ``finish(start, body)`` returns it (``finish`` may change the
    start message's headers); any other answer, and any other message, passes untouched."""
    start: Message | None = None
    passing = False
    chunks: list[bytes] = []

    async def held(message: Message) -> None:
        nonlocal start, passing
        if passing:
            await send(message)
            return
        if message["type"] == "http.response.start":
            if not keep(message):
                passing = True
                await send(message)
                return
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = finish(start, b"".join(chunks))
        chunks.clear()
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return held


class Compression:
    """ASGI middleware: gzip-compress HTTP responses worth it, for a client that accepts gzip; answers that
    never change from memory.

    A response is compressed when it is a whole answer (status 200, no ``Range`` asked) of a compressible
    type (:data:`COMPRESSIBLE`) with a ``Content-Length`` between :data:`MIN_COMPRESS_BYTES` and
    :data:`MAX_COMPRESS_BYTES`, not already encoded (the parcel tiles and the stored layers are sent
    gzip-compressed as they are stored).

    The answers under ``immutable_prefixes`` (Streamlit's content-hashed ``/static/`` bundle and the map's
    assets) are kept whole once made (status 200, up to :data:`MAX_CACHED_BYTES` in all): the next request
    for the same address (path and query) and encoding is answered from memory, without the file handler's
    disk and thread work (a cold page load asks for about a hundred such files). A conditional or ranged
    request goes to the app as usual. WebSocket traffic and every other scope pass through untouched.

    Parameters
    ----------
    app
        The ASGI application it wraps.
    immutable_prefixes
        Path prefixes (after any base path) whose answers are the same for as long as the server runs.
    level
        The gzip level (6: nearly the size of 9 for a fraction of the time).
    """

    def __init__(self, app: ASGIApp, immutable_prefixes: tuple[str, ...] = (), level: int = 6) -> None:
        self.app = app
        self.immutable_prefixes = immutable_prefixes
        self.level = level
        #: (path, query, gzip accepted) -> (the response's start message, its body)
        self._kept: dict[tuple[str, bytes, bool], tuple[Message, bytes]] = {}
        self._kept_bytes = 0
        self._lock = threading.Lock()

    def _memo_key(self, scope: Scope, request: Headers, gzip_ok: bool) -> tuple[str, bytes, bool] | None:
        """The key an answer is kept under, or None for a request whose answer is not kept."""
        if scope.get("method") != "GET" or "range" in request or "if-none-match" in request \
                or "if-modified-since" in request:
            return None
        if not _local_path(scope).startswith(self.immutable_prefixes):
            return None
        return (scope.get("path", ""), scope.get("query_string", b""), gzip_ok)

    def _keep(self, key: tuple[str, bytes, bool], start: Message, body: bytes) -> None:
        with self._lock:
            if key not in self._kept and self._kept_bytes + len(body) <= MAX_CACHED_BYTES:
                self._kept[key] = ({**start, "headers": list(start.get("headers", []))}, body)
                self._kept_bytes += len(body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        gzip_ok = "gzip" in request.get("accept-encoding", "").lower()
        key = self._memo_key(scope, request, gzip_ok)
        kept = self._kept.get(key) if key is not None else None
        if kept is not None:
            start_kept, body_kept = kept
            await send({**start_kept, "headers": list(start_kept["headers"])})
            await send({"type": "http.response.body", "body": body_kept})
            return
        if scope.get("method") != "GET" or "range" in request or (not gzip_ok and key is None):
            await self.app(scope, receive, send)
            return
        def keep_whole(start: Message) -> bool:
            length = Headers(raw=start.get("headers", [])).get("content-length", "")
            return start["status"] == 200 and length.isdigit() and int(length) <= MAX_COMPRESS_BYTES

        def compressed(start: Message, body: bytes) -> bytes:
            headers = MutableHeaders(scope=start)
            if (gzip_ok and "content-encoding" not in headers and len(body) >= MIN_COMPRESS_BYTES
                    and headers.get("content-type", "").lower().startswith(COMPRESSIBLE)):
                body = gzip.compress(body, compresslevel=self.level, mtime=0)
                headers["Content-Encoding"] = "gzip"
                headers["Content-Length"] = str(len(body))
                headers.add_vary_header("Accept-Encoding")
                _other_etag(headers, "-gzip")
            if key is not None:
                self._keep(key, start, body)
            return body

        compress_or_pass = _whole_body(send, keep_whole, compressed)
        await self.app(scope, receive, compress_or_pass)


#: The entry chunks of Streamlit's frontend (``static/js/<name>.<hash>.js``) that the app's pages load only
#: once the script's first messages name their elements: the sidebar's (language radio, date, style),
#: the map page's (search box, filters, a button, streamlit-folium's component). See :class:`PagePreloads`.
PAGE_CHUNKS = ("Radio", "DateInput", "Html", "Button", "TextInput", "Selectbox", "Multiselect", "ComponentInstance")
_STATIC_IMPORT = re.compile(r'(?:\bfrom|\bimport)\s*"\./([\w.$-]+\.js)"')
_INDEX_SCRIPT = re.compile(r'<script type="module"[^>]*src="\./static/js/')


def page_preloads(static_js: Path, already: str = "", names: tuple[str, ...] = PAGE_CHUNKS) -> list[str]:
    """The files (names in ``static_js``, Streamlit's ``static/static/js``) of Streamlit's frontend that the
    app's pages load late: each chunk of ``names`` (without its content hash; a name with no file, in another
    Streamlit, is skipped) and every chunk it imports, in import order, but those ``already`` (the page as
    Streamlit serves it) names.
    """
    out: list[str] = []
    todo = [f.name for name in names for f in sorted(static_js.glob(f"{name}.*.js"))
            if re.fullmatch(re.escape(name) + r"\.[\w-]+\.js", f.name)]
    while todo:
        name = todo.pop(0)
        if name in out or f"/{name}" in already or not (static_js / name).is_file():
            continue
        out.append(name)
        todo[:0] = _STATIC_IMPORT.findall((static_js / name).read_text(encoding="utf-8", errors="replace"))
    return out


#: Addresses (after any base path) that are never one of the app's pages.
_NOT_PAGES = ("/_stcore/", "/static/", "/component/", "/media/", "/lp-map/", f"{URL_PREFIX}/")


class HeadLinks:
    """ASGI middleware base: an HTML answer with ``<link>`` tags put before its ``</head>``.

    The answers a subclass :meth:`asks` for come plain (Streamlit would gzip them) to be named into, and are
    compressed after (:class:`Compression`); :meth:`links` gives the tags for a page's text (``b""``: the
    answer is left as it is). The page's ``ETag`` gets a suffix (its body is not Streamlit's any more). Any
    other answer passes untouched.

    Parameters
    ----------
    app
        The ASGI application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def asks(self, local: str) -> bool:
        """Whether the answer at ``local`` (the path after any base path) may be named into."""
        raise NotImplementedError

    def links(self, page: str) -> bytes:
        """The tags for the page whose text is ``page``."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET" or "range" in Headers(scope=scope)
                or not self.asks(_local_path(scope))):
            await self.app(scope, receive, send)
            return
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]}
        def keep_whole(start: Message) -> bool:
            headers = Headers(raw=start.get("headers", []))
            return (start["status"] == 200 and headers.get("content-type", "").startswith("text/html")
                    and "content-encoding" not in headers and headers.get("content-length", "").isdigit())

        def named(start: Message, body: bytes) -> bytes:
            text = body.decode("utf-8", errors="replace")
            links = self.links(text) if "</head>" in text else b""
            if links:
                body = body.replace(b"</head>", links + b"</head>", 1)
                headers = MutableHeaders(scope=start)
                headers["Content-Length"] = str(len(body))
                _other_etag(headers, "-lp")
            return body

        rewrite = _whole_body(send, keep_whole, named)
        await self.app(scope, receive, rewrite)


class PagePreloads(HeadLinks):
    """Streamlit's page (``index.html``, recognised by its module script tag) with ``<link rel="modulepreload">``
    for the chunks the app's pages load late (:func:`page_preloads`; see :class:`HeadLinks`).

    Streamlit's page names the ~60 scripts its frontend starts with; the scripts of the elements a page
    shows (text box, select box, a component's frame) are fetched only once the script's messages name those
    elements, a second round of ~40 small files, one after the other where they import each other, before
    the map's frame can even be made. Named in the page, the browser fetches them with the first round.
    Only a hint: a chunk the frontend does not load costs a little bandwidth, one it loads that is not named
    is fetched as before.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._links: dict[str, bytes] = {}

    def asks(self, local: str) -> bool:
        # a page's address (/, /map, ...)
        return not local.startswith(_NOT_PAGES) and "." not in local.rsplit("/", 1)[-1]

    def links(self, page: str) -> bytes:
        if not _INDEX_SCRIPT.search(page):
            return b""
        if page not in self._links:
            from streamlit import file_util

            names = page_preloads(Path(file_util.get_static_dir()) / "static" / "js", page)
            self._links[page] = "".join(f'<link rel="modulepreload" crossorigin href="./static/js/{n}">\n'
                                        for n in names).encode()
        return self._links[page]


#: streamlit-folium's frame (its page, after any base path), which loads the map's scripts only once its own
#: script has run and Streamlit has handed it the map (:class:`FramePreloads`).
FOLIUM_FRAME = "/component/streamlit_folium.st_folium/index.html"


class FramePreloads(HeadLinks):
    """streamlit-folium's frame (:data:`FOLIUM_FRAME`) with ``<link rel="preload">`` for the commune map's
    script and stylesheets (:func:`layers.offline.asset_urls`: the one ``tiles-map.js``, Leaflet's and our
    CSS; see :class:`HeadLinks`).

    The frame's page names only the component's own script; the map's scripts are added by that script once it
    has run and Streamlit has sent it the map, one round trip later. Named in the frame's page, they are fetched
    beside the component's script, and the map's script tag finds its answer already there (a preload is only
    a hint: a map that does not use them, on another page, fetches them once for nothing, and they are kept by
    the browser for good, as they are content-versioned).
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._links: dict[str, bytes] = {}

    def asks(self, local: str) -> bool:
        return local == FOLIUM_FRAME

    def links(self, page: str) -> bytes:
        base = _base_url_path()
        if base not in self._links:
            urls = asset_urls(base.strip("/"))
            self._links[base] = "".join([f'<link rel="preload" as="script" href="{urls.tiles_map_js}">',
                                         *(f'<link rel="preload" as="style" href="{href}">'
                                           for href in (urls.leaflet_css, urls.lpmap_css))]).encode()
        return self._links[base]


#: Content types of the map's assets (a browser refuses a script served as anything else under ``nosniff``).
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


async def map_asset(request: Request) -> Response:
    """One of the map's assets (a file or a bundle of them), or 404 for any path :func:`layers.offline.asset_file`
    and :func:`layers.offline.bundle` do not know. An address with a content version (``?v=``, see
    :func:`layers.offline.asset_urls`) may be kept by the browser for good: a new content has a new address."""
    headers = {"Cache-Control": IMMUTABLE} if request.query_params.get("v") else None
    path = asset_file(request.path_params["path"])
    if path is None:
        joined = bundle(request.path_params["path"])
        if joined is None:
            return PlainTextResponse("Not found", status_code=404)
        return Response(joined, media_type=CONTENT_TYPES[".js"], headers=headers)
    return FileResponse(path, media_type=CONTENT_TYPES.get(path.suffix, "text/plain"), headers=headers)


def _base_url_path() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def log_script_error(exc: Exception) -> None:
    """A bug in a page: its traceback goes to the workspace's log (:mod:`gis.core.logs`); the page shows its message."""
    from gis.core import logs
    logs.bug("app", exc=exc)


#: Content-addressed files: a browser may keep them for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"


def _gzip_file(path: Path | None, media_type: str, *, empty_status: int | None) -> Response:
    """A gzip-compressed file as is (``Content-Encoding: gzip``); ``empty_status`` when it does not exist."""
    if path is None:
        return Response(status_code=404)
    try:
        content = path.read_bytes()
    except OSError:
        return Response(status_code=404) if empty_status is None else Response(status_code=empty_status,
                                                                               headers={"Cache-Control": IMMUTABLE})
    return Response(content, media_type=media_type, headers={"Content-Encoding": "gzip", "Cache-Control": IMMUTABLE})


async def parcel_tile(request: Request) -> Response:
    """One parcel vector tile (see the module's docstring)."""
    p = request.path_params
    path = tiles.tile_file(tiles.cache_root(), str(p["key"]), int(p["z"]), int(p["x"]), int(p["y"]))
    return _gzip_file(path, "application/x-protobuf", empty_status=204)


async def map_layer(request: Request) -> Response:
    """One packed overlay layer (see the module's docstring)."""
    return _gzip_file(tiles.layer_file(tiles.cache_root(), str(request.path_params["name"])), "application/json",
                      empty_status=None)


#: The map's assets (from the installed packages), then its tiles and layers (with and without a base path).
ROUTES = [
    Route(f"{_base_url_path()}{URL_PREFIX}/{{path:path}}", map_asset, methods=["GET", "HEAD"]),
    *(route
      for prefix in ("", "/{base:path}")
      for route in (Route(prefix + "/lp-map/tiles/{key}/{z:int}/{x:int}/{y:int}.pbf", parcel_tile),
                    Route(prefix + "/lp-map/layers/{name}.json", map_layer))),
]

#: The paths whose answers never change while the server runs: Streamlit's content-hashed frontend, the map's assets,
#: the components' files (from the installed packages; a component not yet declared answers 404, never kept).
IMMUTABLE_PREFIXES = ("/static/", f"{URL_PREFIX}/", "/component/")

def prebuild_tiles() -> None:
    """Build the active dataset's map (:func:`app_pages.context.warm_map`: the dataset read, its map prepared,
    its tiles built, into the caches the map page uses), so that the first user after a start does not wait
    for them (the map page then finds them built, or waits for this build to end instead of doing the same
    work beside it). A bug is logged (:mod:`gis.core.logs`); bad data is left to the map page to tell."""
    from app_pages import context
    from gis.core import logs
    from gis.core.errors import GisError
    from gis.store import datasets

    try:
        info = datasets.active().info
        if not datasets.needs_generating(info):  # a merged commune not generated yet is generated by its page
            context.warm_map(info.folder)
    except GisError:  # bad or over-limit data: the map page says what is wrong and what to do
        pass
    except Exception as exc:  # noqa: BLE001 - a bug in a background thread: logged; the map page builds the tiles
        logs.bug("serve", exc=exc)  # again when opened and tells the user then


def tcp_nodelay_for_every_connection() -> None:
    """Send each answer's packets at once (``TCP_NODELAY``) on every connection the server accepts.

    asyncio turns Nagle's algorithm off only for a socket whose protocol number says TCP
    (``asyncio.base_events._set_nodelay``); Streamlit's listening socket is made with protocol 0, so the
    connections it accepts kept it on. The server writes an answer's headers and body apart: the body then
    waited for the browser's delayed acknowledgement of the headers (40 ms on Linux, up to 200 ms on
    Windows), for each of the page's hundred scripts and each burst of a rerun's messages. Here protocol 0
    counts as TCP too (what the kernel makes of it for a stream socket); nothing changes where asyncio has no
    such function.
    """
    import asyncio.base_events as base_events
    import socket

    original = getattr(base_events, "_set_nodelay", None)
    if original is None or getattr(base_events, "_lp_nodelay", False):
        return

    def set_nodelay(sock: socket.socket) -> None:
        original(sock)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM and sock.proto == 0:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    base_events._set_nodelay = set_nodelay  # type: ignore[attr-defined]
    base_events._lp_nodelay = True  # type: ignore[attr-defined]


tcp_nodelay_for_every_connection()

#: Off with ``LUONGPHONG_PREBUILD_TILES=0`` (short-lived servers of tests that never open the map).
if os.environ.get("LUONGPHONG_PREBUILD_TILES", "1") != "0":
    threading.Thread(target=prebuild_tiles, name="lp-prebuild-tiles", daemon=True).start()

MIDDLEWARE = [Middleware(ResponseHeaders, headers=SECURITY_HEADERS),
              Middleware(Compression, immutable_prefixes=IMMUTABLE_PREFIXES), Middleware(PagePreloads),
              Middleware(FramePreloads),
              Middleware(ResponseHeaders, headers={"Cache-Control": IMMUTABLE}, path=_HASHED_COMPONENT_FILE,
                         ok_only=True)]
app = st.App("app.py", middleware=MIDDLEWARE, on_script_error=log_script_error, routes=ROUTES)
