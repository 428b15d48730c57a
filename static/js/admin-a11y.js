// Accessibility fixes for Django's admin (loaded by templates/admin/base_site.html; a file, as the
// CSP allows no inline script). Checked by axe in tests/browser/test_accessibility.py.
(function () {
  "use strict";

  // Tabular inlines label their inputs only by the column header: name each input after it.
  function labelTabularInputs() {
    document.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row, rowIndex) {
        Array.prototype.forEach.call(row.cells, function (cell, column) {
          var name = headers[column];
          if (!name) { return; }
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if ((field.labels && field.labels.length) || field.getAttribute("aria-label")) { return; }
            field.setAttribute("aria-label", name + " (row " + (rowIndex + 1) + ")");
          });
        });
      });
    });
  }

  // The filter boxes of many-to-many selectors carry an icon with an aria-label but no role.
  function nameFilterIcons() {
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function fix() {
    labelTabularInputs();
    nameFilterIcons();
  }

  document.addEventListener("DOMContentLoaded", fix);
  // The selectors are built on "load"; run after their handlers.
  window.addEventListener("load", function () { window.setTimeout(fix, 0); });
  document.addEventListener("formset:added", fix);
})();
