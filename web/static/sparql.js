// The SPARQL page: YASQE (the editor from the vendored YASGUI bundle) against our endpoint, the example
// library and permalinks. Results are drawn here, not by YASR: the server's error message shows in a visible
// panel (YASR showed an empty table and threw on our relative endpoint), row numbers are a column of their own,
// typed literals show as plain values, and entity, article and figure IRIs as names linked to our pages
// (/api/labels). No autocompleter that calls other sites (prefix.cc, LOV) is enabled.
(function () {
  "use strict";
  var box = document.getElementById("yasqe");
  if (!box || typeof Yasgui === "undefined") return;
  var permalink = document.getElementById("permalink");
  var download = document.getElementById("download");
  var statusLine = document.getElementById("status");
  var errorPanel = document.getElementById("sparql-error");
  var results = document.getElementById("results");
  var prefixes = JSON.parse(box.dataset.prefixes || "{}");
  var base = box.dataset.baseIri;
  var shared = new URLSearchParams(location.search).get("q");
  var yasqe = new Yasgui.Yasqe(box, {
    value: shared || box.dataset.defaultQuery, persistenceId: null, showQueryButton: false,
    createShareableLink: null, autocompleters: ["variables"], resizeable: true, editorHeight: "260px"
  });
  // Ctrl-Enter in the editor calls yasqe.query(): run it our way.
  yasqe.query = function () { run(yasqe.getValue()); return Promise.resolve(); };
  box.querySelectorAll("textarea").forEach(function (t) { t.setAttribute("aria-label", "SPARQL query"); });

  function link(query) { return "/sparql?" + new URLSearchParams({ q: query }).toString(); }
  function links(query) {
    permalink.href = link(query);
    download.href = "/sparql?" + new URLSearchParams({ query: query, format: "csv" }).toString();
  }
  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function showError(status, message) {
    errorPanel.replaceChildren(el("strong", {}, "The query failed (HTTP " + status + ")"), el("pre", {}, message));
    errorPanel.hidden = false;
    results.replaceChildren();
    statusLine.textContent = "Error " + status;
  }
  var NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger)$/;
  function short(iri) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      if (iri.indexOf(prefixes[p]) === 0 && (!best || prefixes[p].length > prefixes[best].length)) best = p;
    });
    if (best) return best + ":" + iri.slice(prefixes[best].length);
    return iri.indexOf(base) === 0 ? iri.slice(base.length) : iri;
  }
  // A node inside an article (a mention, sentence, role, quote) opens its article.
  function page(iri) {
    if (iri.indexOf(base) !== 0) return iri;
    var rest = iri.slice(base.length).split("/");
    return rest[0] === "article" && rest.length > 1 ? "/article/" + rest[1] : iri;
  }
  function cell(term, labels) {
    var td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      var known = labels[term.value];
      var a = el("a", { href: known ? known.url : page(term.value), title: term.value }, known ? known.name : short(term.value));
      if (!known) a.rel = "nofollow noopener";
      td.appendChild(a);
    } else if (term.type === "literal" || term.type === "typed-literal") {
      if (term.datatype && NUMERIC.test(term.datatype) && isFinite(Number(term.value))) {
        td.textContent = Number(term.value).toLocaleString("en", { maximumFractionDigits: 6 });
        td.className = "num";
      } else {
        td.textContent = term.value;
        if (term["xml:lang"]) td.lang = term["xml:lang"];
      }
    } else {
      td.textContent = "_:" + term.value;
    }
    return td;
  }
  function table(data, labels) {
    if (data.boolean !== undefined) return el("p", { "class": "ask" }, "Answer: " + (data.boolean ? "yes" : "no"));
    var vars = data.head.vars || [], rows = data.results.bindings;
    var t = el("table", { "class": "data sparql-results" });
    var head = el("tr");
    head.appendChild(el("th", { scope: "col", "class": "rownum" }, "#"));
    vars.forEach(function (v) { head.appendChild(el("th", { scope: "col" }, v)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    rows.forEach(function (row, i) {
      var tr = el("tr");
      tr.appendChild(el("td", { "class": "rownum" }, String(i + 1)));
      vars.forEach(function (v) { tr.appendChild(cell(row[v], labels)); });
      body.appendChild(tr);
    });
    return t;
  }
  function iris(data) {
    var seen = {};
    ((data.results || {}).bindings || []).forEach(function (row) {
      Object.keys(row).forEach(function (v) { if (row[v].type === "uri") seen[row[v].value] = true; });
    });
    return Object.keys(seen).slice(0, 200);
  }
  function labelsFor(list) {
    if (!list.length) return Promise.resolve({});
    var form = new URLSearchParams();
    list.forEach(function (i) { form.append("iri", i); });
    return fetch("/api/labels", { method: "POST", body: form, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { labels: {} }; })
      .then(function (d) { return d.labels || {}; });
  }
  function run(query) {
    yasqe.setValue(query);
    links(query);
    history.replaceState(null, "", link(query));
    statusLine.textContent = "Running…";
    errorPanel.hidden = true;
    var started = Date.now(), truncated = null;
    fetch("/sparql", { method: "POST", body: new URLSearchParams({ query: query }),
                       headers: { Accept: "application/sparql-results+json" } })
      .then(function (response) {
        truncated = response.headers.get("X-Commgraph-Truncated");
        var type = response.headers.get("Content-Type") || "";
        return response.text().then(function (text) {
          if (!response.ok) throw { status: response.status, message: text.trim() || response.statusText };
          if (type.indexOf("json") < 0) {
            throw { status: response.status, message: "a " + type + " answer; use Download for graph results" };
          }
          return JSON.parse(text);
        });
      })
      .then(function (data) {
        return labelsFor(iris(data)).then(function (labels) {
          results.replaceChildren(table(data, labels));
          var n = data.results ? data.results.bindings.length : 1;
          statusLine.textContent = n + (n === 1 ? " row" : " rows") + " in " + (Date.now() - started) + " ms" +
            (truncated ? " (cut at the row limit)" : "");
          box.dataset.ran = String(Date.now());
        });
      })
      .catch(function (problem) {
        if (problem && problem.status !== undefined) showError(problem.status, problem.message);
        else showError("—", "the server could not be reached: " + problem);
      });
  }
  yasqe.on("change", function () { links(yasqe.getValue()); });
  document.getElementById("run").addEventListener("click", function () { run(yasqe.getValue()); });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.query); });
  });
  if (shared) { run(shared); } else { links(yasqe.getValue()); }
})();
