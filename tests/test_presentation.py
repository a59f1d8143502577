"""Presentation mode (AppTest) and the single-file HTML map."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT, load_dataset
from gis.jobs.targets.plan import PLANS_DIR
from layers.catalogue import prepare
from layers.render_present import standalone_html


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("app_pages/presentation.py")
    return at


def shown(markdown: str) -> str:
    """Markdown as the reader sees it (the page escapes the data it shows)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def title(at: AppTest) -> str:
    return shown(at.title[0].value)


def heading(at: AppTest) -> str:
    """The view's title and text."""
    return title(at) + "\n" + "\n".join(shown(m.value) for m in at.markdown)


def test_the_buttons_step_through_the_prepared_views_and_wrap_around(tmp_path, monkeypatch):
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    at = app().run()
    assert not at.exception
    assert "Toàn cảnh xã Hiệp Hòa" in heading(at) and "Bước 1/5" in " ".join(m.value for m in at.markdown)
    titles = []
    for _ in range(5):
        at.button(key="present_next").click().run()
        titles.append(title(at))
    assert titles == ["Cụm công nghiệp Đoan Bái - Lương Phong", "Các dự án thu hồi đất năm 2023",
                      "Cánh đồng tập trung", "Chỉ tiêu kế hoạch năm 2024", "Toàn cảnh xã Hiệp Hòa"]
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
    plan = (PLANS_DIR / "2024.toml").read_text(encoding="utf-8")
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


def test_the_fields_view_counts_adopted_fields_and_shows_drafts_apart(tmp_path, monkeypatch):
    import json

    from shapely.geometry import box

    from gis.store.workspace import Workspace

    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws.gpkg"))
    ws = Workspace.open(tmp_path / "ws.gpkg")
    adopted = box(398300, 2359300, 398800, 2359800)  # 25 ha
    ws.adopt_field(ws.save_field(adopted, name="Phê duyệt"), decision="Quyết định số 1/QĐ-UBND",
                   decision_date="2024-05-10")
    ws.save_field(box(398900, 2359300, 399000, 2359400), name="Dự thảo")
    ws.save_field(box(398900, 2359500, 399000, 2359600), name="Bộ dữ liệu khác", dataset="imports-x")
    at = app().run()
    for _ in range(3):
        at.button(key="present_next").click().run()
    text = heading(at)
    assert "Cánh đồng tập trung" in text
    assert "Đã phê duyệt quy hoạch thêm 1 cánh đồng mới, 25,0 ha." in text
    assert "Dự thảo chưa phê duyệt (không tính, viền nét đứt): 1 cánh đồng." in text
    components = [json.loads(c.proto.json_args) for c in at.get("component_instance")]
    group = next(c["feature_group"] for c in components if "feature_group" in c)
    assert '"key":"present_drafts"' in group and '"key":"present_highlight"' in group
    at.button(key="present_next").click().run()  # the targets: 4 fields, the draft not among them
    assert "Chỉ tiêu kế hoạch năm 2024" in heading(at)
