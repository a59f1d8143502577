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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import streamlit as st
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware

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


app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
