"""Building the parcel vector tiles (``gis/jobs/tiles.py``) of the built-in commune and of the merged one.

Run::

    LUONGPHONG_CACHE=/path/to/cache python3 -m benchmarks.tiles [--datasets builtin,hiep-hoa] [--runs 1]

For each dataset (the merged commune ``hiep-hoa`` is read from the cache folder, generated there first if it
is not): the parcels, the time to hash them (:func:`gis.jobs.tiles.content_key`, done once per dataset by the app),
the time to build the tiles into an empty temporary folder (GDAL's MVT driver through pyogrio; the median of
``--runs``), the time to find them built again, the number of tiles, their total size and the largest (gzip, as
sent), per zoom level. The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from gis.demo import merged as merged_demo
from gis.files.io import load_dataset
from gis.jobs import tiles


def measure(name: str, runs: int) -> dict[str, object]:
    folder = merged_demo.ensure() if name == "hiep-hoa" else None
    parcels = load_dataset(folder).parcels
    start = time.perf_counter()
    tiles.content_key(parcels)
    key_s = time.perf_counter() - start
    builds = []
    with tempfile.TemporaryDirectory(prefix="tiles-bench-") as scratch:
        for run in range(runs):
            root = Path(scratch) / str(run)
            start = time.perf_counter()
            built = tiles.ensure_tiles(parcels, root)
            builds.append(time.perf_counter() - start)
        start = time.perf_counter()
        tiles.ensure_tiles(parcels, root)
        again_s = time.perf_counter() - start
        zooms = {}
        for z in range(built.min_zoom, built.max_zoom + 1):
            sizes = [p.stat().st_size for p in (built.folder / str(z)).glob("*/*.pbf")]
            zooms[z] = (len(sizes), sum(sizes), max(sizes, default=0))
    return {"name": name, "parcels": len(parcels), "key_s": key_s, "build_s": statistics.median(builds),
            "again_s": again_s, "tiles": built.tiles, "bytes": built.size_bytes, "zooms": zooms}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="builtin,hiep-hoa", help="comma-separated (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=1, help="cold builds per dataset (default: %(default)s)")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; zoom levels "
          f"{tiles.MIN_ZOOM}-{tiles.MAX_ZOOM}")
    for name in args.datasets.split(","):
        r = measure(name, args.runs)
        print(f"{r['name']}: {r['parcels']} parcels; key {r['key_s']:.2f} s; build {r['build_s']:.1f} s "
              f"(median of {args.runs}); found again {r['again_s']:.2f} s; {r['tiles']} tiles, "
              f"{int(r['bytes']) / 1e6:.2f} MB")  # type: ignore[call-overload]
        for z, (count, size, largest) in r["zooms"].items():  # type: ignore[attr-defined]
            print(f"    zoom {z}: {count} tiles, {size / 1e6:.2f} MB, largest {largest / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
