// Saved cases. Loaded as a file (strict CSP: no inline scripts); the pages work without it.
(function () {
  "use strict";

  // After htmx shows a re-evaluation on the case page, move focus to it so screen readers hear it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "reevaluation") {
      var panel = document.getElementById("reevaluation");
      if (panel) { panel.focus(); }
    }
  });
})();
