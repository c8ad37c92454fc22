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
  // Completion of our own vocabulary, from the terms embedded in the page (vocab.py with what docs/ontology.md
  // says of each): `cg:rol` -> cg:roleHolder, `schema:` -> every schema.org term we use, `PREFIX c` -> the cg:
  // declaration. Keywords are written in capitals, so only a lower-case start completes a bare word.
  var vocab = JSON.parse(box.dataset.completions || '{"prefixes": {}, "terms": []}');
  var byTerm = {};
  vocab.terms.forEach(function (t) { byTerm[t.term] = t; });
  function candidates(typed) {
    var s = typed.toLowerCase(), bare = s.indexOf(":") < 0, out = [];
    if (bare) Object.keys(vocab.prefixes).forEach(function (p) { if (p.indexOf(s) === 0) out.push(p + ":"); });
    vocab.terms.forEach(function (t) {
      var term = t.term.toLowerCase();
      if (term.indexOf(s) === 0 || (bare && term.split(":")[1].indexOf(s) === 0)) out.push(t.term);
    });
    return out.filter(function (c) { return c !== typed; }).slice(0, 80);
  }
  function afterPrefixKeyword(yasqe, token) {
    var previous = yasqe.getPreviousNonWsToken(yasqe.getDoc().getCursor().line, token);
    return !!(previous && previous.string && previous.string.toUpperCase() === "PREFIX");
  }
  Yasgui.Yasqe.registerAutocompleter({
    name: "commgraph-terms", bulk: false, autoShow: true,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken(), s = token.string || "";
      if (!/^[A-Za-z][\w-]*:?[\w-]*$/.test(s) || afterPrefixKeyword(yasqe, token)) return false;
      if (s.indexOf(":") < 0 && (s.length < 2 || s[0] !== s[0].toLowerCase())) return false;
      return candidates(s).length > 0;
    },
    get: function (yasqe, token) { return candidates(token.string); },
    postprocessHints: function (yasqe, hints) {
      return hints.map(function (h) {
        var t = byTerm[h.text];
        h.displayText = t ? h.text + " \u2014 " + (t.kind === "class" ? "class: " : "") + t.hint
                          : h.text + " " + vocab.prefixes[h.text.slice(0, -1)];
        return h;
      });
    }
  }, false);
  Yasgui.Yasqe.registerAutocompleter({
    name: "commgraph-prefixes", bulk: false, autoShow: true,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      return /^[a-z]*:?$/.test(token.string || "") && afterPrefixKeyword(yasqe, token);
    },
    get: function (yasqe, token) {
      var s = (token.string || "").replace(/:$/, "");
      return Object.keys(vocab.prefixes).filter(function (p) { return p.indexOf(s) === 0; })
        .map(function (p) { return p + ": <" + vocab.prefixes[p] + ">"; });
    }
  }, false);
  var yasqe = new Yasgui.Yasqe(box, {
    value: shared || box.dataset.defaultQuery, persistenceId: null, showQueryButton: false,
    createShareableLink: null, autocompleters: ["commgraph-prefixes", "commgraph-terms", "variables"],
    resizeable: true, editorHeight: "260px"
  });
  // A completed term whose prefix the query does not declare gets its PREFIX line.
  yasqe.on("change", function (cm, change) {
    if (change.origin !== "complete") return;
    var m = /^([a-z]+):[A-Za-z]/.exec(change.text.join(""));
    if (!m || !vocab.prefixes[m[1]]) return;
    setTimeout(function () {
      if (yasqe.getPrefixesFromQuery()[m[1]]) return;
      var add = {};
      add[m[1]] = vocab.prefixes[m[1]];
      yasqe.addPrefixes(add);
    }, 0);
  });
  // The list is CodeMirror's (a listbox with options): say in a live region what it offers when it opens.
  var completionStatus = document.getElementById("completion-status");
  new MutationObserver(function () {
    var list = box.querySelector(".CodeMirror-hints");
    if (!list || list.dataset.announced) return;
    list.dataset.announced = "1";
    list.setAttribute("aria-label", "Completions");
    completionStatus.textContent = list.children.length + " completions, first " +
      (list.children[0] ? list.children[0].textContent : "") + ". Arrows choose, Enter takes, Escape closes.";
  }).observe(box, { childList: true, subtree: true });
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
