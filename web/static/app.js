// Small progressive enhancements shared by every page (no inline script: the CSP forbids it).
(function () {
  "use strict";
  // Sortable tables: <th><button data-sort="N" [data-numeric]>.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th button[data-sort]").forEach(function (button) {
      var ascending = true;
      button.addEventListener("click", function () {
        var col = Number(button.dataset.sort), numeric = button.dataset.numeric === "1";
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          var u = numeric ? parseFloat(x.dataset.value || "NaN") : x.textContent.trim().toLowerCase();
          var v = numeric ? parseFloat(y.dataset.value || "NaN") : y.textContent.trim().toLowerCase();
          if (numeric) { u = isNaN(u) ? -Infinity : u; v = isNaN(v) ? -Infinity : v; }
          return (u < v ? -1 : u > v ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (r) { body.appendChild(r); });
        ascending = !ascending;
      });
    });
  });
  // Row filter: <input data-filter-table="id">.
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filterTable);
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = needle && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
})();
