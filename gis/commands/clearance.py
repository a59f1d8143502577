"""``python -m gis clearance status|load|report PROJECT``: site clearance (giải phóng mặt bằng) parcel by parcel.

``status PROJECT [--json]``: parcels, area and households at each stage, and those stuck; ``load PROJECT
FILE.xlsx``: record the steps of the officer's spreadsheet, listing every row not matched or in conflict with
its reason; ``report PROJECT --out FILE.xlsx``: the weekly report. A project named in the dataset's
``recovered_land`` layer (``TENDUAN``) counts the parcels its boundary takes with no step yet as not started.
Handing over enters the parcel's recovery
into the land ledger (``--land-use CODE --to NAME``: the land's new use and the body receiving it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from gis.commands.changes import add_data_argument

NAME = "clearance"
HELP = ("Site clearance (giải phóng mặt bằng) of a recovery project, parcel by parcel: where it stands, load the "
        "officer's stage spreadsheet, write the weekly report (.xlsx).")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    st = sub.add_parser("status", help="parcels, area and households at each stage; those stuck")
    load = sub.add_parser("load", help="record the steps of a spreadsheet (.xlsx)")
    rep = sub.add_parser("report", help="the weekly report as an Excel workbook")
    for p in (st, load, rep):
        p.add_argument("project", metavar="PROJECT")
        add_data_argument(p)
    for p in (st, rep):
        p.add_argument("--stuck-days", type=int, default=30, metavar="N",
                       help="a parcel not handed over whose last step is older than N days is stuck (default 30)")
        p.add_argument("--today", type=dt.date.fromisoformat, metavar="YYYY-MM-DD", help="report date (default today)")
    st.add_argument("--json", action="store_true")
    load.add_argument("file", type=Path, metavar="FILE.xlsx")
    load.add_argument("--land-use", metavar="CODE", help="handing over: the land's new use (e.g. SKN)")
    load.add_argument("--to", metavar="NAME", help="handing over: the body receiving the land")
    load.add_argument("--json", action="store_true")
    rep.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")


def _boundary(args: argparse.Namespace, store):
    """The project's boundary in the dataset's ``recovered_land`` layer (by its name), or None."""
    from gis.commands import active_folder
    from gis.files.io import find_layer_file, read_layer
    from gis.jobs.ledger.clearance import project_boundary

    path = find_layer_file(active_folder(args.data, lang=args.lang), "recovered_land")
    return project_boundary(read_layer(path), args.project, store.crs) if path is not None else None


def run(args: argparse.Namespace) -> int:
    from gis.commands.changes import open_ledger
    from gis.core.errors import DataSourceError
    from gis.core.i18n import number
    from gis.jobs.ledger import clearance as cl
    from gis.jobs.ledger import clearance_sheets

    lang = args.lang
    vi = lang == "vi"
    store = open_ledger(args)
    if args.action == "load":
        if (args.land_use is None) != (args.to is None):
            raise DataSourceError("Hãy cho cả --land-use và --to (hoặc không cho cả hai).",
                                  "Give both --land-use and --to (or neither).")
        handover = cl.HandOver(args.land_use, args.to) if args.land_use else None
        result = clearance_sheets.load(store, args.project, args.file, handover=handover)
        if args.json:
            print(json.dumps([r.as_dict(lang) for r in result.rows], ensure_ascii=False, indent=1))
            return 0
        words = {"recorded": ("đã ghi", "recorded"), "already": ("đã có", "already recorded"),
                 "unmatched": ("không khớp", "unmatched"), "conflict": ("mâu thuẫn", "conflict")}
        for key, (w_vi, w_en) in words.items():
            print(f"{w_vi if vi else w_en}: {len(result.of(key))}")
        for r in result.rows:
            if r.outcome in ("unmatched", "conflict"):
                what = words[r.outcome][0 if vi else 1]
                print(f"  {'dòng' if vi else 'row'} {r.row}: {what}: {r.reason_vi if vi else r.reason_en}")
        return 0
    found = cl.status(store, args.project, today=args.today, stuck_days=args.stuck_days,
                      boundary=_boundary(args, store))
    if args.action == "report":
        if args.out.suffix.lower() != ".xlsx":
            raise DataSourceError(f"Tệp báo cáo «{args.out}» phải có đuôi .xlsx.",
                                  f"The report file '{args.out}' must end in .xlsx.")
        path = clearance_sheets.report_workbook(found, args.out, lang=lang)
        print(f"Đã ghi «{path}»." if vi else f"Wrote '{path}'.")
        return 0
    if args.json:
        print(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
        return 0
    print(("Dự án: " if vi else "Project: ") + found.project)
    for stage, count in found.by_stage.items():
        print(f"  {cl.label(stage, lang):<36} {count.parcels:>5} {'thửa' if vi else 'parcels'}  "
              f"{number(count.area_m2, 1, lang=lang):>12} m²  {count.households:>4} {'hộ' if vi else 'households'}")
    stuck = found.stuck
    print((f"Vướng mắc quá {found.stuck_days} ngày: " if vi else f"Stuck over {found.stuck_days} days: ")
          + (", ".join(f"{r.parcel} ({cl.label(r.stage, lang)}, {r.days})" for r in stuck.itertuples()) or "-"))
    return 0
