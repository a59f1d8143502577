"""``python -m gis fields suggest|list|save|adopt|unadopt``: concentrated fields, existing, planned and suggested.

``save`` keeps a field as a draft (from a suggestion, or from the user's file read like ``gis import`` reads
it); ``adopt`` records the decision that adopts it, from which day it counts toward the plan's figures;
``unadopt`` makes it a draft again (the audit keeps the decision withdrawn).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAME = "fields"
HELP = ("Concentrated rice fields: suggest new ones, save one as a draft, adopt it by a decision, or list the "
        "existing and saved ones.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("suggest", "list", "save", "adopt", "unadopt"))
    parser.add_argument("field", nargs="?", default=None,
                        help="adopt/unadopt: the saved field's name (or number)")
    parser.add_argument("--top", type=int, default=5, help="how many suggestions (default 5)")
    parser.add_argument("--max-ha", type=float, default=40.0, help="largest suggested field, ha (default 40)")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: the active dataset)")
    parser.add_argument("--workspace", type=Path, default=None, help="workspace GeoPackage with saved fields")
    parser.add_argument("--json", action="store_true")
    save = parser.add_argument_group("save")
    source = save.add_mutually_exclusive_group()
    source.add_argument("--suggestion", type=int, default=None, help="save suggestion number N (see suggest)")
    source.add_argument("--file", type=Path, default=None,
                        help="save the outline in this file (any format `gis import` reads)")
    save.add_argument("--name", default=None, help="the saved field's name")
    save.add_argument("--province", default=None, help="--file: province whose VN-2000 zone to use if it has none")
    save.add_argument("--crs", default=None, help="--file: its CRS (EPSG code or PROJ/WKT) when the file lacks one")
    save.add_argument("--layer", default=None, help="--file: the layer to read when it holds several")
    save.add_argument("--clipped", action="store_true",
                      help="count only the rice land inside the outline (default: parcels mostly inside, whole)")
    adopt = parser.add_argument_group("adopt")
    adopt.add_argument("--decision", default=None, help='the adopting decision, e.g. "Quyết định số 123/QĐ-UBND"')
    adopt.add_argument("--date", default=None, help="the decision's date, YYYY-MM-DD")
    adopt.add_argument("--reason", default="", help="unadopt: why (kept in the audit)")


def _need(value: object, option: str, action: str) -> None:
    from gis.core.errors import GisError

    if value is None or (isinstance(value, str) and not value.strip()):
        raise GisError(f"Lệnh «fields {action}» cần {option}.", f"'fields {action}' needs {option}.")


def _outline_from_file(args: argparse.Namespace, crs):  # noqa: ANN001, ANN202 - pyproj CRS in, shapely out
    """The outline in the user's file, read and placed like ``gis import`` does, in the parcels' ``crs``."""
    import shapely

    from gis.core.errors import GeometryError
    from gis.files.placing import place
    from gis.files.sources import read_source

    frame, _notes = place(read_source(args.file, layer=args.layer), province=args.province, crs=args.crs)
    polygons = frame[frame.geometry.notna() & frame.geometry.geom_type.isin(("Polygon", "MultiPolygon"))]
    if polygons.empty:
        raise GeometryError(f"Tệp «{args.file.name}» không có vùng (đa giác) nào: cần ranh giới cánh đồng.",
                            f"The file '{args.file.name}' holds no area (polygon): a field's outline is needed.")
    outline = shapely.union_all(polygons.to_crs(crs).geometry.make_valid().to_numpy())
    return outline


def run(args: argparse.Namespace) -> int:
    from gis.commands import active_folder
    from gis.core.errors import GisError
    from gis.core.i18n import number
    from gis.files.io import load_dataset
    from gis.jobs import fields
    from gis.store.rows import dataset_id, srs_text, workspace_path
    from gis.store.workspace import Workspace, open_for_reading

    vi = args.lang == "vi"
    ws_path = args.workspace or workspace_path()
    if args.action in ("adopt", "unadopt"):
        _need(args.field, "tên cánh đồng (NAME)" if vi else "the field's name (NAME)", args.action)
        ws = Workspace.open(ws_path)
        field_id = ws.field_id_of(args.field)
        if args.action == "adopt":
            ws.adopt_field(field_id, decision=args.decision or "", decision_date=args.date or "")
            print(f"Đã phê duyệt cánh đồng số {field_id} «{args.field}»: {args.decision}, ngày {args.date}." if vi
                  else f"Adopted field {field_id} '{args.field}': {args.decision}, {args.date}.")
        else:
            ws.unadopt_field(field_id, reason=args.reason)
            print(f"Đã bỏ phê duyệt cánh đồng số {field_id} «{args.field}»: nay là dự thảo." if vi
                  else f"Field {field_id} '{args.field}' is no longer adopted: it is a draft.")
        return 0

    dataset = load_dataset(active_folder(args.data, args.workspace.parent if args.workspace else None, lang=args.lang))
    data_id = dataset_id(dataset)
    crs = dataset.parcels.crs
    planned = None
    if ws_path.exists():
        reader, fault = open_for_reading(ws_path)
        if fault is not None:  # told, and what can be read is still listed
            print(fault.text(args.lang), file=sys.stderr)
        planned = reader.fields(dataset=data_id, crs=crs) if reader is not None else None
    if args.action == "save":
        _need(args.name, "--name", "save")
        if args.suggestion is None and args.file is None:
            raise GisError("Lệnh «fields save» cần --suggestion N hoặc --file TỆP.",
                           "'fields save' needs --suggestion N or --file FILE.")
        if args.suggestion is not None:
            found = fields.suggest(dataset, planned=planned, top=max(args.top, args.suggestion),
                                   max_ha=args.max_ha)
            pick = found[found["rank"] == args.suggestion] if len(found) else found
            if pick.empty:
                raise GisError(f"Không có gợi ý số {args.suggestion}: chỉ có {len(found)} gợi ý (xem «fields "
                               "suggest»).", f"There is no suggestion {args.suggestion}: there are {len(found)} "
                               "(see 'fields suggest').")
            outline = pick.geometry.iloc[0]
        else:
            outline = _outline_from_file(args, crs)
        check = fields.check_field(outline, dataset, others=fields.existing_fields(dataset, planned),
                                   clipped=args.clipped)
        if not check.ok:
            reasons = check.refusals or [("Trong vùng này không có đất trồng lúa.", "There is no rice land here.")]
            raise GisError("Không lưu được cánh đồng: " + " ".join(v for v, _ in reasons),
                           "The field cannot be saved: " + " ".join(e for _, e in reasons))
        village = check.villages[0] if len(check.villages) == 1 else ""
        if len(check.villages) > 1:
            villages = dataset.parcels.loc[check.parcel_index, "village"].dropna()
            village = str(villages.mode().iloc[0]) if len(villages) else ""
        field_id = Workspace.open(ws_path).save_field(
            outline, name=args.name.strip(), village=village, crs=crs, dataset=data_id,
            note=json.dumps({"rice_ha": round(check.rice_ha, 4), "parcels": check.parcels, "owners": check.owners},
                            ensure_ascii=False))
        print(f"Đã lưu cánh đồng số {field_id} «{args.name.strip()}» (dự thảo): {number(check.rice_ha, 2)} ha đất "
              "lúa. Cánh đồng chỉ được tính vào chỉ tiêu khi được phê duyệt (fields adopt)." if vi
              else f"Saved field {field_id} '{args.name.strip()}' as a draft: {check.rice_ha:.2f} ha of rice land. "
              "It counts toward the targets only once adopted (fields adopt).")
        return 0
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
    table = fields.field_table(dataset, planned)
    table = table[table["status"] != fields.RECOVERED]  # kept fields of the data, and the saved ones
    saved = planned.set_index("field_id") if planned is not None else None
    data_srs = srs_text(crs)
    items = []
    for row in table.itertuples():
        item = {"name": row.name, "kind": "existing" if row.field_id < 0 else "planned",
                "status": row.status, "field_id": int(row.field_id),
                "state": row.state or None, "decision": row.decision or None, "decision_date": row.decision_date or None,
                "area_ha": round(row.area_ha, 4), "rice_ha": round(row.rice_ha, 4),
                "srs": data_srs, "dataset": data_id}
        if saved is not None and row.field_id in saved.index:
            item["srs"] = str(saved.at[row.field_id, "srs"])
            item["adopted_by"] = str(saved.at[row.field_id, "adopted_by"]) or None
        items.append(item)
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    kinds = {"kept": "hiện có" if vi else "existing"}
    for it in items:
        kind = fields.state_label(str(it["state"]), lang=args.lang) if it["state"] else kinds[str(it["status"])]
        decision = f"  {it['decision']}, {it['decision_date']}" if it["decision"] else ""
        print(f"{it['field_id'] if it['field_id'] > 0 else '':>3} {it['name']:<45} {kind:<14} "
              f"{number(float(it['area_ha']), 2, lang=args.lang):>8} ha{decision}")
    return 0
