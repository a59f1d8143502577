/* Lương Phong map: decode the packed layers of layers/geometry.py and draw them with Leaflet.
   Served from /app/static/vendor/lpmap/ (copied there at start-up by layers/offline.py). */
(function () {
  "use strict";
  var U = 1e6;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function flat(values, cur, ring) {
    var pts = [];
    for (var i = 0; i < values.length; i += 2) {
      cur[0] += values[i];
      cur[1] += values[i + 1];
      pts.push([cur[0] / U, cur[1] / U]);
    }
    if (ring && pts.length) pts.push(pts[0].slice());
    return pts;
  }

  function decode(data) {
    var cur = [0, 0], keys = data.k, tables = data.t, features = [];
    for (var i = 0; i < data.f.length; i++) {
      var row = data.f[i], props = {i: i};
      for (var j = 0; j < keys.length; j++) {
        var v = row[j], table = tables[keys[j]];
        props[keys[j]] = (table && v !== null) ? table[v] : v;
      }
      var g = row[keys.length], parts = [], poly = false;
      for (var p = 0; p < g.length; p++) {
        var part = g[p];
        if (part.length && Array.isArray(part[0])) {
          poly = true;
          var rings = [];
          for (var r = 0; r < part.length; r++) rings.push(flat(part[r], cur, true));
          parts.push(rings);
        } else {
          parts.push(flat(part, cur, false));
        }
      }
      var geometry;
      if (poly) geometry = parts.length === 1 ? {type: "Polygon", coordinates: parts[0]}
                                              : {type: "MultiPolygon", coordinates: parts};
      else geometry = parts.length === 1 ? {type: "LineString", coordinates: parts[0]}
                                         : {type: "MultiLineString", coordinates: parts};
      features.push({type: "Feature", properties: props, geometry: geometry});
    }
    return {type: "FeatureCollection", features: features};
  }

  /* 1234.5 -> "1.234,5" (vi) or "1,234.5" (en) */
  function num(x, digits, lang) {
    var s = Number(x).toFixed(digits).split(".");
    var whole = s[0].replace(/\B(?=(\d{3})+(?!\d))/g, lang === "vi" ? "." : ",");
    return s.length > 1 ? whole + (lang === "vi" ? "," : ".") + s[1] : whole;
  }

  function landuse(value, names) {
    var codes = String(value).split("+");
    return esc(codes.map(function (c) { return names[c] || c; }).join(" + ")) + " (" + esc(value) + ")";
  }

  function tooltip(spec) {
    return function (layer) {
      var p = layer.feature.properties, lines = [];
      spec.tooltip.forEach(function (line) {
        var v = p[line.k], text;
        if (v === null || v === undefined || v === "") text = "—";
        else if (line.f === "area_m2") text = num(v, 1, spec.lang) + " m²";
        else if (line.f === "landuse") text = landuse(v, spec.names || {});
        else text = esc(v);
        lines.push("<b>" + esc(line.l) + ":</b> " + text);
      });
      return lines.join("<br>");
    };
  }

  function style(spec) {
    return function (feature) {
      var s = Object.assign({}, spec.style);
      if (spec.styleBy) Object.assign(s, spec.styles[feature.properties[spec.styleBy]] || {});
      if (spec.fillBy) {
        var v = feature.properties[spec.fillBy];
        var code = (v === null || v === undefined) ? null : String(v).split("+")[0];
        s.fillColor = (code && spec.colours[code]) || spec.unknown || "#c8c8c8";
      }
      return s;
    };
  }

  var lpmap = window.lpmap = window.lpmap || {layers: {}};

  /* A packed layer as a Leaflet layer (the caller adds it to the map or a group). */
  lpmap.add = function (spec, data) {
    var gj = L.geoJSON(decode(data), {style: style(spec), interactive: !!spec.interactive});
    if (spec.tooltip && spec.tooltip.length) gj.bindTooltip(tooltip(spec), {sticky: true, className: "lp-tooltip"});
    var layer = gj;
    if (spec.label && data.lp) {
      var labels = [];
      gj.getLayers().forEach(function (l) {
        var p = l.feature.properties, at = data.lp[p.i];
        if (!at || p[spec.label] === null) return;
        labels.push(L.marker([at[1], at[0]], {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: "lp-label", html: "<span>" + esc(p[spec.label]) + "</span>", iconSize: null})
        }));
      });
      layer = L.featureGroup([gj, L.layerGroup(labels)]);
    }
    lpmap.layers[spec.key] = {group: gj, all: gj.getLayers(), layer: layer};
    var waiting = (lpmap.waiting || {})[spec.key] || [];
    delete (lpmap.waiting || {})[spec.key];
    waiting.forEach(function (fn) { fn(lpmap.layers[spec.key]); });
    return layer;
  };

  /* Run fn(entry) once the layer `key` exists: now if it does, else as soon as lpmap.add makes it. */
  lpmap.whenLayer = function (key, fn) {
    if (lpmap.layers[key]) { fn(lpmap.layers[key]); return; }
    lpmap.waiting = lpmap.waiting || {};
    (lpmap.waiting[key] = lpmap.waiting[key] || []).push(fn);
  };

  /* A notice on the map while a switched-on online background cannot load (no network, blocked). */
  lpmap.tileNotice = function (map, text) {
    var notice = null;
    function show() {
      if (notice) return;
      notice = L.control({position: "bottomleft"});
      notice.onAdd = function () {
        var div = L.DomUtil.create("div", "leaflet-control lp-tile-notice");
        div.setAttribute("role", "status");
        div.textContent = text;
        return div;
      };
      notice.addTo(map);
    }
    function hide() { if (notice) { notice.remove(); notice = null; } }
    map.on("layeradd", function (e) {
      if (e.layer instanceof L.TileLayer) e.layer.on("tileerror", show).on("tileload", hide);
    });
    map.on("layerremove", function (e) { if (e.layer instanceof L.TileLayer) hide(); });
  };

  /* Show only the features whose index is in `indices` (all when null); hidden ones take no clicks. */
  lpmap.filter = function (key, indices) {
    var entry = lpmap.layers[key];
    if (!entry) return;
    var keep = null;
    if (indices) { keep = {}; indices.forEach(function (i) { keep[i] = true; }); }
    entry.all.forEach(function (l) {
      var want = !keep || keep[l.feature.properties.i] === true, has = entry.group.hasLayer(l);
      if (want && !has) entry.group.addLayer(l);
      else if (!want && has) entry.group.removeLayer(l);
    });
    entry.shown = keep ? indices.length : entry.all.length;
  };

  /* A plain HTML control (the legend), kept inside the map. */
  lpmap.control = function (map, html, className, position) {
    var control = L.control({position: position || "bottomright"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-control " + className);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  };
})();
