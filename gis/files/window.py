"""Reading a GeoPackage layer for a computation that needs every row's attributes but only some rows' shapes.

A land recovery needs the land users of the whole layer (every parcel of a household the project touches,
to measure its share of farm land) but the shapes of only the parcels in the project's box and of those
households' farm parcels: building a million shapes to use a tenth of them is most of the time of a
province-sized recovery. :func:`open_window` reads what :func:`gis.files.sources.read_source` reads of a
GeoPackage (the layer picked the same way, its text decoded and repaired the same way, its CRS analysed the same
way) with every attribute and no shape; the shapes stay as the bytes the file holds until :meth:`Window.shapes`
builds the ones asked for, and :meth:`Window.rows_in_box` finds the rows in a box through the file's spatial
index.

The limits are checked as on a full read: the feature count from the header before anything is read, the
vertex count on the bytes of every shape (16 bytes a vertex: the count can only be smaller; a layer the bound
does not clear is read whole, where the exact count is made). :func:`open_window` returns None for any file it
cannot read this way with the same outcome as a full read (another format, no spatial index, a CRS that is
missing or faulty, an extent that is not finite or beyond :data:`gis.files.checks.MAX_COORDINATE`): the caller then
reads the whole layer.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from gis.core.crs_faults import analyse_crs
from gis.core.limits import Deadline, check_file_size, feature_limits
from gis.files.checks import MAX_COORDINATE
from gis.files.codecs import UNICODE
from gis.files.formats import Source, detect_format
from gis.files.vector import _check_feature_count, _list_layers, _pick_layer, _repair_text

#: Bytes of a WKB polygon per vertex (two doubles): a shape of ``b`` bytes has fewer than ``b / 16`` vertices.
_WKB_BYTES_PER_VERTEX = 16


@dataclass
class Window:
    """A GeoPackage layer read without its shapes (:func:`open_window`).

    Attributes
    ----------
    source
        As :func:`gis.files.sources.read_source` returns it, but every geometry of ``source.frame`` missing
        (its CRS set) and its repaired text columns kept as :class:`pandas.Categorical` (whose
        ``astype(object)`` is the column a full read gives): every row, in the file's order, with its
        attributes.
    extent
        The layer's extent (minx, miny, maxx, maxy) from the file's spatial index, in the layer's CRS.
    """

    source: Source
    extent: tuple[float, float, float, float]
    fids: np.ndarray
    wkb: Any  # a pyarrow ChunkedArray: the WKB of each row
    layer: str | None

    def rows_in_box(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Positions (in ``source.frame``) of the rows whose shape's box meets ``box``, in order."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _, table = pyogrio.raw.read_arrow(self.source.path, layer=self.layer, bbox=tuple(box),
                                              read_geometry=False, columns=[], return_fids=True)
        fids = table.column(0).to_numpy()
        positions = np.searchsorted(self.fids, fids)
        return np.sort(positions[(positions < len(self.fids)) & (self.fids[np.minimum(positions, len(self.fids) - 1)]
                                                                 == fids)])

    def shapes(self, positions: np.ndarray) -> np.ndarray:
        """The shapes of the rows at ``positions`` (raises :class:`shapely.errors.GEOSException` on a shape GEOS
        will not build, such as an unclosed ring: the caller then reads the whole layer, which repairs it)."""
        positions = np.asarray(positions, dtype=np.int64)
        wkb = np.empty(len(positions), dtype=object)
        starts = np.cumsum([0] + [len(chunk) for chunk in self.wkb.chunks])
        chunk_of = np.searchsorted(starts, positions, side="right") - 1  # taken chunk by chunk: no copy of all
        for k in np.unique(chunk_of).tolist():
            here = np.flatnonzero(chunk_of == k)
            wkb[here] = self.wkb.chunk(k).take(pa.array(positions[here] - starts[k])).to_numpy(zero_copy_only=False)
        return shapely.from_wkb(wkb)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


#: A text column coded: the code of each row (-1 for a missing value) and the distinct values, in the order
#: of their first appearance.
Coded = tuple[np.ndarray, pa.Array]


def _encoded(table: pa.Table) -> dict[str, Coded | None]:
    """Each text column of ``table`` dictionary-encoded by Arrow (hashed without Python's lock, so on the thread
    that read it); None for a column whose chunks were not given one dictionary."""
    out: dict[str, Coded | None] = {}
    for k, field in enumerate(table.schema):
        if not _is_text(field.type):
            continue
        if table.column(k).num_chunks == 0:  # no rows (an empty half)
            out[field.name] = np.zeros(0, dtype=np.intp), pa.array([], type=field.type)
            continue
        encoded = table.column(k).dictionary_encode()
        dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
        if any(len(chunk.dictionary) != len(dictionary) for chunk in encoded.chunks):
            out[field.name] = None
            continue
        codes = np.concatenate([chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                                for chunk in encoded.chunks]).astype(np.intp)
        out[field.name] = codes, dictionary
    return out


def _joined(first: Coded | None, second: Coded | None) -> Coded | None:
    """The codes of two runs of rows, one after the other, as if coded in one pass: the first's distinct values,
    then those only the second has, in its order (the order of first appearance over both); the second's codes
    renumbered. Only the distinct values are hashed."""
    if first is None or second is None:
        return None
    (codes_a, values_a), (codes_b, values_b) = first, second
    if values_a.type != values_b.type:
        return None
    found = pc.index_in(values_b, value_set=values_a).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    new = found < 0
    found[new] = len(values_a) + np.arange(int(new.sum()))
    renumbered = np.where(codes_b >= 0, found[np.maximum(codes_b, 0)] if len(found) else -1, -1)
    return np.concatenate([codes_a, renumbered]), pa.concat_arrays([values_a, values_b.filter(pa.array(new))])


def _factorize(coded: Coded | None) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`pandas.factorize` of a text column as pandas reads it from Arrow (codes, -1 for the missing
    values, and the distinct values as an object array, in the order of their first appearance), from its codes
    (:func:`_encoded`); None for a column that is not text or was not coded."""
    if coded is None:
        return None
    codes, values = coded
    return codes, values.to_numpy(zero_copy_only=False).astype(object)


