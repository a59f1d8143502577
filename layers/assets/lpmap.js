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

  /* The tooltip's HTML for a feature's properties `p` (every value escaped). */
  function tooltipText(spec, p) {
    var lines = [];
    spec.tooltip.forEach(function (line) {
      var v = p[line.k], text;
      if (v === null || v === undefined || v === "") text = "—";
      else if (line.f === "area_m2") text = num(v, 1, spec.lang) + " m²";
      else if (line.f === "landuse") text = landuse(v, spec.names || lpmap.names || {});
      else text = esc(v);
      lines.push("<b>" + esc(line.l) + ":</b> " + text);
    });
    return lines.join("<br>");
  }

  function tooltip(spec) {
    return function (layer) { return tooltipText(spec, layer.feature.properties); };
  }

  /* The Leaflet path style of a feature with properties `p`. */
  function styleOf(spec, p) {
    var s = Object.assign({}, spec.style);
    if (spec.styleBy) Object.assign(s, spec.styles[p[spec.styleBy]] || {});
    if (spec.fillBy) {
      var v = p[spec.fillBy];
      var code = (v === null || v === undefined) ? null : String(v).split("+")[0];
      s.fillColor = (code && spec.colours[code]) || spec.unknown || "#c8c8c8";
    }
    return s;
  }

  function style(spec) {
    return function (feature) { return styleOf(spec, feature.properties); };
  }

  /* The features of a line layer that takes no clicks and shows no tooltip or label, merged into one
     MultiLineString per style (the value of `spec.styleBy`), in the order each style first appears: the
     same lines in the same styles, a few Leaflet paths to make and stroke instead of thousands (the merged
     commune's roads are 2 200 features in 4 styles). Any other layer, or one with a polygon, is left as it is. */
  function mergedLines(spec, fc) {
    if (spec.interactive || spec.label || (spec.tooltip && spec.tooltip.length)) return fc;
    var groups = {}, order = [];
    for (var i = 0; i < fc.features.length; i++) {
      var f = fc.features[i], g = f.geometry;
      if (g.type !== "LineString" && g.type !== "MultiLineString") return fc;
      var key = spec.styleBy ? String(f.properties[spec.styleBy]) : "";
      var group = groups[key];
      if (!group) {
        group = groups[key] = {type: "Feature", properties: f.properties,
                               geometry: {type: "MultiLineString", coordinates: []}};
        order.push(group);
      }
      if (g.type === "LineString") group.geometry.coordinates.push(g.coordinates);
      else Array.prototype.push.apply(group.geometry.coordinates, g.coordinates);
    }
    return {type: "FeatureCollection", features: order};
  }

  var lpmap = window.lpmap = window.lpmap || {layers: {}};

  /* A packed layer as a Leaflet layer (the caller adds it to the map or a group). */
  lpmap.add = function (spec, data, renderer) {
    var options = {style: style(spec), interactive: !!spec.interactive};
    if (renderer) options.renderer = renderer;
    var gj = L.geoJSON(mergedLines(spec, decode(data)), options);
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

  /* Leaflet.VectorGrid 1.3.0 calls L.DomEvent.fakeStop on a click, which Leaflet 1.8 removed (VectorGrid
     issue #274): the click would throw. The fix of VectorGrid pull request #288, applied once. */
  function fixTileClicks() {
    if (!L.Canvas.Tile || L.Canvas.Tile.prototype._lpFixed) return;
    L.Canvas.Tile.include({
      _lpFixed: true,
      _onClick: function (e) {
        var point = this._map.mouseEventToLayerPoint(e).subtract(this.getOffset()), layer, clicked;
        for (var id in this._layers) {
          layer = this._layers[id];
          if (layer.options.interactive && layer._containsPoint(point) && !this._map._draggableMoved(layer)) {
            clicked = layer;
          }
        }
        if (clicked) {
          L.DomEvent.stop(e);
          this._fireEvent([clicked], e);
        }
      }
    });
  }

  /* The part of `tile` (a parsed vector tile) that its descendant `d` zoom levels down, at offset (dx, dy)
     among the 2^d x 2^d descendants, covers: its features' coordinates scaled up 2^d, the rings (or line
     parts) far outside left out and the features with none left out, so that a closer view is drawn sharp
     from the deepest tiles built, not a stretched picture. A ring left out changes no pixel of the tile (the
     canvas fills even-odd: a hole lies inside its outer ring's box) and no click in it; an overview's shape
     spans many tiles, and only its rings near this one are drawn. */
  function subTile(tile, d, dx, dy) {
    var out = {layers: {}}, k = 1 << d;
    for (var name in tile.layers) {
      var layer = tile.layers[name], extent = layer.extent, span = extent / k;
      var x0 = dx * span, y0 = dy * span, pad = span / 16, features = [];
      var left = x0 - pad, right = x0 + span + pad, top = y0 - pad, bottom = y0 + span + pad;
      layer.features.forEach(function (f) {
        var rings = [];
        f.geometry.forEach(function (ring) {
          var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i, pt;
          for (i = 0; i < ring.length; i++) {
            pt = ring[i];
            if (pt.x < minX) minX = pt.x;
            if (pt.x > maxX) maxX = pt.x;
            if (pt.y < minY) minY = pt.y;
            if (pt.y > maxY) maxY = pt.y;
          }
          if (maxX < left || minX > right || maxY < top || minY > bottom) return;
          var scaled = new Array(ring.length);
          for (i = 0; i < ring.length; i++) scaled[i] = {x: (ring[i].x - x0) * k, y: (ring[i].y - y0) * k};
          rings.push(scaled);
        });
        if (rings.length) features.push({type: f.type, id: f.id, properties: f.properties, geometry: rings});
      });
      out.layers[name] = {extent: extent, length: features.length, features: features};
    }
    return out;
  }

  /* Leaflet.VectorGrid's protobuf layer, drawing the zoom levels past `lpMaxNative` from the deepest tiles
     built instead of stretching their pictures, and the overview's closer zooms (`minNativeZoom` + 1 to
     `lpOverviewMax`) from its coarsest tiles in the same way: the few coarsest tiles (a handful for the whole
     commune) are already parsed when the map opens, and hold fewer vertices than the overview's own closer
     tiles, so a zoom in from the opening view fetches nothing and draws less. Every tile fetched at those two
     zooms is parsed once (the last 32 kept), so a view seen again or a closer one is drawn without fetching or
     parsing again. Made once. */
  function parcelGridClass() {
    if (lpmap.ParcelGrid) return lpmap.ParcelGrid;
    var base = L.VectorGrid.Protobuf.prototype._getVectorTilePromise;
    lpmap.ParcelGrid = L.VectorGrid.Protobuf.extend({
      _getVectorTilePromise: function (coords) {
        var o = this.options, from = coords.z;
        if (coords.z >= o.lpMaxNative) from = o.lpMaxNative;
        else if (coords.z > o.minNativeZoom && coords.z <= o.lpOverviewMax) from = o.minNativeZoom;
        // only the tiles cut into other zooms are kept parsed; Leaflet keeps the others drawn while in
        // view, and the browser's cache holds their files
        if (from === coords.z && from !== o.lpMaxNative && from !== o.minNativeZoom) return base.call(this, coords);
        var d = coords.z - from, k = 1 << d;
        var parent = {x: Math.floor(coords.x / k), y: Math.floor(coords.y / k), z: from};
        var key = parent.z + "/" + parent.x + "/" + parent.y;
        this._lpParents = this._lpParents || {};
        this._lpOrder = this._lpOrder || [];
        var promise = this._lpParents[key];
        if (!promise) {
          promise = this._lpParents[key] = base.call(this, parent);
          this._lpOrder.push(key);
          if (this._lpOrder.length > 32) delete this._lpParents[this._lpOrder.shift()];
        }
        if (d === 0) return promise;
        return promise.then(function (tile) {
          return subTile(tile, d, coords.x - parent.x * k, coords.y - parent.y * k);
        });
      }
    });
    return lpmap.ParcelGrid;
  }

  /* Remember a layer's or a setting's fetch, for lpmap.whenDrawn. */
  function pending(promise) {
    (lpmap.fetches = lpmap.fetches || []).push(promise);
    return promise;
  }

  /* A Promise resolved once the map has drawn its current view: every fetched layer added and every tile
     layer (the parcels, a background) done loading. For benchmarks and tests. */
  lpmap.whenDrawn = function () {
    var map = window.map;
    return Promise.all(lpmap.fetches || []).then(function () {
      var waits = [];
      if (map) {
        map.eachLayer(function (l) {
          if (l instanceof L.GridLayer && l.isLoading()) {
            waits.push(new Promise(function (resolve) { l.once("load", resolve); }));
          }
        });
      }
      return Promise.all(waits);
    });
  };

  /* A map pane (created once) at z-index `z`: between the background tiles (200) and the overlays (400). */
  function pane(map, name, z) {
    if (!map.getPane(name)) map.createPane(name).style.zIndex = String(z);
    return name;
  }

  /* What a clicked tile feature sends back through streamlit-folium: streamlit-folium reads the clicked
     layer's toGeoJSON() (last_active_drawing), which a tile's drawn path cannot give; this stands in. */
  function clickedFeature(props, keys) {
    var out = {};
    keys.forEach(function (k) { if (props[k] !== undefined) out[k] = props[k]; });
    var feature = {type: "Feature", properties: out, geometry: null};
    return {feature: feature, toGeoJSON: function () { return feature; }};
  }

  /* The keys of streamlit-folium 0.27.4's value (its updateComponentValue's `_data`), in its order. */
  var FOLIUM_KEYS = ["last_clicked", "last_object_clicked", "last_object_clicked_count",
    "last_object_clicked_tooltip", "last_object_clicked_popup", "all_drawings", "last_active_drawing",
    "last_geocoder_result", "bounds", "zoom", "last_circle_radius", "last_circle_polygon", "center",
    "selected_layers", "selected_tags"];

  /* One entry of streamlit-folium's value, computed as its updateComponentValue does. */
  function foliumEntry(map, g, key) {
    function ll(x) { return (x && g.wrap_longitude) ? map.wrapLatLng(x) : x; }
    switch (key) {
      case "last_clicked": return ll(g.lat_lng_clicked);
      case "last_object_clicked": return ll(g.last_object_clicked);
      case "bounds": return g.wrap_longitude ? map.wrapLatLngBounds(map.getBounds()) : map.getBounds();
      case "zoom": return map.getZoom();
      case "center": return ll(map.getCenter());
      case "selected_layers": return Object.values(g.selected_layers || {});
      default: return g[key];
    }
  }

  /* Send the click on the tile feature `feature` to Python now. streamlit-folium 0.27.4 sends a click
     through underscore's debounce(updateComponentValue, 250): 250 ms lost on every click. Once its click
     handler has recorded the click in window.__GLOBAL_DATA__, the same value (the same object, filtered by
     `returned_objects`, in the same key order) is sent at once through its Streamlit object, and recorded
     as `previous_data`, so that its own debounced call finds no change and sends nothing (one value, one
     rerun). Done only when its globals are as expected; otherwise its own call sends the click, late.
     `lpmap.clicksSent` counts the clicks sent here (the browser tests check it: a version of
     streamlit-folium that breaks this fails them). */
  function sendAtOnce(map, feature) {
    var g = window.__GLOBAL_DATA__, S = window.Streamlit;
    if (!g || !S || typeof S.setComponentValue !== "function" || g.last_active_drawing !== feature ||
        !("previous_data" in g) || !("selected_layers" in g)) return;
    var keys = g.returned_objects ? FOLIUM_KEYS.filter(function (k) { return g.returned_objects.indexOf(k) >= 0; })
                                  : FOLIUM_KEYS;
    var data = {};
    keys.forEach(function (k) { data[k] = foliumEntry(map, g, k); });
    if (JSON.stringify(g.previous_data) === JSON.stringify(data)) return;
    g.previous_data = data;
    S.setComponentValue(data);
    lpmap.clicksSent = (lpmap.clicksSent || 0) + 1;
  }

  /* Whether tile feature properties `p` pass the filter `f` ({field: [values]}; null passes all). */
  function passes(f, p) {
    if (!f) return true;
    for (var k in f) {
      if (f[k] && f[k].indexOf(p[k]) < 0) return false;
    }
    return true;
  }

  /* The parcels drawn from vector tiles (Leaflet.VectorGrid): coloured by `spec`, a tooltip on hover, a
     click sends {fid, s, n} back. `o` holds url, layer, bounds [[s, w], [n, e]], minNativeZoom (coarser views
     shrink those tiles), maxNativeZoom (closer views are cut from those tiles, see parcelGridClass) and
     overviewMaxZoom (the overview's zooms past minNativeZoom are cut from the minNativeZoom tiles). */
  lpmap.parcelTiles = function (map, spec, o) {
    fixTileClicks();
    // the layers above the parcels (outlines, lines, washes, the highlight) take no clicks: their one canvas
    // covers the whole map and would keep the mouse from the parcel tiles under it
    map.getPane("overlayPane").style.pointerEvents = "none";
    var entry = {filter: null, tiles: true, styles: {}};
    var styles = {};
    // one style object per land-use code (and per filter, emptied by filterTiles), not one per feature drawn:
    // a tile of the merged commune holds thousands of parcels and is styled again at every redraw
    var hidden = [];
    styles[o.layer] = function tileStyle(p) {
      if (!passes(entry.filter, p)) return hidden;
      var key = (spec.styleBy ? p[spec.styleBy] + "|" : "") + (spec.fillBy ? p[spec.fillBy] : "");
      var s = entry.styles[key];
      if (!s) s = entry.styles[key] = styleOf(spec, p);
      return s;
    };
    var Grid = parcelGridClass();
    var grid = new Grid(o.url, {
      pane: pane(map, "lp-parcels", 380),
      rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: styles,
      interactive: !!spec.interactive,
      bounds: L.latLngBounds(o.bounds),
      minNativeZoom: o.minNativeZoom,
      lpMaxNative: o.maxNativeZoom,
      lpOverviewMax: o.overviewMaxZoom,
      maxZoom: 21,
      // tiles made only once a zoom or a pan has ended (not for every frame of it), and few kept beyond
      // the view: a tile of the merged commune is thousands of canvas paths held in memory
      updateWhenZooming: false,
      keepBuffer: 1
    });
    var tip = L.tooltip({className: "lp-tooltip", direction: "auto"});  // follows the mouse (moveTip)
    function showTip(e) {
      // the overview's shapes (zoom 13 and out) are land uses, not parcels: no parcel's tooltip
      if (!spec.tooltip || !spec.tooltip.length || e.layer.properties.fid === undefined) return;
      tip.setLatLng(e.latlng).setContent(tooltipText(spec, e.layer.properties));
      if (!map.hasLayer(tip)) tip.addTo(map);
    }
    function moveTip(e) { if (map.hasLayer(tip)) tip.setLatLng(e.latlng); }
    function hideTip() { map.removeLayer(tip); }
    grid.on("mouseover", showTip).on("mouseout", hideTip);
    map.on("mousemove", moveTip);
    grid.on("click", function sendClick(e) {
      var clicked = e.layer = clickedFeature(e.layer.properties || {}, ["fid", "s", "n"]);
      // streamlit-folium's own click handler runs after this one, in the same event: send once it has
      Promise.resolve().then(function () { sendAtOnce(map, clicked.feature); });
    });
    entry.group = grid;
    entry.layer = grid;
    lpmap.layers[spec.key] = entry;
    return grid;
  };

  /* Show only the tile features passing `f` ({field: [values]}, null for all); redrawn only on a change. */
  lpmap.filterTiles = function (key, f) {
    var entry = lpmap.layers[key];
    if (!entry || !entry.tiles) return;
    var before = JSON.stringify(entry.filter), after = JSON.stringify(f || null);
    if (before === after) return;
    entry.filter = f || null;
    entry.group.redraw();
  };

  /* The JSON at `url`; with a "#key" after the address, its entry `key`. Each file is fetched once per page
     (the layers of a map share one file, each named by its key). */
  function fetchJson(url) {
    var hash = url.indexOf("#"), file = hash < 0 ? url : url.slice(0, hash);
    var files = lpmap.files = lpmap.files || {};
    if (!files[file]) {
      files[file] = fetch(file).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " " + file);
        return response.json();
      });
    }
    if (hash < 0) return files[file];
    var key = decodeURIComponent(url.slice(hash + 1));
    return files[file].then(function (data) {
      if (!data || data[key] === undefined) throw new Error("no layer " + key + " in " + file);
      return data[key];
    });
  }

  /* A packed layer fetched from `url` (the map's HTML holds only the address; see fetchJson); a group at
     once, filled when the data arrives. `below` draws it under the parcel tiles (the district's wash). A layer
     off when the map opens (switched on in the layer control) is decoded and drawn only once it is first
     switched on: the opening view does not wait for layers it does not show. */
  lpmap.addFromUrl = function (map, spec, url, below) {
    var holder = L.featureGroup();
    var renderer = below ? L.canvas({pane: pane(map, "lp-below", 360)}) : null;
    var data = null, made = false;
    function make() {
      if (made || !data) return;
      made = true;
      holder.addLayer(lpmap.add(spec, data, renderer));
    }
    holder.on("add", make);
    pending(fetchJson(url).then(function (fetched) {
      data = fetched;
      if (holder._map) make();
    }));
    return holder;
  };

  /* The map's settings fetched from `url` ({legend: HTML, names: {code: name}}): the legend as a control
     (made at once, filled when they arrive) and the land-use names the tooltips use. */
  lpmap.configFromUrl = function (map, url, className, position) {
    var control = lpmap.control(map, "", className, position);
    pending(fetch(url).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status + " " + url);
      return response.json();
    }).then(function (config) {
      lpmap.names = config.names;
      control.getContainer().innerHTML = config.legend;
    }));
    return control;
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
