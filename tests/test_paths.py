"""Where the tool finds its shipped files and where it writes by default (gis.core.paths)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gis.core import paths
from gis.files.io import BUILTIN_DATA_DIR, REFERENCE_OUTLINE
from gis.jobs.targets.plan import PLANS_DIR

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_files_are_found_in_the_package_and_the_data_folder() -> None:
    package = ROOT / "gis"
    assert paths.package_path("limits.toml") == package / "limits.toml"
    assert "file_mb" in tomllib.loads(paths.package_path("limits.toml").read_text(encoding="utf-8"))["limits"]
    data = ROOT / "data"  # packaged as gis_data (setup.py)
    assert BUILTIN_DATA_DIR == data / "shapefiles" and (BUILTIN_DATA_DIR / "parcels.shp").is_file()
    assert REFERENCE_OUTLINE.is_file() and REFERENCE_OUTLINE.is_relative_to(data)
    assert (PLANS_DIR / "2024.toml").is_file() and PLANS_DIR.is_relative_to(data)


def test_an_installed_package_reads_its_data_from_gis_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    (site / "gis_data" / "plans").mkdir(parents=True)
    (site / "gis_data" / "__init__.py").write_text("")
    (site / "gis_data" / "plans" / "2024.toml").write_text("year = 2024\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(paths, "CHECKOUT", False)
    found = paths.data_path("plans", "2024.toml")
    assert found == site / "gis_data" / "plans" / "2024.toml" and found.read_text() == "year = 2024\n"


def test_a_checkout_writes_beside_its_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.CHECKOUT  # this test runs from the checkout
    monkeypatch.delenv("LUONGPHONG_WORKSPACE", raising=False)
    assert paths.workspace_file() == ROOT / "workspace" / "workspace.gpkg"
    assert paths.default_cache_dir() == ROOT / ".cache"


def test_an_installed_package_writes_in_the_users_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "CHECKOUT", False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LUONGPHONG_WORKSPACE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert paths.workspace_file() == tmp_path / "home" / "luongphong-gis" / "workspace" / "workspace.gpkg"
    assert paths.default_cache_dir() == tmp_path / "home" / ".cache" / "luongphong-gis"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert paths.default_cache_dir() == tmp_path / "xdg" / "luongphong-gis"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "w.gpkg"))
    assert paths.workspace_file() == tmp_path / "ws" / "w.gpkg"