def _sorted(values: np.ndarray) -> bool:
    return bool(len(values) < 2 or np.all(values[1:] > values[:-1]))


#: From this many features on, the layer is read in two halves at once (GDAL reads without Python's lock).
SPLIT_READ_FEATURES = 200_000


def _read_arrow(path: Path, layer: str | None, where: str | None = None
                ) -> tuple[dict, pa.Table, dict[str, Coded | None]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        meta, table = pyogrio.raw.read_arrow(path, layer=layer, return_fids=True, where=where)
    return meta, table, _encoded(table)


def _read_rows(path: Path, layer: str | None, *, fid: str, count: int
               ) -> tuple[dict, pa.Table, dict[str, Coded | None]] | None:
    """Every row of ``layer`` with its fid and shape's bytes, in the file's order, and its text columns coded
    (:func:`_encoded`); a large layer read and coded as its rows of fid up to half the feature count and the
    others, on two threads, and put back together (:func:`_joined`: the codes are those of one pass; None when
    the halves do not fit together: another schema, or the fids out of order)."""
    if count < SPLIT_READ_FEATURES or not fid or not fid.isidentifier():
        return _read_arrow(path, layer)
    from concurrent.futures import ThreadPoolExecutor

    middle = count // 2  # fids are 1, 2, ... in a layer written once: a split point, not a condition
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(_read_arrow, path, layer, f'"{fid}" > {middle}')
        meta, first, first_coded = _read_arrow(path, layer, f'"{fid}" <= {middle}')
        _, second, second_coded = later.result()
    if first.schema != second.schema:
        return None
    coded = {name: _joined(first_coded[name], second_coded.get(name)) for name in first_coded}
    return meta, pa.concat_tables([first, second]), coded


def open_window(path: str | Path, *, layer: str | None = None, encoding: str | None = None) -> Window | None:
    """Read a GeoPackage layer's attributes and keep its shapes as bytes (see the module's docstring).

    Returns None when the file is not a GeoPackage this can read with the outcome of a full read; raises
    what :func:`gis.files.sources.read_source` raises for a file it refuses (too large, too many features,
    not a GeoPackage inside, no such layer, damaged).
    """
    from gis.files.uploads import check_size

    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".gpkg" or detect_format(path) != "gpkg":
        return None
    check_size(check_file_size(path), name=path.name, limit=1 << 62)
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            return None  # the full read says what is wrong with it
    deadline = Deadline(path.name)
    layers = _list_layers(path)
    chosen = _pick_layer(path, layers, layer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(path, layer=chosen, force_total_bounds=True)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return None
    capabilities = info.get("capabilities") or {}
    extent = tuple(float(v) for v in (info.get("total_bounds") or ()))
    if (not capabilities.get("fast_spatial_filter") or info.get("crs") is None or not info.get("geometry_type")
            or len(extent) != 4
            or not all(math.isfinite(v) and abs(v) < MAX_COORDINATE for v in extent)):
        return None
    _check_feature_count(path, chosen)
    try:  # one pass over the file: attributes, fids and the shapes' bytes
        read = _read_rows(path, chosen, fid=info.get("fid_column") or "", count=int(info.get("features") or 0))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, pyogrio.errors.CRSError, UnicodeDecodeError):
        return None  # the full read says what is wrong with it
    if read is None:
        return None
    meta, table, coded = read
    fid_name, geometry_name = meta.get("fid_column") or "OGC_FID", meta.get("geometry_name") or "wkb_geometry"
    special = any(str(d).startswith("datetime") for d in meta["dtypes"] if d is not None) or any(
        s == "OFSTJSON" for s in meta.get("ogr_subtypes", ()))  # converted by pyogrio's reader: read as it does
    names = table.schema.names
    if special or fid_name not in names or geometry_name not in names or table.num_columns < 3:
        return None
    fids = table.column(fid_name).to_numpy().astype(np.int64)
    if not _sorted(fids):
        return None
    wkb = table.column(geometry_name)
    sizes = int(pc.sum(pc.binary_length(wkb)).as_py() or 0)
    if sizes // _WKB_BYTES_PER_VERTEX > feature_limits()[1]:
        return None  # perhaps too many vertices: the full read counts them exactly
    factorized = {name: codes for name in names if name not in (fid_name, geometry_name)
                  and (codes := _factorize(coded.get(name))) is not None}
    frame = table.drop_columns([fid_name, geometry_name]).to_pandas()  # as pyogrio.read_dataframe converts
    del table
    deadline.check()
    frame = gpd.GeoDataFrame(frame, geometry=np.full(len(frame), None, dtype=object),
                             crs=info["crs"])
    frame, detected = _repair_text(frame, encoding, categorical=True, factorized=factorized)  # coded: grouped on by the land users
    found = None if detected.encoding == UNICODE and encoding is None else detected
    if len(frame) > 1 and "level_0" in frame.columns:
        frame = frame.drop(columns="level_0")
    deadline.check()
    centre = ((extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)
    finding = analyse_crs(frame.crs, at=centre)
    if finding.status != "ok" or finding.fault:
        return None
    source = Source(path=path, format="gpkg", layers=layers, layer=chosen, frame=frame, encoding=found,
                    crs=finding, guess=None, axes_vi=None, axes_en=None, notes=[])
    return Window(source=source, extent=extent, fids=fids, wkb=wkb, layer=chosen)  # type: ignore[arg-type]
