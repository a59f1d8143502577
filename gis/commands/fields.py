"""``python -m gis fields suggest|list``: concentrated fields, existing, planned and suggested."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "fields"
HELP = "Concentrated rice fields: suggest new ones, or list the existing and saved ones."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("suggest", "list"))
    parser.add_argument("--top", type=int, default=5, help="how many suggestions (default 5)")
    parser.add_argument("--max-ha", type=float, default=40.0, help="largest suggested field, ha (default 40)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the active dataset)")
    parser.add_argument("--workspace", type=Path, default=None, help="workspace GeoPackage with saved fields")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from gis import fields
    from gis.area import M2_PER_HA
    from gis.commands import active_folder
    from gis.i18n import number
    from gis.io import load_dataset
    from gis.workspace import open_for_reading, workspace_path

    dataset = load_dataset(active_folder(args.data, args.workspace.parent if args.workspace else None, lang=args.lang))
    ws, fault = open_for_reading(args.workspace or workspace_path())
    if fault is not None:  # told, and what can be read is still listed
        print(fault.text(args.lang), file=sys.stderr)
    planned = ws.fields() if ws is not None else None
    vi = args.lang == "vi"
    if args.action == "suggest":
        found = fields.suggest(dataset, planned=planned, top=args.top, max_ha=args.max_ha)
        items = [{"rank": int(r.rank), "area_ha": round(r.rice_ha, 2), "parcels": int(r.parcels),
                  "owners": int(r.owners), "village": r.village, "villages": r.villages.split(", ")}
                 for r in found.itertuples()]
        if args.json:
            print(json.dumps(items, ensure_ascii=False, indent=2))
            return 0
        print("Gợi ý cánh đồng tập trung mới (đất lúa liền khối, chưa thuộc cánh đồng nào, không bị thu hồi):" if vi
              else "Suggested new concentrated fields (connected rice land in no field, not recovered):")
        print(f"{'#':>2} {'ha':>8} {'thửa' if vi else 'parcels':>7} {'chủ' if vi else 'owners':>6}  "
              f"{'thôn' if vi else 'villages'}")
        for it in items:
            print(f"{it['rank']:>2} {number(it['area_ha'], 2, lang=args.lang):>8} {it['parcels']:>7} "
                  f"{it['owners']:>6}  {', '.join(it['villages'])}")
        return 0
    existing = fields.existing_fields(dataset, planned)
    rice = fields.rice_parcels(dataset.parcels)
    items = []
    for row in existing.itertuples():
        hits = rice.sindex.query(row.geometry, predicate="intersects")
        inside = rice.iloc[hits].geometry.intersection(row.geometry).area.sum()
        items.append({"name": row.name, "kind": row.kind, "field_id": int(row.field_id),
                      "area_ha": round(row.geometry.area / M2_PER_HA, 2),
                      "rice_ha": round(float(inside) / M2_PER_HA, 2)})
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    kinds = {"existing": "hiện có" if vi else "existing", "planned": "quy hoạch mới" if vi else "planned"}
    for it in items:
        print(f"{it['name']:<45} {kinds[it['kind']]:<14} {number(it['area_ha'], 2, lang=args.lang):>8} ha")
    return 0
