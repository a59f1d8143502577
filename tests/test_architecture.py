"""Imports point one way: the domain never pulls in the web stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


def test_gis_never_imports_streamlit_or_folium():
    code = (
        "import sys, importlib, pkgutil, gis\n"
        "for m in pkgutil.walk_packages(gis.__path__, 'gis.'):\n"
        "    if m.name != 'gis.__main__': importlib.import_module(m.name)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('streamlit', 'folium', 'streamlit_folium'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""



#: The sub-packages of ``gis`` and the sub-packages each may import, from the bottom up: the shared core (text,
#: errors, paths, CRS, land-use codes, limits) imports no other; reading and checking the officer's files builds on
#: the core; the demonstration data on the core and the files; the workspace store (the workspace GeoPackage, the
#: datasets, imports, accounts) also on the demonstration data (it generates the merged commune on first use); the
#: officer's jobs (recovery, fields, targets, summaries, the land ledger) on all of these; the printed maps and
#: report on the jobs. No sub-package imports ``gis.commands`` (the command line sits on top of everything).
ALLOWED = {
    "core": set(),
    "files": {"core"},
    "demo": {"core", "files"},
    "store": {"core", "files", "demo"},
    "jobs": {"core", "files", "demo", "store"},
    "printing": {"core", "files", "store", "jobs"},
}
#: Imports against the rule that are known and still to be untangled (this list may only shrink): generating the
#: merged commune builds its map's tiles at once (a job).
KNOWN_EXCEPTIONS = {("gis/store/datasets.py", "gis.jobs")}
SUBPACKAGES = set(ALLOWED) | {"commands"}
#: Modules still over 500 lines, to be split like the others (this list may only shrink).
NOT_YET_SPLIT: set[str] = set()
GIS = Path(__file__).resolve().parent.parent / "gis"


def _gis_imports(source: str) -> list[tuple[int, str]]:
    """Every ``gis`` module ``source`` imports, at the top or inside a function, with its line."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
            if node.module == "gis":  # from gis import files
                out += [(node.lineno, f"gis.{alias.name}") for alias in node.names]
    return sorted((line, name) for line, name in out if name == "gis" or name.startswith("gis."))


def _sub_package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in SUBPACKAGES else None


def _wrong_imports(package: str, path: str, source: str) -> list[str]:
    return [f"{path}:{line} imports {module}" for line, module in _gis_imports(source)
            if (target := _sub_package(module)) is not None and target != package
            and target not in ALLOWED[package] and (path, module) not in KNOWN_EXCEPTIONS]


def test_sub_packages_import_only_the_ones_below_them():
    wrong = []
    for package in ALLOWED:
        for path in sorted((GIS / package).rglob("*.py")):
            wrong += _wrong_imports(package, str(path.relative_to(GIS.parent)), path.read_text(encoding="utf-8"))
    assert wrong == []


def test_the_known_exceptions_are_still_there():
    """An exception untangled must leave :data:`KNOWN_EXCEPTIONS`, so the list only shrinks."""
    for path, module in KNOWN_EXCEPTIONS:
        source = (GIS.parent / path).read_text(encoding="utf-8")
        assert module in [name for _, name in _gis_imports(source)], (path, module)


def test_no_module_lives_flat_in_gis():
    """Every module of the domain sits in a sub-package whose name says what it does."""
    flat = sorted(p.name for p in GIS.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert flat == []


def test_no_module_is_over_about_500_lines():
    """Small rooms: no module of the domain, the layers or the pages over 500 lines (those listed are still to
    be split, and the list may only shrink)."""
    root = GIS.parent
    long = {str(p.relative_to(root)): n for folder in ("gis", "layers", "app_pages")
            for p in (root / folder).rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert set(long) <= NOT_YET_SPLIT, sorted(set(long) - NOT_YET_SPLIT)
    assert not NOT_YET_SPLIT - set(long), sorted(NOT_YET_SPLIT - set(long))


def test_every_sub_package_has_a_rule():
    found = {p.name for p in GIS.iterdir() if (p / "__init__.py").exists()}
    assert found == SUBPACKAGES


def test_the_rule_finds_a_late_import_from_a_higher_package():
    source = "import gis.core.crs\n\ndef f():\n    from gis.demo import builtin\n    from gis import files, __main__\n"
    assert _gis_imports(source) == [(1, "gis.core.crs"), (4, "gis.demo"), (5, "gis"), (5, "gis.__main__"),
                                    (5, "gis.files")]
    assert _wrong_imports("core", "x.py", source) == ["x.py:4 imports gis.demo", "x.py:5 imports gis.files"]
    assert _wrong_imports("demo", "x.py", source) == []
