"""``python -m gis import FILE [--province NAME]``: the user's parcels into the workspace, as a dataset."""

from __future__ import annotations

import argparse

from gis.commands.inspect import _defaults, add_common, allow_max_features, parse_pairs, source_choices

NAME = "import"
HELP = ("Import a parcel file into the workspace (nhập dữ liệu): decoded, placed in VN-2000 TM-3, fields mapped, "
        "checked; written to a new folder that every page and command reads like the built-in data.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--name", help="name of the new dataset folder (default: the file's name)")


def run(args: argparse.Namespace) -> int:
    from gis.core.i18n import number
    from gis.store.accounts import local_user
    from gis.store.staged import commit, source_key

    allow_max_features(args)
    key = source_key(args.file, source_choices(args))
    staged = commit(key, name=args.name, by=local_user().name) if key is not None else None
    if staged is not None:  # inspected just before, unchanged, same choices: read and checked then
        folder, count, encoding_name, crs = staged.folder, staged.count, staged.encoding_name, staged.crs
        summary, notes = staged.summary["vi" if args.lang == "vi" else "en"], staged.notes
    else:
        from gis.store.imports import import_source

        result = import_source(args.file, province=args.province, crs=args.crs, fix_crs=args.fix_crs,
                               encoding=args.encoding, layer=args.layer,
                               mapping=parse_pairs(args.map, option="--map"), defaults=_defaults(args.set),
                               name=args.name, by=local_user().name)
        prepared = result.prepared
        folder, count, encoding_name = result.folder, len(prepared.report.repaired), prepared.source.encoding_name
        crs, summary, notes = prepared.frame.crs.to_string(), prepared.report.summary(args.lang), prepared.notes
    vi = args.lang == "vi"
    print(f"Đã nhập {number(count, 0)} thửa vào «{folder}»." if vi
           else f"Imported {count:,} parcels into '{folder}'.")
    print(f"Bảng mã: {encoding_name}; hệ tọa độ: {crs}" if vi
           else f"Encoding: {encoding_name}; CRS: {crs}")
    for label, n in summary:
        print(f"  {label}: {n}")
    for vi_note, en_note in notes:
        print(f"* {vi_note if vi else en_note}")
    print("Báo cáo lỗi: problems.csv, problems.gpkg trong thư mục trên." if vi
           else "Problem report: problems.csv, problems.gpkg in that folder.")
    return 0
