"""The targets table in Excel (read back with openpyxl), the ``--out`` option, and what the page builds on."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import openpyxl
import pytest
from shapely.geometry import box

from gis.files.io import ROOT, load_dataset
from gis.jobs.targets.footprint import footprints
from gis.jobs.targets.labels import GROUPS, group_of, source_text
from gis.jobs.targets.measure import estimate_terms, evaluate
from gis.jobs.targets.plan import PlanError, load_plan, parameters_of, with_parameters
from gis.jobs.targets_export import COLUMNS, STATUS_COLOURS, build_workbook, targets_xlsx_bytes

HEADER_ROW = 4


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def results(plan, dataset):
    manual = {"health_insurance_pct": (99.7, "2024-05-03T08:00:00+00:00", "Báo cáo BHXH huyện")}
    return evaluate(plan, dataset, manual=manual)


def rows_by_key(ws) -> dict[str, list[dict]]:
    headers = [c.value for c in ws[HEADER_ROW]]
    out: dict[str, list[dict]] = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        values = {h: c for h, c in zip(headers, row, strict=True)}
        key = values["Mã chỉ tiêu"].value
        if key:
            out.setdefault(key, []).append(values)
    return out


def test_the_workbook_has_a_dated_title_vietnamese_headers_and_the_demo_note(tmp_path, plan, results):
    path = tmp_path / "chi-tieu.xlsx"
    build_workbook(plan, results, on=date(2024, 6, 30), demo=True, place="xã Hiệp Hòa, tỉnh Bắc Ninh").save(path)
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "Chỉ tiêu"
    # the plan of the former commune, in the unit of today
    assert ws["A1"].value == "BẢNG THEO DÕI CHỈ TIÊU: KẾ HOẠCH NĂM 2024 CỦA XÃ LƯƠNG PHONG (CŨ) — XÃ HIỆP HÒA, TỈNH BẮC NINH"
    assert ws["A1"].font.bold
    assert "30/06/2024" in ws["A2"].value and "2024.toml" in ws["A2"].value
    assert "dữ liệu minh họa" in ws["A3"].value.lower()
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers == [c.header.vi for c in COLUMNS]
    assert {"Chỉ tiêu", "Kế hoạch", "Đo được", "Đơn vị", "Tiến độ", "Đánh giá", "Nguồn số liệu", "Ngày nhập"} <= set(headers)
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    groups = [ws.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)
              if ws.cell(row=r, column=1).value in {g.vi for g in GROUPS.values()}]
    assert groups == [g.vi for g in GROUPS.values()]


def test_every_target_has_its_row_with_numbers_statuses_in_colour_and_sources(tmp_path, plan, results):
    path = tmp_path / "t.xlsx"
    path.write_bytes(targets_xlsx_bytes(plan, results, on=date(2024, 6, 30)))
    ws = openpyxl.load_workbook(path).active
    rows = rows_by_key(ws)
    assert set(rows) == {t.key for t in plan.targets}
    rice = rows["rice_area_2024_ha"][0]
    assert rice["Kế hoạch"].value == "540 – 550"
    assert 540 <= rice["Đo được"].value <= 550 and rice["Đo được"].number_format == "#,##0.00"
    assert rice["Đánh giá"].value == "Đạt"
    assert rice["Đánh giá"].fill.fgColor.rgb.endswith(STATUS_COLOURS["met"][0])
    assert rice["Tiến độ"].number_format == "0%" and rice["Tiến độ"].value == 1.0  # inside its range
    assert "trừ phần đất thu hồi" in rice["Nguồn số liệu"].value
    fields = rows["concentrated_fields_total_ha"][0]
    assert fields["Đánh giá"].value == "Chưa đạt" and fields["Kế hoạch"].value == 100
    assert fields["Đánh giá"].fill.fgColor.rgb.endswith(STATUS_COLOURS["not_met"][0])
    insurance = rows["health_insurance_pct"][0]
    assert insurance["Đo được"].value == pytest.approx(99.7) and insurance["Đánh giá"].value == "Đạt"
    assert insurance["Ngày nhập"].value == "03/05/2024" and "03/05/2024" in insurance["Nguồn số liệu"].value
    assert rows["pigs"][0]["Đo được"].value is None and rows["pigs"][0]["Đánh giá"].value == "Chưa đo được"


def test_the_grain_output_has_both_of_the_plans_figures_and_says_they_differ(tmp_path, plan, results):
    path = tmp_path / "t.xlsx"
    build_workbook(plan, results).save(path)
    grain = rows_by_key(openpyxl.load_workbook(path).active)["grain_t"]
    assert [r["Kế hoạch"].value for r in grain] == [6670, 6600]
    # the maize yield is a placeholder: an estimate naming it, never met, and no progress
    assert [r["Đánh giá"].value for r in grain] == ["Ước tính — dựa trên giá trị tạm maize_yield_t_ha"] * 2
    assert [r["Tiến độ"].value for r in grain] == [None, None]
    assert all(r["Đánh giá"].fill.fgColor.rgb.endswith(STATUS_COLOURS["estimate"][0]) for r in grain)
    assert all("hai con số khác nhau" in r["Ghi chú"].value for r in grain)
    assert grain[0]["Đo được"].value == pytest.approx(6192.14, abs=0.01)
    rules = openpyxl.load_workbook(path)["Cách đánh giá"]
    assert rules["A1"].value == "So sánh" and rules.max_row == 1 + 8


def test_the_columns_are_wide_enough_for_their_text(tmp_path, plan, results):
    path = tmp_path / "t.xlsx"
    build_workbook(plan, results).save(path)
    ws = openpyxl.load_workbook(path).active
    titles = {g.vi for g in GROUPS.values()}
    for col, column in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(col)
        width = ws.column_dimensions[letter].width
        texts = [ws.cell(row=r, column=col).value for r in range(HEADER_ROW, ws.max_row + 1)
                 if ws.cell(row=r, column=1).value not in titles]  # group rows span the whole width
        longest = max(len(str(v)) for v in texts if isinstance(v, str) and v) if any(isinstance(v, str) for v in texts) else 0
        assert width >= min(longest, column.max_width), (column.key, width, longest)
        assert width <= column.max_width + 2, (column.key, width)
    assert ws.cell(row=HEADER_ROW + 2, column=2).alignment.wrap_text  # long labels wrap in their column


def test_english_headers_when_asked(tmp_path, plan, results):
    path = tmp_path / "t.xlsx"
    build_workbook(plan, results, lang="en").save(path)
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[HEADER_ROW]][:3] == ["No.", "Target", "Plan section"]
    assert "Met" in [c.value for c in ws["I"]]


def test_the_command_writes_the_workbook_with_values_from_the_workspace(tmp_path, monkeypatch):
    from gis.store.workspace import Workspace

    ws_path = tmp_path / "ws.gpkg"
    Workspace.open(ws_path).set_value("pigs", 28000, note="thống kê quý II")
    field_id = Workspace.open(ws_path).save_field(box(588_000, 2_359_000, 588_100, 2_359_100), name="Thử")
    Workspace.open(ws_path).adopt_field(field_id, decision="Quyết định số 123/QĐ-UBND", decision_date="2024-05-10")
    out = tmp_path / "sub" / "chi-tieu.xlsx"
    env = {"LUONGPHONG_WORKSPACE": str(ws_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "gis", "targets", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Đã ghi bảng chỉ tiêu" in done.stderr
    rows = rows_by_key(openpyxl.load_workbook(out).active)
    assert rows["pigs"][0]["Đo được"].value == 28000 and rows["pigs"][0]["Đánh giá"].value == "Đạt"
    assert rows["concentrated_fields"][0]["Đo được"].value == 4  # the planned field counts
    bad = subprocess.run([sys.executable, "-m", "gis", "targets", "--out", str(tmp_path / "t.csv")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and ".xlsx" in bad.stderr


# -- what the page and the export build on (additions to gis.jobs.targets) ----------------------------------------

def test_groups_parameters_and_placeholders(plan):
    groups = {t.key: group_of(t) for t in plan.targets}
    assert groups["rice_area_2024_ha"] == "land" and groups["maize_ha"] == "crops"
    assert groups["grain_t"] == "production" and groups["pigs"] == "manual"
    params = {p.name: p for p in parameters_of(plan)}
    assert params["rice_yield_t_ha"].value == 5.9 and not params["rice_yield_t_ha"].placeholder
    assert params["maize_yield_t_ha"].placeholder and params["fish_yield_t_ha"].placeholder
    changed = with_parameters(plan, {"rice_yield_t_ha": 6.0})
    assert changed.parameters["rice_yield_t_ha"] == 6.0 and plan.parameters["rice_yield_t_ha"] == 5.9
    with pytest.raises(PlanError):
        with_parameters(plan, {"banana_yield": 1.0})


def test_the_grain_estimate_follows_the_yields(plan, dataset, results):
    terms = estimate_terms(plan, results, "grain_t")
    crop_ha = next(r for r in results if r.target.key == "rice_crop_ha_2024").measured
    assert terms[0].value == pytest.approx(crop_ha * 5.9)
    higher = with_parameters(plan, {"rice_yield_t_ha": 6.0})
    grain = next(r for r in evaluate(higher, dataset) if r.target.key == "grain_t")
    assert grain.measured == pytest.approx(crop_ha * 6.0 + terms[1].value)
    # one crop less on LUK land: the LUK hectares × 5,9 t fewer
    one_more = with_parameters(plan, {"rice_crops_LUK": 2})
    luk_ha = next(r for r in results if r.target.key == "rice_crop_ha_2024").details["LUK_ha"]
    more = next(r for r in evaluate(one_more, dataset) if r.target.key == "grain_t")
    assert more.measured == pytest.approx(terms[0].value + terms[1].value + luk_ha * 5.9)
    assert "5,9 tấn/ha" in source_text(next(r for r in results if r.target.key == "grain_t"), plan)


def test_footprints_are_what_the_figures_count(plan, dataset, results):
    measured = {r.target.key: r.measured for r in results}
    (rice,) = footprints(plan, plan.target("rice_area_2024_ha"), dataset)
    assert rice.layer == "parcels" and rice.rest.empty
    assert rice.counted.area.sum() / 10_000 == pytest.approx(measured["rice_area_2024_ha"], rel=1e-6)
    (gcn,) = footprints(plan, plan.target("gcn_completion"), dataset)
    assert 100 * len(gcn.counted) / (len(gcn.counted) + len(gcn.rest)) == pytest.approx(measured["gcn_completion"])
    assert [f.key for f in footprints(plan, plan.target("grain_t"), dataset)] == ["rice_crop_ha_2024", "maize_ha"]
    (crops,) = footprints(plan, plan.target("rice_crop_ha_2024"), dataset)
    assert crops.counted.area.sum() / 10_000 == pytest.approx(measured["rice_area_2024_ha"], rel=1e-6)
    assert footprints(plan, plan.target("pigs"), dataset) == []
