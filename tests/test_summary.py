"""``python -m gis summary``: the plan's figures, checked against an independent computation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import fiona
import pytest
import shapely
from shapely.geometry import shape

from gis.files.io import BUILTIN_DATA_DIR, ROOT


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gis", *args], capture_output=True, text=True, cwd=ROOT,
                          check=check)


@pytest.fixture(scope="module")
def figures() -> dict:
    return json.loads(run_cli("summary", "--json").stdout)


def independent(folder: Path) -> dict:
    """The same figures from the shapefiles, with fiona and shapely alone (no code of the tool)."""
    def read(name):
        with fiona.open(folder / f"{name}.shp") as src:
            return [(dict(f.properties), shape(f.geometry)) for f in src]

    parcels = read("parcels")
    recovered = shapely.union_all([g for _, g in read("recovered_land")])
    fields = read("concentrated_fields")

    def main(code):
        return str(code).split("+")[0].strip().upper()

    rice = [g for p, g in parcels if main(p["MALOAIDAT"]) in ("LUA", "LUC", "LUK", "LUN")]
    ponds = [g for p, g in parcels if main(p["MALOAIDAT"]) == "NTS"]
    def whole(code):  # a mixed value (ONT+CLN) is its own row, not its first code
        return "+".join(part.strip().upper() for part in str(code).split("+"))

    by_code: dict[str, float] = {}
    for p, g in parcels:
        by_code[whole(p["MALOAIDAT"])] = by_code.get(whole(p["MALOAIDAT"]), 0.0) + g.area / 1e4
    return {
        "rice_ha_before_recovery": sum(g.area for g in rice) / 1e4,
        "rice_ha_after_recovery": sum(g.difference(recovered).area for g in rice) / 1e4,
        "aquaculture_ha_before_recovery": sum(g.area for g in ponds) / 1e4,
        "aquaculture_ha_after_recovery": sum(g.difference(recovered).area for g in ponds) / 1e4,
        "recovered_ha": recovered.area / 1e4,
        "concentrated_fields_ha": sum(g.difference(recovered).area for p, g in fields
                                      if p["TRANGTHAI"] != "Thu hồi") / 1e4,
        "parcel_count": len(parcels),
        "by_land_use": by_code,
    }


def test_the_figures_are_those_of_the_plan(figures):
    assert 675 <= figures["rice_ha_before_recovery"] <= 690
    assert 540 <= figures["rice_ha_after_recovery"] <= 550
    assert 56 <= figures["aquaculture_ha_before_recovery"] <= 60
    assert 53 <= figures["aquaculture_ha_after_recovery"] <= 57
    assert figures["recovered_ha"] > 120
    assert figures["concentrated_fields_ha"] < 100 and figures["concentrated_fields_count"] == 3
    assert 10_000 <= figures["parcel_count"] <= 15_000
    assert len(figures["by_village"]) == 13


def test_the_figures_agree_with_an_independent_computation(figures):
    ref = independent(BUILTIN_DATA_DIR)
    for key in ("rice_ha_before_recovery", "rice_ha_after_recovery", "aquaculture_ha_before_recovery",
                "aquaculture_ha_after_recovery", "recovered_ha", "concentrated_fields_ha"):
        assert figures[key] == pytest.approx(ref[key], abs=0.01), key
    assert figures["parcel_count"] == ref["parcel_count"]
    for code, ha in ref["by_land_use"].items():
        assert figures["by_land_use"][code] == pytest.approx(ha, abs=0.01), code
    assert sum(figures["by_village"].values()) == pytest.approx(sum(ref["by_land_use"].values()), abs=0.01)


def test_the_text_report_is_in_vietnamese_with_a_demo_note():
    out = run_cli("summary").stdout
    assert "Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế" in out
    assert "Đất trồng lúa sau thu hồi (ha)" in out
    assert "546," in out  # the decimal comma


def test_a_layer_with_no_prj_is_refused_naming_the_file(tmp_path: Path):
    for p in BUILTIN_DATA_DIR.glob("parcels.*"):
        if p.suffix != ".prj":
            shutil.copy(p, tmp_path / p.name)
    result = run_cli("summary", str(tmp_path), check=False)
    assert result.returncode == 2
    assert "parcels.shp" in result.stderr and ".prj" in result.stderr
    assert "Traceback" not in result.stderr
    english = run_cli("--lang", "en", "summary", str(tmp_path), check=False)
    assert "has no coordinate system" in english.stderr


def test_a_folder_without_parcels_says_so(tmp_path: Path):
    result = run_cli("summary", str(tmp_path), check=False)
    assert result.returncode == 2 and "không có lớp thửa đất" in result.stderr


def test_reading_only_the_fields_the_figures_use_gives_the_same_figures() -> None:
    from gis.files.io import load_dataset
    from gis.jobs.summary import summarise

    whole = load_dataset(BUILTIN_DATA_DIR)
    slim = load_dataset(BUILTIN_DATA_DIR, parcel_fields=("land_use", "village"))
    assert "owner" in whole.parcels.columns and "owner" not in slim.parcels.columns  # the owners were not read
    assert {"sheet", "parcel_no", "land_use", "village"} <= set(slim.parcels.columns)
    assert summarise(slim).as_dict() == summarise(whole).as_dict()
