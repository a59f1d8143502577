"""Drawing on the commune map: a Leaflet.draw control served from the app itself (no CDN).

``folium.plugins.Draw`` loads Leaflet.draw from cdnjs, which leaves the map undrawn offline (see
``docs/offline-maps.md``). :class:`LocalDraw` is the same control pointed at the vendored Leaflet.draw 1.0.4
(``layers/assets/vendor/leaflet-draw``, copied to ``static/vendor`` by :mod:`layers.offline`), offering
polygons only (or lines, see :func:`add_draw`), with its toolbar and drawing hints in Vietnamese or English (``L.drawLocal``).

streamlit-folium finds the drawn shapes through the control's ``drawnItems`` group and returns them in
``all_drawings`` (all of them) and ``last_active_drawing`` (the latest), as GeoJSON in WGS84.
"""

from __future__ import annotations

import json

import folium
from folium.plugins import Draw
from folium.template import Template

from layers.offline import AssetUrls

#: The colour of a polygon being drawn (and of the planned field the page shows once it is drawn).
DRAW_COLOUR = "#ff6d00"

#: Leaflet.draw's words for the polygon tool, per language (keys of ``L.drawLocal``).
DRAW_LOCAL: dict[str, dict] = {
    "vi": {
        "draw": {
            "toolbar": {
                "actions": {"title": "Hủy vẽ", "text": "Hủy"},
                "finish": {"title": "Kết thúc vẽ", "text": "Xong"},
                "undo": {"title": "Xóa điểm vừa vẽ", "text": "Xóa điểm cuối"},
                "buttons": {"polygon": "Vẽ ranh giới cánh đồng (đa giác)", "polyline": "Vẽ đường chia thửa"},
            },
            "handlers": {
                "polygon": {"tooltip": {"start": "Bấm vào bản đồ để bắt đầu vẽ ranh giới.",
                                        "cont": "Bấm để thêm điểm tiếp theo.",
                                        "end": "Bấm vào điểm đầu tiên để khép kín vùng."}},
                "polyline": {"error": "<strong>Lỗi:</strong> các cạnh không được cắt nhau!",
                             "tooltip": {"start": "Bấm để bắt đầu vẽ.", "cont": "Bấm để vẽ tiếp.",
                                         "end": "Bấm vào điểm cuối để kết thúc."}},
            },
        },
    },
    "en": {
        "draw": {
            "toolbar": {
                "actions": {"title": "Cancel drawing", "text": "Cancel"},
                "finish": {"title": "Finish drawing", "text": "Finish"},
                "undo": {"title": "Delete last point drawn", "text": "Delete last point"},
                "buttons": {"polygon": "Draw a field's outline (polygon)",
                            "polyline": "Draw a line to split a parcel"},
            },
            "handlers": {
                "polygon": {"tooltip": {"start": "Click on the map to start drawing the outline.",
                                        "cont": "Click to add the next point.",
                                        "end": "Click the first point to close the shape."}},
                "polyline": {"error": "<strong>Error:</strong> edges cannot cross!",
                             "tooltip": {"start": "Click to start drawing.", "cont": "Click to continue drawing.",
                                         "end": "Click the last point to finish."}},
            },
        },
    },
}


class LocalDraw(Draw):
    """Leaflet.draw's control from local files: polygons (or, with ``shapes``, lines), no edit toolbar, words in
    ``lang``.

    The drawn layers go into ``drawnItems_<name>``, which streamlit-folium renames ``drawnItems`` and reads
    for ``all_drawings``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (words) {
                function merge(into, from) {
                    Object.keys(from).forEach(function (k) {
                        if (from[k] && typeof from[k] === "object") {
                            into[k] = into[k] || {};
                            merge(into[k], from[k]);
                        } else {
                            into[k] = from[k];
                        }
                    });
                }
                merge(L.drawLocal, words);
            })({{ this.words_json }});
            var drawnItems_{{ this.get_name() }} = new L.featureGroup().addTo({{ this._parent.get_name() }});
            var {{ this.get_name() }} = new L.Control.Draw({
                position: {{ this.position|tojson }},
                draw: {{ this.draw_options|tojson }},
                edit: false
            }).addTo({{ this._parent.get_name() }});
            {{ this._parent.get_name() }}.on(L.Draw.Event.CREATED, function (e) {
                drawnItems_{{ this.get_name() }}.addLayer(e.layer);
            });
        {% endmacro %}
        """
    )

    def __init__(self, assets: AssetUrls, *, lang: str = "vi", position: str = "topleft",
                 colour: str = DRAW_COLOUR, shapes: tuple[str, ...] = ("polygon",)) -> None:
        polygon = {
            "allowIntersection": False,
            "showArea": False,  # 1.0.4's area readout assigns an undeclared `type`: an error in strict code
            "shapeOptions": {"color": colour, "weight": 3, "fillOpacity": 0.15},
            "drawError": {"color": "#d50000", "timeout": 2500},
        }
        polyline = {"shapeOptions": {"color": colour, "weight": 4}, "showLength": False}
        super().__init__(
            position=position, show_geometry_on_click=False,
            draw_options={"polygon": polygon if "polygon" in shapes else False,
                          "polyline": polyline if "polyline" in shapes else False, "rectangle": False, "circle": False,
                          "marker": False, "circlemarker": False},
        )
        scripts, sheets = assets.draw
        self.default_js = scripts
        self.default_css = sheets
        self.words_json = json.dumps(DRAW_LOCAL["vi" if lang == "vi" else "en"], ensure_ascii=False).replace(
            "<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def add_draw(m: folium.Map, assets: AssetUrls, *, lang: str = "vi",
             shapes: tuple[str, ...] = ("polygon",)) -> LocalDraw:
    """Add the drawing control to ``m`` (a map from :func:`layers.render.build_map`), offering ``shapes``
    (``"polygon"``, ``"polyline"``: a line, e.g. to split a parcel)."""
    control = LocalDraw(assets, lang=lang, shapes=shapes)
    control.add_to(m)
    return control
