"""``python -m gis history SHEET/PARCEL [--json]``: every change of a parcel, with its document, parents and
children (the active dataset's ledger, or ``--data DIR``'s)."""

from __future__ import annotations

import argparse
import json

from gis.commands.changes import add_data_argument

NAME = "history"
HELP = "A parcel's history in the land ledger: every change with its document, the parcels it came from and became."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("parcel", metavar="SHEET/PARCEL", help="e.g. 12/345 (map sheet 12, parcel 345)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_data_argument(parser)


def run(args: argparse.Namespace) -> int:
    from gis.commands.changes import open_ledger
    from gis.jobs.ledger.reports import history

    store = open_ledger(args)
    found = history(store, args.parcel)
    if args.json:
        print(json.dumps(found.as_dict(), ensure_ascii=False, indent=1))
        return 0
    vi = args.lang == "vi"
    state = ("đang có hiệu lực" if found.current else "không còn hiệu lực") if vi else \
        ("current" if found.current else "no longer current")
    print(f"Thửa {found.ref} (mã {found.parcel_id}), {state}." if vi
           else f"Parcel {found.ref} (identity {found.parcel_id}), {state}.")
    if found.parents:
        print(("Thửa gốc: " if vi else "Parents: ") + ", ".join(found.parents))
    if found.children:
        print(("Thửa mới: " if vi else "Children: ") + ", ".join(found.children))
    for item in found.items:
        e = item.entry
        doc = ", ".join(p for p in (e.decision.number,
                                    f"{e.decision.date:%d/%m/%Y}" if e.decision.date else "", e.decision.body) if p)
        print(f"  {e.date:%d/%m/%Y}  #{e.entry_id} {e.label(args.lang)}"
              + (f"  [{doc}]" if doc else "") + f"  {', '.join(item.before) or '-'} -> {', '.join(item.after) or '-'}"
              + f"  ({e.entered_by})")
    return 0
