"""The app behind security headers: ``streamlit run serve.py`` (same options as ``streamlit run app.py``).

Streamlit has no option for response headers. Since Streamlit 1.5x its server is Starlette, and ``st.App``
(the documented ASGI entry point, found by ``streamlit run`` in this file) takes a middleware stack. The one
below adds to every HTTP response (pages, static files, the map's assets, uploads, downloads):

- ``X-Content-Type-Options: nosniff``: a browser never guesses a script or a page out of a file served as
  something else (an upload or a download, say);
- ``Referrer-Policy: no-referrer``: no address of the app (with its query) leaks to another site;
- ``X-Frame-Options: SAMEORIGIN`` and ``Content-Security-Policy: frame-ancestors 'self'``: no other site can
  frame the app to trick a click (the app frames its own components, so "self" stays allowed).

WebSocket traffic is passed through untouched. A full script policy (``script-src``) is not set: Streamlit's
own front end and its components need inline scripts and styles.

It also serves the map's JavaScript and CSS at ``/app/static/vendor/...`` (:mod:`layers.offline`), straight
from the installed packages: only the files listed there, so no static folder is needed (Streamlit's own
static serving is off in ``.streamlit/config.toml``). This file, ``app.py`` and ``.streamlit/config.toml``
are shipped in the wheel as the package ``gis_app`` (see ``setup.py``); ``python -m gis serve`` starts them.

``st.App`` also takes extra Starlette routes (``routes=``, checked against Streamlit's reserved prefixes
``/_stcore/``, ``/media/``, ``/component/``, ``/static/``; see ``streamlit.web.server.starlette.starlette_app.App``
in Streamlit 1.67). Two serve the commune map's data, built once per dataset and cached on disk
(:mod:`gis.tiles`), so that the map's HTML holds addresses, not data:

- ``/lp-map/tiles/<key>/<z>/<x>/<y>.pbf``: a parcel vector tile (gzip-compressed Mapbox Vector Tile); a tile
  with no parcel in it is an empty answer (204), an unknown tile set 404;
- ``/lp-map/layers/<name>.json``: a packed overlay layer (:func:`gis.tiles.store_layer`).

Both are content-addressed (the key or name is a hash of the content), so browsers may keep them for good.
Under ``server.baseUrlPath`` the same routes answer after the base path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from gis import tiles
from layers.offline import URL_PREFIX, asset_file

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


class SecurityHeaders:
    """ASGI middleware that sets :data:`SECURITY_HEADERS` on every HTTP response.

    Parameters
    ----------
    app
        The ASGI application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Content types of the map's assets (a browser refuses a script served as anything else under ``nosniff``).
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


async def map_asset(request: Request) -> Response:
    """One of the map's assets, or 404 for any path :func:`layers.offline.asset_file` does not list."""
    path = asset_file(request.path_params["path"])
    if path is None:
        return PlainTextResponse("Not found", status_code=404)
    return FileResponse(path, media_type=CONTENT_TYPES.get(path.suffix, "text/plain"))


def _base_url_path() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def log_script_error(exc: Exception) -> None:
    """A bug in a page: its traceback goes to the workspace's log (:mod:`gis.logs`); the page shows its message."""
    from gis import logs

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

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)], on_script_error=log_script_error, routes=ROUTES)
