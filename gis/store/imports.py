"""Bringing the user's parcels into the workspace as a dataset the whole tool reads like the built-in data.

:func:`import_source` reads a file (:func:`gis.files.sources.read_source`), places it in VN-2000 TM-3
(:func:`gis.files.placing.place`), maps its fields, checks it (:func:`gis.files.checks.check_parcels`), and writes a new
folder ``imports/<name>-<stamp>/`` under the workspace holding:

``parcels.gpkg``
    The parcels (invalid geometry repaired, non-polygons left out), fields named as :mod:`gis.files.schema`
    reads them; :func:`gis.files.io.load_dataset` opens the folder like ``data/shapefiles``.
``problems.gpkg``, ``problems.csv``
    The check report, to draw and to download.
``source.json``
    Where the data came from and what was found and done (format, encoding, CRS, field mapping, notes), and
    who imported it (``imported_by``).

The folder is always new: an import never replaces anything. It is written as a scratch folder
``imports/.partial-*`` and renamed into place only when complete and read back (:func:`write_files`,
:func:`gis.store.import_commit.commit_folder`); every failure removes it, so a failed import leaves no dataset
behind. :func:`imported_folders` lists only folders with their ``source.json``. Each import is recorded in the
workspace's audit table (:meth:`gis.store.workspace.Workspace.record`); if that record cannot be written, the
new folder is removed too. ``gis inspect`` writes the same files ahead as a staged import, which ``gis import``
of the same unchanged file commits (:mod:`gis.store.staged`).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

from gis.core.errors import DataSourceError, GisError, SchemaError
from gis.core.spreadsheet import write_csv
from gis.files.checks import CheckReport, check_parcels
from gis.files.field_mapping import FieldMapping, apply_mapping, map_fields
from gis.files.formats import Source
from gis.files.placing import place
from gis.files.schema import LABELS, match_fields
from gis.files.sources import read_source
from gis.files.uploads import safe_name, workspace_root
from gis.store.faults import check_free_space, workspace_write_error
from gis.store.import_commit import MARKER, SCRATCH_PREFIX, commit_folder


@dataclass
class Prepared:
    """A layer placed in VN-2000 TM-3, its fields mapped and checked: what an import would write."""

    source: Source
    frame: gpd.GeoDataFrame
    fields: FieldMapping
    report: CheckReport
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    """Where an import went and what it found."""

    folder: Path
    prepared: Prepared

    @property
    def parcels(self) -> Path:
        return self.folder / "parcels.gpkg"


def _missing_fields_error(source: Source, fields: FieldMapping) -> SchemaError:
    missing = ", ".join(f"{m} ({LABELS.get(m, (m, m))[0]})" for m in fields.missing)
    missing_en = ", ".join(f"{m} ({LABELS.get(m, (m, m))[1]})" for m in fields.missing)
    columns = ", ".join(fields.unmapped) or "—"
    return SchemaError(
        f"Lớp «{source.path.name}» thiếu trường bắt buộc: {missing}. Các cột chưa ghép: {columns}. Hãy ghép cột "
        "tương ứng (--map COT=sheet, --map COT=parcel_no, --map COT=land_use; hoặc bước «Ghép trường» trên trang "
        "Dữ liệu), hoặc gán một giá trị chung (--set sheet=12 cho bản vẽ một tờ bản đồ).",
        f"Layer '{source.path.name}' lacks required fields: {missing_en}. Columns not mapped: {columns}. Map the "
        "matching columns (--map COLUMN=sheet, --map COLUMN=parcel_no, --map COLUMN=land_use; or the "
        "'Field mapping' step on the Data page), or give one value to all (--set sheet=12 for a drawing of one "
        "map sheet).",
    )


#: The last layers prepared, by what they were read from and the choices made (see :func:`prepare`).
_RECENT: OrderedDict[tuple, Prepared] = OrderedDict()
_RECENT_MAX = 2


def _prepared_key(source: Source, **choices: object) -> tuple | None:
    """What a prepared layer depends on: the file's name, layer and encoding, the layer's content (a digest
    of its attributes and coordinates, about 0.1 s per 100 000 parcels) and the choices; None when the
    content cannot be digested (nothing is remembered then)."""
    import hashlib

    import pandas as pd
    import shapely

    frame = source.frame
    try:
        digest = hashlib.blake2b(digest_size=16)
        attrs = frame.drop(columns=frame.geometry.name)
        digest.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
        digest.update("|".join(map(str, attrs.columns)).encode())
        geoms = frame.geometry.to_numpy()
        digest.update(shapely.get_type_id(geoms).tobytes())
        digest.update(shapely.get_num_coordinates(geoms).tobytes())
        digest.update(shapely.get_coordinates(geoms).tobytes())
        digest.update(str(frame.crs).encode())
    except (TypeError, ValueError):
        return None
    frozen = tuple(sorted((k, tuple(sorted((str(a), str(b)) for a, b in v.items())) if isinstance(v, Mapping)
                           else v) for k, v in choices.items()))
    return (str(source.path), source.layer, source.encoding_name, digest.hexdigest(), frozen)


def prepare(source: Source, *, province: str | None = None, crs: str | None = None, fix_crs: bool = False,
            mapping: Mapping[str, str] | None = None, defaults: Mapping[str, object] | None = None,
            require_fields: bool = True, remember: bool = True) -> Prepared:
    """Place, map and check a layer read by :func:`gis.files.sources.read_source`.

    The check runs once per file and choices: the Data page shows the problems and then, on the rerun its
    import button makes, writes the same prepared layer; the last two are remembered (by the file's name,
    layer and encoding, a digest of the layer's content, and every choice) and given back as they are.
    A command, which prepares one layer per process, passes ``remember=False``: no digest (about 0.1 s per
    100 000 parcels), nothing kept.

    Raises :class:`gis.core.errors.CrsError` when the province is needed and not given,
    :class:`gis.core.errors.PlacementError` when the data falls outside the province or its CRS's zone or is in
    degrees under a metric CRS (see :func:`gis.files.placing.place`), and (with ``require_fields``)
    :class:`SchemaError` when a required field has no column nor default.
    """
    key = _prepared_key(source, province=province, crs=crs, fix_crs=fix_crs, mapping=mapping or {},
                        defaults=defaults or {}, require_fields=require_fields) if remember else None
    if key is not None and key in _RECENT:
        _RECENT.move_to_end(key)
        return _RECENT[key]
    frame, notes = place(source, province=province, crs=crs, fix_crs=fix_crs)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    fields = map_fields(columns, mapping)
    defaults = {k: v for k, v in (defaults or {}).items() if v not in (None, "")}
    if defaults:
        fields = FieldMapping(auto=fields.auto, user=fields.user, unmapped=fields.unmapped,
                              missing=tuple(m for m in fields.missing if m not in defaults))
    if require_fields and fields.missing:
        raise _missing_fields_error(source, fields)
    mapped = apply_mapping(frame, fields, defaults=defaults)
    report = check_parcels(mapped, mapping=match_fields([str(c) for c in mapped.columns]), layer=source.path.name)
    prepared = Prepared(source=source, frame=mapped, fields=fields, report=report, notes=list(source.notes) + notes)
    if key is not None:
        _RECENT[key] = prepared
        while len(_RECENT) > _RECENT_MAX:
            _RECENT.popitem(last=False)
    return prepared


def _provenance(prepared: Prepared, original: Path, *, by: str) -> dict[str, object]:
    source = prepared.source
    found = source.encoding
    return {
        "imported_at": datetime.now().isoformat(timespec="seconds"),
        "imported_by": by,
        "file": original.name,
        "format": source.format,
        "layer": source.layer,
        "layers": source.layers,
        "feature_count": len(source.frame),
        "parcels_written": len(prepared.report.repaired),
        "encoding": source.encoding_name,
        "encoding_reason": found.reason_en if found is not None else None,
        "crs_found": source.crs.label,
        "crs_status": source.crs.status,
        "crs_offset_m": source.crs.offset_m,
        "crs_written": str(prepared.frame.crs.to_string()) if prepared.frame.crs is not None else None,
        "field_mapping": prepared.fields.mapping,
        "problems": prepared.report.counts,
        "notes": [en for _, en in prepared.notes],
    }


def _readback_error(folder: Path, exc: BaseException) -> DataSourceError:
    return DataSourceError(
        f"Dữ liệu vừa ghi không đọc lại được ({type(exc).__name__}: {exc}): không nhập, không để lại gì. Hãy kiểm "
        "tra báo cáo lỗi (lệnh inspect) rồi thử lại.",
        f"The data just written cannot be read back ({type(exc).__name__}: {exc}): nothing imported, nothing left "
        "behind. Check the problem report (the inspect command) and try again.",
    )


def write_dataset(prepared: Prepared, *, name: str | None = None, root: Path | None = None,
                  by: str | None = None) -> Path:
    """Write a prepared layer as a new dataset folder (:func:`_write_dataset`), and log the import's outcome
    (``import ok``/``refused``/``failed``, who, the dataset made and the file) in the workspace's log."""
    from gis.core import logs
    from gis.store.rows import acting_user

    with logs.logged("import", root=root, user=acting_user(by), file=prepared.source.path.name) as line:
        folder = _write_dataset(prepared, name=name, root=root, by=by)
        line["dataset"] = f"imports/{folder.name}"
        line["detail"] = f"{len(prepared.report.repaired)} parcels"
    return folder


def write_files(prepared: Prepared, folder: Path) -> None:
    """Write the files of a dataset folder but its ``source.json`` into ``folder`` (``parcels.gpkg``,
    ``problems.gpkg``, ``problems.csv``) and check that the folder reads back as a dataset (:func:`_read_back`).

    Raises :class:`DataSourceError` when it does not read back; OSError and pyogrio's errors go on to the
    caller, which removes the folder.
    """
    _write_gpkg(prepared.report.repaired, folder / "parcels.gpkg", layer="parcels", promote_to_multi=True)
    _write_gpkg(prepared.report.problems, folder / "problems.gpkg", layer="problems")
    write_csv(prepared.report.table("vi"), folder / "problems.csv")
    try:
        _read_back(folder, parcels=len(prepared.report.repaired), problems=len(prepared.report.problems))
    except (GisError, OSError, ValueError, TypeError, AttributeError, KeyError,
            pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise _readback_error(folder, exc) from exc


def _arrow_writable(frame: gpd.GeoDataFrame) -> bool:
    """Whether every column of ``frame`` but the geometry is a number, a boolean or pandas' string type:
    those GDAL writes the same through Arrow as through the feature-by-feature writer (the same table, field
    types and values); any other column (Python objects, dates) keeps the feature-by-feature writer."""
    import pandas as pd

    for name, dtype in frame.dtypes.items():
        if name == frame.geometry.name:
            continue
        if not (isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "biuf")):
            return False
    return True


def _write_gpkg(frame: gpd.GeoDataFrame, path: Path, *, layer: str, **options: object) -> None:
    """Write ``frame`` as the one layer of a new GeoPackage; through Arrow (about 0.2 s less per 100 000
    parcels) when its columns allow (:func:`_arrow_writable`)."""
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", use_arrow=_arrow_writable(frame), **options)


#: How many parcels :func:`_read_back` reads back and normalises.
READ_BACK_SAMPLE = 1000


def _read_back(folder: Path, *, parcels: int, problems: int) -> None:
    """Check that a folder just written reads back as :func:`gis.files.io.load_dataset` reads it, without
    reading it all (that took a third of a second per 100 000 parcels): both layers hold every feature
    written, the parcels have a CRS, and their first :data:`READ_BACK_SAMPLE` read and normalise."""
    from gis.core.crs import require_crs
    from gis.files.io import find_layer_file
    from gis.files.schema import normalise_parcels

    path = find_layer_file(folder, "parcels")
    if path is None:
        raise ValueError("no parcel layer")
    for file, layer, count in ((path, "parcels", parcels), (folder / "problems.gpkg", "problems", problems)):
        found = pyogrio.read_info(file, layer=layer)["features"]
        if found != count:
            raise ValueError(f"{layer}: {found} features read back, {count} written")
    sample = pyogrio.read_dataframe(path, layer="parcels", max_features=READ_BACK_SAMPLE, use_arrow=True)
    require_crs(sample.crs, source=path.name)
    normalise_parcels(sample, source=str(path))


def _write_dataset(prepared: Prepared, *, name: str | None = None, root: Path | None = None,
                   by: str | None = None) -> Path:
    """Write a prepared layer as a new dataset folder under ``root/imports``, check it reads back, and record
    the import ``by`` a user (an account name; ``None`` for the user of this machine) in the workspace.

    Everything is written into a scratch folder ``imports/.partial-*`` on the same file system, read back,
    and only then renamed into place (an atomic rename): a failure at any step, or a killed process, leaves
    no dataset that :func:`imported_folders` would offer. The scratch folder is removed on every failure.
    """
    from gis.store.rows import acting_user

    if prepared.report.repaired.empty:
        raise DataSourceError(
            f"Lớp «{prepared.source.path.name}» không có thửa đất (vùng) nào dùng được: không nhập. Hãy kiểm tra đã "
            "xuất đúng lớp thửa đất (xem báo cáo lỗi).",
            f"Layer '{prepared.source.path.name}' has no usable parcel (polygon): nothing imported. Check that the "
            "parcel layer was exported (see the problem report).",
        )
    root = root or workspace_root()
    who = acting_user(by)
    stem = safe_name(name or prepared.source.path.stem).replace(" ", "_")
    parent = root / "imports"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        check_free_space(parent)
        scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=parent))
    except OSError as exc:
        raise workspace_write_error(parent, exc) from exc
    try:
        write_files(prepared, scratch)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise workspace_write_error(parent, exc) from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise workspace_write_error(parent, exc) from exc
    except BaseException:  # any failure, Ctrl+C included: the scratch folder removed, the error goes on
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return commit_folder(scratch, stem=stem, root=root, provenance=_provenance(prepared, prepared.source.path, by=who),
                         file_name=prepared.source.path.name, count=len(prepared.report.repaired), who=who)


