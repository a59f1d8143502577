"""``python -m gis export-map --theme landuse --paper A3 --orientation landscape --out map.pdf``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from gis.core.text import DEMO_NOTE

NAME = "export-map"
HELP = ("A print-ready map sheet (PDF, or PNG of at least 300 dpi) in A4 or A3: current land use, a recovery "
        "project, or the concentrated fields, with title, legend, scale bar, north arrow, inset and notes.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", choices=("landuse", "recovery", "fields"), default="landuse",
                        help="what the map shows (default: landuse)")
    parser.add_argument("--project", metavar="NAME",
                        help="recovery theme: the project, by name, decision number or position (1, 2, ...)")
    parser.add_argument("--paper", choices=("A4", "A3"), type=str.upper, default="A3", help="default: A3")
    parser.add_argument("--orientation", choices=("portrait", "landscape"), default="landscape",
                        help="default: landscape")
    parser.add_argument("--out", type=Path, required=True, help="output file ending in .pdf or .png")
    parser.add_argument("--dpi", type=int, default=300, help="PNG resolution, at least 300 (default 300)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the active dataset)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace GeoPackage with planned fields (fields theme)")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="date printed on the sheet (default: today)")
    parser.add_argument("--year", type=int, help="year in the title (default: the data's year)")
    from gis.commands import add_as_of

    add_as_of(parser)


def run(args: argparse.Namespace) -> int:
    from gis.commands import active_folder
    from gis.files.io import load_dataset
    from gis.printing import export_map
    from gis.printing.maps import check_output
    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    check_output(args.out, dpi=args.dpi)  # before the slow part
    dataset = load_dataset(active_folder(args.data, args.workspace.parent if args.workspace else None, lang=args.lang))
    from gis.jobs.ledger.asof import dated

    dataset = dated(dataset, args.as_of)
    planned = None
    if args.theme == "fields":
        ws_path = args.workspace or workspace_path()
        planned = Workspace.open(ws_path).fields() if ws_path.exists() else None
    result = export_map(dataset, args.out, theme=args.theme, paper=args.paper, orientation=args.orientation,
                        project=args.project, planned_fields=planned, day=args.date, year=args.year, dpi=args.dpi)
    vi = args.lang == "vi"
    print(f"{'Đã lưu' if vi else 'Saved'} {result.path} ({result.seconds:.1f} s): {result.title}")
    if dataset.builtin:
        print(DEMO_NOTE(args.lang))
    return 0
