// Figures explorer: a line chart per (subject, metric) with values on two or more dates. The series come in
// the page (#chart's data-series, computed by the server from the same rows as the table), so the charts are drawn at
// once into boxes of fixed height and never push the table down. The x axis is time, one range for all charts
// (a point's position is its date, not its rank), the y axis starts at zero and names its unit. The row filter redraws the charts
// with the figures whose rows it leaves visible.
(function () {
  "use strict";
  var box = document.getElementById("chart");
  if (!box || !box.dataset.series) return;
  var all = JSON.parse(box.dataset.series);
  var SVG = "http://www.w3.org/2000/svg";
  var W = 380, H = 200, LEFT = 56, RIGHT = 16, TOP = 14, BOTTOM = 40;
  var compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
  }
  function draw(s, points) {
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": s.label,
                          "data-axis-x": "time", preserveAspectRatio: "xMinYMin meet" });
    var lo = range[0], hi = range[1];
    var top = niceMax(Math.max.apply(null, points.map(function (p) { return p.value; })));
    function x(t) { return LEFT + (t - lo) / (hi - lo) * (W - LEFT - RIGHT); }
    function y(v) { return H - BOTTOM - v / top * (H - TOP - BOTTOM); }
    // Axes: y from zero with three ticks and the unit, x with a tick at every 1 January in range.
    svg.appendChild(el("line", { x1: LEFT, y1: H - BOTTOM, x2: W - RIGHT, y2: H - BOTTOM, stroke: "#57606a" }));
    svg.appendChild(el("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: H - BOTTOM, stroke: "#57606a" }));
    [0, top / 2, top].forEach(function (v) {
      svg.appendChild(el("line", { x1: LEFT - 4, y1: y(v), x2: W - RIGHT, y2: y(v), stroke: "#d0d7de", "class": "grid" }));
      svg.appendChild(el("text", { x: LEFT - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, "class": "tick-y" },
                         compact.format(v)));
    });
    svg.appendChild(el("text", { x: 12, y: (TOP + H - BOTTOM) / 2, "font-size": 11, "text-anchor": "middle",
                                 transform: "rotate(-90 12 " + (TOP + H - BOTTOM) / 2 + ")", "class": "unit" }, s.unit));
    for (var year = Math.ceil(lo); year <= hi; year++) {
      svg.appendChild(el("line", { x1: x(year), y1: H - BOTTOM, x2: x(year), y2: H - BOTTOM + 4, stroke: "#57606a" }));
      svg.appendChild(el("text", { x: x(year), y: H - BOTTOM + 16, "font-size": 11, "text-anchor": "middle",
                                   "class": "tick-x" }, String(year)));
    }
    svg.appendChild(el("text", { x: (LEFT + W - RIGHT) / 2, y: H - 4, "font-size": 11, "text-anchor": "middle" }, "date"));
    svg.appendChild(el("polyline", { points: points.map(function (p) { return x(p.t) + "," + y(p.value); }).join(" "),
                                     fill: "none", stroke: "#0b57d0", "stroke-width": 2 }));
    points.forEach(function (p) {
      var dot = el("circle", { cx: x(p.t), cy: y(p.value), r: 4, fill: "#0b57d0", "data-date": p.date });
      dot.appendChild(el("title", {}, p.date + ": " + (p.text || compact.format(p.value))));
      svg.appendChild(dot);
      svg.appendChild(el("text", { x: x(p.t), y: y(p.value) - 8, "font-size": 11, "text-anchor": "middle" },
                         compact.format(p.value)));
    });
    return svg;
  }
  // One time axis for every chart, so their dates line up and compare.
  var times = [];
  all.forEach(function (s) { s.points.forEach(function (p) { times.push(p.t); }); });
  var range = [Math.min.apply(null, times), Math.max.apply(null, times)];
  if (range[1] - range[0] < 0.5) { range[0] -= 0.25; range[1] += 0.25; }
  var pad = (range[1] - range[0]) * 0.06;
  range = [range[0] - pad, range[1] + pad];
  var table = document.getElementById("figures-table");
  function visibleFigures() {
    var shown = {};
    if (!table) return null;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      if (!row.hidden) shown[row.dataset.figure] = true;
    });
    return shown;
  }
  function render() {
    var shown = visibleFigures(), drawn = 0;
    all.forEach(function (s, i) {
      var slot = box.querySelector("[data-slot='" + i + "']");
      if (!slot) return;
      var old = slot.querySelector("svg");
      if (old) old.remove();
      var points = s.points.filter(function (p) { return !shown || shown[p.url]; });
      slot.hidden = points.length === 0;
      if (points.length) { slot.appendChild(draw(s, points)); drawn++; }
    });
    box.dataset.charts = String(drawn);
  }
  render();
  var filter = document.querySelector("input[data-filter-table='figures-table']");
  if (filter) filter.addEventListener("input", render);  // after app.js has hidden the rows
  // The download links follow the row filter too (rows=, which the server applies to the same text).
  function downloads() {
    ["download-csv", "download-json"].forEach(function (id) {
      var a = document.getElementById(id);
      if (!a) return;
      var url = new URL(a.getAttribute("href"), location.href);
      if (filter && filter.value.trim()) url.searchParams.set("rows", filter.value.trim());
      else url.searchParams.delete("rows");
      a.setAttribute("href", url.pathname + url.search);
    });
  }
  if (filter) filter.addEventListener("input", downloads);
})();
