"""``python -m gis generate-demo``: write the built-in demonstration data."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "generate-demo"
HELP = ("Write the demonstration data (deterministic): the built-in Lương Phong shapefiles, or the merged "
        "commune xã Hiệp Hòa (mới) with --dataset hiep-hoa.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", choices=("luong-phong", "hiep-hoa"), default="luong-phong",
                        help="luong-phong: the built-in shapefiles; hiep-hoa: the merged commune xã Hiệp Hòa (mới), "
                        "five former units, as GeoParquet (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to write (default: data/shapefiles, or the cache folder for hiep-hoa)")
    parser.add_argument("--outline", type=Path, default=None,
                        help="the Hiệp Hòa communes GeoJSON (default: data/reference/hiep-hoa-communes-2009.geojson)")
    parser.add_argument("--seed", type=int, default=None)


def run(args: argparse.Namespace) -> int:
    from gis.demo import builtin
    from gis.files.io import BUILTIN_DATA_DIR, REFERENCE_OUTLINE

    if args.dataset == "hiep-hoa":
        import time

        import gis.demo.merged as merged_demo

        start = time.perf_counter()
        folder = merged_demo.write(args.out or merged_demo.default_folder(), outline=args.outline or REFERENCE_OUTLINE)
        seconds = time.perf_counter() - start
        print(folder)
        print(f"{'Đã tạo trong' if args.lang == 'vi' else 'Generated in'} {seconds:.1f} s")
        from gis.jobs import tiles
        start = time.perf_counter()
        tiles.prebuild(folder)  # the map's tiles too, so that the first map of the merged commune does not wait
        seconds = time.perf_counter() - start
        print(f"{'Đã dựng ô bản đồ trong' if args.lang == 'vi' else 'Map tiles built in'} {seconds:.1f} s")
        return 0
    layers = builtin.generate(args.outline or REFERENCE_OUTLINE, seed=args.seed or builtin.SEED)
    for path in builtin.write(layers, args.out or BUILTIN_DATA_DIR):
        print(path)
    return 0
