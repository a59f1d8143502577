"""Reading and writing layers: the only module that touches files.

Reading and writing go through pyogrio with Arrow (geopandas' default engine): on the built-in parcels it
is many times faster than fiona (``benchmarks/read_engines.py`` measures both), and pyogrio also answers
what fiona was once kept for (a layer's fields and feature count without its features:
``pyogrio.read_info``; the first features only: ``max_features``). fiona is no dependency of the tool; the
tests use it as an independent reader.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gis.core.crs import require_crs
from gis.core.errors import DataSourceError
from gis.core.paths import PACKAGES_DIR, data_path
from gis.files.schema import normalise_parcels

#: The folder holding the packages (the repository root in a checkout; see :mod:`gis.core.paths`).
ROOT = PACKAGES_DIR
#: The built-in demonstration data, shipped in the package.
BUILTIN_DATA_DIR = data_path("shapefiles")
REFERENCE_OUTLINE = data_path("reference", "hiep-hoa-communes-2009.geojson")

#: The layers of a dataset folder, in drawing order; ``parcels`` is the only one required.
LAYERS = ("district", "commune", "villages", "parcels", "rice_fields", "aquaculture_ponds",
          "concentrated_fields", "recovered_land", "roads", "canals")


def _missing_prj(path: Path) -> bool:
    return path.suffix.lower() == ".shp" and not any(
        path.with_suffix(ext).exists() for ext in (".prj", ".PRJ")
    )


def read_layer(path: str | Path, *, layer: str | None = None, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer with pyogrio (Arrow), refusing one with no coordinate system; only the fields
    ``columns`` (and the geometry) when given.

    Raises :class:`DataSourceError` for a missing or unreadable file and :class:`gis.core.errors.CrsError`
    (naming the file) for a layer with no CRS, such as a shapefile without its ``.prj``.
    """
    path = Path(path)
    if not path.exists():
        raise DataSourceError(
            f"Không tìm thấy tệp «{path}». Hãy kiểm tra lại đường dẫn.",
            f"File '{path}' was not found. Check the path.",
        )
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio", use_arrow=True, columns=columns)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(path, exc) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise _no_geometry(path)
    if frame.crs is None and _missing_prj(path):
        require_crs(None, source=path.name)
    require_crs(frame.crs, source=path.name)
    return frame


def _unreadable(path: Path, exc: Exception) -> DataSourceError:
    return DataSourceError(
        f"Không đọc được tệp «{path.name}»: {exc}. Hãy kiểm tra tệp có đủ các phần (.shp, .shx, "
        ".dbf) và đúng định dạng.",
        f"Cannot read '{path.name}': {exc}. Check that the file is complete (.shp, .shx, .dbf) and "
        "in a supported format.",
    )


def _no_geometry(path: Path) -> DataSourceError:
    return DataSourceError(
        f"Tệp «{path.name}» không có hình học (chỉ có bảng thuộc tính). Hãy dùng tệp bản đồ có thửa đất "
        "hoặc ranh giới (shapefile, GeoPackage, GeoJSON, KML).",
        f"File '{path.name}' has no geometry (attributes only). Use a map file with parcels or a boundary "
        "(shapefile, GeoPackage, GeoJSON, KML).",
    )


def iter_layer(path: str | Path, *, columns: list[str] | None = None,
               batch_rows: int = 50_000) -> Iterator[gpd.GeoDataFrame]:
    """:func:`read_layer`'s frame in consecutive parts of at most ``batch_rows`` features, read in one pass
    (pyogrio's Arrow stream): the parts' rows are the layer's in order, their index continuing (0, 1, ... over
    the whole layer), their columns and dtypes those of :func:`read_layer`. A caller that keeps only what it
    derives from each part (an area, a code) never holds the geometry of the whole layer: a million parcels'
    shapes are about 1 GB in memory.

    A layer with no feature gives one empty part. Raises what :func:`read_layer` raises.
    """
    path = Path(path)
    if not path.exists():
        yield read_layer(path, columns=columns)  # raises the missing file's error
        return
    start = 0
    try:
        with pyogrio.open_arrow(path, columns=columns, batch_size=batch_rows, use_pyarrow=True,
                                datetime_as_string=True) as (meta, reader):
            for batch in reader:
                part = _part_frame(batch, meta, path, start)
                start += len(part)
                yield part
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _unreadable(path, exc) from exc
    if start == 0:  # no feature: the empty frame as read_layer gives it
        yield read_layer(path, columns=columns)


