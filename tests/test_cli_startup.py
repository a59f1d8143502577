"""``python -m gis --help`` starts without the geo stack: every command module imports it inside ``run()``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("geopandas", "shapely", "pyogrio", "pandas", "numpy", "pyproj", "fiona", "pyarrow")
PROBE = f"""
import json, sys, runpy
sys.argv = ["gis", *json.loads(sys.argv[1])]
try:
    runpy.run_module("gis", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})), file=sys.stderr)
"""


def _loaded(argv: list[str], tmp_path: Path) -> tuple[list[str], float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LUONGPHONG_WORKSPACE=str(tmp_path / "ws" / "workspace.gpkg"))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    seconds = time.perf_counter() - start
    return json.loads(done.stderr.strip().splitlines()[-1]), seconds, done.stdout


def test_help_imports_no_geo_stack_and_starts_fast(tmp_path: Path) -> None:
    loaded, seconds, out = _loaded(["--help"], tmp_path)
    assert "summary" in out and "generate-demo" in out
    assert loaded == []
    assert seconds < 2.0  # about 0.1 s here; the geo stack alone takes 1.3 s to import


def test_every_commands_help_imports_no_geo_stack(tmp_path: Path) -> None:
    for command in ("summary", "inspect", "import", "recovery", "generate-demo", "fields", "targets", "report",
                    "export-map", "provinces", "users", "serve"):
        loaded, _, out = _loaded([command, "--help"], tmp_path)
        assert loaded == [], (command, loaded)
        assert "usage" in out
