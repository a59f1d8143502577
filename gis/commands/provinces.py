"""``python -m gis provinces``: every province and the central meridian of its VN-2000 TM-3 zone."""

from __future__ import annotations

import argparse

NAME = "provinces"
HELP = "List the provinces (before and after the 2025 merger) and the VN-2000 TM-3 zone of each."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--merged", action="store_true", help="list the 34 provinces of 2025 and their parts")


def run(args: argparse.Namespace) -> int:
    from gis.core.provinces import MERGED_PROVINCES, PROVINCES, choices

    if args.merged:
        for merged in MERGED_PROVINCES.values():
            parts = ", ".join(f"{name} {PROVINCES[key].meridian_text}" for name, key in
                              ((n, next(k for k, p in PROVINCES.items() if p.name == n)) for n in merged.former))
            print(f"{merged.name}: {parts}")
    else:
        print("\n".join(choices(lang=args.lang)))
    return 0
