"""``python -m gis summary [DATA_DIR] [--as-of YYYY-MM-DD] [--json]``: the commune's area figures; with
``--as-of``, of the parcels in force on that date in the dataset's land ledger (:mod:`gis.jobs.ledger`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from gis.core.text import DEMO_NOTE

NAME = "summary"
HELP = "Area figures of a commune (built-in data or a folder of the same layers), in hectares."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", nargs="?", type=Path, default=None,
                        help="folder with parcels.shp and the other layers (default: the active dataset)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="the figures of the parcels in force on this date (from the land ledger)")
    parser.add_argument("--by", metavar="FIELD", default=None,
                        help="also the figures per value of a parcel field, such as former_unit (the former "
                        "communes of a merged commune); they sum to the whole")


def run(args: argparse.Namespace) -> int:
    from gis.commands import active_folder
    from gis.core import landuse
    from gis.core.i18n import number
    from gis.files.io import is_demo_folder, load_dataset
    from gis.jobs.ledger.asof import as_read, dated
    from gis.jobs.summary import FIGURE_FIELDS, summarise, summarise_folder

    folder = active_folder(args.data_dir, lang=args.lang)
    parts = None
    if args.as_of is None and as_read(folder):
        # today's land is the data as read (no change in a ledger): the figures in one pass over the parcels,
        # never holding all their shapes (a million parcels: 0.5 GB instead of 1.4 GB)
        figures, by_parts = summarise_folder(folder, by=args.by)
        parts = by_parts if args.by else None
        builtin = is_demo_folder(folder)
    else:
        # the figures need the land use and the village (and the --by field) of each parcel: only those are
        # read, except for --as-of, whose ledger is seeded from the whole layer
        fields = None if args.as_of is not None else (*FIGURE_FIELDS, *([args.by] if args.by else []))
        dataset = load_dataset(folder, parcel_fields=fields)
        if args.as_of is not None:
            from gis.jobs.ledger.opening import open_store

            dataset = dated(dataset, args.as_of, store=open_store(dataset))
        else:  # today's land: the ledger's when changes were entered, else the data's (the ledger never seeded)
            dataset = dated(dataset)
        figures = summarise(dataset)
        builtin = dataset.builtin
        if args.by:
            from gis.jobs.summary import summarise_by

            parts = summarise_by(dataset, args.by)
    if args.json:
        out = figures.as_dict()
        if args.as_of is not None:
            out["as_of"] = args.as_of.isoformat()
        if parts is not None:
            out["by"] = {args.by: {k: v.as_dict() for k, v in parts.items()}}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    vi = args.lang == "vi"
    if args.as_of is not None:
        from gis.commands import as_of_line

        print(as_of_line(dataset, args.lang))

    def _ha(value: float) -> str:
        return number(value, 2, lang=args.lang)

    if builtin:
        print(DEMO_NOTE(args.lang))
    rows = [
        ("Số thửa đất" if vi else "Parcels", number(figures.parcel_count, 0, lang=args.lang)),
        ("Diện tích xã (ha)" if vi else "Commune area (ha)", _ha(figures.commune_ha)),
        ("Đất trồng lúa trước thu hồi (ha)" if vi else "Rice land before recovery (ha)",
         _ha(figures.rice_ha_before_recovery)),
        ("Đất trồng lúa sau thu hồi (ha)" if vi else "Rice land after recovery (ha)",
         _ha(figures.rice_ha_after_recovery)),
        ("Nuôi trồng thủy sản trước thu hồi (ha)" if vi else "Aquaculture before recovery (ha)",
         _ha(figures.aquaculture_ha_before_recovery)),
        ("Nuôi trồng thủy sản sau thu hồi (ha)" if vi else "Aquaculture after recovery (ha)",
         _ha(figures.aquaculture_ha_after_recovery)),
        ("Diện tích thu hồi (ha)" if vi else "Recovered area (ha)", _ha(figures.recovered_ha)),
        ("Cánh đồng tập trung còn lại (ha)" if vi else "Concentrated fields kept (ha)",
         _ha(figures.concentrated_fields_ha)),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>12}")
    print()
    print("Theo loại đất (ha):" if vi else "By land use (ha):")
    for code, ha in figures.by_land_use.items():
        print(f"  {code:<5} {landuse.name_of(code, lang=args.lang):<45} {_ha(ha):>10}")
    print()
    print("Theo thôn (ha):" if vi else "By village (ha):")
    for name, ha in figures.by_village.items():
        print(f"  {name:<12} {_ha(ha):>10}")
    if parts is not None:
        print()
        print(f"Theo {args.by}:" if vi else f"By {args.by}:")
        head = ("Số thửa", "Diện tích (ha)", "Lúa (ha)", "Thủy sản (ha)") if vi else (
            "Parcels", "Area (ha)", "Rice (ha)", "Aquaculture (ha)")
        width = max([len(k) for k in parts] + [12])
        print(f"  {'':<{width}} {head[0]:>10} {head[1]:>15} {head[2]:>12} {head[3]:>14}")
        for name, part in parts.items():
            print(f"  {name:<{width}} {number(part.parcel_count, 0, lang=args.lang):>10} {_ha(part.commune_ha):>15} "
                  f"{_ha(part.rice_ha_before_recovery):>12} {_ha(part.aquaculture_ha_before_recovery):>14}")
    return 0
