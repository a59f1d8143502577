"""The targets page's logic, run without a browser (AppTest): statuses, hand-entered values, the grain estimate,
the yields as parameters, and the map's highlight for the chosen target."""

from __future__ import annotations

import json

import pytest
from figures import crop_area_ha, rice_area_ha, rice_crop_ha, vn
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT

#: The plan's crops a year by code (data/plans/2024.toml, [parameters]).
PLAN_CROPS = {"LUC": 2, "LUK": 1, "LUN": 1, "LUA": 1}
MAIZE = ["Ngô ngọt", "Ngô nếp"]


@pytest.fixture(autouse=True)
def workspace(tmp_path, monkeypatch):
    """Every test writes to its own workspace file, never to the user's."""
    path = tmp_path / "workspace.gpkg"
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(path))
    return path


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.switch_page("app_pages/targets.py")
    return at


def status_of_row(at: AppTest, label: str) -> str:
    for frame in at.dataframe:
        table = frame.value
        if "Chỉ tiêu" in table.columns and label in set(table["Chỉ tiêu"]):
            return str(table.loc[table["Chỉ tiêu"] == label, "Đánh giá"].iloc[0])
    raise AssertionError(f"{label!r} not in any table")


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def test_the_page_shows_every_group_with_statuses_and_the_demo_note():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Chỉ tiêu kế hoạch năm 2024"
    assert [s.value for s in at.subheader][:4] == ["Đất đai và dự án", "Cây trồng", "Sản lượng", "Chỉ tiêu nhập tay"]
    assert status_of_row(at, "Diện tích lúa năm 2024 (sau thu hồi)") == "Đạt"
    assert status_of_row(at, "Tổng diện tích cánh đồng tập trung toàn xã") == "Chưa đạt"
    assert status_of_row(at, "Tỷ lệ người dân tham gia bảo hiểm y tế") == "Chưa đo được"
    land = next(f.value for f in at.dataframe if "Kế hoạch" in f.value.columns)
    assert {"Kế hoạch", "Đo được", "Tiến độ", "Nguồn số liệu"} <= set(land.columns)
    rice = land[land["Chỉ tiêu"] == "Diện tích lúa năm 2024 (sau thu hồi)"].iloc[0]
    assert rice["Kế hoạch"] == "540–550 ha" and rice["Đo được"].startswith(vn(rice_area_ha(), 2))
    assert 540 <= rice_area_ha() <= 550  # so "Đạt" above is the right status
    assert rice["Tiến độ"] == 100  # inside its range: 100 %, not measured / low end (101 %)
    rules = next(f.value for f in at.dataframe if "Quy tắc" in f.value.columns)
    assert len(rules) == 8 and any("±5%" in r for r in rules["Quy tắc"])
    assert "trừ phần đất thu hồi" in rice["Nguồn số liệu"]
    assert any("dữ liệu minh họa" in i.value for i in at.info)


def test_entering_a_hand_value_changes_its_status_and_keeps_its_date(workspace):
    at = app().run()
    label = "Tỷ lệ người dân tham gia bảo hiểm y tế"
    assert status_of_row(at, label) == "Chưa đo được"
    at.selectbox(key="targets_manual_key").set_value("health_insurance_pct")
    at.number_input(key="targets_manual_value").set_value(99.7)
    at.text_input(key="targets_manual_note").set_value("Báo cáo BHXH huyện")
    at.button[[b.label for b in at.button].index("Lưu số liệu")].click().run()
    assert not at.exception
    assert status_of_row(at, label) == "Đạt"
    assert any("Đã lưu" in s.value and "99,70 %" in s.value for s in at.success)
    entered = at.dataframe[-1].value
    assert list(entered["Chỉ tiêu"]) == [label] and entered["Ghi chú"].iloc[0] == "Báo cáo BHXH huyện"
    assert len(entered["Ngày nhập"].iloc[0]) == 10  # dd/mm/yyyy
    from gis.store.workspace import Workspace

    assert Workspace.open(workspace).values()["health_insurance_pct"][0] == 99.7
    # a value below the plan: not met
    at.selectbox(key="targets_manual_key").set_value("health_insurance_pct")
    at.number_input(key="targets_manual_value").set_value(90.0)
    at.button[[b.label for b in at.button].index("Lưu số liệu")].click().run()
    assert status_of_row(at, label) == "Chưa đạt"


def test_the_grain_estimate_shows_both_figures_and_says_they_differ():
    at = app().run()
    texts = [m.value for m in at.text]
    crop_ha, maize_ha = rice_crop_ha(PLAN_CROPS), crop_area_ha(MAIZE)
    assert any(t.startswith(f"Diện tích gieo cấy lúa cả năm 2024 (ha × số vụ): {vn(crop_ha, 2)} ha × 5,9 tấn/ha")
               for t in texts), texts
    assert f"= {vn(crop_ha * 5.9 + maize_ha * 5.0, 1)} tấn" in texts, texts  # the plan's yields, maize 5 t/ha
    lines = [t for t in texts if "so với 6.6" in t]
    assert len(lines) == 2 and all("Ước tính — dựa trên giá trị tạm maize_yield_t_ha" in t for t in lines)
    assert any("hai con số khác nhau" in w.value and "6670" in w.value and "6600" in w.value for w in at.warning)
    # the parameter name is shown as text (Markdown escaped, so its underscores carry backslashes)
    assert any("maize_yield_t_ha" in w.value.replace("\\", "") and "giá trị tạm" in w.value for w in at.warning)
    assert len(at.get("vega_lite_chart")) == 3


