/* The targets page's highlight over the commune map (written by layers/render_targets.py).
 *
 * Parcels are not sent again with a target: the commune map already holds them. A target says which of them
 * it counts ("c": their land-use fill kept, a dark outline) and which belong to a share's base without counting
 * ("r": red); the others fade ("o") while a target measures parcels, or keep their own style ("d") when it
 * measures none. Needs lpmap.js (lpmap.whenLayer). What is shown is kept on lpmap (targetRoles: the role of
 * each restyled parcel; targetCounts: how many parcels have each role), which the browser tests read.
 */
(function () {
  "use strict";

  var lptargets = window.lptargets = window.lptargets || {};

  /* The role of the parcel at position i in the parcel layer. */
  function roleOf(highlight, roles, i) {
    return roles[i] || (highlight.focus ? "o" : "d");
  }

  /* Fold the map's legend the first time a target is shown, so that it does not hide the highlight. */
  function foldLegendOnce() {
    if (lpmap.targetLegendFolded) return;
    var details = document.querySelector(".lp-legend details");
    if (details) details.removeAttribute("open");
    lpmap.targetLegendFolded = true;
  }

  /* Restyle the parcels of the layer entry `entry` (lpmap.layers.parcels) for `highlight`; only the parcels
   * whose role changed since the last target are touched, so targets can be swapped in place quickly. */
  function restyle(entry, highlight) {
    var roles = {}, before = lpmap.targetRoles || {}, now = {}, counts = {c: 0, r: 0, o: 0, d: 0};
    highlight.counted.forEach(function (i) { roles[i] = "c"; });
    highlight.rest.forEach(function (i) { roles[i] = "r"; });
    entry.all.forEach(function (layer) {
      var i = layer.feature.properties.i, want = roleOf(highlight, roles, i);
      counts[want] += 1;
      if (want !== "d") now[i] = want;
      if (want === (before[i] || "d")) return;
      entry.group.resetStyle(layer);
      if (want !== "d") layer.setStyle(highlight.styles[want]);
    });
    lpmap.targetRoles = now;
    lpmap.targetCounts = counts;
  }

  /* Show `highlight` ({focus, counted: [positions], rest: [positions], styles: {c, r, o}}) as soon as the
   * parcel layer exists: lpmap.whenLayer runs it at once or when lpmap.add makes the layer (no polling). */
  lptargets.show = function (highlight) {
    lpmap.whenLayer("parcels", function (entry) {
      foldLegendOnce();
      restyle(entry, highlight);
    });
  };
})();
