"""Polygon drawing served offline: the vendored Leaflet.draw is served and the control points at it."""

from __future__ import annotations

import json
import re

import pytest

from gis.files.io import load_dataset
from layers import catalogue, offline, render, render_draw


@pytest.fixture(scope="module")
def prepared():
    return catalogue.prepare(load_dataset())


def test_leaflet_draw_is_served_with_its_images_and_licence():
    def served(rel):
        path = offline.asset_file(f"leaflet-draw/{rel}")
        assert path is not None and path.is_file(), rel
        return path

    assert "Leaflet.draw 1.0.4" in served("leaflet.draw.js").read_text()[:200]
    assert "npm pack leaflet-draw@1.0.4" in (offline.LEAFLET_DRAW_DIR / "README.md").read_text()
    assert "Permission is hereby granted" in served("LICENSE").read_text()
    # every image the stylesheet asks for is served
    for name in set(re.findall(r"images/([\w.-]+)", served("leaflet.draw.css").read_text())):
        served(f"images/{name}")


def test_draw_urls_are_local_and_follow_the_base_url_path():
    urls = offline.asset_urls("/gis")
    scripts, sheets = urls.draw
    assert scripts == [("leaflet_draw_js", "/gis/app/static/vendor/leaflet-draw/leaflet.draw.js")]
    assert sheets == [("leaflet_draw_css", "/gis/app/static/vendor/leaflet-draw/leaflet.draw.css")]


def test_the_draw_control_loads_local_files_polygons_only_with_vietnamese_words(prepared):
    from streamlit_folium import _get_map_string

    m = render.build_map(prepared, lang="vi", assets=offline.asset_urls())
    control = render_draw.add_draw(m, offline.asset_urls(), lang="vi")
    html = m.get_root().render()
    assert "cdnjs" not in html and "cloudflare" not in html
    links = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert "/app/static/vendor/leaflet-draw/leaflet.draw.js" in links
    assert all(u.startswith("/app/static/vendor/") for u in links), links
    assert control.draw_options["polygon"] and not any(
        control.draw_options[k] for k in ("polyline", "rectangle", "circle", "marker", "circlemarker"))
    script = _get_map_string(m)
    assert "var drawnItems = new L.featureGroup()" in script  # what streamlit-folium reads for all_drawings
    assert "Vẽ ranh giới cánh đồng" in script and "edit: false" in script
    words = json.loads(control.words_json)
    assert words["draw"]["toolbar"]["buttons"]["polygon"].startswith("Vẽ")
    english = render_draw.LocalDraw(offline.asset_urls(), lang="en")
    assert "Draw a field" in english.words_json


def test_the_draw_control_can_offer_a_line_only_for_splitting_a_parcel(prepared):
    from streamlit_folium import _get_map_string

    m = render.build_map(prepared, lang="vi", assets=offline.asset_urls())
    control = render_draw.add_draw(m, offline.asset_urls(), lang="vi", shapes=("polyline",))
    assert control.draw_options["polyline"] and not control.draw_options["polygon"]
    assert control.draw_options["polyline"]["showLength"] is False
    assert "Vẽ đường chia thửa" in _get_map_string(m)
    assert render_draw.add_draw(render.build_map(prepared, lang="vi", assets=offline.asset_urls()),
                                offline.asset_urls()).draw_options["polyline"] is False  # the fields page's