def import_source(path: str | Path, *, province: str | None = None, crs: str | None = None, fix_crs: bool = False,
                  encoding: str | None = None, layer: str | None = None, mapping: Mapping[str, str] | None = None,
                  defaults: Mapping[str, object] | None = None, name: str | None = None,
                  root: Path | None = None, by: str | None = None) -> ImportResult:
    """Read, place, map, check and write the user's parcels into a new workspace folder (see the module), as
    imported ``by`` a user (an account name; ``None`` for the user of this machine)."""
    source = read_source(path, layer=layer, encoding=encoding, scratch_root=root)
    prepared = prepare(source, province=province, crs=crs, fix_crs=fix_crs, mapping=mapping, defaults=defaults,
                       remember=False)  # one layer per call: nothing to give back later
    folder = write_dataset(prepared, name=name, root=root, by=by)
    return ImportResult(folder=folder, prepared=prepared)


def imported_folders(root: Path | None = None) -> list[Path]:
    """The complete dataset folders imported so far, newest first.

    A folder without its completion marker (``source.json``, written last) or parcels, or a scratch folder
    of an import still running or killed, is never listed (see :func:`incomplete_folders`).
    """
    parent = (root or workspace_root()) / "imports"
    if not parent.is_dir():
        return []
    folders = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")
               and (p / "parcels.gpkg").is_file() and (p / MARKER).is_file()]
    return sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)


def incomplete_folders(root: Path | None = None) -> list[Path]:
    """Folders under ``imports/`` that are not complete datasets (left by an older version or a crash).

    They are ignored by :func:`imported_folders`; list them so the user can be told (and delete them).
    Scratch folders of imports still running are not listed.
    """
    parent = (root or workspace_root()) / "imports"
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(SCRATCH_PREFIX)
                  and not ((p / "parcels.gpkg").is_file() and (p / MARKER).is_file()))