def _part_frame(batch: Any, meta: dict, path: Path, start: int) -> gpd.GeoDataFrame:
    """One Arrow record batch of :func:`iter_layer` as :func:`read_layer` would give those rows (pyogrio's own
    conversion: Arrow to pandas, WKB to shapes), indexed from ``start``."""
    import pyarrow as pa

    name = meta["geometry_name"] or "wkb_geometry"
    if name not in batch.schema.names:
        raise _no_geometry(path)
    wkb = batch.column(name).to_numpy(zero_copy_only=False)  # straight to shapes, not through a pandas column
    frame = pa.Table.from_batches([batch.drop_columns([name])]).to_pandas()
    for dtype, column in zip(meta["dtypes"], meta["fields"], strict=True):  # datetimes read as text, as pyogrio
        if dtype is not None and str(dtype).startswith("datetime") and dtype != "datetime64[D]":
            from pyogrio.geopandas import _try_parse_datetime

            frame[column] = _try_parse_datetime(frame[column], False, True)
    frame["geometry"] = shapely.from_wkb(wkb)
    frame.index = pd.RangeIndex(start, start + len(frame))
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=meta["crs"])
    if out.crs is None and _missing_prj(path):
        require_crs(None, source=path.name)
    require_crs(out.crs, source=path.name)
    return out


def write_layer(frame: gpd.GeoDataFrame, path: str | Path, *, layer: str | None = None) -> Path:
    """Write a layer with pyogrio; the driver follows the extension (``.gpkg``, ``.shp``, ``.geojson``)."""
    path = Path(path)
    pyogrio.write_dataframe(frame, path, layer=layer)
    return path


@dataclass(eq=False)
class Dataset:
    """A commune's layers, read from one folder; ``parcels`` is in the internal schema.

    Treated as read-only once made (every function returns new frames): :attr:`key` is computed once from
    the layers' content and then kept.
    """

    folder: Path
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    #: Built-in demonstration data (invented; labelled so wherever it is shown): the built-in Lương Phong data
    #: or a folder written by :mod:`gis.demo.merged` (its ``dataset.json`` has a ``generator_version``).
    builtin: bool = False
    #: The date whose state the parcels are, when they were asked "as of" a date (:mod:`gis.jobs.ledger.asof`);
    #: ``None`` for the data as read.
    as_of: dt.date | None = None
    #: The parcels in force the day before the first recovery entered in the land ledger (up to ``as_of``),
    #: when the ledger has one: the plan's "before recovery" state (:func:`gis.jobs.ledger.asof.dated`).
    parcels_before_recovery: gpd.GeoDataFrame | None = None

    @functools.cached_property
    def key(self) -> str:
        """A digest of the dataset's content (every layer's CRS, columns, values and geometry, the folder and
        whether it is the built-in data): equal for equal data, different as soon as one value differs.

        The cache key of whatever is derived from the dataset (the app's cached functions hash a dataset by
        it), so a result is never served for other data than it was made from, whatever the files' dates say.
        """
        return content_key(self)

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        return self.layers["parcels"]

    def get(self, name: str) -> gpd.GeoDataFrame | None:
        return self.layers.get(name)


def _frame_digest(frame: gpd.GeoDataFrame, digest: Any) -> None:
    """Feed ``frame``'s CRS, columns, index, values and geometry (WKB) into ``digest``."""
    digest.update(repr((frame.crs.to_wkt() if frame.crs is not None else None, list(map(str, frame.columns)),
                        list(map(str, frame.dtypes)), len(frame))).encode("utf-8"))
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name \
        in frame.columns else None
    values = frame.drop(columns=[geometry]) if geometry is not None else frame
    try:
        hashed = pd.util.hash_pandas_object(values, index=True).to_numpy()
        digest.update(hashed.tobytes())
    except TypeError:  # unhashable cells (lists, dicts): their text stands for them
        digest.update(values.to_json(orient="split", date_format="iso", default_handler=str).encode("utf-8"))
    if geometry is not None:  # WKB delimits itself; a missing shape is one zero byte
        digest.update(b"".join(w if w is not None else b"\x00"
                               for w in shapely.to_wkb(frame[geometry].to_numpy(), include_srid=False)))


