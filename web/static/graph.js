// Entity neighbourhood graph, drawn with the vendored cytoscape.js from the entity's JSON twin.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  if (!box || typeof cytoscape === "undefined") return;
  var colours = { Person: "#8a3ffc", Organization: "#0f62fe", Product: "#b8420f", Place: "#198038", Event: "#a2191f", CreativeWork: "#6f4e00" };
  fetch(box.dataset.source, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var elements = [{ data: { id: data.key, label: data.name, colour: colours[data.type] || "#555", url: "" } }];
      data.neighbours.forEach(function (n) {
        elements.push({ data: { id: n.key, label: n.name, colour: colours[n.type] || "#555", url: n.url } });
        elements.push({ data: { id: data.key + "->" + n.key, source: data.key, target: n.key, weight: n.articles } });
      });
      var cy = cytoscape({
        container: box, elements: elements, layout: { name: "concentric", minNodeSpacing: 24 },
        style: [
          { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 11, color: "#1b1f24", "text-valign": "bottom" } },
          { selector: "edge", style: { width: 1.5, "line-color": "#c3c9d1" } }
        ]
      });
      cy.on("tap", "node", function (e) { var url = e.target.data("url"); if (url) window.location.href = url; });
      box.dataset.rendered = String(cy.nodes().length);
    });
})();
