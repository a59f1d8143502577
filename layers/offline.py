"""The map's JavaScript and CSS, served by the app itself so the map works with no internet.

folium writes CDN addresses into every map and streamlit-folium loads them one after the other: offline,
the first failure leaves the map undrawn with no error shown (see ``docs/offline-maps.md``). At start-up
:func:`install` copies Leaflet 1.9.3 and jQuery 3.7.1 (from the ``xstatic-leaflet`` and ``xstatic-jquery``
wheels), Leaflet.draw 1.0.4 (vendored in ``assets/vendor/leaflet-draw/``, MIT, from npm) and this package's
own ``assets/`` into ``static/vendor/`` next to ``app.py`` (git-ignored; real
copies, since Streamlit refuses symlinks out of ``static/``). With ``server.enableStaticServing`` they are
served at ``/app/static/vendor/...``. Nothing here knows folium: :mod:`layers.render` points maps at
:func:`asset_urls`.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet

ROOT = Path(__file__).resolve().parent.parent
#: Where Streamlit serves ``/app/static/`` from: ``static/`` next to the main script.
STATIC_DIR = ROOT / "static"
VENDOR = "vendor"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
#: Leaflet.draw 1.0.4, vendored from the npm registry (see its README there).
LEAFLET_DRAW_DIR = ASSETS_DIR / "vendor" / "leaflet-draw"

#: (source file, path under static/vendor/)
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
    #: The targets page's highlight (``lptargets.js``); empty when not given.
    targets_js: str = ""

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


def _same(src: Path, dst: Path) -> bool:
    return dst.is_file() and not dst.is_symlink() and dst.stat().st_size == src.stat().st_size and (
        dst.read_bytes() == src.read_bytes())


def install(static_dir: Path = STATIC_DIR) -> list[Path]:
    """Copy the map's assets into ``static_dir/vendor/`` unless an identical copy is there.

    Returns the files written (empty when all were up to date). Safe to call at every start-up.
    """
    written = []
    for src, rel in _FILES:
        dst = static_dir / VENDOR / rel
        if _same(src, dst):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_symlink():
            dst.unlink()
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)  # atomic: a browser never gets half a file
        written.append(dst)
    return written


def _version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def asset_urls(base_url_path: str = "") -> AssetUrls:
    """The assets' addresses under ``/app/static/vendor/`` (after ``server.baseUrlPath`` when set).

    Our own files carry a content hash (``?v=``) so a browser never keeps an old copy after an update.
    """
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    prefix = f"{base}/app/static/{VENDOR}"
    return AssetUrls(
        leaflet_js=f"{prefix}/leaflet/leaflet.js",
        leaflet_css=f"{prefix}/leaflet/leaflet.css",
        jquery_js=f"{prefix}/jquery/jquery.min.js",
        lpmap_js=f"{prefix}/lpmap/lpmap.js?v={_version(ASSETS_DIR / 'lpmap.js')}",
        lpmap_css=f"{prefix}/lpmap/lpmap.css?v={_version(ASSETS_DIR / 'lpmap.css')}",
        draw_js=f"{prefix}/leaflet-draw/leaflet.draw.js",
        draw_css=f"{prefix}/leaflet-draw/leaflet.draw.css",
        targets_js=f"{prefix}/lpmap/lptargets.js?v={_version(ASSETS_DIR / 'lptargets.js')}",
    )
