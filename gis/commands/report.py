"""``python -m gis report --out report.pdf``: the council report in one PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from gis.core.text import DEMO_NOTE

NAME = "report"
HELP = ("The council report (one PDF): cover with key figures, the land-use map, each recovery project's map "
        "and table, the concentrated fields' map and table, and the plan's targets with their statuses.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="output file ending in .pdf")
    parser.add_argument("--paper", choices=("A4", "A3"), type=str.upper, default="A4", help="default: A4")
    parser.add_argument("--map-orientation", choices=("portrait", "landscape"), default="landscape",
                        help="orientation of the map pages (text pages are portrait; default: landscape)")
    parser.add_argument("--plan", type=Path, default=None, help="plan file (default: data/plans/2024.toml)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the active dataset)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace GeoPackage with planned fields and values entered by hand")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="date of the report (default: today)")
    parser.add_argument("--year", type=int, help="year of the land-use map (default: the data's year)")
    from gis.commands import add_as_of

    add_as_of(parser)


def run(args: argparse.Namespace) -> int:
    from gis.commands import active_folder
    from gis.core.errors import GisError
    from gis.files.io import load_dataset
    from gis.printing import build_report
    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    if args.out.suffix.lower() != ".pdf":
        raise GisError(f"Báo cáo «{args.out.name}» phải là tệp .pdf.",
                       f"The report '{args.out.name}' must be a .pdf file.")
    dataset = load_dataset(active_folder(args.data, args.workspace.parent if args.workspace else None, lang=args.lang))
    from gis.jobs.ledger.asof import dated

    dataset = dated(dataset, args.as_of)
    ws_path = args.workspace or workspace_path()
    planned, manual = None, {}
    if ws_path.exists():
        ws = Workspace.open(ws_path)
        planned, manual = ws.fields(), ws.values()
    result = build_report(dataset, args.out, paper=args.paper, map_orientation=args.map_orientation, day=args.date,
                          year=args.year, plan_path=args.plan, planned_fields=planned, manual=manual)
    vi = args.lang == "vi"
    print(f"{'Đã lưu' if vi else 'Saved'} {result.path}: {result.pages} {'trang' if vi else 'pages'} "
          f"({result.seconds:.1f} s)")
    for page, label in result.contents:
        print(f"  {page:>3}  {label}")
    if dataset.builtin:
        print(DEMO_NOTE(args.lang))
    return 0
