"""The area-summary page, run without a browser (AppTest)."""

from __future__ import annotations

from figures import rice_area_ha, vn
from streamlit.testing.v1 import AppTest

from gis.files.io import ROOT


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("app_pages/overview.py")
    return at


def test_the_overview_shows_the_plan_figures_in_vietnamese_with_the_demo_note():
    at = app().run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["Đất trồng lúa sau thu hồi (ha)"].startswith(vn(rice_area_ha(), 1))  # computed here by shapely
    assert any("dữ liệu minh họa" in w.value for w in at.sidebar.warning)


def test_the_language_switch_changes_the_labels():
    at = app().run()
    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert "Rice land after recovery (ha)" in [m.label for m in at.metric]
    assert any("demonstration data" in w.value for w in at.sidebar.warning)
