"""``python -m gis datasets list|use|remove``: the workspace's datasets and the active one."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "datasets"
HELP = ("The workspace's datasets (the built-in ones, builtin and hiep-hoa, and each import): list them, choose the active one (used by "
        "every page and by the commands given no folder), or move one to the recycle folder.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="every dataset, the active one marked")
    listing.add_argument("--json", action="store_true", help="print a JSON list, one object per dataset")
    use = sub.add_parser("use", help="make NAME the active dataset")
    use.add_argument("name", metavar="NAME", help="a name from 'datasets list' ('builtin' for the built-in data, "
                     "'hiep-hoa' for the merged commune xã Hiệp Hòa (mới), generated on first use)")
    remove = sub.add_parser("remove", help="move NAME to the workspace's recycle folder (never deleted outright)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", action="store_true", help="confirm the removal")


def run(args: argparse.Namespace) -> int:
    from gis.core.i18n import number
    from gis.store import datasets

    vi = args.lang == "vi"
    if args.action == "use":
        from gis.commands import generate_if_needed

        info = datasets.use(args.name)
        generate_if_needed(info, lang=args.lang)  # the merged commune, on first use: now rather than at the next page
        print(f"Đang dùng bộ dữ liệu «{info.title('vi')}» ({info.name})." if vi
              else f"Now using the dataset '{info.title('en')}' ({info.name}).")
        return 0
    if args.action == "remove":
        if not args.yes:
            datasets.removable(args.name)  # the built-in one or a wrong name is told first
            raise datasets.DatasetError(
                f"Xóa bộ dữ liệu «{args.name}»? Các tệp sẽ được chuyển vào thư mục recycle của không gian làm việc "
                f"(không xóa hẳn). Chạy lại với --yes để xác nhận: python -m gis datasets remove {args.name} --yes",
                f"Remove the dataset '{args.name}'? Its files will be moved to the workspace's recycle folder (not "
                f"deleted outright). Run again with --yes to confirm: python -m gis datasets remove {args.name} --yes")
        target = datasets.remove(args.name)
        print(f"Đã chuyển bộ dữ liệu «{args.name}» vào «{target}»." if vi
              else f"Moved the dataset '{args.name}' to '{target}'.")
        current = datasets.active()
        print(f"Bộ dữ liệu đang dùng: {current.info.title('vi')} ({current.info.name})." if vi
              else f"Dataset in use: {current.info.title('en')} ({current.info.name}).")
        return 0

    current = datasets.active()
    if current.notice is not None:
        print(current.notice.text(args.lang), file=sys.stderr)
    items = datasets.list_datasets()
    if args.json:
        print(json.dumps([{**info.as_dict(args.lang), "active": info.name == current.info.name} for info in items],
                         ensure_ascii=False, indent=2))
        return 0
    for info in items:
        mark = "*" if info.name == current.info.name else " "
        count = "—" if info.parcel_count is None else number(info.parcel_count, 0, lang=args.lang)
        when = (info.imported_at or "").replace("T", " ")
        print(f"{mark} {info.name}")
        print(f"    {info.title(args.lang)}")
        details = [f"{count} {'thửa' if vi else 'parcels'}"]
        if info.generated and datasets.needs_generating(info):
            details.append("chưa tạo: tạo khi dùng lần đầu" if vi else "not generated yet: generated on first use")
        if info.source_file:
            details.append(f"{'tệp' if vi else 'file'} {info.source_file}")
        if when:
            details.append(f"{'nhập lúc' if vi else 'imported'} {when}")
        if info.imported_by:
            details.append(f"{'bởi' if vi else 'by'} {info.imported_by}")
        print("    " + ", ".join(details))
    print()
    print("* = bộ dữ liệu đang dùng" if vi else "* = the dataset in use")
    return 0
