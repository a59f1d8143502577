"""Bringing the user's parcels into the workspace as a dataset the whole tool reads like the built-in data.

:func:`import_source` reads a file (:func:`gis.sources.read_source`), places it in VN-2000 TM-3
(:func:`gis.sources.place`), maps its fields, checks it (:func:`gis.checks.check_parcels`), and writes a new
folder ``imports/<name>-<stamp>/`` under the workspace holding:

``parcels.gpkg``
    The parcels (invalid geometry repaired, non-polygons left out), fields named as :mod:`gis.schema`
    reads them; :func:`gis.io.load_dataset` opens the folder like ``data/shapefiles``.
``problems.gpkg``, ``problems.csv``
    The check report, to draw and to download.
``source.json``
    Where the data came from and what was found and done (format, encoding, CRS, field mapping, notes).

The folder is always new: an import never replaces anything. If the written dataset cannot be read back,
the folder is removed and the error raised.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pyogrio

from gis.checks import CheckReport, check_parcels
from gis.errors import DataSourceError, GisError, SchemaError
from gis.schema import LABELS, match_fields
from gis.sources import FieldMapping, Source, apply_mapping, map_fields, place, read_source
from gis.spreadsheet import write_csv
from gis.uploads import new_folder, remove_folder, safe_name, workspace_root


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


def prepare(source: Source, *, province: str | None = None, crs: str | None = None, fix_crs: bool = False,
            mapping: Mapping[str, str] | None = None, defaults: Mapping[str, object] | None = None,
            require_fields: bool = True) -> Prepared:
    """Place, map and check a layer read by :func:`gis.sources.read_source`.

    Raises :class:`gis.errors.CrsError` when the province is needed and not given, and (with
    ``require_fields``) :class:`SchemaError` when a required field has no column nor default.
    """
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
    return Prepared(source=source, frame=mapped, fields=fields, report=report, notes=list(source.notes) + notes)


def _provenance(prepared: Prepared, original: Path) -> dict[str, object]:
    source = prepared.source
    found = source.encoding
    return {
        "imported_at": datetime.now().isoformat(timespec="seconds"),
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


def write_dataset(prepared: Prepared, *, name: str | None = None, root: Path | None = None) -> Path:
    """Write a prepared layer as a new dataset folder under ``root/imports`` and check it reads back."""
    from gis.io import load_dataset

    if prepared.report.repaired.empty:
        raise DataSourceError(
            f"Lớp «{prepared.source.path.name}» không có thửa đất (vùng) nào dùng được: không nhập. Hãy kiểm tra đã "
            "xuất đúng lớp thửa đất (xem báo cáo lỗi).",
            f"Layer '{prepared.source.path.name}' has no usable parcel (polygon): nothing imported. Check that the "
            "parcel layer was exported (see the problem report).",
        )
    root = root or workspace_root()
    stem = safe_name(name or prepared.source.path.stem).replace(" ", "_")
    folder = new_folder(root / "imports", f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    try:
        parcels = prepared.report.repaired
        pyogrio.write_dataframe(parcels, folder / "parcels.gpkg", layer="parcels", driver="GPKG",
                                promote_to_multi=True)
        problems = prepared.report.problems
        pyogrio.write_dataframe(problems, folder / "problems.gpkg", layer="problems", driver="GPKG")
        write_csv(prepared.report.table("vi"), folder / "problems.csv")
        (folder / "source.json").write_text(
            json.dumps(_provenance(prepared, prepared.source.path), ensure_ascii=False, indent=2, default=str),
            encoding="utf-8")
        load_dataset(folder)
    except (GisError, OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        remove_folder(folder, root=root)
        raise
    return folder


def import_source(path: str | Path, *, province: str | None = None, crs: str | None = None, fix_crs: bool = False,
                  encoding: str | None = None, layer: str | None = None, mapping: Mapping[str, str] | None = None,
                  defaults: Mapping[str, object] | None = None, name: str | None = None,
                  root: Path | None = None) -> ImportResult:
    """Read, place, map, check and write the user's parcels into a new workspace folder (see the module)."""
    source = read_source(path, layer=layer, encoding=encoding, scratch_root=root)
    prepared = prepare(source, province=province, crs=crs, fix_crs=fix_crs, mapping=mapping, defaults=defaults)
    folder = write_dataset(prepared, name=name, root=root)
    return ImportResult(folder=folder, prepared=prepared)


def imported_folders(root: Path | None = None) -> list[Path]:
    """The dataset folders imported so far, newest first."""
    parent = (root or workspace_root()) / "imports"
    if not parent.is_dir():
        return []
    folders = [p for p in parent.iterdir() if p.is_dir() and (p / "parcels.gpkg").exists()]
    return sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)
