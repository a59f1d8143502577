"""``python -m gis targets [--plan FILE] [--json] [--out FILE.xlsx]``: the plan's targets against the map."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gis.commands import add_as_of
from gis.core.text import DEMO_NOTE

NAME = "targets"
HELP = "The plan's targets, measured on the data: planned, measured, status."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", type=Path, default=None, help="plan file (default: data/plans/2024.toml)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the active dataset)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace GeoPackage with planned fields and values entered by hand")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per target")
    parser.add_argument("--out", type=Path, default=None,
                        help="also write the targets table to this Excel file (.xlsx), headers in --lang")
    add_as_of(parser)


def run(args: argparse.Namespace) -> int:
    from gis.commands import active_folder, as_of_line
    from gis.core.i18n import number
    from gis.files import admin_units
    from gis.files.io import load_dataset
    from gis.jobs.targets.measure import evaluate
    from gis.jobs.targets.plan import load_plan
    from gis.jobs.targets.status import status_text
    from gis.store.rows import workspace_path
    from gis.store.workspace import open_for_reading

    plan = load_plan(args.plan)
    dataset = load_dataset(active_folder(args.data, args.workspace.parent if args.workspace else None, lang=args.lang))
    from gis.jobs.ledger.asof import dated

    dataset = dated(dataset, args.as_of)
    ws, fault = open_for_reading(args.workspace or workspace_path())
    if fault is not None:  # told; the targets are still measured (without a damaged workspace's contents)
        print(fault.text(args.lang), file=sys.stderr)
    planned_fields, manual = None, {}
    if ws is not None:
        planned_fields, manual = ws.fields(), ws.values()
    results = evaluate(plan, dataset, planned_fields=planned_fields, manual=manual)
    if args.out is not None:
        _write_excel(args, plan, results, demo=dataset.builtin, place=admin_units.place(dataset, args.lang),
                     as_of=dataset.as_of)
    if args.json:
        print(json.dumps([r.as_dict(args.lang) for r in results], ensure_ascii=False, indent=2))
        return 0
    vi = args.lang == "vi"
    print(f"{plan.label(args.lang)} — {admin_units.full_place(dataset, args.lang)}")
    print(as_of_line(dataset, args.lang))
    if dataset.builtin:
        print(DEMO_NOTE(args.lang))
    for r in results:
        t = r.target
        planned = ("–".join(f"{v:g}" for v in t.planned) if isinstance(t.planned, tuple)
                   else "" if t.planned is None else f"{t.planned:g}")
        measured = "—" if r.measured is None else number(r.measured, 2, lang=args.lang)
        print(f"{t.key:<32} {planned:>10} {measured:>12} {t.unit:<10} {r.status_label(args.lang)}")
        if r.reason_vi:
            print(f"{'':<32} {r.reason(args.lang)}")
        if t.also:
            also = status_text(r.also_status or "not_measurable", r.placeholders, args.lang)
            print(f"{'':<32} {t.also['planned']:>10g} {'':>12} {t.unit:<10} {also}  ({t.note_vi if vi else t.note_en})")
    return 0


def _write_excel(args: argparse.Namespace, plan, results, *, demo: bool, place: str = "", as_of=None) -> None:
    import sys

    from gis.core.errors import DataSourceError
    from gis.jobs.targets_export import write_targets_xlsx

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise DataSourceError(f"Tệp xuất «{out}» phải có đuôi .xlsx.", f"The output file '{out}' must end in .xlsx.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_targets_xlsx(plan, results, out, lang=args.lang, demo=demo, place=place, as_of=as_of)
    except OSError as exc:
        raise DataSourceError(f"Không ghi được tệp «{out}»: {exc}.", f"Cannot write the file '{out}': {exc}.") from exc
    vi = args.lang == "vi"
    print(f"Đã ghi bảng chỉ tiêu vào «{out}»." if vi else f"Targets table written to '{out}'.", file=sys.stderr)
