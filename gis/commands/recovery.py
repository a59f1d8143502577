"""``python -m gis recovery PARCELS BOUNDARY --out FILE``: what a project boundary takes, parcel by parcel."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

NAME = "recovery"
HELP = ("Land recovery (thu hồi đất): the parcels a project boundary takes, how much of each, whose they are "
        "and what is left; writes an Excel workbook (.xlsx), a GeoPackage (.gpkg) or a CSV (.csv).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("parcels", type=Path, help="parcel layer: any vector file the tool reads (.shp, .gpkg, "
                        ".geojson, .kml, ...)")
    parser.add_argument("boundary", type=Path, help="project boundary: any vector file the tool reads; "
                        "reprojected to the parcels' CRS if need be")
    parser.add_argument("--out", type=Path, action="append", required=True, metavar="FILE",
                        help="output file ending in .xlsx, .gpkg or .csv (repeat for several)")
    parser.add_argument("--project", metavar="NAME",
                        help="pick one project of a multi-project boundary file by name, decision number or "
                        "position (default: every feature, dissolved)")
    parser.add_argument("--settings", type=Path, metavar="TOML",
                        help="recovery settings (default: gis/recovery_settings.toml, placeholder figures)")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="date in the workbook's title (default: today)")


def run(args: argparse.Namespace) -> int:
    from gis.errors import DataSourceError
    from gis.i18n import number
    from gis.io import BUILTIN_DATA_DIR, read_layer
    from gis.recovery import Note, load_settings, read_boundary, recover, require_geometry_file
    from gis.recovery_export import FORMATS, export
    from gis.schema import normalise_parcels

    lang = args.lang
    vi = lang == "vi"
    for out in args.out:
        if out.suffix.lower() not in FORMATS:
            raise DataSourceError(
                f"Tệp kết quả «{out}» phải có đuôi {', '.join(FORMATS)}.",
                f"Output file '{out}' must end in {', '.join(FORMATS)}.",
            )
    settings = load_settings(args.settings)
    require_geometry_file(args.parcels, role=("thửa đất", "parcel"))
    parcels = normalise_parcels(read_layer(args.parcels), source=args.parcels.name)
    boundary = read_boundary(args.boundary, crs=parcels.crs, project=args.project)
    result = recover(parcels, boundary, settings=settings, source=args.parcels.name)

    extra: list[Note] = []
    if args.parcels.resolve().parent == BUILTIN_DATA_DIR.resolve():
        extra.append(Note("Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế.",
                          "Demonstration data, not real survey data."))
    for note in (*result.notes, *extra):
        print(note.text(lang))
    t = result.totals
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
         f"{number(t.owners, 0, lang=lang)} ({number(t.severe_owners, 0, lang=lang)} "
         + ("bị ảnh hưởng nặng)" if vi else "severely affected)")),
        ("Phần sót (không tính)" if vi else "Slivers (not counted)", number(t.slivers, 0, lang=lang)),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for out in args.out:
        written = export(parcels, result, out, date=args.date, lang=lang, notes=extra)
        print(f"Đã ghi «{written}»." if vi else f"Wrote '{written}'.")
    return 0
