"""``python -m gis inspect FILE [--json]``: what a file is, how its text and coordinates read, what is wrong.

A file that would import as it is is also staged in the workspace (:mod:`gis.store.staged`): ``gis import``
of the same, unchanged file with the same choices then commits it without reading and checking it again.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

NAME = "inspect"
HELP = ("Inspect a data file before use (kiểm tra dữ liệu): format, layers, feature count, coordinate system, "
        "text encoding, field mapping and the count of each kind of problem.")


def add_common(parser: argparse.ArgumentParser) -> None:
    """The options ``inspect`` and ``import`` share."""
    parser.add_argument("file", type=Path, help="the file: .shp, .zip, .gpkg, .geojson, .json (Esri), .kml, .kmz, "
                        ".dxf, .dgn, .csv or .xlsx (surveyor's coordinate table)")
    parser.add_argument("--layer", help="the layer to read when the file holds several")
    parser.add_argument("--encoding", choices=("utf-8", "cp1258", "tcvn3", "vni", "unicode"),
                        help="read the text in this encoding instead of the one detected")
    parser.add_argument("--province", metavar="NAME",
                        help="province (before 2025, or a 2025 one with one zone) whose VN-2000 TM-3 zone the data "
                        "is in, for files with no or another CRS; list: python -m gis provinces")
    parser.add_argument("--crs", metavar="CRS", help="an explicit target CRS instead of --province (e.g. EPSG:9214)")
    parser.add_argument("--fix-crs", action="store_true",
                        help="consent to correct a faulty .prj (reversed rotation signs, no datum shift)")
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help="map a column to a parcel field (sheet, parcel_no, land_use, legal_area_m2, owner, "
                        "address ...); repeat for several")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="give every parcel this value of a field no column holds (e.g. sheet=12)")
    add_max_features(parser)


def add_max_features(parser: argparse.ArgumentParser) -> None:
    """The option that lets a command read a layer above the ``features`` limit of gis/limits.toml."""
    parser.add_argument("--max-features", dest="max_features", type=int, metavar="N", default=None,
                        help="read a layer of up to N features (above 'features' in gis/limits.toml) and 32 vertices "
                        "a feature on average, for a large file on a machine with the memory (about 1.5 kB a parcel); the "
                        "Data page keeps the limit")


def allow_max_features(args: argparse.Namespace) -> None:
    """Apply ``--max-features`` to this process, or the file's limit without it (see
    :func:`gis.core.limits.allow_features`)."""
    from gis.core.limits import allow_features

    allow_features(getattr(args, "max_features", None))


def parse_pairs(items: list[str], *, option: str) -> dict[str, str]:
    from gis.core.errors import SchemaError

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SchemaError(f"Tùy chọn {option} cần dạng TÊN=GIÁ_TRỊ, không phải «{item}».",
                              f"Option {option} needs NAME=VALUE, not '{item}'.")
        out[key.strip()] = value.strip()
    return out


def _defaults(items: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in parse_pairs(items, option="--set").items():
        out[key] = int(value) if value.isdigit() else value
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def source_choices(args: argparse.Namespace) -> dict[str, object]:
    """Every choice of ``inspect`` and ``import`` that changes what is read and checked (the key of a staged
    import, :mod:`gis.store.staged`), with the feature limits in force (after :func:`allow_max_features`)."""
    from gis.core.limits import feature_limits

    return {"layer": args.layer, "encoding": args.encoding, "province": args.province, "crs": args.crs,
            "fix_crs": bool(args.fix_crs), "map": parse_pairs(args.map, option="--map"), "set": _defaults(args.set),
            "limits": list(feature_limits())}


def _parts_state(path: Path) -> list[tuple[str, int, int]]:
    from gis.store.staged import source_parts

    out = []
    for part in source_parts(path):
        try:
            stat = part.stat()
        except OSError:
            return []
        out.append((part.name, stat.st_size, stat.st_mtime_ns))
    return out


def inspect_report(args: argparse.Namespace, *, stage: bool = False) -> dict[str, Any]:
    """Read, place (when possible), map and check the file; the report as plain data.

    With ``stage``, a layer that would import as it is is also staged in the workspace for ``gis import``
    of the same file with the same choices (:mod:`gis.store.staged`), unless the file changed while it was
    read.
    """
    from gis.core.crs import crs_label
    from gis.core.errors import CrsError
    from gis.files.sources import read_source
    from gis.store.imports import prepare

    lang = args.lang
    allow_max_features(args)
    key = before = None
    if stage:
        from gis.store.staged import source_key

        before = _parts_state(args.file)
        key = source_key(args.file, source_choices(args))
    source = read_source(args.file, layer=args.layer, encoding=args.encoding)
    placement_vi = placement_en = None
    try:
        prepared = prepare(source, province=args.province, crs=args.crs, fix_crs=args.fix_crs,
                           mapping=parse_pairs(args.map, option="--map"), defaults=_defaults(args.set),
                           require_fields=False, remember=False)
        if key is not None and before and _parts_state(args.file) == before:
            from gis.store.staged import stage as stage_import

            stage_import(prepared, key)
    except CrsError as exc:  # checked where it stands; the CRS message says what to do
        placement_vi, placement_en = exc.vi, exc.en
        from gis.files.checks import check_parcels
        from gis.files.field_mapping import apply_mapping, map_fields
        from gis.store.imports import Prepared

        fields = map_fields([str(c) for c in source.frame.columns if c != source.frame.geometry.name],
                            parse_pairs(args.map, option="--map"))
        mapped = apply_mapping(source.frame, fields, defaults=_defaults(args.set))
        from gis.files.schema import match_fields

        report = check_parcels(mapped, mapping=match_fields([str(c) for c in mapped.columns]), layer=source.path.name)
        prepared = Prepared(source=source, frame=mapped, fields=fields, report=report, notes=list(source.notes))
    found = source.encoding
    crs = source.crs
    vi = lang == "vi"
    return {
        "file": str(source.path),
        "format": source.format,
        "format_name": source.format_label(lang),
        "layers": source.layers,
        "layer": source.layer,
        "feature_count": int(len(source.frame)),
        "geometry_types": {str(k): int(v) for k, v in source.frame.geometry.geom_type.value_counts().items()},
        "crs": crs.label if crs.status != "missing" else None,
        "crs_check": {
            "status": crs.status, "epsg": crs.epsg, "offset_m": None if crs.offset_m is None else round(crs.offset_m, 3),
            "message": crs.text(lang),
            "guess": source.guess.text(lang) if source.guess is not None else None,
            "placement_problem": (placement_vi if vi else placement_en),
            "crs_in_use": None if placement_vi else crs_label(prepared.frame.crs),
        },
        "encoding": source.encoding_name,
        "encoding_check": None if found is None else {
            "code": found.encoding, "confidence": found.confidence, "reason": found.text(lang),
            "declared": found.declared, "overridden": found.overridden},
        "axes": (source.axes_vi if vi else source.axes_en),
        "fields": {"mapping": prepared.fields.mapping, "auto": dict(prepared.fields.auto),
                   "user": dict(prepared.fields.user), "unmapped": list(prepared.fields.unmapped),
                   "missing": list(prepared.fields.missing)},
        "problems": prepared.report.counts,
        "problem_total": prepared.report.total,
        "notes": [n[0] if vi else n[1] for n in prepared.notes],
    }


def print_report(report: dict[str, Any], lang: str) -> None:
    from gis.core.i18n import number
    from gis.files.checks import KINDS

    vi = lang == "vi"
    crs = report["crs_check"]
    lines = [
        (f"Tệp: {report['file']}" if vi else f"File: {report['file']}"),
        (f"Định dạng: {report['format_name']}" if vi else f"Format: {report['format_name']}"),
        (f"Lớp: {', '.join(report['layers'])} (đã đọc: {report['layer']})" if vi
         else f"Layers: {', '.join(report['layers'])} (read: {report['layer']})"),
        (f"Số đối tượng: {number(report['feature_count'], 0, lang=lang)}" if vi
         else f"Features: {report['feature_count']:,}"),
        (f"Hệ tọa độ: {report['crs'] or '—'}" if vi else f"Coordinate system: {report['crs'] or '—'}"),
        f"  {crs['message']}",
    ]
    if crs["guess"]:
        lines.append(f"  {crs['guess']}")
    if crs["placement_problem"]:
        lines.append(f"  {crs['placement_problem']}")
    enc_check = report["encoding_check"]
    lines.append((f"Bảng mã: {report['encoding']}" if vi else f"Encoding: {report['encoding']}")
                 + (f" — {enc_check['reason']}" if enc_check else ""))
    if report["axes"]:
        lines.append(f"Trục tọa độ: {report['axes']}" if vi else f"Axes: {report['axes']}")
    fields = report["fields"]
    mapping = ", ".join(f"{k} → {v}" for k, v in fields["mapping"].items()) or "—"
    lines.append(f"Ghép trường: {mapping}" if vi else f"Field mapping: {mapping}")
    if fields["missing"]:
        lines.append(f"  Thiếu: {', '.join(fields['missing'])}; cột chưa ghép: {', '.join(fields['unmapped']) or '—'}"
                      if vi else f"  Missing: {', '.join(fields['missing'])}; columns not mapped: "
                      f"{', '.join(fields['unmapped']) or '—'}")
    lines.append(f"Lỗi phát hiện: {report['problem_total']}" if vi else f"Problems found: {report['problem_total']}")
    for kind, count in report["problems"].items():
        if count:
            lines.append(f"  {KINDS[kind][0 if vi else 1]}: {count}")
    for note in report["notes"]:
        lines.append(f"* {note}")
    print("\n".join(lines))


def run(args: argparse.Namespace) -> int:
    report = inspect_report(args, stage=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print_report(report, args.lang)
    return 0
