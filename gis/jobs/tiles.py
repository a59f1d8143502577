"""Vector tiles of the parcels: built once per dataset with GDAL's MVT driver, cached on disk by content.

The commune map draws its parcels from these tiles (``layers/render.py``, ``layers/assets/lpmap.js``), so the
browser receives what its view needs instead of every parcel at every rerun. :func:`ensure_tiles` builds a
tile set with ``pyogrio.write_dataframe(..., driver="MVT")`` (GDAL's MVT driver writes a folder
``z/x/y.pbf`` of gzip-compressed Mapbox Vector Tiles in Web Mercator, EPSG:3857) into
``<cache>/<key>/`` (:func:`cache_root`), where ``<key>`` is a hash of
what the tiles hold (geometry, the attributes of :func:`feature_properties`, the build options): the same
parcels give the same key, changed parcels a new one, whatever the files' dates. ``serve.py`` serves them.

Each tile feature carries :func:`feature_properties`, the one definition of the map's feature attributes:
``fid`` (the parcel's position in the dataset's parcel layer, the feature id), ``s``/``n`` (sheet and parcel
number as integers), ``c`` (land-use code as written), ``v`` (village) and ``g`` (land-use group, for the
filters). The card looks a clicked feature up with :func:`feature_label`, which uses the same function.
The coarsest zooms (to :data:`OVERVIEW_MAX_ZOOM`) hold an overview instead (:func:`overview_frame`): the
parcels merged by ``c``, ``v`` and ``g``, so that the whole commune is drawn from a few hundred shapes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.limits import Limits, limits, over_limit

#: The tile layer's name inside every tile (what the browser's style is keyed on).
LAYER = "parcels"
#: Zoom levels built. Coarser views draw the MIN_ZOOM tiles scaled down, closer ones the MAX_ZOOM tiles
#: scaled up (at zoom 15 a tile unit is about 0.3 m on the ground, below what a parcel's outline needs).
#: The whole merged commune opens at zoom 12 to 13: its own tiles there are a few, not the twenty-odd of
#: zoom 14 shrunk, and lighter (coarser units, simplified).
MIN_ZOOM = 12
MAX_ZOOM = 15
#: Zooms MIN_ZOOM to OVERVIEW_MAX_ZOOM are an overview (:func:`overview_frame`): the parcels merged by land use,
#: village and group (what the colours and the filters use), a few hundred shapes instead of every parcel, which at
#: these zooms is a pixel or two wide. Their features carry ``c``, ``v`` and ``g`` but no ``fid``: a parcel is
#: picked from zoom OVERVIEW_MAX_ZOOM + 1 on.
OVERVIEW_MAX_ZOOM = 13
#: GDAL's MVT simplification below MAX_ZOOM, in tile units (a tile is 4096 units drawn on 256 pixels: 8 is half
#: a pixel at the zoom the tile is drawn at, so nothing visible is lost); none at MAX_ZOOM, whose tiles are cut
#: into the closer views.
SIMPLIFICATION = 8.0
#: GDAL's MVT limit on one tile (bytes, before compression): a bigger tile is encoded at a lower resolution.
MAX_TILE_BYTES = 500_000
#: Tile sets kept in the cache folder: older ones (other datasets, earlier versions) are removed.
MAX_CACHED_SETS = 6
#: Bumped when what a tile holds changes, so that older caches are not used.
FORMAT_VERSION = "1"
#: Where the tile sets live under the cache folder.
TILES_DIR = "tiles"
#: The description written beside the tiles once they are complete.
INFO_FILE = "tileset.json"
#: The feature attributes, in the order written (see :func:`feature_properties`).
PROPERTIES = ("fid", "s", "n", "c", "v", "g")

#: The folder (under :func:`cache_root`) of the packed overlay layers, and how many are kept.
LAYERS_DIR = "layers"
MAX_CACHED_LAYERS = 64

_KEY = re.compile(r"^[0-9a-f]{24}$")
_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class TileSet:
    """A built tile set: where it is, what it covers, and what building it cost."""

    key: str
    folder: Path
    min_zoom: int
    max_zoom: int
    #: ``(west, south, east, north)`` of the parcels in degrees (WGS84).
    bounds: tuple[float, float, float, float]
    features: int
    tiles: int
    size_bytes: int
    #: Seconds spent building (the first time; a tile set read from the cache keeps that figure).
    build_seconds: float


def cache_root() -> Path:
    """The folder holding the tile sets: ``$LUONGPHONG_TILE_CACHE`` when set, else ``$LUONGPHONG_CACHE/tiles``,
    else ``.cache/tiles`` beside ``data/`` (git-ignored)."""
    from gis.files.io import ROOT

    own = os.environ.get("LUONGPHONG_TILE_CACHE")
    if own:
        return Path(own)
    base = os.environ.get("LUONGPHONG_CACHE")
    return (Path(base) if base else ROOT / ".cache") / TILES_DIR


def _int_or_none(values: pd.Series) -> pd.Series:
    """Integers where the value is one (a sheet written ``"12"`` is 12), ``None`` elsewhere (``"12a"``)."""
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.notna() & (numbers == np.floor(numbers)) & (numbers.abs() < 2**31)
    return pd.Series([int(v) if ok else None for v, ok in zip(numbers.tolist(), whole.tolist(), strict=True)],
                     index=values.index, dtype=object)


def _text_or_none(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(None, index=frame.index, dtype=object)
    values = frame[column]
    texts = [None if missing else str(v) for v, missing in zip(values.tolist(), values.isna().tolist(), strict=True)]
    return pd.Series(texts, index=frame.index, dtype=object)


def feature_properties(parcels: pd.DataFrame, positions: Sequence[int] | None = None) -> pd.DataFrame:
    """The map's attributes of the parcels at ``positions`` (all when ``None``), one row each.

    The one definition the tile builder writes and the click lookup (:func:`feature_label`) compares:
    ``fid`` the position in ``parcels``, ``s``/``n`` sheet and parcel number as integers (``None`` when not
    a whole number), ``c`` the land-use code as written, ``v`` the village, ``g`` the land-use group.
    """
    rows = parcels if positions is None else parcels.iloc[list(positions)]
    fids = np.arange(len(parcels), dtype=np.int64) if positions is None else np.asarray(positions, dtype=np.int64)
    columns = {
        "s": _int_or_none(rows["sheet"]),
        "n": _int_or_none(rows["parcel_no"]),
        "c": _text_or_none(rows, "land_use"),
        "v": _text_or_none(rows, "village"),
        "g": _text_or_none(rows, "group"),
    }
    out = pd.DataFrame({"fid": fids})
    for name, values in columns.items():  # kept as Python objects: None stays None (no NaN, no string dtype)
        out[name] = pd.Series(values.tolist(), dtype=object)
    return out


def feature_label(parcels: pd.DataFrame, props: dict) -> Hashable | None:
    """The index label of the parcel a clicked tile feature stands for, or ``None``.

    ``props`` are the feature's attributes as the browser sent them; the parcel at position ``fid`` must still
    carry the same sheet and number (a stale page after a data change finds nothing rather than a wrong parcel).
    """
    fid = props.get("fid")
    if isinstance(fid, bool) or not isinstance(fid, int) or not 0 <= fid < len(parcels):
        return None
    row = feature_properties(parcels, [fid]).iloc[0]
    if props.get("s") != row["s"] or props.get("n") != row["n"]:
        return None
    return parcels.index[fid]


def content_key(parcels: gpd.GeoDataFrame) -> str:
    """A hash of what the tiles of ``parcels`` hold: geometry, CRS, :func:`feature_properties`, build options."""
    digest = hashlib.sha256()
    digest.update(json.dumps([FORMAT_VERSION, MIN_ZOOM, OVERVIEW_MAX_ZOOM, MAX_ZOOM, MAX_TILE_BYTES, LAYER,
                              SIMPLIFICATION]).encode())
    digest.update((parcels.crs.to_wkt() if parcels.crs is not None else "").encode())
    props = feature_properties(parcels)
    digest.update(pd.util.hash_pandas_object(props.astype(str), index=False).to_numpy().tobytes())
    wkb = shapely.to_wkb(parcels.geometry.to_numpy())
    digest.update(b"".join(b"" if w is None else w for w in wkb))
    return digest.hexdigest()[:24]


def tile_set_at(folder: Path) -> TileSet | None:
    """The complete tile set in ``folder``, or ``None`` when there is none (or it is unreadable)."""
    try:
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        return TileSet(key=info["key"], folder=folder, min_zoom=int(info["min_zoom"]), max_zoom=int(info["max_zoom"]),
                       bounds=tuple(float(v) for v in info["bounds"]),  # type: ignore[arg-type]
                       features=int(info["features"]), tiles=int(info["tiles"]), size_bytes=int(info["size_bytes"]),
                       build_seconds=float(info["build_seconds"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _check_limits(parcels: gpd.GeoDataFrame, lim: Limits) -> None:
    """Refuse a parcel layer over the feature or vertex limits before anything is built."""
    if len(parcels) > lim.features:
        raise over_limit("Quá nhiều thửa đất để dựng bản đồ", "Too many parcels to build the map from",
                         found=f"{len(parcels)} thửa", found_en=f"{len(parcels)} parcels",
                         limit=f"{lim.features} thửa", limit_en=f"{lim.features} parcels", key="features",
                         todo_vi="Hãy chia bộ dữ liệu theo đơn vị hành chính cũ.",
                         todo_en="Split the dataset by former administrative unit.")
    vertices = int(shapely.get_num_coordinates(parcels.geometry.to_numpy()).sum())
    if vertices > lim.vertices:
        raise over_limit("Lớp thửa đất có quá nhiều đỉnh để dựng bản đồ", "The parcel layer has too many vertices "
                         "to build the map from", found=f"{vertices} đỉnh", found_en=f"{vertices} vertices",
                         limit=f"{lim.vertices} đỉnh", limit_en=f"{lim.vertices} vertices", key="vertices",
                         todo_vi="Hãy đơn giản hoá ranh giới thửa hoặc chia bộ dữ liệu.",
                         todo_en="Simplify the parcel outlines or split the dataset.")


def build_tiles(parcels: gpd.GeoDataFrame, folder: Path, *, key: str | None = None,
                lim: Limits | None = None) -> TileSet:
    """Write the tile set of ``parcels`` into ``folder`` (which must not exist) and describe it there.

    Raises :class:`gis.core.errors.DataSourceError` for a layer over the ``features`` or ``vertices`` limit of
    ``lim`` (default: the limits in force, :func:`gis.core.limits.limits`), checked first.
    """
    import pyogrio

    _check_limits(parcels, limits() if lim is None else lim)
    key = key or content_key(parcels)
    start = time.perf_counter()
    keep = ~(parcels.geometry.isna() | parcels.geometry.is_empty).to_numpy()
    props = feature_properties(parcels)[keep]
    geoms = gpd.GeoSeries(parcels.geometry.to_numpy()[keep], crs=parcels.crs).to_crs(3857)
    frame = gpd.GeoDataFrame(props.reset_index(drop=True), geometry=geoms.to_numpy(), crs=3857)
    frame["fid"] = frame["fid"].astype(np.int32)
    for column in ("s", "n"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int32")

    def write(data: gpd.GeoDataFrame, into: Path, low: int, high: int) -> None:
        zooms = {"MINZOOM": str(low), "MAXZOOM": str(high)}
        pyogrio.write_dataframe(
            data, into, driver="MVT", layer=LAYER,
            dataset_options={**zooms, "FORMAT": "DIRECTORY", "TILE_EXTENSION": "pbf",
                             "MAX_SIZE": str(MAX_TILE_BYTES), "NAME": LAYER, "SIMPLIFICATION": str(SIMPLIFICATION),
                             "SIMPLIFICATION_MAX_ZOOM": "0"},
            layer_options=zooms,
        )

    write(frame, folder, OVERVIEW_MAX_ZOOM + 1, MAX_ZOOM)
    overview = folder.with_name(folder.name + ".overview")
    shutil.rmtree(overview, ignore_errors=True)
    try:
        write(overview_frame(frame), overview, MIN_ZOOM, OVERVIEW_MAX_ZOOM)
        for z in range(MIN_ZOOM, OVERVIEW_MAX_ZOOM + 1):
            if (overview / str(z)).is_dir():
                (overview / str(z)).rename(folder / str(z))
    finally:
        shutil.rmtree(overview, ignore_errors=True)
    files = list(folder.rglob("*.pbf"))
    west, south, east, north = (float(v) for v in geoms.to_crs(4326).total_bounds) if len(geoms) else (0.0,) * 4
    tiles = TileSet(key=key, folder=folder, min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM,
                    bounds=(round(west, 7), round(south, 7), round(east, 7), round(north, 7)),
                    features=len(frame), tiles=len(files), size_bytes=sum(p.stat().st_size for p in files),
                    build_seconds=round(time.perf_counter() - start, 2))
    info = {k: v for k, v in asdict(tiles).items() if k != "folder"}
    (folder / INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
    return tiles


def overview_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The overview of the tile frame ``frame`` (see :data:`OVERVIEW_MAX_ZOOM`): one shape per land use, village
    and group (``c``, ``v``, ``g``), the union of their parcels; the other attributes left out."""
    keys = frame[["c", "v", "g"]].astype(object).where(frame[["c", "v", "g"]].notna(), None)
    codes, _ = pd.factorize(pd.Series(list(zip(*(keys[k].tolist() for k in ("c", "v", "g")), strict=True)),
                                      dtype=object))
    geoms = frame.geometry.to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0])
    rows, shapes = [], []
    for begin, end in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        members = order[begin:end]
        # parcels tile the land without overlapping (the data check's rule): GEOS's fast coverage union;
        # a full union where that gives an invalid shape (overlapping parcels of a file not checked yet)
        shape = shapely.coverage_union_all(geoms[members])
        if not shapely.is_valid(shape):
            shape = shapely.union_all(shapely.make_valid(geoms[members]))
        rows.append(members[0])
        shapes.append(shape)
    out = keys.iloc[rows].reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry=shapes, crs=frame.crs)


