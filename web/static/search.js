// The search box's entity autocomplete (every page) and the search page's facet filter. No inline script: the
// CSP forbids it; without JavaScript the box still searches and the facets' "more" still opens.
(function () {
  "use strict";
  // <input data-complete="LIST_ID" data-complete-url="/api/complete" list="LIST_ID">: the <datalist> is filled from /api/complete as one types,
  // so the browser's own list shows names and aliases (arrow keys, Enter, Escape work as in any datalist).
  document.querySelectorAll("input[data-complete]").forEach(function (input) {
    var list = document.getElementById(input.dataset.complete), timer = null, asked = "";
    if (!list) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        // two letters at least, but one Chinese character is already a word (腾 -> 腾讯)
        var tooShort = q.length < 2 && !/[\u3400-\u9fff]/.test(q);
        if (!q || tooShort || q.length > 100 || /["():]/.test(q) || q === asked) { return; }
        asked = q;
        fetch(input.dataset.completeUrl + "?limit=8&q=" + encodeURIComponent(q), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {completions: []}; })
          .then(function (data) {
            if (input.value.trim() !== q) { return; }  // an older answer, overtaken by typing
            list.replaceChildren.apply(list, data.completions.map(function (c) {
              var option = document.createElement("option");
              option.value = c.name;
              option.label = c.type + (c.alias_of ? " · " + c.alias_of : "");
              return option;
            }));
            input.dataset.completed = String(data.completions.length);
          })
          .catch(function () { /* no suggestions; the search itself still works */ });
      }, 120);
    });
  });
  // <input data-filter-facets="ASIDE_ID">: shows the facet links whose name holds the text, with the ones behind
  // "more" opened, and says how many match.
  document.querySelectorAll("input[data-filter-facets]").forEach(function (input) {
    var aside = document.getElementById(input.dataset.filterFacets);
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    input.closest(".facet-filter").hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase(), shown = 0;
      aside.querySelectorAll(".facet-group").forEach(function (group) {
        var inGroup = 0;
        group.querySelectorAll("li").forEach(function (li) {
          var match = !needle || li.querySelector("a").textContent.toLowerCase().indexOf(needle) >= 0;
          li.hidden = !match;
          if (match) { inGroup += 1; }
        });
        group.querySelectorAll("details.more").forEach(function (details) {
          // opened for a match, closed again when the text is cleared; one opened by hand stays open
          if (needle && !details.open && details.querySelector("li:not([hidden])")) {
            details.open = true;
            details.dataset.openedByFilter = "1";
          } else if (details.dataset.openedByFilter && (!needle || !details.querySelector("li:not([hidden])"))) {
            details.open = false;
            delete details.dataset.openedByFilter;
          }
        });
        group.hidden = inGroup === 0;
        shown += inGroup;
      });
      status.textContent = needle ? shown + (shown === 1 ? " entity matches" : " entities match") : "";
    });
  });
})();
