"""``python -m gis generate-demo``: write the built-in demonstration data."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "generate-demo"
HELP = "Write the built-in Lương Phong demonstration shapefiles (deterministic)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from gis.io import BUILTIN_DATA_DIR

    parser.add_argument("--out", type=Path, default=BUILTIN_DATA_DIR, help="folder to write (default: %(default)s)")
    parser.add_argument("--outline", type=Path, default=None,
                        help="the Hiệp Hòa communes GeoJSON (default: data/reference/hiep-hoa-communes-2009.geojson)")
    parser.add_argument("--seed", type=int, default=None)


def run(args: argparse.Namespace) -> int:
    from gis import demo_data
    from gis.io import REFERENCE_OUTLINE

    layers = demo_data.generate(args.outline or REFERENCE_OUTLINE, seed=args.seed or demo_data.SEED)
    for path in demo_data.write(layers, args.out):
        print(path)
    return 0