def _prune(root: Path, keep: str) -> None:
    """Remove the oldest tile sets beyond :data:`MAX_CACHED_SETS` (never ``keep``), and stale partial builds."""
    sets = [p for p in root.iterdir() if p.is_dir() and _KEY.match(p.name) and p.name != keep]
    sets.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in sets[MAX_CACHED_SETS - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    for partial in root.glob("*.building-*"):
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)


def ensure_tiles(parcels: gpd.GeoDataFrame, root: Path | None = None, *, lim: Limits | None = None) -> TileSet:
    """The tile set of ``parcels``: read from ``root`` (default :func:`cache_root`) when built, else built now.

    A build goes into a temporary folder renamed into place when complete, so no reader ever sees half a tile
    set; concurrent builds in one process wait for each other. ``lim`` as for :func:`build_tiles`.
    """
    root = cache_root() if root is None else root
    key = content_key(parcels)
    folder = root / key
    found = tile_set_at(folder)
    if found is not None:
        return found
    with _BUILD_LOCK:
        found = tile_set_at(folder)
        if found is not None:
            return found
        root.mkdir(parents=True, exist_ok=True)
        partial = root / f"{key}.building-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        try:
            built = build_tiles(parcels, partial, key=key, lim=lim)
            try:
                partial.rename(folder)
            except OSError:  # another process finished the same tiles first
                found = tile_set_at(folder)
                if found is None:
                    raise
                return found
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        _prune(root, keep=key)
        return TileSet(**{**asdict(built), "folder": folder})


