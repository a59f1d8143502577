"""``python -m gis recovery PARCELS BOUNDARY [--out FILE] [--json]``: what a project boundary takes, parcel by
parcel, whose it is, and the support tier of each household.

Both files are read through the same reader as ``gis import`` (:mod:`gis.jobs.recovery_files`): legacy Vietnamese
encodings detected, archives checked, the parcels placed in VN-2000 TM-3 and their fields mapped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from gis.core.text import DEMO_NOTE

NAME = "recovery"
HELP = ("Land recovery (thu hồi đất): the parcels a project boundary takes, how much of each, whose they are "
        "and what is left; prints the totals and land users (--json) and writes an Excel workbook (.xlsx), a "
        "GeoPackage (.gpkg) or a CSV (.csv).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("parcels", type=Path, help="parcel layer: any file 'gis import' reads (.shp with or "
                        "without .cpg, .zip, .gpkg, .geojson, .kml, ...)")
    parser.add_argument("boundary", type=Path, help="project boundary: any file 'gis import' reads; "
                        "reprojected to the parcels' CRS if need be")
    parser.add_argument("--out", type=Path, action="append", default=[], metavar="FILE",
                        help="output file ending in .xlsx, .gpkg or .csv (repeat for several)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: the totals and the land users (id, name, parcels, "
                        "recovered m², share of farm land lost, support tier)")
    parser.add_argument("--project", metavar="NAME",
                        help="pick one project of a multi-project boundary file by name, decision number or "
                        "position (default: every feature, dissolved)")
    parser.add_argument("--settings", type=Path, metavar="TOML",
                        help="recovery settings (default: gis/recovery_settings.toml, placeholder figures)")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="date in the workbook's title (default: today)")
    parser.add_argument("--layer", help="the parcel layer to read when the file holds several")
    parser.add_argument("--encoding", choices=("utf-8", "cp1258", "tcvn3", "vni", "unicode"),
                        help="read the parcels' text in this encoding instead of the one detected")
    parser.add_argument("--province", metavar="NAME",
                        help="province whose VN-2000 TM-3 zone parcels with no or another CRS are in")
    parser.add_argument("--crs", metavar="CRS", help="an explicit target CRS instead of --province")
    parser.add_argument("--fix-crs", action="store_true",
                        help="consent to correct a faulty .prj (reversed rotation signs, no datum shift)")
    parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help="map a column to a parcel field (sheet, parcel_no, land_use, owner, citizen_id ...)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="give every parcel this value of a field no column holds (e.g. sheet=12)")
    from gis.commands.inspect import add_max_features

    add_max_features(parser)


def owners_records(result) -> list[dict[str, object]]:
    """The land users of a recovery as plain records, for JSON."""
    out = []
    for row in result.by_owner.itertuples(index=False):
        out.append({
            "id": row.owner_id, "name": None if row.owner == "?" else row.owner,
            "village": None if row.village == "?" else row.village, "household": bool(row.household),
            "parcels": int(row.parcels), "recovered_m2": round(float(row.recovered_m2), 1),
            "farm_m2": round(float(row.farm_m2), 1), "farm_recovered_m2": round(float(row.farm_recovered_m2), 1),
            "farm_share_pct": round(float(row.farm_share_pct), 1), "tier": row.tier or None,
        })
    return out


def run(args: argparse.Namespace) -> int:
    from gis.commands.inspect import _defaults, allow_max_features, parse_pairs
    from gis.core.errors import DataSourceError, GeometryError
    from gis.core.i18n import number
    from gis.core.recovery_settings import load_settings
    from gis.files.io import BUILTIN_DATA_DIR
    from gis.jobs.recovery import recover
    from gis.jobs.recovery_boundary import Note
    from gis.jobs.recovery_export import FORMATS, export
    from gis.jobs.recovery_files import read_boundary, read_parcels, read_recovery_files
    from gis.jobs.recovery_users import identity_label, tier_labels

    lang = args.lang
    vi = lang == "vi"
    if not args.out and not args.json:
        raise DataSourceError(
            "Hãy cho biết tệp kết quả (--out TỆP.xlsx, .gpkg hoặc .csv) hoặc in kết quả dạng JSON (--json).",
            "Give an output file (--out FILE.xlsx, .gpkg or .csv) or print the result as JSON (--json).",
        )
    for out in args.out:
        if out.suffix.lower() not in FORMATS:
            raise DataSourceError(
                f"Tệp kết quả «{out}» phải có đuôi {', '.join(FORMATS)}.",
                f"Output file '{out}' must end in {', '.join(FORMATS)}.",
            )
    allow_max_features(args)
    settings = load_settings(args.settings)
    options = {"province": args.province, "crs": args.crs, "fix_crs": args.fix_crs, "encoding": args.encoding,
               "layer": args.layer, "mapping": parse_pairs(args.map, option="--map"), "defaults": _defaults(args.set)}
    read = read_recovery_files(args.parcels, args.boundary, project=args.project, **options)
    try:
        result = recover(read.parcels, read.boundary, settings=settings, source=args.parcels.name, users=read.users)
    except GeometryError:
        if not read.windowed:
            raise
        # the boundary takes nothing: read every shape, so that the message gives the whole layer's extent
        parcels, _ = read_parcels(args.parcels, **options)
        recover(parcels, read_boundary(args.boundary, crs=parcels.crs, project=args.project), settings=settings,
                source=args.parcels.name)
        raise
    parcels, boundary, read_notes = read.parcels, read.boundary, read.notes

    extra: list[Note] = list(read_notes)
    if args.parcels.resolve().parent == BUILTIN_DATA_DIR.resolve():
        extra.append(DEMO_NOTE)
    written = [export(parcels, result, out, date=args.date, lang=lang, notes=extra) for out in args.out]
    t = result.totals
    tiers = tier_labels(settings, lang=lang)
    if args.json:
        print(json.dumps({
            "project": boundary.name,
            "totals": t.as_dict(),
            "owner_identity": result.owner_identity,
            "owner_identity_label": identity_label(result.owner_identity, lang=lang),
            "tiers": tier_labels(settings, lang=lang),
            "owners": owners_records(result),
            "notes": [n.text(lang) for n in (*result.notes, *extra)],
            "written": [str(p) for p in written],
        }, ensure_ascii=False, indent=1))
        return 0
    for note in (*result.notes, *extra):
        print(note.text(lang))
    print(identity_label(result.owner_identity, lang=lang) + ".")
    rows = [
        ("Dự án" if vi else "Project", boundary.name),
        ("Số thửa bị thu hồi" if vi else "Parcels recovered",
         f"{number(t.parcels, 0, lang=lang)} ({number(t.whole, 0, lang=lang)} "
         + ("toàn bộ, " if vi else "whole, ") + f"{number(t.partial, 0, lang=lang)} "
         + ("một phần)" if vi else "partial)")),
        ("Diện tích thu hồi" if vi else "Recovered area",
         f"{number(t.recovered_m2, 1, lang=lang)} m² ({number(t.recovered_ha, 4, lang=lang)} ha)"),
        ("Đất trồng lúa" if vi else "Rice land", f"{number(t.rice_m2, 1, lang=lang)} m²"),
        ("Ao nuôi trồng thủy sản" if vi else "Aquaculture ponds", f"{number(t.pond_m2, 1, lang=lang)} m²"),
        ("Chủ sử dụng bị ảnh hưởng" if vi else "Land users affected",
         f"{number(t.owners, 0, lang=lang)} ({number(t.households, 0, lang=lang)} "
         + ("hộ gia đình)" if vi else "households)")),
        (tiers["30_70"], f"{number(t.tier_30_70, 0, lang=lang)} "
         + ("hộ" if vi else "households")),
        (tiers["over_70"], f"{number(t.tier_over_70, 0, lang=lang)} "
         + ("hộ" if vi else "households")),
        ("Chênh lệch diện tích pháp lý / đo vẽ" if vi else "Legal and drawn area differ",
         number(t.area_mismatch, 0, lang=lang)),
        ("Phần sót (không tính)" if vi else "Slivers (not counted)", number(t.slivers, 0, lang=lang)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for path in written:
        print(f"Đã ghi «{path}»." if vi else f"Wrote '{path}'.")
    return 0
