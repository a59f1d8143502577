"""``python -m gis targets [--plan FILE] [--json]``: the plan's targets against the map."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NAME = "targets"
HELP = "The plan's targets, measured on the data: planned, measured, status."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", type=Path, default=None, help="plan file (default: data/plans/2024.toml)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the built-in data)")
    parser.add_argument("--workspace", type=Path, default=None,
                        help="workspace GeoPackage with planned fields and values entered by hand")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per target")


def run(args: argparse.Namespace) -> int:
    from gis.i18n import number
    from gis.io import load_dataset
    from gis.targets import STATUS_LABELS, evaluate, load_plan
    from gis.workspace import Workspace, workspace_path

    plan = load_plan(args.plan)
    dataset = load_dataset(args.data)
    ws_path = args.workspace or workspace_path()
    planned_fields, manual = None, {}
    if ws_path.exists():
        ws = Workspace.open(ws_path)
        planned_fields, manual = ws.fields(), ws.values()
    results = evaluate(plan, dataset, planned_fields=planned_fields, manual=manual)
    if args.json:
        print(json.dumps([r.as_dict(args.lang) for r in results], ensure_ascii=False, indent=2))
        return 0
    vi = args.lang == "vi"
    print(plan.title_vi if vi else plan.title_en)
    if dataset.builtin:
        print("Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế." if vi else "Demonstration data, not real survey data.")
    for r in results:
        t = r.target
        planned = ("–".join(f"{v:g}" for v in t.planned) if isinstance(t.planned, tuple)
                   else "" if t.planned is None else f"{t.planned:g}")
        measured = "—" if r.measured is None else number(r.measured, 2, lang=args.lang)
        status = STATUS_LABELS[r.status][0 if vi else 1]
        print(f"{t.key:<32} {planned:>10} {measured:>12} {t.unit:<10} {status}")
        if t.also:
            also = STATUS_LABELS[r.also_status or "not_measurable"][0 if vi else 1]
            print(f"{'':<32} {t.also['planned']:>10g} {'':>12} {t.unit:<10} {also}  ({t.note_vi if vi else t.note_en})")
    return 0
