// "Appears with" on entity pages: each connection's own connections open in place under it (from
// /api/connections/<type>/<slug>), as a nested list, so an analyst can follow Tang Daosheng -> Tencent ->
// QQ groups without leaving the page. Entities already shown on the path are left out of the nested list.
(function () {
  "use strict";
  var root = document.querySelector("ol.conn-list[data-root]");
  if (!root) return;
  var status = document.getElementById("connections-status");
  var MAX_DEPTH = 4;
  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function path(li) {
    var keys = [root.dataset.root];
    for (var n = li; n && n !== root.parentNode; n = n.parentNode) if (n.dataset && n.dataset.key) keys.push(n.dataset.key);
    return keys;
  }
  function depth(li) { var d = 0; for (var n = li; n && n !== root; n = n.parentNode) if (n.tagName === "OL") d++; return d; }
  function item(c, canExpand) {
    var li = el("li", { "class": "conn type-" + c.type.toLowerCase(), "data-key": c.key });
    var name = li.appendChild(el("span", { "class": "conn-name" }));
    name.appendChild(el("a", { href: c.url }, c.name));
    name.appendChild(document.createTextNode(" "));
    name.appendChild(el("small", { "class": "meta" }, c.type));
    var rels = li.appendChild(el("span", { "class": "conn-rels" }));
    c.relations.forEach(function (r) {
      var rel = rels.appendChild(el("span", { "class": "rel" }, r.label));
      r.sources.forEach(function (u, i) {
        rel.appendChild(document.createTextNode(" "));
        rel.appendChild(el("a", { href: u }, r.sources.length > 1 ? "sentence " + (i + 1) : "sentence"));
      });
    });
    var weight = li.appendChild(el("span", { "class": "conn-weight" }));
    weight.appendChild(el("span", { "class": "bar", style: "width: " + Math.round(c.weight * 0.6) + "px" }));
    weight.appendChild(el("span", { "class": "n" }, c.articles + (c.articles === 1 ? " article" : " articles")));
    if (canExpand) {
      li.appendChild(el("button", { type: "button", "class": "expand", "aria-expanded": "false",
                                    "data-source": c.connections_url, "aria-label": "Connections of " + c.name },
                        "Its connections"));
    }
    return li;
  }
  function expand(button) {
    var li = button.closest("li");
    var open = button.getAttribute("aria-expanded") === "true";
    var list = li.querySelector(":scope > ol");
    if (open) { button.setAttribute("aria-expanded", "false"); if (list) list.hidden = true; return; }
    button.setAttribute("aria-expanded", "true");
    if (list) { list.hidden = false; return; }
    button.disabled = true;
    fetch(button.dataset.source, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { if (!r.ok) throw new Error(d.error || r.status); return d; }); })
      .then(function (data) {
        var seen = path(li), nested = el("ol", { "class": "conn-list nested", "aria-label": "Connections of " + data.name });
        var shown = data.connections.filter(function (c) { return seen.indexOf(c.key) < 0; }).slice(0, 15);
        var deeper = depth(li) < MAX_DEPTH;
        shown.forEach(function (c) { nested.appendChild(item(c, deeper)); });
        if (!shown.length) nested.appendChild(el("li", { "class": "meta" }, "No other connections."));
        li.appendChild(nested);
        status.textContent = shown.length + " connections of " + data.name + " shown under it";
        li.dataset.expanded = String(shown.length);
      })
      .catch(function (problem) {
        button.setAttribute("aria-expanded", "false");
        status.textContent = "Could not load the connections: " + problem.message;
        li.appendChild(el("p", { "class": "error-panel", role: "alert" }, "Could not load the connections: " + problem.message));
      })
      .then(function () { button.disabled = false; });
  }
  root.addEventListener("click", function (event) {
    var button = event.target.closest("button.expand");
    if (button && root.contains(button)) expand(button);
  });
})();
