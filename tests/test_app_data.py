"""The Data page renders (AppTest) and its offline drawing of problems is plain SVG."""

from __future__ import annotations

from pathlib import Path

import pytest
import vn_files as vf
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_data_page_renders_without_an_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    monkeypatch.chdir(ROOT)
    app = AppTest.from_file(str(ROOT / "app_pages" / "data.py"), default_timeout=60).run()
    assert not app.exception
    assert app.title[0].value == "Dữ liệu của xã"


def test_problem_drawing_is_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    from gis.files.checks import check_parcels

    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    frame = vf.parcels()
    frame.loc[0, "MALOAIDAT"] = "???"
    report = check_parcels(frame)
    sys.modules.pop("app_pages.data", None)
    source = (ROOT / "app_pages" / "data.py").read_text(encoding="utf-8").replace("\n_page()\n", "\n")
    module = importlib.util.module_from_spec(importlib.machinery.ModuleSpec("data_page_under_test", None))
    exec(compile(source, "data.py", "exec"), module.__dict__)
    svg = module._svg(report.repaired, report.problems)
    assert svg.startswith("<svg") and "#e03131" in svg
