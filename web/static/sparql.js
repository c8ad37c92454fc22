// The SPARQL page: YASGUI (vendored) against our endpoint, the example library, permalinks, and entity IRIs
// that open our entity pages. No autocompleter that calls other sites (prefix.cc, LOV) is enabled.
(function () {
  "use strict";
  var box = document.getElementById("yasgui");
  var permalink = document.getElementById("permalink");
  var statusLine = document.getElementById("status");
  if (!box || typeof Yasgui === "undefined") return;
  var base = box.dataset.baseIri;
  var shared = new URLSearchParams(location.search).get("q");
  var yasgui = new Yasgui(box, {
    requestConfig: { endpoint: "/sparql", method: "POST", acceptHeaderSelect: "application/sparql-results+json" },
    copyEndpointOnNewTab: false,
    showEndpointSelector: false,
    persistenceId: null,
    populateFromUrl: false,
    yasqe: { autocompleters: ["variables"], value: shared || box.dataset.defaultQuery, createShareableLink: null },
    yasr: { persistenceId: null, defaultPlugin: "table" }
  });
  function tab() { return yasgui.getTab(); }
  // YASGUI's own inputs come without labels; name them for screen readers.
  function labelInputs() {
    box.querySelectorAll("textarea").forEach(function (t) { t.setAttribute("aria-label", "SPARQL query"); });
    box.querySelectorAll("input.autocomplete").forEach(function (i) { i.setAttribute("aria-label", "SPARQL endpoint"); });
    box.querySelectorAll(".yasr input, .yasr select").forEach(function (i) {
      if (!i.getAttribute("aria-label") && !i.id) i.setAttribute("aria-label", i.getAttribute("placeholder") || i.type || "option");
    });
  }
  labelInputs();
  function link(query) { return "/sparql?" + new URLSearchParams({ q: query }).toString(); }
  function run(query) {
    tab().setQuery(query);
    permalink.href = link(query);
    history.replaceState(null, "", link(query));
    statusLine.textContent = "Running…";
    tab().query();
  }
  yasgui.on("queryResponse", function () {
    statusLine.textContent = "Done";
    box.dataset.ran = String(Date.now());
    setTimeout(labelInputs, 0);
  });
  tab().getYasqe().on("change", function (yasqe) { permalink.href = link(yasqe.getValue()); });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () { run(button.dataset.query); });
  });
  // Entity and article IRIs are minted under base_iri; open them as our own pages.
  box.addEventListener("click", function (event) {
    var anchor = event.target.closest("a[href]");
    if (!anchor || anchor.href.indexOf(base) !== 0) return;
    event.preventDefault();
    var rest = anchor.href.slice(base.length).split("/");
    window.location.href = rest[0] === "article" && rest.length > 2 ? "/figure/" + rest[1] + "/" + rest[3]
      : "/" + rest.join("/");
  });
  if (shared) { run(shared); } else { permalink.href = link(tab().getQuery()); }
})();
