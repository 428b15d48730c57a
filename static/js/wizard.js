// Bedside wizard behaviour (loaded as a file: strict CSP, no inline scripts). An enhancement
// only: every step works by plain form posts without JavaScript.
(function () {
  "use strict";

  // After htmx swaps a step in place, put focus where a reader needs it, as a page load would:
  // the error summary when the step came back with errors, the answer a helper just filled in,
  // or else the new step's heading. Screen readers announce the focused element.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "step-container") { return; }
    var form = document.getElementById("step-form");
    var wanted = form && form.getAttribute("data-focus-target");
    var element = document.getElementById("error-summary") ||
      (wanted && document.getElementById(wanted)) ||
      document.getElementById("step-title");
    if (element) {
      element.focus();
      if (element.scrollIntoView) { element.scrollIntoView({ block: "center" }); }
    }
  });
})();
