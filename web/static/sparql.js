// The SPARQL page: run the query through the endpoint, show rows as a table, keep a permalink.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form"), textarea = document.getElementById("query");
  var statusLine = document.getElementById("status"), results = document.getElementById("results");
  var permalink = document.getElementById("permalink"), download = document.getElementById("download");
  var formatSelect = document.getElementById("download-format");

  function link(query) { return "/sparql?" + new URLSearchParams({ q: query }).toString(); }
  function updateLinks() {
    permalink.href = link(textarea.value);
    download.href = "/sparql?" + new URLSearchParams({ query: textarea.value, format: formatSelect.value }).toString();
  }
  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var a = document.createElement("a");
      var local = term.value.indexOf("/entity/") >= 0 ? "/entity/" + term.value.split("/entity/")[1]
                : term.value.indexOf("/article/") >= 0 ? "/article/" + term.value.split("/article/")[1].split("/")[0] : null;
      a.href = local || term.value;
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
    }
    return td;
  }
  function render(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") { results.textContent = data.boolean ? "true" : "false"; return; }
    var table = document.createElement("table"); table.className = "data";
    var head = table.createTHead().insertRow();
    data.head.vars.forEach(function (v) { var th = document.createElement("th"); th.scope = "col"; th.textContent = v; head.appendChild(th); });
    var body = table.createTBody();
    data.results.bindings.forEach(function (b) {
      var tr = body.insertRow();
      data.head.vars.forEach(function (v) { tr.appendChild(cell(b[v])); });
    });
    results.appendChild(table);
    statusLine.textContent = data.results.bindings.length + " rows" + (data.truncated ? " (truncated at the row limit)" : "");
  }
  function run() {
    updateLinks();
    history.replaceState(null, "", link(textarea.value));
    statusLine.textContent = "Running…";
    var started = performance.now();
    fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json" }, body: textarea.value })
      .then(function (r) { return r.ok ? r.json() : r.text().then(function (t) { throw new Error(t); }); })
      .then(function (data) { render(data); statusLine.textContent += " in " + Math.round(performance.now() - started) + " ms"; })
      .catch(function (e) { results.textContent = ""; statusLine.textContent = "Error: " + e.message; });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  document.querySelectorAll("button.example").forEach(function (b) {
    b.addEventListener("click", function () { textarea.value = b.dataset.query; run(); });
  });
  textarea.addEventListener("input", updateLinks);
  formatSelect.addEventListener("change", updateLinks);
  var shared = new URLSearchParams(location.search).get("q");
  if (shared) { textarea.value = shared; run(); } else { updateLinks(); }
})();
