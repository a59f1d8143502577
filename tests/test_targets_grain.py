"""Rice, grain and year-named figures on a small synthetic commune written as real shapefiles.

Every expected figure is computed here from the parcels' own shapely geometry: crop-hectares = Σ area ×
crops a year (LUC two, LUK one, or the parcel's SOVU field), grain = crop-hectares × yield + maize × its
yield; land recovered in 2023 is the 2023 boundaries only; a plan with other keys and roles is read as it is.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from gis.files.io import ROOT, load_dataset
from gis.jobs.targets.measure import evaluate
from gis.jobs.targets.plan import PlanError, load_plan, with_parameters
from gis.jobs.targets.status import ESTIMATE, MET, NOT_MEASURED

CRS = "EPSG:9214"  # VN-2000 / TM-3 107-00, the cadastral CRS of Bắc Giang
X0, Y0 = 398000.0, 2360000.0

# (code, SOVU, crop, box in metres from the origin): a field of each kind, some cut by the recovery
PARCELS = [
    ("LUC", None, None, (0, 0, 200, 100)),        # 2 ha, two crops by its code
    ("LUC", 1, None, (200, 0, 300, 100)),         # 1 ha, the data says one crop only
    ("LUK", None, None, (0, 100, 150, 200)),      # 1.5 ha, one crop by its code
    ("LUK", 2, None, (150, 100, 250, 200)),       # 1 ha, the data says two crops
    ("LUK+ONT", None, None, (250, 100, 300, 200)),  # 0.5 ha mixed: not counted as rice
    ("LUC", None, None, (300, 0, 400, 200)),      # 2 ha, half of it recovered in 2023
    ("HNK", None, "Ngô nếp", (0, 200, 100, 300)),  # 1 ha of maize
    ("ONT", None, None, (100, 200, 200, 300)),
]
# (project, year, box): only the 2023 project is "land recovered in 2023"
RECOVERED = [("Dự án A", 2023, (300, 100, 400, 200)), ("Dự án B", 2021, (100, 200, 200, 300))]


def shifted(b: tuple[float, float, float, float]):
    return box(X0 + b[0], Y0 + b[1], X0 + b[2], Y0 + b[3])


def write_commune(folder: Path, *, year_field: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    parcels = gpd.GeoDataFrame({
        "SHBANDO": [1] * len(PARCELS), "SHTHUA": list(range(1, len(PARCELS) + 1)),
        "MALOAIDAT": [p[0] for p in PARCELS], "TENCHU": [f"Chủ {i}" for i in range(len(PARCELS))],
        "DIACHI": ["Thôn Đông, xã Thử"] * len(PARCELS),
        "SOVU": [p[1] if p[1] is not None else 0 for p in PARCELS],
        "CAYTRONG": [p[2] or "" for p in PARCELS],
    }, geometry=[shifted(p[3]) for p in PARCELS], crs=CRS)
    parcels.to_file(folder / "parcels.shp", encoding="utf-8")
    recovered = {"TENDUAN": [r[0] for r in RECOVERED]}
    if year_field:
        recovered["NAM"] = [r[1] for r in RECOVERED]
    gpd.GeoDataFrame(recovered, geometry=[shifted(r[2]) for r in RECOVERED], crs=CRS).to_file(
        folder / "recovered_land.shp", encoding="utf-8")
    return folder


PLAN = '''year = 2031
title_vi = "Kế hoạch thử"
title_en = "A test plan"
placeholders = ["maize_yield"]

[rules]
at_risk_pct = 5
about_pct = 5

[roles]
rice_area = "lua_con_lai"
grain = "san_luong"
recovered = "thu_hoi_nam_truoc"

[parameters]
crops_luc = 2                  # đất chuyên trồng lúa: 2 vụ
crops_luk = 1                  # đất trồng lúa còn lại: 1 vụ
rice_yield = 6.0               # tấn/ha/vụ
maize_yield = 4.0              # listed in `placeholders`: no figure in the plan

[[target]]
key = "thu_hoi_nam_truoc"
label_vi = "Diện tích thu hồi năm 2023"
unit = "ha"
compare = "more_than"
planned = 0.5
measure = { kind = "union_area", layer = "recovered_land", year = 2023 }

[[target]]
key = "lua_con_lai"
label_vi = "Diện tích lúa sau thu hồi"
unit = "ha"
compare = "between"
planned = [6, 7]
measure = { kind = "area", layer = "parcels", where = { land_use_main = ["LUC", "LUK"] }, outside = "recovered_land" }

[[target]]
key = "gieo_cay"
label_vi = "Diện tích gieo cấy lúa (ha × vụ)"
unit = "ha"
compare = "report"
measure = { kind = "crop_area", layer = "parcels", crops = { LUC = "crops_luc", LUK = "crops_luk" }, outside = "recovered_land" }

[[target]]
key = "ngo"
label_vi = "Diện tích ngô"
unit = "ha"
compare = "about"
planned = 1
measure = { kind = "area", layer = "parcels", where = { crop = "Ngô nếp" }, outside = "recovered_land" }

[[target]]
key = "san_luong"
label_vi = "Sản lượng lương thực"
unit = "tấn"
compare = "at_least"
planned = 50
measure = { kind = "estimate", terms = [["gieo_cay", "rice_yield"], ["ngo", "maize_yield"]] }
'''


def write_plan(folder: Path, body: str = PLAN) -> Path:
    path = folder / "thu.toml"
    path.write_text(body, encoding="utf-8")
    return path


def expected_by_hand() -> dict[str, float]:
    """The figures from the boxes above, with shapely: recovered parts cut off, mixed codes left out."""
    cut = shapely_union([shifted(r[2]) for r in RECOVERED])
    rice_ha = crop_ha = maize_ha = 0.0
    for code, sovu, crop, b in PARCELS:
        area = shifted(b).difference(cut).area / 10_000
        if code in ("LUC", "LUK"):
            crops = sovu if sovu else {"LUC": 2, "LUK": 1}[code]
            rice_ha += area
            crop_ha += area * crops
        if crop == "Ngô nếp":
            maize_ha += area
    return {"rice_ha": rice_ha, "crop_ha": crop_ha, "maize_ha": maize_ha,
            "grain_t": crop_ha * 6.0 + maize_ha * 4.0, "recovered_2023_ha": shifted(RECOVERED[0][2]).area / 10_000}


def shapely_union(geoms):
    from shapely import union_all

    return union_all(geoms)


@pytest.fixture
def commune(tmp_path):
    return load_dataset(write_commune(tmp_path / "data"))


def by_key(results):
    return {r.target.key: r for r in results}


def test_the_hand_figures_are_what_the_boxes_say():
    # the boxes by eye: rice 2 + 1 + 1.5 + 1 + 1 (half of the last LUC) = 6.5 ha; crops 4 + 1 + 1.5 + 2 + 2 = 10.5
    want = expected_by_hand()
    assert want["rice_ha"] == pytest.approx(6.5) and want["crop_ha"] == pytest.approx(10.5)
    assert want["maize_ha"] == pytest.approx(1.0) and want["recovered_2023_ha"] == pytest.approx(1.0)


def test_crop_hectares_and_grain_follow_the_code_and_the_crop_field(commune, tmp_path):
    plan = load_plan(write_plan(tmp_path))
    r = by_key(evaluate(plan, commune))
    want = expected_by_hand()
    assert r["lua_con_lai"].measured == pytest.approx(want["rice_ha"])
    assert r["gieo_cay"].measured == pytest.approx(want["crop_ha"])
    assert r["gieo_cay"].details["mixed_left_out_ha"] == pytest.approx(0.5)
    assert r["gieo_cay"].details["parcels_with_crop_count"] == 2
    assert r["san_luong"].measured == pytest.approx(want["grain_t"])


def test_an_estimate_on_a_placeholder_is_an_estimate_never_met(commune, tmp_path):
    plan = load_plan(write_plan(tmp_path))
    grain = by_key(evaluate(plan, commune))["san_luong"]
    assert grain.measured > grain.target.planned  # it would be "met" were it not for the placeholder
    assert grain.status == ESTIMATE and grain.placeholders == ("maize_yield",)
    assert grain.progress is None
    assert "maize_yield" in grain.status_label("vi") and "Ước tính" in grain.status_label("vi")
    assert "placeholder" in grain.status_label("en")
    # the commune's own maize yield entered: a real status
    own = by_key(evaluate(with_parameters(plan, {"maize_yield": 4.5}), commune))["san_luong"]
    assert own.status == MET and own.placeholders == ()


def test_land_recovered_in_a_year_counts_that_year_only(commune, tmp_path):
    plan = load_plan(write_plan(tmp_path))
    r = by_key(evaluate(plan, commune))["thu_hoi_nam_truoc"]
    assert r.measured == pytest.approx(expected_by_hand()["recovered_2023_ha"])  # not 2 ha (both years)
    assert r.status == MET and "2023" in r.source_vi


def test_a_year_figure_without_a_year_field_is_not_measurable(tmp_path):
    data = load_dataset(write_commune(tmp_path / "data", year_field=False))
    plan = load_plan(write_plan(tmp_path))
    r = by_key(evaluate(plan, data))["thu_hoi_nam_truoc"]
    assert r.measured is None and r.status == NOT_MEASURED
    assert "2023" in r.reason("vi") and "NAM" in r.reason("en") and "all" in r.reason("en")


def test_a_recovery_decided_after_the_plans_year_does_not_take_its_land_yet(tmp_path):
    folder = write_commune(tmp_path / "data")
    layer = gpd.read_file(folder / "recovered_land.shp")
    later = gpd.GeoDataFrame({"TENDUAN": ["Dự án C"], "NAM": [2035]}, geometry=[shifted((0, 0, 100, 100))], crs=CRS)
    gpd.GeoDataFrame(pd.concat([layer, later], ignore_index=True), crs=CRS).to_file(
        folder / "recovered_land.shp", encoding="utf-8")
    r = by_key(evaluate(load_plan(write_plan(tmp_path)), load_dataset(folder)))  # the plan's year is 2031
    assert r["lua_con_lai"].measured == pytest.approx(expected_by_hand()["rice_ha"])  # 2035 not subtracted
    plan_2036 = by_key(evaluate(load_plan(write_plan(tmp_path, PLAN.replace("year = 2031", "year = 2036"))),
                              load_dataset(folder)))
    assert plan_2036["lua_con_lai"].measured == pytest.approx(expected_by_hand()["rice_ha"] - 1.0)


def test_a_year_from_a_decision_date(tmp_path):
    folder = write_commune(tmp_path / "data", year_field=False)
    layer = gpd.read_file(folder / "recovered_land.shp")
    layer["NGAYQD"] = ["15/08/2023", "02/03/2021"]
    layer.to_file(folder / "recovered_land.shp", encoding="utf-8")
    r = by_key(evaluate(load_plan(write_plan(tmp_path)), load_dataset(folder)))["thu_hoi_nam_truoc"]
    assert r.measured == pytest.approx(1.0)


def test_roles_name_targets_of_the_file(tmp_path):
    plan = load_plan(write_plan(tmp_path))
    assert plan.role("rice_area").key == "lua_con_lai" and plan.role("grain").key == "san_luong"
    assert plan.role("fields_total") is None
    with pytest.raises(PlanError) as err:
        load_plan(write_plan(tmp_path, PLAN.replace('grain = "san_luong"', 'grain = "grain_t"')))
    assert "grain_t" in err.value.vi and "dòng 12" in err.value.vi
    with pytest.raises(PlanError) as err:
        load_plan(write_plan(tmp_path, PLAN.replace('grain = "san_luong"', 'grian = "san_luong"')))
    assert "grian" in err.value.en


def test_the_command_line_gives_the_same_grain_and_statuses(tmp_path):
    folder = write_commune(tmp_path / "data")
    out = subprocess.run([sys.executable, "-m", "gis", "targets", "--json", "--plan", str(write_plan(tmp_path)),
                          "--data", str(folder), "--workspace", str(tmp_path / "none.gpkg")],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    items = {o["key"]: o for o in json.loads(out.stdout)}
    want = expected_by_hand()
    assert items["san_luong"]["measured"] == pytest.approx(want["grain_t"], abs=1e-3)
    assert items["san_luong"]["status"] == ESTIMATE and items["san_luong"]["placeholders"] == ["maize_yield"]
    assert items["san_luong"]["progress"] is None
    assert items["gieo_cay"]["measured"] == pytest.approx(want["crop_ha"], abs=1e-3)
    assert items["thu_hoi_nam_truoc"]["measured"] == pytest.approx(1.0, abs=1e-3)
    assert items["lua_con_lai"]["progress"] == 1.0 and items["lua_con_lai"]["status"] == MET


def test_the_builtin_grain_is_rice_crop_hectares_times_yield_plus_maize():
    """On the built-in data: LUC after recovery × 2 + LUK × 1, by shapely, × 5.9 t/ha; maize × 5 t/ha."""
    data = load_dataset()
    r = by_key(evaluate(load_plan(), data))
    parcels = data.parcels
    cut = data.get("recovered_land").geometry.union_all()
    single = ~parcels["land_use"].str.contains("+", regex=False)
    crop_ha = 0.0
    for code, crops in (("LUC", 2), ("LUK", 1)):
        part = parcels[(parcels["land_use"] == code) & single]
        crop_ha += sum(g.difference(cut).area for g in part.geometry) / 10_000 * crops
    maize = parcels[parcels["crop"].isin(["Ngô ngọt", "Ngô nếp"])]
    maize_ha = sum(g.difference(cut).area for g in maize.geometry) / 10_000
    assert r["rice_crop_ha_2024"].measured == pytest.approx(crop_ha)
    assert r["grain_t"].measured == pytest.approx(crop_ha * 5.9 + maize_ha * 5.0)
    assert r["grain_t"].status == ESTIMATE and r["grain_t"].placeholders == ("maize_yield_t_ha",)
    assert r["aquaculture_t"].status == ESTIMATE and r["aquaculture_t"].placeholders == ("fish_yield_t_ha",)
