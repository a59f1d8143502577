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



#: The sub-packages of ``gis`` and the sub-packages each may import. The shared core comes first and imports
#: no other sub-package; reading the officer's files builds on the core only; the workspace store (the
#: GeoPackage the officer's work is saved in) on the core and the files; the demonstration data on the core and
#: the files; the ledger on the core, the files and the store (it writes through the store's transaction and
#: audit); the printed maps (which print a dataset of a date, with its planned fields) also on the ledger and
#: the store. Flat ``gis`` modules (still to be moved into sub-packages) are not constrained here, and no
#: sub-package imports ``gis.commands`` (the command line sits on top of everything).
ALLOWED = {
    "core": set(),
    "files": {"core"},
    "store": {"core", "files"},
    "demo": {"core", "files"},
    "printing": {"core", "files", "ledger", "store", "jobs"},
    "ledger": {"core", "files", "store"},
    "jobs": {"core", "files", "ledger", "store"},
}
SUBPACKAGES = set(ALLOWED) | {"commands"}
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
            and target not in ALLOWED[package]]


def test_sub_packages_import_only_the_ones_below_them():
    wrong = []
    for package in ALLOWED:
        for path in sorted((GIS / package).rglob("*.py")):
            wrong += _wrong_imports(package, str(path.relative_to(GIS.parent)), path.read_text(encoding="utf-8"))
    assert wrong == []


def test_every_sub_package_has_a_rule():
    found = {p.name for p in GIS.iterdir() if (p / "__init__.py").exists()}
    assert found == SUBPACKAGES


def test_the_rule_finds_a_late_import_from_a_higher_package():
    source = "import gis.core.crs\n\ndef f():\n    from gis.demo import builtin\n    from gis import files, io\n"
    assert _gis_imports(source) == [(1, "gis.core.crs"), (4, "gis.demo"), (5, "gis"), (5, "gis.files"),
                                    (5, "gis.io")]
    assert _wrong_imports("core", "x.py", source) == ["x.py:4 imports gis.demo", "x.py:5 imports gis.files"]
    assert _wrong_imports("demo", "x.py", source) == []
