// Figures explorer: for every (subject, metric) with data points on two or more dates, a small line chart.
(function () {
  "use strict";
  var box = document.getElementById("chart");
  if (!box) return;
  var SVG = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function series(figures) {
    var groups = {};
    figures.forEach(function (f) {
      var value = f.value !== null && f.value !== undefined ? f.value : f.min;
      if (!f.subjectName || !f.date || value === null || value === undefined) return;
      var key = f.subjectName + " · " + f.metric.toLowerCase();
      (groups[key] = groups[key] || {})[String(f.date)] = value;
    });
    return Object.keys(groups).map(function (key) {
      var points = Object.keys(groups[key]).sort().map(function (d) { return [d, groups[key][d]]; });
      return { label: key, points: points };
    }).filter(function (s) { return s.points.length >= 2; }).slice(0, 6);
  }
  function draw(s) {
    var w = 420, h = 180, pad = 40;
    var values = s.points.map(function (p) { return p[1]; });
    var max = Math.max.apply(null, values), min = Math.min(0, Math.min.apply(null, values));
    var svg = el("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-label": s.label });
    svg.appendChild(el("text", { x: 4, y: 14, "font-size": 12 }, s.label));
    var step = (w - 2 * pad) / Math.max(1, s.points.length - 1);
    var coords = s.points.map(function (p, i) {
      return [pad + i * step, h - pad - (p[1] - min) / ((max - min) || 1) * (h - 2 * pad)];
    });
    svg.appendChild(el("polyline", { points: coords.map(function (c) { return c.join(","); }).join(" "), fill: "none", stroke: "#0b57d0", "stroke-width": 2 }));
    coords.forEach(function (c, i) {
      svg.appendChild(el("circle", { cx: c[0], cy: c[1], r: 3, fill: "#0b57d0" }));
      svg.appendChild(el("text", { x: c[0], y: h - 8, "font-size": 10, "text-anchor": "middle" }, s.points[i][0]));
      svg.appendChild(el("text", { x: c[0], y: c[1] - 6, "font-size": 10, "text-anchor": "middle" }, s.points[i][1].toLocaleString()));
    });
    return svg;
  }
  fetch(box.dataset.source, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var all = series(data.figures);
      all.forEach(function (s) { box.appendChild(draw(s)); });
      box.dataset.charts = String(all.length);
    });
})();
