// Saved cases. Loaded as a file (strict CSP: no inline scripts); the pages work without it.
(function () {
  "use strict";

  // The print view's "Print" button (hidden without JavaScript) opens the browser's print dialog;
  // print.css lays out the page.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print-page]").forEach(function (button) { button.hidden = false; });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print-page]");
    if (button) {
      window.print();
    }
  });

  // After htmx shows a re-evaluation on the case page, move focus to it so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "reevaluation") {
      var panel = document.getElementById("reevaluation");
      if (panel) { panel.focus(); }
    }
  });
})();