def test_the_yields_are_parameters_with_placeholders_marked():
    at = app().run()
    inputs = {n.key: n for n in at.number_input}
    assert inputs["targets_param_rice_yield_t_ha"].value == 5.9
    assert "giá trị tạm" in inputs["targets_param_maize_yield_t_ha"].label
    assert "giá trị tạm" not in inputs["targets_param_rice_yield_t_ha"].label
    assert inputs["targets_param_rice_crops_LUC"].value == 2 and inputs["targets_param_rice_crops_LUK"].value == 1
    inputs["targets_param_rice_yield_t_ha"].set_value(6.6).run()
    assert not at.exception
    assert any("× 6,6 tấn/ha" in m.value for m in at.text)
    # still an estimate: the maize yield is a placeholder until the commune's own figure is entered
    assert status_of_row(at, "Tổng sản lượng lương thực có hạt (lúa, ngô)").startswith("Ước tính")
    at.number_input(key="targets_param_maize_yield_t_ha").set_value(5.5).run()
    assert rice_crop_ha(PLAN_CROPS) * 6.6 + crop_area_ha(MAIZE) * 5.5 >= 6670  # so it is met
    assert status_of_row(at, "Tổng sản lượng lương thực có hạt (lúa, ngô)").startswith("Đạt")
    at.button[[b.label for b in at.button].index("Về giá trị của kế hoạch")].click().run()
    assert at.number_input(key="targets_param_rice_yield_t_ha").value == 5.9


def test_choosing_a_target_highlights_what_it_measures_on_the_same_map():
    at = app().run()
    first = map_args(at)
    assert first["returned_objects"] == []
    for link in first["js_links"]:
        assert link.startswith("/app/static/vendor/"), link
    assert any("/app/static/vendor/lpmap/lptargets.js?v=" in link for link in first["js_links"])
    assert "lptargets.show(" in first["feature_group"] and "target_counted" not in first["feature_group"]
    assert "setTimeout" not in first["feature_group"]
    at.selectbox(key="targets_pick").set_value("concentrated_fields_total_ha").run()
    assert not at.exception
    after = map_args(at)
    assert after["script"] == first["script"]  # the same base map: only the highlight changes
    assert '"key":"target_counted"' in after["feature_group"]
    assert any("Chưa đạt" in m.value for m in at.markdown if "Kế hoạch:" in m.value)
    at.selectbox(key="targets_pick").set_value("pigs").run()
    assert any("nhập tay" in i.value for i in at.info)


def test_the_excel_export_is_offered():
    at = app().run()
    (button,) = [b for b in at.get("download_button")]
    assert "Excel" in button.proto.label


ROLE_PLAN = """year = 2030
title_vi = "Kế hoạch thử năm 2030"
title_en = "Test plan, 2030"

[roles]
rice_area = "lua"
grain = "thoc"

[parameters]
vu_luc = 2          # 2 vụ
vu_luk = 1          # 1 vụ
nang_suat = 6.0     # tấn/ha/vụ

[parameter_labels]
nang_suat = ["Năng suất thóc thử", "Test paddy yield"]

[[target]]
key = "lua"
label_vi = "Lúa còn lại năm 2030"
unit = "ha"
compare = "at_least"
planned = 100
measure = { kind = "area", layer = "parcels", where = { land_use_main = ["LUC", "LUK"] }, outside = "recovered_land" }

[[target]]
key = "gieo"
label_vi = "Gieo cấy năm 2030"
unit = "ha"
compare = "report"
measure = { kind = "crop_area", layer = "parcels", crops = { LUC = "vu_luc", LUK = "vu_luk" }, outside = "recovered_land" }

[[target]]
key = "thoc"
label_vi = "Sản lượng thóc năm 2030"
unit = "tấn"
compare = "at_least"
planned = 5000
measure = { kind = "estimate", terms = [["gieo", "nang_suat"]] }
"""


def test_another_plan_with_other_keys_drives_the_page_through_its_roles(tmp_path, monkeypatch):
    path = tmp_path / "2030.toml"
    path.write_text(ROLE_PLAN, encoding="utf-8")
    monkeypatch.setenv("LUONGPHONG_PLAN", str(path))
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Chỉ tiêu kế hoạch năm 2030"
    assert at.selectbox(key="targets_pick").value == "lua"  # the rice_area role is shown first
    assert any(s.value == "Ước tính: Sản lượng thóc năm 2030" for s in at.subheader)
    crop_ha = rice_crop_ha({"LUC": 2, "LUK": 1})  # vu_luc, vu_luk
    assert any(t == f"Gieo cấy năm 2030: {vn(crop_ha, 2)} ha × 6" for t in (m.value for m in at.text))
    assert crop_ha * 6.0 >= 5000  # so it is met, and no placeholder in this plan
    assert status_of_row(at, "Sản lượng thóc năm 2030") == "Đạt"
    assert "Năng suất thóc thử" in at.number_input(key="targets_param_nang_suat").label
    assert not any("rice_before" in c.value for c in at.caption)  # a rice role: the rice chart is drawn


def test_a_plan_without_roles_says_what_it_cannot_show(tmp_path, monkeypatch):
    path = tmp_path / "2031.toml"
    path.write_text(ROLE_PLAN.replace('rice_area = "lua"\ngrain = "thoc"\n', ""), encoding="utf-8")
    monkeypatch.setenv("LUONGPHONG_PLAN", str(path))
    at = app().run()
    assert not at.exception
    assert any("grain" in i.value for i in at.info)
    assert any("rice_before" in c.value for c in at.caption)
    assert at.selectbox(key="targets_pick").value == "lua"  # the first target, for want of a role
