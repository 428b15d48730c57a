// Bedside wizard behaviour (loaded as a file: strict CSP, no inline scripts). An enhancement
// only: every step works by plain form posts without JavaScript, and the first field of each
// step carries the autofocus attribute for full page loads.
(function () {
  "use strict";

  function stepForm() { return document.getElementById("step-form"); }

  // After htmx swaps a step in place, put focus where a page load would: the error summary when
  // the step came back with errors, else the element with autofocus (the first question, or the
  // answer a helper just filled in). Screen readers announce the focused element.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "step-container") { return; }
    var element = document.getElementById("error-summary") ||
      target.querySelector("[autofocus]") || document.getElementById("step-title");
    if (element) {
      element.focus();
      if (element.scrollIntoView) { element.scrollIntoView({ block: "center" }); }
    }
  });

  // Enter saves the step from a radio button or checkbox too, as it does from a text field (the
  // form's first submit button is "Save and continue").
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.defaultPrevented) { return; }
    var input = event.target;
    var form = stepForm();
    if (!form || !input.form || input.form !== form) { return; }
    if (input.type === "radio" || input.type === "checkbox") {
      event.preventDefault();
      form.requestSubmit(form.querySelector("button[type=submit][value=next]"));
    }
  });

  // An error shown for an answer is stale once the answer changes: clear its marks (the server
  // checks again on saving).
  function clearError(event) {
    var question = event.target.closest && event.target.closest(".question.has-error");
    if (!question) { return; }
    question.classList.remove("has-error");
    question.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    question.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    question.querySelectorAll(".invalid-feedback").forEach(function (el) {
      el.classList.remove("d-block");
      el.hidden = true;
    });
  }
  document.addEventListener("input", clearError);
  document.addEventListener("change", clearError);

  // A live conversion that does not fit its unit is a warning (the server says so in a header;
  // the line itself is plain text).
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    var xhr = event.detail && event.detail.xhr;
    if (!target || !xhr || !target.classList.contains("converted")) { return; }
    target.classList.toggle("converted-warning", xhr.getResponseHeader("X-Conversion") === "warning");
  });
})();