def tile_file(root: Path, key: str, z: int, x: int, y: int) -> Path | None:
    """The file of tile ``z/x/y`` of tile set ``key`` under ``root``; ``None`` for a key that is not a built
    tile set or a tile outside the zoom levels and the world. The file may not exist (no parcel there)."""
    if not _KEY.match(key) or not MIN_ZOOM <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        return None
    folder = root / key
    if not (folder / INFO_FILE).is_file():
        return None
    return folder / str(z) / str(x) / f"{y}.pbf"


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """``(x_min, y_min, x_max, y_max)`` of the tiles at zoom ``z`` covering ``bounds`` (degrees)."""
    def tx(lng: float) -> int:
        return int((lng + 180.0) / 360.0 * 2**z)

    def ty(lat: float) -> int:
        s = math.sin(math.radians(lat))
        return int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * 2**z)

    west, south, east, north = bounds
    return tx(west), ty(north), tx(east), ty(south)


def store_layer(text: str, root: Path | None = None) -> str:
    """Keep a map layer's JSON text (gzip-compressed) under ``root/layers/`` and return its name.

    The name is a hash of the text, so the same layer is written once and an address never changes meaning;
    the oldest files beyond :data:`MAX_CACHED_LAYERS` are removed.
    """
    root = cache_root() if root is None else root
    data = text.encode("utf-8")
    name = hashlib.sha256(data).hexdigest()[:24]
    folder = root / LAYERS_DIR
    path = folder / f"{name}.json.gz"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
        tmp.replace(path)  # atomic: a reader never gets half a file
        files = sorted(folder.glob("*.json.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[MAX_CACHED_LAYERS:]:
            if old != path:
                old.unlink(missing_ok=True)
    return name


def layer_file(root: Path, name: str) -> Path | None:
    """The file of the stored layer ``name`` under ``root`` (see :func:`store_layer`); ``None`` for a name
    that cannot be one."""
    if not _KEY.match(name):
        return None
    return root / LAYERS_DIR / f"{name}.json.gz"


def prebuild(folder: Path, root: Path | None = None) -> TileSet:
    """Build (or find) the tile set of the dataset in ``folder`` as the map page will ask for it: its parcels
    as of today (:func:`gis.jobs.ledger.asof.dated`), so that the first map of the dataset does not wait for them.

    Called when a dataset is made (the merged commune generated, a file imported) and, in the background, when
    the server starts (``serve.py``). Raises :class:`gis.core.errors.GisError` as :func:`ensure_tiles` and the
    dataset's reading do.
    """
    from gis.files.io import load_dataset
    from gis.jobs.ledger.asof import dated

    return ensure_tiles(dated(load_dataset(Path(folder))).parcels, root)
