"""Land recovery speed: our per-parcel computation against ``geopandas.overlay`` and the bare GEOS figure.

Run: ``python -m benchmarks.recovery`` (``--quick`` skips the million parcels; ``--repeat N``), and
``python -m benchmarks.recovery --cli [--before /work/main]`` for the command end to end (below).

Parcel sets of 15 000 (a commune), 100 000 (a district) and 1 000 000 (a province) Voronoi parcels
(about 1 000 m², 14 vertices each) in EPSG:9214 are generated deterministically on first use and cached as
GeoParquet under ``benchmarks/.cache/`` (git-ignored). One irregular project boundary covers 10 % of each set.
For each size, in the same run, it times (median of ``--repeat`` runs):

- ``ours``: :func:`gis.jobs.recovery_measure.measure` with the layer's spatial index already built (the app keeps it for
  the session), and ``ours cold`` with the index built inside the timing;
- ``overlay``: ``geopandas.overlay(parcels, boundary, how="intersection")`` plus the areas per parcel;
- ``bare GEOS``: ``shapely.intersection`` of only the parcels the boundary crosses (found beforehand, out of
  the timing) and their areas: the floor no method that intersects can beat;
- ``report``: :func:`gis.jobs.recovery.recover`, the whole report with flags and summaries (not its export).

It checks that the three computations agree within 0.01 m² per parcel, prints a table, then the whole
commune report on the built-in data, and exits with 1 when a check or a target fails. Targets: at least 4x
faster than overlay at 100 000 parcels, within 3x of bare GEOS, the built-in commune report under 1 s.

With ``--cli`` it times ``python -m gis recovery PARCELS.gpkg BOUNDARY.gpkg --out recovered.csv`` end to end
(start-up, reading, field mapping, the computation, the report and its CSV) at 100 000 and 1 000 000
parcels, against a plain 15-line geopandas script (:data:`PLAIN_SCRIPT`: read both, ``overlay``, areas per
parcel, a CSV) in the same run, and, with ``--before``, against another checkout. Targets: < 1.5 s at
100 000 parcels, < 8 s at 1 000 000, and at least 3x faster than the plain script. It also times the start-up
floor (:data:`FLOOR_SCRIPT`, the imports alone) in the same run and prints the ratio that floor leaves possible.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.core.recovery_settings import load_settings
from gis.files.schema import normalise_parcels
from gis.jobs.recovery import recover
from gis.jobs.recovery_boundary import prepare_boundary
from gis.jobs.recovery_measure import measure

CACHE = Path(__file__).resolve().parent / ".cache"
EPSG = 9214
ORIGIN = (390_000.0, 2_340_000.0)
PARCEL_M2 = 1_000.0
SIZES = (15_000, 100_000, 1_000_000)
TOLERANCE_M2 = 0.01
CODES = np.array(["LUC", "LUC", "LUC", "LUK", "HNK", "CLN", "NTS", "ONT", "ONT", "DGT", "DTL"])


def generate(n: int, *, seed: int = 9214) -> gpd.GeoDataFrame:
    """``n`` Voronoi parcels of about 1 000 m² on a jittered grid, clipped to a square, in EPSG:9214."""
    rng = np.random.default_rng(seed + n)
    step = PARCEL_M2 ** 0.5
    side = int(np.ceil(n ** 0.5))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side))
    cells = np.c_[ii.ravel(), jj.ravel()][:n].astype(float)
    points = (cells + 0.5 + rng.uniform(-0.35, 0.35, cells.shape)) * step + ORIGIN
    rows = int(np.ceil(n / side))
    extent = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + side * step, ORIGIN[1] + rows * step)
    polygons = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), ordered=True))
    bounds = shapely.bounds(polygons)
    ex = extent.bounds
    outside = (bounds[:, 0] < ex[0]) | (bounds[:, 1] < ex[1]) | (bounds[:, 2] > ex[2]) | (bounds[:, 3] > ex[3])
    polygons[outside] = shapely.intersection(polygons[outside], extent)
    polygons = shapely.segmentize(polygons, 14.0)
    # a last row that is not full leaves a strip of huge cells: keep the parcels with a grid point in it
    owners = np.array([f"Hộ {k:05d}" for k in range(max(n // 4, 1))])
    villages = np.array([f"Thôn {k + 1}" for k in range(13)])
    raw = gpd.GeoDataFrame({
        "SHBANDO": (np.arange(n) // 500 + 1).astype(np.int32),
        "SHTHUA": (np.arange(n) % 500 + 1).astype(np.int32),
        "MALOAIDAT": CODES[rng.integers(0, len(CODES), n)],
        "TENCHU": owners[rng.integers(0, len(owners), n)],
        "DIACHI": villages[(cells[:, 1] * 13 // side).astype(int)],
        "DIENTICH": np.round(shapely.area(polygons) * rng.normal(1.0, 0.002, n), 1),
    }, geometry=polygons, crs=EPSG)
    return raw


def load(n: int) -> gpd.GeoDataFrame:
    """The cached parcel set of ``n`` (generated and written on first use)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"voronoi-{n}.parquet"
    if not path.exists():
        start = time.perf_counter()
        generate(n).to_parquet(path)
        print(f"  generated {n:,} parcels into {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
    return gpd.read_parquet(path)


def project_boundary(parcels: gpd.GeoDataFrame, *, share: float = 0.10) -> shapely.Polygon:
    """An irregular 64-vertex blob over ``share`` of the parcels' extent, off its centre."""
    x0, y0, x1, y1 = parcels.total_bounds
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    radii = 1 + 0.18 * np.sin(3 * angles + 0.4) + 0.1 * np.cos(5 * angles) + 0.05 * np.sin(11 * angles)
    unit = shapely.Polygon(np.c_[radii * np.cos(angles), radii * np.sin(angles)])
    scale = np.sqrt(share * (x1 - x0) * (y1 - y0) / unit.area)
    cx, cy = x0 + 0.45 * (x1 - x0), y0 + 0.55 * (y1 - y0)
    return shapely.affinity.translate(shapely.affinity.scale(unit, scale, scale, origin=(0, 0)), cx, cy)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def overlay_areas(parcels: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> pd.Series:
    pieces = gpd.overlay(parcels, boundary, how="intersection", keep_geom_type=True)
    return pieces.geometry.area.groupby(pieces["pid"].to_numpy()).sum()


def bench(n: int, repeat: int) -> dict:
    raw = load(n)
    parcels = normalise_parcels(raw, source=f"voronoi-{n}")
    shape = project_boundary(parcels)
    boundary = prepare_boundary(gpd.GeoDataFrame(geometry=[shape], crs=EPSG), crs=EPSG, source="project")
    geoms = parcels.geometry.array.to_numpy()

    # the cut parcels, found independently and out of any timing: intersecting but not properly inside
    hits = parcels.sindex.query(shape, predicate="intersects")
    cut = hits[~shapely.contains_properly(shape, geoms[hits])]
    cut_geoms = geoms[cut]

    def ours() -> pd.DataFrame:
        return measure(parcels, boundary)

    def ours_cold() -> pd.DataFrame:
        fresh = gpd.GeoSeries(geoms, index=parcels.index, crs=EPSG)  # no index yet: measure builds it
        return measure(fresh, boundary)

    def bare() -> np.ndarray:
        return shapely.area(shapely.intersection(cut_geoms, shape))

    left = gpd.GeoDataFrame({"pid": parcels.index.to_numpy()}, geometry=geoms, crs=EPSG)
    right = gpd.GeoDataFrame(geometry=[shape], crs=EPSG)
    settings = load_settings()
    t_ours, measured = timed(ours, repeat)
    t_cold, _ = timed(ours_cold, repeat)
    t_bare, bare_areas = timed(bare, repeat)
    t_overlay, over = timed(lambda: overlay_areas(left, right), repeat)
    t_report, report = timed(lambda: recover(parcels, boundary, settings=settings), repeat)

    mine = measured["recovered_m2"]
    union = mine.index.union(over.index)
    diff_overlay = float(np.abs(mine.reindex(union, fill_value=0) - over.reindex(union, fill_value=0)).max())
    bare_series = pd.Series(bare_areas, index=parcels.index[cut])
    bare_series = bare_series[bare_series > 1e-6]
    union = bare_series.index.union(mine[~measured["inside"]].index)
    diff_bare = float(np.abs(mine.reindex(union, fill_value=0) - bare_series.reindex(union, fill_value=0)).max())
    return {
        "parcels": n, "touched": len(measured), "cut": len(cut), "ours": t_ours, "cold": t_cold,
        "overlay": t_overlay, "bare": t_bare, "report": t_report, "diff_overlay": diff_overlay,
        "diff_bare": diff_bare, "recovered_ha": report.totals.recovered_ha,
    }


def builtin_report(repeat: int) -> tuple[float, float, int]:
    """The whole commune report on the built-in data: the cluster, then every project at once."""
    from gis.files.io import BUILTIN_DATA_DIR, read_layer

    parcels = normalise_parcels(read_layer(BUILTIN_DATA_DIR / "parcels.shp"), source="parcels.shp")
    projects = read_layer(BUILTIN_DATA_DIR / "recovered_land.shp")
    settings = load_settings()

    def one(project: str | None):
        boundary = prepare_boundary(projects, crs=parcels.crs, source="recovered_land.shp", project=project)
        return recover(parcels, boundary, settings=settings)

    parcels.sindex  # noqa: B018  built once per session, as the app does
    t_cluster, result = timed(lambda: one("Cụm công nghiệp"), repeat)
    t_all, _ = timed(lambda: one(None), repeat)
    return t_cluster, t_all, result.totals.parcels


#: What a GIS user would write instead of the tool: read both layers, overlay, areas per parcel, a CSV.
PLAIN_SCRIPT = """
import sys
import geopandas as gpd
parcels = gpd.read_file(sys.argv[1], engine="pyogrio", use_arrow=True)
boundary = gpd.read_file(sys.argv[2], engine="pyogrio", use_arrow=True)
parcels["pid"] = range(len(parcels))
pieces = gpd.overlay(parcels, boundary[["geometry"]], how="intersection", keep_geom_type=True)
recovered = pieces.geometry.area.groupby(pieces["pid"].to_numpy()).sum()
out = parcels.iloc[recovered.index][["SHBANDO", "SHTHUA", "TENCHU", "MALOAIDAT"]].copy()
out["recovered_m2"] = recovered.to_numpy()
out["remaining_m2"] = parcels.geometry.area.iloc[recovered.index].to_numpy() - recovered.to_numpy()
out.to_csv(sys.argv[3], index=False)
print(len(out), round(float(recovered.sum()), 1))
"""

#: What every command or script that reads parcels with GeoPandas pays before it reads anything: the imports of
#: geopandas (pandas, shapely, pyproj) and pyogrio (pyarrow). No such command can be faster than this, so the
#: plain script's time divided by it bounds the ratio any of them can reach in the same run.
FLOOR_SCRIPT = "import geopandas, pyogrio"


def cli_files(n: int) -> tuple[Path, Path]:
    """The parcel set of ``n`` and its project boundary as GeoPackages (written on first use)."""
    import pyogrio

    parcels_path, boundary_path = CACHE / f"voronoi-{n}.gpkg", CACHE / f"voronoi-{n}-boundary.gpkg"
    if not parcels_path.exists() or not boundary_path.exists():
        parcels = load(n)
        pyogrio.write_dataframe(gpd.GeoDataFrame({"TENDUAN": ["Dự án thử"]}, geometry=[project_boundary(parcels)],
                                                 crs=EPSG), boundary_path)
        pyogrio.write_dataframe(parcels, CACHE / "partial.gpkg", layer="parcels")
        (CACHE / "partial.gpkg").replace(parcels_path)
    return parcels_path, boundary_path


def cli(args: argparse.Namespace) -> int:
    """``gis recovery`` end to end against the plain script (and another checkout), medians of processes."""
    import tempfile

    from benchmarks.commands import LAST_CPU, ROOT, run_cli

    checkouts = {"after": ROOT}
    if args.before is not None:
        checkouts["before"] = args.before.resolve()
    sizes = (100_000,) if args.quick else (100_000, 1_000_000)
    targets = {100_000: 1.5, 1_000_000: 8.0}
    failed = []
    print(f"gis recovery end to end (CSV out) against a plain geopandas script; median of {args.repeat} processes")
    for n in sizes:
        parcels_path, boundary_path = cli_files(n)
        times: dict[str, list[float]] = {k: [] for k in [*checkouts, "plain", "floor"]}
        cpus: dict[str, list[float]] = {k: [] for k in times}
        peaks: dict[str, float] = dict.fromkeys(times, 0.0)
        refused: set[str] = set()
        # above the features limit of gis/limits.toml the command is told it may take the file
        big = ["--max-features", str(n)] if n > 200_000 else []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                for name, path in checkouts.items():
                    if name in refused:
                        continue
                    seconds, mb, code, _ = run_cli(["-m", "gis", "recovery", str(parcels_path), str(boundary_path),
                                                    "--out", f"{tmp}/{name}.csv", *big], pythonpath=path,
                                                   workspace=Path(tmp))
                    if code == 2 and name == "before" and big:  # an older checkout without --max-features
                        refused.add(name)
                        continue
                    if code != 0:
                        raise SystemExit(f"gis recovery ({name}) exited with {code}")
                    times[name].append(seconds)
                    cpus[name].append(LAST_CPU[0])
                    peaks[name] = max(peaks[name], mb)
                seconds, mb, code, _ = run_cli(["-c", PLAIN_SCRIPT, str(parcels_path), str(boundary_path),
                                                f"{tmp}/plain.csv"], pythonpath=ROOT)
                if code != 0:
                    raise SystemExit(f"the plain script exited with {code}")
                times["plain"].append(seconds)
                cpus["plain"].append(LAST_CPU[0])
                peaks["plain"] = max(peaks["plain"], mb)
                seconds, mb, code, _ = run_cli(["-c", FLOOR_SCRIPT], pythonpath=ROOT)
                if code != 0:
                    raise SystemExit(f"python -c {FLOOR_SCRIPT!r} exited with {code}")
                times["floor"].append(seconds)
                cpus["floor"].append(LAST_CPU[0])
        med = {k: statistics.median(v) for k, v in times.items() if v}
        cpu = {k: statistics.median(v) for k, v in cpus.items() if v}
        line = (f"{n:>10,} parcels: after {med['after']:6.2f} s (cpu {cpu['after']:5.2f} s) {peaks['after']:6.0f} MB "
                f"({peaks['after'] * 1024 / n:.2f} kB a parcel) | plain script {med['plain']:6.2f} s (cpu "
                f"{cpu['plain']:5.2f} s) {peaks['plain']:6.0f} MB ({med['plain'] / med['after']:.1f}x, cpu "
                f"{cpu['plain'] / cpu['after']:.1f}x)")
        if "before" in med:
            line += (f" | before {med['before']:6.2f} s (cpu {cpu['before']:5.2f} s) {peaks['before']:6.0f} MB "
                     f"({med['before'] / med['after']:.1f}x)")
        elif "before" in refused:
            line += " | before: refused (more than 'features' in gis/limits.toml)"
        print(line, flush=True)
        ceiling = med["plain"] / med["floor"]
        print(f"{'':>19}start-up floor (python -c {FLOOR_SCRIPT!r}) {med['floor']:5.2f} s: no command that imports "
              f"them can be more than {ceiling:.1f}x the plain script here", flush=True)
        if med["after"] >= targets[n]:
            failed.append(f"{n:,} parcels: {med['after']:.2f} s (target < {targets[n]} s)")
        if med["plain"] < 3 * med["after"]:
            failed.append(f"{n:,} parcels: only {med['plain'] / med['after']:.1f}x the plain script (< 3x; the start-up "
                          f"floor alone allows {ceiling:.1f}x)")
    for line in failed:
        print("FAIL:", line)
    print("all targets met" if not failed else f"{len(failed)} target(s) missed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1 000 000 parcels")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median), default 3")
    parser.add_argument("--cli", action="store_true", help="time the command end to end instead (see above)")
    parser.add_argument("--before", type=Path, default=None, help="with --cli: another checkout to compare")
    args = parser.parse_args(argv)
    if args.cli:
        return cli(args)
    sizes = SIZES[:-1] if args.quick else SIZES
    print(f"Land recovery, one project boundary over 10 % of each set; median of {args.repeat} runs, seconds")
    rows = []
    for n in sizes:
        rows.append(bench(n, args.repeat))
    header = (f"{'parcels':>10} {'touched':>8} {'cut':>6} {'ours':>8} {'ours cold':>10} {'overlay':>8} "
              f"{'bare GEOS':>10} {'report':>8} {'overlay/ours':>13} {'ours/bare':>10} {'max diff m²':>12}")
    print(header)
    failed = []
    for r in rows:
        diff = max(r["diff_overlay"], r["diff_bare"])
        print(f"{r['parcels']:>10,} {r['touched']:>8,} {r['cut']:>6,} {r['ours']:>8.4f} {r['cold']:>10.4f} "
              f"{r['overlay']:>8.3f} {r['bare']:>10.4f} {r['report']:>8.3f} {r['overlay'] / r['ours']:>12.1f}x "
              f"{r['ours'] / r['bare']:>9.1f}x {diff:>12.2e}")
        if diff > TOLERANCE_M2:
            failed.append(f"{r['parcels']:,} parcels: results differ by {diff:.3g} m² (> {TOLERANCE_M2})")
        if r["ours"] > 3 * r["bare"]:
            failed.append(f"{r['parcels']:,} parcels: {r['ours'] / r['bare']:.1f}x the bare GEOS time (> 3x)")
        if r["parcels"] == 100_000 and r["overlay"] < 4 * r["ours"]:
            failed.append(f"100,000 parcels: only {r['overlay'] / r['ours']:.1f}x faster than overlay (< 4x)")
    t_cluster, t_all, count = builtin_report(args.repeat)
    print(f"Built-in commune report (not export): industrial cluster {t_cluster:.3f} s ({count} parcels), "
          f"all six projects {t_all:.3f} s")
    if t_cluster >= 1.0 or t_all >= 1.0:
        failed.append("the built-in commune report takes 1 s or more")
    for line in failed:
        print("FAIL:", line)
    print("all checks and targets met" if not failed else f"{len(failed)} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
