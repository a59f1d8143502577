"""Reading the built-in parcels through pyogrio (with and without Arrow) and through fiona.

Run: ``python -m benchmarks.read_engines``. Prints the median of several reads per engine and format.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import fiona
import geopandas as gpd
import pyogrio

from gis.files.io import BUILTIN_DATA_DIR


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fiona_records(path: Path) -> int:
    with fiona.open(path) as src:
        return sum(1 for _ in src)


def main(repeat: int = 5) -> None:
    shp = BUILTIN_DATA_DIR / "parcels.shp"
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "parcels.gpkg"
        pyogrio.write_dataframe(gpd.read_file(shp), gpkg)
        n = pyogrio.read_info(shp)["features"]
        rows = []
        for label, path in (("Shapefile", shp), ("GeoPackage", gpkg)):
            rows.append((label, "pyogrio + Arrow", timed(lambda p=path: gpd.read_file(p, use_arrow=True), repeat)))
            rows.append((label, "pyogrio", timed(lambda p=path: gpd.read_file(p, use_arrow=False), repeat)))
            rows.append((label, "fiona (GeoDataFrame)", timed(lambda p=path: gpd.read_file(p, engine="fiona"), repeat)))
            rows.append((label, "fiona (records only)", timed(lambda p=path: fiona_records(p), repeat)))
    print(f"Reading {n} built-in parcels, median of {repeat} runs")
    print(f"{'format':<11} {'engine':<22} {'seconds':>8} {'vs fastest':>10}")
    best = min(r[2] for r in rows)
    for fmt, engine, sec in rows:
        print(f"{fmt:<11} {engine:<22} {sec:>8.3f} {sec / best:>9.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
