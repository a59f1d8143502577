"""The user's files for a land recovery, read through the same reader as ``gis import``.

Parcels and boundaries come in every format :func:`gis.files.sources.read_source` reads (shapefiles with or without
``.cpg`` in UTF-8, cp1258, TCVN3 or VNI, zipped shapefiles, GeoPackage, GeoJSON, KML/KMZ, DXF/DGN, coordinate
tables), archives are checked before anything is unpacked, and the parcels are placed in VN-2000 TM-3
(:func:`gis.files.placing.place`) and their fields mapped (:func:`gis.files.field_mapping.map_fields`) as on import. The
domain (:mod:`gis.jobs.recovery`) then works on frames and never opens a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from gis.core.errors import DataSourceError, GeometryError
from gis.jobs.recovery_boundary import Boundary, Note, prepare_boundary

if TYPE_CHECKING:
    from gis.jobs.recovery_users import LandUsers


def require_geometry_file(path: str | Path, *, role: tuple[str, str] = ("lớp", "layer"),
                          layer: str | None = None) -> None:
    """Raise :class:`GeometryError` for a readable file with no geometry at all (a CSV or a bare table that
    is not a surveyor's coordinate table): the named ``layer`` has none, or, with no layer named, none of the
    file's layers has any (a GeoPackage of several layers is not asked for "the" layer, which GDAL would
    answer with a warning and its first one).

    ``role`` names the file's part (Vietnamese, English). Missing or unreadable files are left to
    :func:`gis.files.sources.read_source`, which reports them.
    """
    import pyogrio

    path = Path(path)
    if path.suffix.lower() in (".zip", ".kmz", ".xlsx", ".csv"):
        return  # archives and workbooks are opened, checked and reported by read_source; a CSV may be coordinates
    try:
        layers = pyogrio.list_layers(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return
    types = {str(name): kind for name, kind in layers}
    if layer is not None:
        if layer in types and types[layer] is None:
            raise _no_geometry(path, role)
        return  # a layer the file lacks is reported by read_source
    if types and all(kind is None for kind in types.values()):
        raise _no_geometry(path, role)


def _no_geometry(path: Path, role: tuple[str, str]) -> GeometryError:
    return GeometryError(
        f"Tệp {role[0]} «{path.name}» không có hình học (chỉ có bảng thuộc tính). Hãy chọn tệp bản đồ "
        "(.shp, .zip shapefile, .gpkg, .geojson, .kml).",
        f"{role[1].capitalize()} file '{path.name}' has no geometry (only a table of attributes). Choose a "
        "map file (.shp, zipped shapefile, .gpkg, .geojson, .kml).",
    )


def _frame_of(path: Path, *, role: tuple[str, str], layer: str | None = None, encoding: str | None = None,
              scratch_root: Path | None = None):
    """:func:`gis.files.sources.read_source` on ``path``, once it is known not to be empty nor a bare table."""
    from gis.files.sources import read_source

    if path.is_file() and path.stat().st_size == 0:
        raise DataSourceError(
            f"Tệp {role[0]} «{path.name}» rỗng (0 byte). Hãy xuất lại tệp từ QGIS.",
            f"{role[1].capitalize()} file '{path.name}' is empty (0 bytes). Export it from QGIS again.",
        )
    require_geometry_file(path, role=role, layer=layer)
    try:
        source = read_source(path, layer=layer, encoding=encoding, scratch_root=scratch_root)
    except DataSourceError:
        if path.suffix.lower() == ".csv":  # a table that is not a coordinate table: say what is missing
            raise _no_geometry(path, role) from None
        raise
    frame = source.frame
    if not isinstance(frame, gpd.GeoDataFrame) or (len(frame) and frame.geometry.isna().all()):
        raise _no_geometry(path, role)
    return source


def read_boundary(path: str | Path, *, crs: CRS | str | int, project: str | None = None,
                  scratch_root: Path | None = None) -> Boundary:
    """Read a project boundary file the user brought (the command line, an upload) and prepare it.

    A file of zero bytes is reported as empty rather than unreadable, a table without geometry as such;
    ``project`` as in :func:`gis.jobs.recovery_boundary.prepare_boundary`. Every problem is a
    :class:`gis.core.errors.GisError` saying what to do.
    """
    path = Path(path)
    source = _frame_of(path, role=("ranh giới", "boundary"), scratch_root=scratch_root)
    boundary = prepare_boundary(source.frame, crs=crs, source=path.name, project=project)
    notes = tuple(Note(vi, en) for vi, en in source.notes)
    return Boundary(geometry=boundary.geometry, crs=boundary.crs, name=boundary.name, source=boundary.source,
                    notes=notes + boundary.notes, features=boundary.features)


#: The old name of :func:`read_boundary` for uploads.
load_boundary_file = read_boundary


def read_parcels(path: str | Path, *, province: str | None = None, crs: str | None = None,
                 fix_crs: bool = False, encoding: str | None = None, layer: str | None = None,
                 mapping: Mapping[str, str] | None = None, defaults: Mapping[str, object] | None = None,
                 scratch_root: Path | None = None) -> tuple[gpd.GeoDataFrame, list[Note]]:
    """Read a parcel file as ``gis import`` does and return it in the internal schema, with notes.

    The text is decoded (legacy Vietnamese encodings detected, or ``encoding``), the layer placed in
    VN-2000 TM-3 (``province``, ``crs`` and ``fix_crs`` as for ``gis import``), its fields mapped (known
    name variants, then ``mapping``; ``defaults`` for a field no column holds) and normalised
    (:func:`gis.files.schema.normalise_parcels`). Raises :class:`gis.core.errors.GisError` subclasses: a missing field,
    a CRS that needs a province, an unreadable file.
    """
    from gis.files.field_mapping import apply_mapping, map_fields
    from gis.files.placing import place
    from gis.files.schema import normalise_parcels

    path = Path(path)
    source = _frame_of(path, role=("thửa đất", "parcel"), layer=layer, encoding=encoding,
                       scratch_root=scratch_root)
    frame, placed = place(source, province=province, crs=crs, fix_crs=fix_crs)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    fields = map_fields(columns, mapping)
    mapped = apply_mapping(frame, fields, defaults={k: v for k, v in (defaults or {}).items() if v not in (None, "")})
    parcels = normalise_parcels(mapped, source=path.name)
    notes = [Note(vi, en) for vi, en in (*source.notes, *placed)]
    return parcels, notes


@dataclass(frozen=True)
class RecoveryFiles:
    """What :func:`read_recovery_files` read: the parcels (in the internal schema), the boundary and the notes
    on reading; ``users`` (the land users of ``parcels``) and ``windowed`` (only the parcels the recovery uses)
    when the parcels were read from a GeoPackage without building every shape."""

    parcels: gpd.GeoDataFrame
    boundary: Boundary
    notes: list[Note]
    users: LandUsers | None = None
    windowed: bool = False


def read_recovery_files(parcels_path: str | Path, boundary_path: str | Path, *, project: str | None = None,
                        province: str | None = None, crs: str | None = None, fix_crs: bool = False,
                        encoding: str | None = None, layer: str | None = None,
                        mapping: Mapping[str, str] | None = None, defaults: Mapping[str, object] | None = None,
                        scratch_root: Path | None = None) -> RecoveryFiles:
    """:func:`read_parcels` and :func:`read_boundary` for a recovery, building only the parcel shapes it uses.

    From a GeoPackage (:func:`gis.files.window.open_window`), every parcel's attributes are read, placed, mapped
    and normalised as :func:`read_parcels` does and its land user found, but only the parcels whose box meets
    the boundary's box, and the farm parcels of their land users (whose share of farm land lost is measured on
    all of it), are kept, with their shapes built; leaving the others out changes no figure of
    :func:`gis.jobs.recovery.recover`: it cannot take a parcel outside the boundary's box, and counts no other
    land of those users. Any other file, or a
    GeoPackage whose placement would change its shapes, is read whole. Arguments as for :func:`read_parcels` and
    :func:`read_boundary`.
    """
    kwargs: dict[str, Any] = {"province": province, "crs": crs, "fix_crs": fix_crs, "encoding": encoding,
                              "layer": layer, "mapping": mapping, "defaults": defaults, "scratch_root": scratch_root}
    windowed = _read_windowed(Path(parcels_path), Path(boundary_path), project=project, **kwargs)
    if windowed is not None:
        return windowed
    parcels, notes = read_parcels(parcels_path, **kwargs)  # type: ignore[arg-type]
    boundary = read_boundary(boundary_path, crs=parcels.crs, project=project, scratch_root=scratch_root)
    return RecoveryFiles(parcels=parcels, boundary=boundary, notes=notes)


def _read_windowed(path: Path, boundary_path: Path, *, project: str | None, province: str | None, crs: str | None,
                   fix_crs: bool, encoding: str | None, layer: str | None, mapping: Mapping[str, str] | None,
                   defaults: Mapping[str, object] | None, scratch_root: Path | None) -> RecoveryFiles | None:
    """:func:`read_recovery_files` on a GeoPackage through :func:`gis.files.window.open_window`; None when the
    layer must be read whole."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import shapely

    from gis.core import landuse
    from gis.core.area import drawn_areas
    from gis.files.field_mapping import apply_mapping, map_fields
    from gis.files.placing import place
    from gis.files.schema import normalise_parcels
    from gis.files.window import open_window
    from gis.jobs.recovery_users import land_users

    window = open_window(path, layer=layer, encoding=encoding)
    if window is None:
        return None
    source = window.source
    frame, placed = place(source, province=province, crs=crs, fix_crs=fix_crs, bounds=window.extent)
    if frame is not source.frame:  # reprojected, swapped or given another CRS: done on the shapes, read whole
        return None
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    fields = map_fields(columns, mapping)
    mapped = apply_mapping(frame, fields, defaults={k: v for k, v in (defaults or {}).items() if v not in (None, "")})
    parcels = normalise_parcels(mapped, source=path.name)
    boundary = read_boundary(boundary_path, crs=parcels.crs, project=project, scratch_root=scratch_root)
    # the rows in the boundary's box found by GDAL (without Python's lock) while the land users are made
    with ThreadPoolExecutor(max_workers=1) as pool:
        finding = pool.submit(window.rows_in_box, boundary.geometry.bounds)
        users = land_users(parcels)  # of every parcel: the identity basis and the keys are the whole layer's
        rows = finding.result()
    if len(rows) == 0:  # nothing there: the whole layer's extent goes into the message
        return None
    farm = parcels["group"].isin(landuse.FARM_GROUPS).to_numpy()
    held = pd.Series(users.codes).isin(pd.unique(users.codes[rows])).to_numpy() & farm  # hashed: no sort
    held[rows] = True  # with the parcels in the box: every parcel kept, in the file's order
    wanted = np.flatnonzero(held)
    try:
        shapes = window.shapes(wanted)
    except shapely.errors.GEOSException:  # a ring GEOS will not build: the whole read repairs and counts it
        return None
    # only the parcels the recovery uses: every other one is outside the boundary's box and of no land user
    # the boundary takes from, or none of that user's farm land (the only land counted of the others)
    parcels = parcels.iloc[wanted]
    coded = [c for c in parcels.columns if isinstance(parcels[c].dtype, pd.CategoricalDtype)]
    parcels = parcels.astype(dict.fromkeys(coded, object))  # the object columns of a full read
    parcels[parcels.geometry.name] = gpd.GeoSeries(shapes, index=parcels.index, crs=parcels.crs)
    parcels["map_area_m2"] = drawn_areas(shapes)  # as normalise_parcels measures them
    users = replace(users, codes=users.codes[wanted])
    notes = [Note(vi, en) for vi, en in (*source.notes, *placed)]
    return RecoveryFiles(parcels=parcels, boundary=boundary, notes=notes, users=users, windowed=True)
