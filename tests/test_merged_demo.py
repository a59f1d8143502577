"""The merged commune xã Hiệp Hòa (mới): five former units generated, Lương Phong exactly the built-in data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import MergedCommune

from gis.demo import merged as merged_demo
from gis.files.checks import check_parcels
from gis.files.io import BUILTIN_DATA_DIR, REFERENCE_OUTLINE, ROOT, load_dataset, read_layer

KEY = ["SHBANDO", "SHTHUA"]


@pytest.fixture(scope="module")
def folder(merged_commune: MergedCommune) -> Path:
    """The dataset written once by the command, as a user would (the generation time is printed): written once
    per test run (``conftest.merged_commune``) for these tests and every other test of the merged commune."""
    assert "Generated in" in merged_commune.output
    return merged_commune.folder


def test_written_as_a_dataset_folder(folder: Path) -> None:
    meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    assert meta["admin_unit"]["current"] == {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh",
                                             "commune_code": "07840", "province_code": "24"}
    assert meta["admin_unit"]["former"] is None
    dataset = load_dataset(folder)
    parcels = dataset.parcels
    assert 60_000 <= len(parcels) <= 80_000
    counts = parcels["former_unit"].value_counts()
    assert set(counts.index) == {"Thắng", "Lương Phong", "Đông Lỗ", "Đoan Bái", "Danh Thắng"}
    assert counts["Lương Phong"] == 14_877 and counts["Đông Lỗ"] > counts["Danh Thắng"] > counts["Thắng"]
    # sheet and parcel numbers restart in each unit, and are unique with the unit's code
    assert not parcels.duplicated(["commune_code", "sheet", "parcel_no"]).any()
    assert parcels.groupby("former_unit")["commune_code"].nunique().eq(1).all()


def test_luong_phong_is_the_built_in_data(folder: Path) -> None:
    builtin = read_layer(BUILTIN_DATA_DIR / "parcels.shp").sort_values(KEY).reset_index(drop=True)
    merged = read_layer(folder / "parcels.gpkg")
    lp = merged[merged["XA_CU"] == "Lương Phong"].sort_values(KEY).reset_index(drop=True)
    assert len(lp) == len(builtin)
    for column in builtin.columns.drop("geometry"):  # a DBF reads an empty text as NULL, a GeoPackage as ""
        mine, theirs = lp[column], builtin[column]
        if not pd.api.types.is_numeric_dtype(theirs):
            mine, theirs = mine.astype(object).fillna(""), theirs.astype(object).fillna("")
        assert mine.tolist() == theirs.tolist(), column
    a, b = lp.geometry.to_numpy(), builtin.geometry.to_numpy()
    assert np.abs(shapely.area(a) - shapely.area(b)).max() < 1e-6
    assert shapely.area(shapely.symmetric_difference(a, b)).max() < 1e-6


def test_units_are_where_their_outlines_are_and_thang_is_a_town(folder: Path) -> None:
    parcels = read_layer(folder / "parcels.gpkg")
    units = read_layer(folder / "former_units.gpkg").set_index("XA_CU")
    points = shapely.point_on_surface(parcels.geometry.to_numpy())
    for name, unit in units.iterrows():
        mine = (parcels["XA_CU"] == name).to_numpy()
        inside = shapely.contains_xy(unit.geometry.buffer(1.0), shapely.get_coordinates(points[mine]))
        assert inside.mean() > 0.999, name
    thang = parcels[parcels["XA_CU"] == "Thắng"]
    urban = thang[thang["MALOAIDAT"] == "ODT"]
    assert len(urban) > 1000 and float(urban.area.median()) < 200  # dense small lots
    assert {"LUC", "NTS", "DGT", "DTL"} <= set(parcels.loc[parcels["XA_CU"] == "Đông Lỗ", "MALOAIDAT"])
    assert (thang["DIACHI"].str.startswith("Tổ dân phố ")).all()


def test_the_merged_parcels_pass_the_overlap_check(folder: Path) -> None:
    parcels = read_layer(folder / "parcels.gpkg")
    report = check_parcels(parcels)
    assert report.counts["overlap"] == 0
    assert report.counts["duplicate_parcel"] == 0


def test_summary_per_former_unit_sums_to_the_whole(folder: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "gis", "summary", str(folder), "--by", "former_unit", "--json"],
                          capture_output=True, text=True, cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    whole = json.loads(done.stdout)
    parts = whole["by"]["former_unit"]
    assert set(parts) == {"Thắng", "Lương Phong", "Đông Lỗ", "Đoan Bái", "Danh Thắng"}
    assert sum(p["parcel_count"] for p in parts.values()) == whole["parcel_count"]
    for key in ("rice_ha_before_recovery", "rice_ha_after_recovery", "aquaculture_ha_before_recovery",
                "aquaculture_ha_after_recovery", "concentrated_fields_ha"):
        assert sum(p[key] for p in parts.values()) == pytest.approx(whole[key], abs=1e-3), key
    for code, ha in whole["by_land_use"].items():
        assert sum(p["by_land_use"].get(code, 0.0) for p in parts.values()) == pytest.approx(ha, abs=1e-3), code
    # the units' drawn areas make up the commune outline, to the coarse census map's crumbs
    assert sum(p["commune_ha"] for p in parts.values()) == pytest.approx(whole["commune_ha"], rel=0.01)
    # Lương Phong's figures are the 2024 plan's, as on the built-in data
    builtin = json.loads(subprocess.run([sys.executable, "-m", "gis", "summary", str(BUILTIN_DATA_DIR), "--json"],
                                        capture_output=True, text=True, cwd=ROOT, check=True,
                                        env=dict(os.environ, PYTHONPATH=str(ROOT))).stdout)
    for key in ("parcel_count", "rice_ha_before_recovery", "rice_ha_after_recovery", "aquaculture_ha_before_recovery"):
        assert parts["Lương Phong"][key] == pytest.approx(builtin[key], abs=1e-3), key


def test_a_unit_is_generated_the_same_twice() -> None:
    territory = merged_demo.unit_outlines(REFERENCE_OUTLINE)[merged_demo.UNITS[0].census_id]
    a = merged_demo.generate_unit(merged_demo.UNITS[0], territory)
    b = merged_demo.generate_unit(merged_demo.UNITS[0], territory)
    assert len(a) == len(b) > 2000
    assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), tolerance=0).all()
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))


def test_nothing_is_generated_on_import(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), LUONGPHONG_CACHE=str(tmp_path / "cache"))
    subprocess.run([sys.executable, "-c", "import gis.demo.merged, gis.files.io, gis.jobs.summary; "
                    "print(gis.demo.merged.default_folder())"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert not (tmp_path / "cache").exists()