def content_key(dataset: Dataset) -> str:
    """The digest :attr:`Dataset.key` holds (BLAKE2b, 32 hex digits), computed afresh from the layers."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{dataset.folder}|{dataset.builtin}".encode())
    for name in sorted(dataset.layers):
        digest.update(f"|{name}|".encode())
        _frame_digest(dataset.layers[name], digest)
    return digest.hexdigest()


def folder_key(folder: str | Path) -> tuple[tuple[str, int, int, int], ...]:
    """What the files directly in ``folder`` are now: name, size, modification and change time (ns) of each.

    Cheap (one ``stat`` a file) and it changes whenever a file is written, replaced, added or removed, even
    when its modification time is set back: the change time (``st_ctime_ns``) is the system's, not the
    writer's. The key of reading the folder; what is derived from the data is keyed by :attr:`Dataset.key`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.iterdir()):
        if path.is_file():
            info = path.stat()
            found.append((path.name, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    return tuple(found)


#: What :func:`file_key` gives: path, size, modification and change time (ns).
FileKey = tuple[str, int, int, int]


def file_key(path: str | Path) -> FileKey:
    """What the file at ``path`` is now: its path, size, modification and change time (ns); ``-1`` for each
    when there is no such file. A cache key that changes whenever the file is written (see :func:`folder_key`).
    """
    try:
        info = Path(path).stat()
    except OSError:
        return str(path), -1, -1, -1
    return str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns


def find_layer_file(folder: Path, name: str) -> Path | None:
    """The file of layer ``name`` in ``folder``: a shapefile, GeoPackage or GeoJSON of that name."""
    for ext in (".shp", ".gpkg", ".geojson"):
        candidate = folder / f"{name}{ext}"
        if candidate.exists():
            return candidate
    return None


def _parcel_columns(path: Path, fields: Collection[str]) -> list[str] | None:
    """The columns of a parcel layer holding ``fields`` or a required field; None (all) when unreadable."""
    from gis.files.schema import REQUIRED, match_fields

    try:
        names = [str(n) for n in pyogrio.read_info(path)["fields"]]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return None  # the read that follows says what is wrong
    wanted = set(REQUIRED) | set(fields)
    if "legal_area_m2" in wanted:
        wanted.add("area_m2_field")
    if "village" in wanted:
        wanted.add("address")
    mapped = match_fields(names)
    return [n for n in names if n in wanted or mapped.get(n) in wanted]


def load_dataset(folder: str | Path | None = None, *, parcel_fields: Collection[str] | None = None) -> Dataset:
    """Read every known layer in ``folder`` (the built-in data when ``None``).

    ``parcel_fields`` (internal names of :mod:`gis.files.schema`, or column names as they are in the file) reads
    only those fields of the parcels, with the required ones (:data:`gis.files.schema.REQUIRED`) and the geometry:
    a command that needs a few fields of a large layer reads and holds only those.
    Raises :class:`DataSourceError` when the folder has no parcel layer.
    """
    folder = _data_folder(folder)
    path = _parcel_file(folder)
    layers = read_layers(folder, [n for n in LAYERS if n != "parcels"])
    columns = _parcel_columns(path, parcel_fields) if parcel_fields is not None else None
    parcels = normalise_parcels(read_layer(path, columns=columns), source=str(path))
    ordered = {name: parcels if name == "parcels" else layers[name] for name in LAYERS
               if name == "parcels" or name in layers}
    return Dataset(folder=folder, layers=ordered, builtin=is_demo_folder(folder))


def read_layers(folder: str | Path | None, names: Collection[str]) -> dict[str, gpd.GeoDataFrame]:
    """The layers ``names`` that ``folder`` (the built-in data when ``None``) has, as read (the parcels not
    normalised), in :data:`LAYERS` order."""
    folder = _data_folder(folder)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYERS:
        path = find_layer_file(folder, name) if name in names else None
        if path is not None:
            layers[name] = read_layer(path)
    return layers


def parcel_parts(folder: str | Path | None = None, *, parcel_fields: Collection[str] | None = None,
                 batch_rows: int = 50_000) -> Iterator[gpd.GeoDataFrame]:
    """The parcels of ``folder`` (the built-in data when ``None``) as :func:`load_dataset` gives them (the fields
    ``parcel_fields`` only, when given; in the internal schema), in parts of at most ``batch_rows`` parcels read
    in one pass (:func:`iter_layer`): for a figure that needs of each parcel a few values derived from its shape
    and never the shapes of all the parcels at once. Raises :class:`DataSourceError` when the folder has no
    parcel layer."""
    folder = _data_folder(folder)
    path = _parcel_file(folder)
    columns = _parcel_columns(path, parcel_fields) if parcel_fields is not None else None
    for part in iter_layer(path, columns=columns, batch_rows=batch_rows):
        yield normalise_parcels(part, source=str(path))


def _data_folder(folder: str | Path | None) -> Path:
    folder = Path(folder) if folder is not None else BUILTIN_DATA_DIR
    if not folder.is_dir():
        raise DataSourceError(
            f"Không tìm thấy thư mục dữ liệu «{folder}».",
            f"Data folder '{folder}' was not found.",
        )
    return folder


def _parcel_file(folder: Path) -> Path:
    path = find_layer_file(folder, "parcels")
    if path is None:
        raise DataSourceError(
            f"Thư mục «{folder}» không có lớp thửa đất (parcels.shp, parcels.gpkg hoặc parcels.geojson).",
            f"Folder '{folder}' has no parcel layer (parcels.shp, parcels.gpkg or parcels.geojson).",
        )
    return path


def is_demo_folder(folder: Path) -> bool:
    """Whether ``folder`` holds built-in demonstration data: the built-in data, or the merged commune as
    :mod:`gis.demo.merged` writes it (a ``dataset.json`` with a ``generator_version``)."""
    import json

    if Path(folder).resolve() == BUILTIN_DATA_DIR.resolve():
        return True
    try:
        meta = json.loads((Path(folder) / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "generator_version" in meta
