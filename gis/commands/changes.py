"""``python -m gis changes add|list``: enter a dated change of the land ledger, or list the changes.

``changes add --kind KIND --date YYYY-MM-DD --decision TEXT ...``:

- ``split``: ``--parcel 12/345 --line "x1 y1, x2 y2"`` (the dataset's CRS) or ``--line-file FILE``;
- ``merge``: ``--parcel A --parcel B [...]``;
- ``change_land_use``: ``--parcel P --land-use CODE``;
- ``change_land_user``: ``--parcel P --owner NAME [--owner-id ID]``;
- ``correct_area``: ``--parcel P --area M2``;
- ``correct_geometry``: ``--parcel P --shape-file FILE`` (one polygon per parcel given, in the same order);
- ``recovery``: ``--parcel P --land-use CODE --owner NAME [--part-file FILE] [--project NAME]``;
- ``reversal``: ``--reverses ENTRY_ID``.

The ledger is the active dataset's (or ``--data DIR``'s), in the workspace; the first use seeds it from the
dataset's parcels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

NAME = "changes"
HELP = ("The land ledger (sổ biến động): enter a dated change decided by a document (split, merge, change of land "
        "use or land user, corrections, recovery, reversal), or list the changes between two dates.")

KIND_CHOICES = ("split", "merge", "change_land_use", "change_land_user", "correct_geometry", "correct_area",
                "recovery", "reversal")


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="dataset folder (default: the active dataset)")


def open_ledger(args: argparse.Namespace):
    """The ledger store of the dataset of a command (``--data`` or the active dataset)."""
    from gis.commands import active_folder
    from gis.jobs.ledger.opening import open_folder_store

    return open_folder_store(active_folder(args.data, lang=args.lang))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="enter one change")
    add.add_argument("--kind", required=True, choices=KIND_CHOICES)
    add.add_argument("--date", required=True, type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                     help="the date the change takes effect")
    add.add_argument("--decision", required=True, metavar="TEXT", help="number of the deciding document")
    add.add_argument("--decision-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                     help="date of the document (default: --date)")
    add.add_argument("--body", default="", help="issuing body of the document (e.g. UBND xã Hiệp Hòa)")
    add.add_argument("--note", default="")
    add.add_argument("--parcel", action="append", default=[], metavar="SHEET/PARCEL")
    add.add_argument("--line", metavar="'x1 y1, x2 y2'", help="split: the dividing line, in the dataset's CRS")
    add.add_argument("--line-file", type=Path, metavar="FILE", help="split: a file holding the dividing line")
    add.add_argument("--number", action="append", default=[], metavar="N",
                     help="numbers of the new parcels (default: the next free numbers of the sheet)")
    add.add_argument("--land-use", metavar="CODE")
    add.add_argument("--owner", metavar="NAME")
    add.add_argument("--owner-id", metavar="ID", help="the new land user's citizen ID")
    add.add_argument("--area", type=float, metavar="M2", help="correct_area: the legal area in m²")
    add.add_argument("--shape-file", type=Path, metavar="FILE", help="correct_geometry: the new polygons")
    add.add_argument("--part-file", type=Path, metavar="FILE", help="recovery: the recovered part (default: whole)")
    add.add_argument("--project", default="", help="recovery: the project's name")
    add.add_argument("--reverses", type=int, metavar="ENTRY_ID", help="reversal: the entry to undo")
    add.add_argument("--json", action="store_true", help="print the entry as JSON")
    add_data_argument(add)
    listing = sub.add_parser("list", help="the changes between two dates (both included)")
    listing.add_argument("--from", dest="date_from", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    listing.add_argument("--to", dest="date_to", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    listing.add_argument("--json", action="store_true", help="print the entries and the summary as JSON")
    add_data_argument(listing)


def _need(value: object, option: str, kind: str) -> None:
    from gis.jobs.ledger.model import LedgerError

    if value is None or value == [] or value == "":
        raise LedgerError(f"Biến động «{kind}» cần {option}.", f"A '{kind}' change needs {option}.")


def _one(parcels: list[str], kind: str) -> str:
    from gis.jobs.ledger.model import LedgerError

    _need(parcels, "--parcel SHEET/PARCEL", kind)
    if len(parcels) != 1:
        raise LedgerError(f"Biến động «{kind}» chỉ nhận một --parcel.", f"A '{kind}' change takes one --parcel.")
    return parcels[0]


def _polygons(path: Path) -> list:
    from gis.core.errors import GeometryError
    from gis.files.io import read_layer

    frame = read_layer(path)
    geoms = [g for g in frame.geometry if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    if not geoms:
        raise GeometryError(f"Tệp «{path.name}» không có vùng (polygon) nào.", f"File '{path.name}' holds no polygon.")
    return geoms


def _add(args: argparse.Namespace) -> int:
    import numpy as np
    import shapely

    from gis.core.area import repaired
    from gis.jobs.ledger import changes as ch
    from gis.jobs.ledger.model import Decision, LedgerError
    from gis.jobs.ledger.parcels import parse_line, read_line_file
    from gis.jobs.ledger.reports import entries_refs

    store = open_ledger(args)
    decision = Decision(args.decision, args.decision_date or args.date, args.body)
    common = {"date": args.date, "decision": decision, "note": args.note}
    numbers = [int(n) if n.isdigit() else n for n in args.number] or None
    kind = args.kind
    if kind == "split":
        ref = _one(args.parcel, kind)
        if (args.line is None) == (args.line_file is None):
            raise LedgerError("Tách thửa cần đúng một trong --line hoặc --line-file.",
                              "A split needs exactly one of --line or --line-file.")
        line = parse_line(args.line) if args.line else read_line_file(args.line_file)
        entry = ch.split(store, ref, line, numbers=numbers, **common)
    elif kind == "merge":
        if len(args.parcel) < 2:
            raise LedgerError("Hợp thửa cần ít nhất hai --parcel.", "A merge needs at least two --parcel.")
        entry = ch.merge(store, args.parcel, number=numbers[0] if numbers else None, **common)
    elif kind == "change_land_use":
        _need(args.land_use, "--land-use CODE", kind)
        entry = ch.change_land_use(store, _one(args.parcel, kind), args.land_use, **common)
    elif kind == "change_land_user":
        _need(args.owner, "--owner NAME", kind)
        entry = ch.change_land_user(store, _one(args.parcel, kind), args.owner, owner_id=args.owner_id, **common)
    elif kind == "correct_area":
        _need(args.area, "--area M2", kind)
        entry = ch.correct_area(store, _one(args.parcel, kind), args.area, **common)
    elif kind == "correct_geometry":
        _need(args.parcel, "--parcel SHEET/PARCEL", kind)
        _need(args.shape_file, "--shape-file FILE", kind)
        shapes = _polygons(args.shape_file)
        if len(shapes) != len(args.parcel):
            raise LedgerError(f"Tệp hình thể có {len(shapes)} vùng cho {len(args.parcel)} thửa.",
                              f"The shape file holds {len(shapes)} polygons for {len(args.parcel)} parcels.")
        entry = ch.correct_geometry(store, dict(zip(args.parcel, shapes, strict=True)), **common)
    elif kind == "recovery":
        _need(args.land_use, "--land-use CODE", kind)
        _need(args.owner, "--owner NAME", kind)
        # the part file's polygons repaired before they are dissolved (a ring crossing itself would raise)
        part = shapely.union_all(repaired(np.array(_polygons(args.part_file), dtype=object))) \
            if args.part_file else None
        entry = ch.recover(store, _one(args.parcel, kind), land_use=args.land_use, owner=args.owner, part=part,
                           project=args.project, **common)
    else:
        _need(args.reverses, "--reverses ENTRY_ID", kind)
        entry = ch.reverse(store, args.reverses, **common)
    refs = entries_refs(store, [entry])
    if args.json:
        print(json.dumps({**entry.as_dict(), "before_refs": [refs[v] for v in entry.before],
                          "after_refs": [refs[v] for v in entry.after]}, ensure_ascii=False, indent=1))
        return 0
    vi = args.lang == "vi"
    print(f"Đã ghi mục {entry.entry_id}: {entry.label('vi')} ngày {entry.date:%d/%m/%Y}, theo {decision.number}."
           if vi else f"Entered entry {entry.entry_id}: {entry.label('en')} on {entry.date:%d/%m/%Y}, by "
           f"{decision.number}.")
    print(("  Trước: " if vi else "  Before: ") + ", ".join(refs[v] for v in entry.before))
    print(("  Sau:   " if vi else "  After:  ") + ", ".join(refs[v] for v in entry.after))
    return 0


def _list(args: argparse.Namespace) -> int:
    from gis.core.i18n import number
    from gis.jobs.ledger.model import LedgerError
    from gis.jobs.ledger.reports import changes_between, entries_refs

    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise LedgerError(f"--from {args.date_from} sau --to {args.date_to}.",
                          f"--from {args.date_from} is after --to {args.date_to}.")
    store = open_ledger(args)
    summary = changes_between(store, args.date_from, args.date_to)
    refs = entries_refs(store, summary.entries)
    if args.json:
        print(json.dumps({"summary": summary.as_dict(), "changes": [
            {**e.as_dict(), "before_refs": [refs[v] for v in e.before], "after_refs": [refs[v] for v in e.after]}
            for e in summary.entries]}, ensure_ascii=False, indent=1))
        return 0
    vi = args.lang == "vi"
    lang = args.lang
    if not summary.entries:
        print("Không có biến động nào trong khoảng thời gian này." if vi else "No change in this period.")
        return 0
    for e in summary.entries:
        doc = " ".join(p for p in (e.decision.number, f"({e.decision.body})" if e.decision.body else "") if p)
        undo = (f" [hủy mục {e.reverses}]" if vi else f" [reverses {e.reverses}]") if e.reverses else ""
        print(f"{e.entry_id:>5}  {e.date:%d/%m/%Y}  {e.label(lang)}{undo}  {doc}  "
              f"{', '.join(refs[v] for v in e.before)} -> {', '.join(refs[v] for v in e.after)}  ({e.entered_by})")
    print()
    print("Theo loại biến động:" if vi else "By kind:")
    for kind, count in summary.by_kind.items():
        from gis.jobs.ledger.model import KIND_LABELS

        print(f"  {KIND_LABELS[kind](args.lang):<40} {count:>5}")
    print("Đất trồng lúa (m²): " if vi else "Rice land (m²): ", end="")
    print(f"+{number(summary.rice.gained_m2, 1, lang=lang)} / -{number(summary.rice.lost_m2, 1, lang=lang)}")
    print("Ao nuôi trồng thủy sản (m²): " if vi else "Aquaculture ponds (m²): ", end="")
    print(f"+{number(summary.ponds.gained_m2, 1, lang=lang)} / -{number(summary.ponds.lost_m2, 1, lang=lang)}")
    return 0


def run(args: argparse.Namespace) -> int:
    return _add(args) if args.action == "add" else _list(args)
