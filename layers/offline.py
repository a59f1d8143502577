"""The map's JavaScript and CSS, served by the app itself so the map works with no internet.

folium writes CDN addresses into every map and streamlit-folium loads them one after the other: offline,
the first failure leaves the map undrawn with no error shown (see ``docs/offline-maps.md``). The map instead
loads Leaflet 1.9.3 and jQuery 3.7.1 (from the ``xstatic-leaflet`` and ``xstatic-jquery`` wheels),
Leaflet.draw 1.0.4 (vendored in ``assets/vendor/leaflet-draw/``, MIT, from npm), Leaflet.VectorGrid 1.3.0
(vendored in ``assets/vendor/leaflet-vectorgrid/``, Beerware, from npm) and this package's own ``assets/``
from ``/app/static/vendor/...``: ``serve.py`` answers those addresses with :func:`asset_file`, straight from
the installed packages, and only for the files listed here. Nothing is copied, so no folder
needs to be writable and an installed package serves the map as a checkout does. Nothing here knows folium:
:mod:`layers.render` points maps at :func:`asset_urls`.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet

#: The address (after ``server.baseUrlPath``) under which the assets are served.
URL_PREFIX = "/app/static/vendor"
ASSETS_DIR = Path(str(resources.files("layers").joinpath("assets")))
#: Leaflet.draw 1.0.4, vendored from the npm registry (see its README there).
LEAFLET_DRAW_DIR = ASSETS_DIR / "vendor" / "leaflet-draw"
#: Leaflet.VectorGrid 1.3.0 (parcels from vector tiles), vendored from the npm registry (see its README there).
VECTORGRID_DIR = ASSETS_DIR / "vendor" / "leaflet-vectorgrid"

#: (source file, path under :data:`URL_PREFIX`)
_FILES: tuple[tuple[Path, str], ...] = (
    (Path(xleaflet.BASE_DIR) / "leaflet.js", "leaflet/leaflet.js"),
    (Path(xleaflet.BASE_DIR) / "leaflet.css", "leaflet/leaflet.css"),
    *((p, f"leaflet/images/{p.name}") for p in sorted((Path(xleaflet.BASE_DIR) / "images").glob("*.png"))),
    (Path(xjquery.BASE_DIR) / "jquery.min.js", "jquery/jquery.min.js"),
    (ASSETS_DIR / "lpmap.js", "lpmap/lpmap.js"),
    (ASSETS_DIR / "lpmap.css", "lpmap/lpmap.css"),
    (ASSETS_DIR / "lptargets.js", "lpmap/lptargets.js"),
    (LEAFLET_DRAW_DIR / "leaflet.draw.js", "leaflet-draw/leaflet.draw.js"),
    (LEAFLET_DRAW_DIR / "leaflet.draw.css", "leaflet-draw/leaflet.draw.css"),
    (LEAFLET_DRAW_DIR / "LICENSE", "leaflet-draw/LICENSE"),
    (VECTORGRID_DIR / "Leaflet.VectorGrid.bundled.min.js", "leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
    (VECTORGRID_DIR / "LICENSE", "leaflet-vectorgrid/LICENSE"),
    *((p, f"leaflet-draw/images/{p.name}") for p in sorted((LEAFLET_DRAW_DIR / "images").iterdir())
      if p.suffix in (".png", ".svg")),
)


@dataclass(frozen=True)
class AssetUrls:
    """The local addresses of the map's scripts and stylesheets, in loading order."""

    leaflet_js: str
    leaflet_css: str
    jquery_js: str
    lpmap_js: str
    lpmap_css: str
    #: Leaflet.draw (drawing polygons); empty when not given.
    draw_js: str = ""
    draw_css: str = ""
    #: Leaflet.VectorGrid (the parcel tiles); empty when not given.
    vectorgrid_js: str = ""
    #: The targets page's highlight (``lptargets.js``); empty when not given.
    targets_js: str = ""
    #: Leaflet, ``lpmap.js`` and Leaflet.VectorGrid as one script (:data:`BUNDLES`); empty when not given.
    tiles_map_js: str = ""

    @property
    def js(self) -> list[tuple[str, str]]:
        """``(name, url)`` of the scripts a commune map needs (Leaflet, then ours; no jQuery)."""
        return [("leaflet", self.leaflet_js), ("lpmap", self.lpmap_js)]

    @property
    def css(self) -> list[tuple[str, str]]:
        return [("leaflet_css", self.leaflet_css), ("lpmap_css", self.lpmap_css)]

    @property
    def draw(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """``(scripts, stylesheets)`` a map that lets the user draw needs after :attr:`js` and :attr:`css`."""
        return [("leaflet_draw_js", self.draw_js)], [("leaflet_draw_css", self.draw_css)]

    @property
    def tiles_js(self) -> list[tuple[str, str]]:
        """The scripts a map whose parcels are vector tiles needs after :attr:`js`."""
        return [("leaflet_vectorgrid_js", self.vectorgrid_js)]

    @property
    def tiles_map(self) -> list[tuple[str, str]]:
        """Every script a map whose parcels are vector tiles needs: :attr:`js` and :attr:`tiles_js` as one
        (:attr:`tiles_map_js`) when given, else one after the other."""
        if self.tiles_map_js:
            return [("lpmap_tiles_map", self.tiles_map_js)]
        return self.js + self.tiles_js


#: Each served path and its file: nothing outside this table (and :data:`BUNDLES`) is ever served.
_BY_PATH: dict[str, Path] = {rel: src for src, rel in _FILES}

#: Scripts served as one (path under :data:`URL_PREFIX` -> the paths of its parts, in order).
#: streamlit-folium's frame loads a map's scripts one after the other, each once the one before has run: the
#: commune map's three are one request instead of three in a row.
BUNDLES: dict[str, tuple[str, ...]] = {
    "lpmap/tiles-map.js": ("leaflet/leaflet.js", "lpmap/lpmap.js",
                           "leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js"),
}
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)


