"""The commands end to end, as a user runs them, before and after in the same run.

Run: ``python -m benchmarks.commands [--before /work/main] [--repeat 3] [--quick]``

Each figure is the median wall time of ``--repeat`` separate processes (``python -m gis ...``), the median
of their CPU seconds (user + system: on a shared machine the wall time also waits for the cores) and the
largest peak memory among them (``os.wait4``), for this checkout ("after") and, with ``--before``, for
another checkout given as ``PYTHONPATH`` ("before"), interleaved so that both see the same load:

- ``gis inspect`` then ``gis import`` of a 100 000-parcel shapefile with 300 overlaps and 300 gaps planted
  (:mod:`benchmarks.synthetic`), as a user runs them: both in the same new workspace, one after the other
  (the import commits what the inspection staged, :mod:`gis.store.staged`); target < 5 s together. A row for
  ``gis import`` alone (a new workspace, no inspection before it: all the work). The counts are checked in
  the inspection's report and in every imported dataset's ``source.json``;
- ``gis summary`` of a 1 000 000-parcel dataset folder (GeoPackage), target < 5 s and < 1.5 GB
  (``--quick``: 100 000 parcels);
- ``gis summary --as-of`` of a 100 000-parcel dataset folder (the merged commune at full size) in a new
  workspace: the first time, when the dataset's land ledger is seeded from its parcels, then a second time in
  the same workspace (the ledger read as of that date);
- ``gis --help``: the start-up.

The synthetic files are written on first use under ``benchmarks/.cache/`` (git-ignored). Each checkout's
bytecode is compiled once before its first timing, as an installed tool has it (a shell with
``PYTHONDONTWRITEBYTECODE`` would otherwise time compiling every module of the checkout in every process). The machine is
shared: read the ratios, not the absolute figures. ``gis recovery`` end to end is in
:mod:`benchmarks.recovery` (``--cli``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"


#: The checkouts whose bytecode :func:`run_cli` has compiled (into their ``__pycache__``, git-ignored).
_COMPILED: set[Path] = set()

#: CPU seconds (user + system) of the last process :func:`run_cli` ran: on a machine shared with other jobs
#: the wall time waits for the cores, the CPU time much less.
LAST_CPU = [0.0]


def run_cli(argv: list[str], *, pythonpath: Path, workspace: Path | None = None,
            cwd: Path | None = None) -> tuple[float, float, int, str]:
    """Run ``python ARGV`` with ``PYTHONPATH``; wall seconds, peak MB, exit code and stdout of that process
    (its CPU seconds in :data:`LAST_CPU`)."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath))
    # an installed tool has its bytecode compiled (pip does it); this shell may forbid writing it, which would
    # time compiling every module of the checkout in every process: compiled once here, outside any timing
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath not in _COMPILED:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(pythonpath / "gis")], env=env, check=False,
                       stdout=subprocess.DEVNULL)
        _COMPILED.add(pythonpath)
    if workspace is not None:
        env["LUONGPHONG_WORKSPACE"] = str(workspace / "workspace.gpkg")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, *argv], cwd=cwd or pythonpath, env=env, stdout=out, stderr=err,
                                 stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        LAST_CPU[0] = usage.ru_utime + usage.ru_stime
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", errors="replace")
        if child.returncode != 0:
            print(err.read().decode("utf-8", errors="replace")[-2000:], file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, child.returncode, text


def planted_shapefile(n: int = 100_000) -> tuple[Path, dict[str, int]]:
    """The planted coverage of ``n`` parcels as a UTF-8 shapefile with owners and villages, and its counts."""
    import numpy as np
    import pyogrio

    from benchmarks.synthetic import planted

    path = CACHE / f"planted-{n}.shp"
    counts_path = path.with_suffix(".json")
    if not path.exists() or not counts_path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        frame, counts = planted(n, per_kind=100)
        rng = np.random.default_rng(1)
        villages = np.array(["Thôn Cấm", "Thôn Chớp", "Thôn Chùa", "Thôn Đông", "Thôn Giữa"], dtype=object)
        frame["TENCHU"] = np.array([f"Nguyễn Văn {i % 5000}" for i in range(len(frame))], dtype=object)
        frame["DIACHI"] = villages[rng.integers(0, len(villages), len(frame))]
        pyogrio.write_dataframe(frame, path, encoding="UTF-8")
        counts_path.write_text(json.dumps(counts))
    return path, json.loads(counts_path.read_text())


def summary_folder(n: int) -> Path:
    """A dataset folder of ``n`` Voronoi parcels (:func:`benchmarks.recovery.generate`) with a commune outline."""
    import geopandas as gpd
    import pyogrio
    import shapely

    from benchmarks.recovery import load, project_boundary

    folder = CACHE / f"summary-{n}"
    if not (folder / "parcels.gpkg").exists():
        folder.mkdir(parents=True, exist_ok=True)
        parcels = load(n)
        x0, y0, x1, y1 = parcels.total_bounds
        pyogrio.write_dataframe(gpd.GeoDataFrame({"TEN": ["Xã thử"]}, geometry=[shapely.box(x0, y0, x1, y1)],
                                                 crs=parcels.crs), folder / "commune.gpkg")
        pyogrio.write_dataframe(gpd.GeoDataFrame({"TENDUAN": ["Dự án thử"]}, geometry=[project_boundary(parcels)],
                                                 crs=parcels.crs), folder / "recovered_land.gpkg")
        pyogrio.write_dataframe(parcels, folder / "parcels.partial.gpkg", layer="parcels")
        os.replace(folder / "parcels.partial.gpkg", folder / "parcels.gpkg")
    return folder


def measure(label: str, argv: list[str], checkouts: dict[str, Path], repeat: int, *,
            workspace: bool = False, check=None) -> dict[str, tuple[float, float, float]]:
    """Median wall time, peak memory and median CPU time of ``argv`` for each checkout, runs interleaved."""
    times: dict[str, list[float]] = {k: [] for k in checkouts}
    cpus: dict[str, list[float]] = {k: [] for k in checkouts}
    peaks: dict[str, float] = {k: 0.0 for k in checkouts}
    for _ in range(repeat):
        for name, path in checkouts.items():
            with tempfile.TemporaryDirectory() as ws:
                seconds, mb, code, out = run_cli(argv, pythonpath=path, workspace=Path(ws) if workspace else None)
            if code != 0:
                raise SystemExit(f"{label} ({name}) exited with {code}")
            if check is not None:
                check(name, out)
            times[name].append(seconds)
            cpus[name].append(LAST_CPU[0])
            peaks[name] = max(peaks[name], mb)
    return {k: (statistics.median(v), peaks[k], statistics.median(cpus[k])) for k, v in times.items()}


def measure_import(shp: Path, checkouts: dict[str, Path], repeat: int, *, check_report, check_import,
                   ) -> dict[str, dict[str, tuple[float, float, float]]]:
    """``gis inspect`` then ``gis import`` of ``shp`` in one new workspace, and ``gis import`` alone in
    another, for each checkout, runs interleaved: median wall time, peak memory and median CPU time of each
    step (``inspect``, ``import after inspect``, ``together``: the sum of both per run, ``import alone``)."""
    steps = ("inspect", "import after inspect", "together", "import alone")
    walls: dict[str, dict[str, list[float]]] = {s: {k: [] for k in checkouts} for s in steps}
    cpus: dict[str, dict[str, list[float]]] = {s: {k: [] for k in checkouts} for s in steps}
    peaks: dict[str, dict[str, float]] = {s: {k: 0.0 for k in checkouts} for s in steps}

    def run(step: str, name: str, argv: list[str], ws: Path) -> tuple[float, float, str]:
        seconds, mb, code, out = run_cli(argv, pythonpath=checkouts[name], workspace=ws)
        if code != 0:
            raise SystemExit(f"{step} ({name}) exited with {code}")
        walls[step][name].append(seconds)
        cpus[step][name].append(LAST_CPU[0])
        peaks[step][name] = max(peaks[step][name], mb)
        return seconds, LAST_CPU[0], out

    for _ in range(repeat):
        for name in checkouts:
            with tempfile.TemporaryDirectory() as tmp:
                ws = Path(tmp)
                wall_a, cpu_a, out = run("inspect", name, ["-m", "gis", "inspect", str(shp), "--json"], ws)
                check_report(name, out)
                wall_b, cpu_b, _ = run("import after inspect", name, ["-m", "gis", "import", str(shp)], ws)
                check_import(f"import after inspect ({name})", ws)
                walls["together"][name].append(wall_a + wall_b)
                cpus["together"][name].append(cpu_a + cpu_b)
                peaks["together"][name] = max(peaks["inspect"][name], peaks["import after inspect"][name])
            with tempfile.TemporaryDirectory() as tmp:
                run("import alone", name, ["-m", "gis", "import", str(shp)], Path(tmp))
                check_import(f"import alone ({name})", Path(tmp))
    return {s: {k: (statistics.median(walls[s][k]), peaks[s][k], statistics.median(cpus[s][k])) for k in checkouts}
            for s in steps}


def measure_ledger(folder: Path, checkouts: dict[str, Path], repeat: int
                   ) -> dict[str, dict[str, tuple[float, float, float]]]:
    """``gis summary FOLDER --as-of`` twice in one new workspace for each checkout, runs interleaved: the first
    seeds the dataset's ledger, the second reads it (median wall time, peak memory, median CPU time)."""
    steps = ("first", "second")
    walls: dict[str, dict[str, list[float]]] = {s: {k: [] for k in checkouts} for s in steps}
    cpus: dict[str, dict[str, list[float]]] = {s: {k: [] for k in checkouts} for s in steps}
    peaks: dict[str, dict[str, float]] = {s: {k: 0.0 for k in checkouts} for s in steps}
    argv = ["-m", "gis", "summary", str(folder), "--as-of", "2030-01-01", "--json"]
    for _ in range(repeat):
        for name, path in checkouts.items():
            with tempfile.TemporaryDirectory() as tmp:
                for step in steps:
                    seconds, mb, code, out = run_cli(argv, pythonpath=path, workspace=Path(tmp))
                    if code != 0 or json.loads(out).get("as_of") != "2030-01-01":
                        raise SystemExit(f"summary --as-of, {step} time ({name}) exited with {code}")
                    walls[step][name].append(seconds)
                    cpus[step][name].append(LAST_CPU[0])
                    peaks[step][name] = max(peaks[step][name], mb)
    return {s: {k: (statistics.median(walls[s][k]), peaks[s][k], statistics.median(cpus[s][k])) for k in checkouts}
            for s in steps}


def _row(label: str, figures: dict[str, tuple[float, float, float]]) -> str:
    after = figures["after"]
    text = f"{label:<44} after {after[0]:7.2f} s (cpu {after[2]:6.2f} s) {after[1]:6.0f} MB"
    if "before" in figures:
        before = figures["before"]
        text += (f" | before {before[0]:7.2f} s (cpu {before[2]:6.2f} s) {before[1]:6.0f} MB | "
                 f"{before[0] / after[0]:4.1f}x faster (cpu {before[2] / after[2]:4.1f}x)")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="another checkout to compare (PYTHONPATH)")
    parser.add_argument("--repeat", type=int, default=3, help="processes per figure (median), default 3")
    parser.add_argument("--quick", action="store_true", help="summary of 100 000 parcels instead of 1 000 000")
    parser.add_argument("--only", choices=("help", "import", "summary", "ledger"), action="append", default=None)
    args = parser.parse_args(argv)
    checkouts = {"after": ROOT}
    if args.before is not None:
        checkouts["before"] = args.before.resolve()
    only = set(args.only or ("help", "import", "summary", "ledger"))
    failed: list[str] = []
    print(f"Medians of {args.repeat} processes each; peak memory is the largest of them.")

    if "help" in only:
        figures = measure("gis --help", ["-m", "gis", "--help"], checkouts, args.repeat)
        print(_row("gis --help", figures))

    if "import" in only:
        shp, counts = planted_shapefile()

        def planted_found(name: str, out: str) -> None:
            report = json.loads(out)
            found = {"overlap": report["problems"]["overlap"], "gap": report["problems"]["gap"]}
            if found != counts:
                failed.append(f"inspect ({name}) found {found}, planted {counts}")

        def planted_imported(label: str, ws: Path) -> None:
            folders = list((ws / "imports").glob("*/source.json"))
            problems = json.loads(folders[0].read_text(encoding="utf-8"))["problems"] if len(folders) == 1 else {}
            found = {k: problems.get(k) for k in counts}
            if found != counts:
                failed.append(f"{label} found {found}, planted {counts}")

        figures = measure_import(shp, checkouts, args.repeat, check_report=planted_found,
                                 check_import=planted_imported)
        print(_row("gis inspect, 100 000 parcels (planted)", figures["inspect"]))
        print(_row("gis import after inspect, same workspace", figures["import after inspect"]))
        together = figures["together"]
        print(_row("inspect + import together", together))
        print(_row("gis import alone (no inspect before)", figures["import alone"]))
        if together["after"][0] >= 5.0:
            failed.append(f"inspect + import took {together['after'][0]:.1f} s (target < 5 s)")

    if "summary" in only:
        n = 100_000 if args.quick else 1_000_000
        folder = summary_folder(n)
        figures = measure("summary", ["-m", "gis", "summary", str(folder), "--json"], checkouts, args.repeat)
        print(_row(f"gis summary, {n:,} parcels", figures))
        per = {k: v[1] * 1024 / n for k, v in figures.items()}
        print(f"{'  memory per parcel (peak / parcels)':<44} after {per['after']:7.2f} kB"
              + (f" | before {per['before']:7.2f} kB" if "before" in per else ""))
        if n == 1_000_000 and (figures["after"][0] >= 5.0 or figures["after"][1] >= 1536):
            failed.append(f"summary took {figures['after'][0]:.1f} s, {figures['after'][1]:.0f} MB (< 5 s, < 1.5 GB)")

    if "ledger" in only:
        n = 100_000
        figures = measure_ledger(summary_folder(n), checkouts, args.repeat)
        print(_row(f"gis summary --as-of, {n:,}: ledger seeded", figures["first"]))
        print(_row("  the same, second time (ledger read)", figures["second"]))

    for line in failed:
        print("FAIL:", line)
    print("all checks and targets met" if not failed else f"{len(failed)} check(s) or target(s) missed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
