"""Presentation mode (AppTest) and the single-file HTML map."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from gis.io import ROOT, load_dataset
from layers.catalogue import prepare
from layers.render_present import standalone_html


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("app_pages/presentation.py")
    return at


def heading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "lp-presentation" in m.value)


def test_the_buttons_step_through_the_prepared_views_and_wrap_around(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    at = app().run()
    assert not at.exception
    assert "Toàn cảnh xã Lương Phong" in heading(at) and "Bước 1/5" in " ".join(m.value for m in at.markdown)
    titles = []
    for _ in range(5):
        at.button(key="present_next").click().run()
        titles.append(re.search(r"<h1[^>]*>(.*?)</h1>", heading(at)).group(1))
    assert titles == ["Cụm công nghiệp Đoan Bái - Lương Phong", "Các dự án thu hồi đất năm 2023",
                      "Cánh đồng tập trung", "Chỉ tiêu kế hoạch năm 2024", "Toàn cảnh xã Lương Phong"]
    at.button(key="present_prev").click().run()
    assert "Chỉ tiêu kế hoạch năm 2024" in heading(at) and "Đạt " in heading(at)
    assert "ước tính dựa trên giá trị tạm 2" in heading(at)


def test_the_plan_figures_come_from_the_plans_roles(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    at = app().run()
    at.button(key="present_next").click().run()
    at.button(key="present_next").click().run()
    projects = heading(at)
    # the 2023 target, measured on the 2023 projects: 172,5 ha against "more than 120 ha"
    assert "Diện tích thu hồi năm 2023 để thực hiện các dự án" in projects and "> 120 ha" in projects
    at.button(key="present_next").click().run()
    fields = heading(at)
    assert "> 100 ha" in fields and "≥ 4 cánh đồng" in fields and "Chưa đạt" in fields


def test_another_plan_chooses_the_first_project_and_says_what_it_lacks(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    plan = (ROOT / "data" / "plans" / "2024.toml").read_text(encoding="utf-8")
    plan = plan.replace('first_project = "2315/QĐ-UBND"', 'first_project = "903/QĐ-UBND"')
    plan = plan.replace('fields_total = "concentrated_fields_total_ha"\n', "").replace("year = 2024", "year = 2025")
    path = tmp_path / "2025.toml"
    path.write_text(plan, encoding="utf-8")
    monkeypatch.setenv("LUONGPHONG_PLAN", str(path))
    at = app().run()
    at.button(key="present_next").click().run()
    assert "Trường THCS Lương Phong (xây mới)" in heading(at) and "903/QĐ-UBND" in heading(at)
    at.button(key="present_next").click().run()
    at.button(key="present_next").click().run()
    assert "[roles] fields_total" in heading(at)
    at.button(key="present_next").click().run()
    assert "Chỉ tiêu kế hoạch năm 2025" in heading(at)


def test_the_cluster_view_gives_its_recovery_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    at = app().run()
    at.button(key="present_next").click().run()
    text = heading(at)
    assert "2315/QĐ-UBND" in text and "thu hồi 75,0 ha" in text


def test_the_html_map_carries_every_asset_inside():
    html = standalone_html(prepare(load_dataset()), lang="vi", title="Bản đồ xã Lương Phong", note="Dữ liệu minh họa")
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert html.count("data:text/javascript;base64,") + html.count("data:application/javascript;base64,") >= 2
    assert "Dữ liệu minh họa" in html and "<title>Bản đồ xã Lương Phong</title>" in html