@functools.cache
def bundle(path: str) -> bytes | None:
    """The script served at ``URL_PREFIX/path`` made of several (:data:`BUNDLES`), or None for another path.

    The parts follow each other as they would run as separate scripts: a part that starts with a file-wide
    ``"use strict"`` is wrapped in a function of its own (the directive holds only at the start of a script
    or a function), and no part names a source map (there is none here).
    """
    parts = BUNDLES.get(path)
    if parts is None:
        return None
    out = []
    for rel in parts:
        text = _SOURCE_MAP.sub("", _BY_PATH[rel].read_text(encoding="utf-8"))
        if text.lstrip().startswith(('"use strict"', "'use strict'")):
            text = f"(function () {{\n{text}\n}}).call(this);"
        out.append(f"/* {rel} */\n{text}\n;\n")
    return "".join(out).encode("utf-8")


def asset_file(path: str) -> Path | None:
    """The file served at ``URL_PREFIX/path``, or None when ``path`` is not one of the map's assets.

    Parameters
    ----------
    path
        The address after :data:`URL_PREFIX` and its slash, e.g. ``"leaflet/leaflet.js"`` (no query).

    Returns
    -------
    Path or None
        The file in the installed package; None for any other path (so no path can reach another file).
    """
    return _BY_PATH.get(path)


def asset_paths() -> list[str]:
    """Every path served under :data:`URL_PREFIX`, in the table's order."""
    return list(_BY_PATH)


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def asset_urls(base_url_path: str = "") -> AssetUrls:
    """The assets' addresses under :data:`URL_PREFIX` (after ``server.baseUrlPath`` when set).

    Our own files (and the bundle that holds one) carry a content hash (``?v=``) so a browser never keeps an
    old copy after an update.
    """
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    prefix = f"{base}{URL_PREFIX}"
    return AssetUrls(
        leaflet_js=f"{prefix}/leaflet/leaflet.js",
        leaflet_css=f"{prefix}/leaflet/leaflet.css",
        jquery_js=f"{prefix}/jquery/jquery.min.js",
        lpmap_js=f"{prefix}/lpmap/lpmap.js?v={_version(ASSETS_DIR / 'lpmap.js')}",
        lpmap_css=f"{prefix}/lpmap/lpmap.css?v={_version(ASSETS_DIR / 'lpmap.css')}",
        draw_js=f"{prefix}/leaflet-draw/leaflet.draw.js",
        draw_css=f"{prefix}/leaflet-draw/leaflet.draw.css",
        vectorgrid_js=f"{prefix}/leaflet-vectorgrid/Leaflet.VectorGrid.bundled.min.js",
        targets_js=f"{prefix}/lpmap/lptargets.js?v={_version(ASSETS_DIR / 'lptargets.js')}",
        tiles_map_js=f"{prefix}/lpmap/tiles-map.js?v={hashlib.sha256(bundle('lpmap/tiles-map.js') or b'').hexdigest()[:10]}",
    )
