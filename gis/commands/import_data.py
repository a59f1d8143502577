"""``python -m gis import FILE [--province NAME]``: the user's parcels into the workspace, as a dataset."""

from __future__ import annotations

import argparse

from gis.commands.inspect import _defaults, add_common, allow_max_features, parse_pairs

NAME = "import"
HELP = ("Import a parcel file into the workspace (nhập dữ liệu): decoded, placed in VN-2000 TM-3, fields mapped, "
        "checked; written to a new folder that every page and command reads like the built-in data.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--name", help="name of the new dataset folder (default: the file's name)")


def run(args: argparse.Namespace) -> int:
    from gis.core.i18n import number
    from gis.store.accounts import local_user
    from gis.store.imports import import_source

    allow_max_features(args)
    result = import_source(args.file, province=args.province, crs=args.crs, fix_crs=args.fix_crs,
                           encoding=args.encoding, layer=args.layer, mapping=parse_pairs(args.map, option="--map"),
                           defaults=_defaults(args.set), name=args.name, by=local_user().name)
    prepared = result.prepared
    vi = args.lang == "vi"
    count = len(prepared.report.repaired)
    print(f"Đã nhập {number(count, 0)} thửa vào «{result.folder}»." if vi
           else f"Imported {count:,} parcels into '{result.folder}'.")
    print(f"Bảng mã: {prepared.source.encoding_name}; hệ tọa độ: {prepared.frame.crs.to_string()}" if vi
           else f"Encoding: {prepared.source.encoding_name}; CRS: {prepared.frame.crs.to_string()}")
    for label, n in prepared.report.summary(args.lang):
        print(f"  {label}: {n}")
    for vi_note, en_note in prepared.notes:
        print(f"* {vi_note if vi else en_note}")
    print("Báo cáo lỗi: problems.csv, problems.gpkg trong thư mục trên." if vi
           else "Problem report: problems.csv, problems.gpkg in that folder.")
    return 0
