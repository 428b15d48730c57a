// DAH Guide behaviour. Loaded as a file (no inline scripts: strict CSP). Everything here is an
// enhancement: every page works without JavaScript.
(function () {
  "use strict";

  // Idle logout warning on shared ward computers (templates/partials/idle_warning.html, also in the
  // admin). The server ends the session after data-idle-timeout seconds without a request; warn
  // data-idle-warning seconds before (at most half the timeout) and let the user stay.
  function setupIdleWarning() {
    var warning = document.getElementById("idle-warning");
    if (!warning) { return; }  // logged out
    var timeout = parseInt(warning.getAttribute("data-idle-timeout") || "0", 10);
    if (!timeout) { return; }
    var stay = document.getElementById("idle-stay");
    var lead = Math.min(parseInt(warning.getAttribute("data-idle-warning") || "60", 10), Math.floor(timeout / 2));
    var warnAfter = (timeout - lead) * 1000;
    var warnTimer, logoutTimer;
    function schedule() {
      clearTimeout(warnTimer); clearTimeout(logoutTimer);
      warning.classList.add("d-none");
      warnTimer = setTimeout(function () {
        warning.classList.remove("d-none");
        stay.focus();
      }, warnAfter);
      logoutTimer = setTimeout(function () {
        window.location.href = warning.getAttribute("data-login-url") + "?next=" + encodeURIComponent(window.location.pathname);
      }, timeout * 1000 + 2000);
    }
    stay.addEventListener("click", function () {
      // Any request refreshes the server-side session.
      fetch(window.location.pathname, { method: "HEAD", credentials: "same-origin" }).finally(schedule);
    });
    document.body.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  // A "Print" button (hidden without JavaScript, where the print-view link does the job) opens the
  // browser's print dialog; print.css lays out the page.
  function setupPrintButtons() {
    document.querySelectorAll("[data-print-page]").forEach(function (button) { button.hidden = false; });
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-print-page]")) { window.print(); }
    });
  }

  // A link to a part of the plan one disclosure down (a recommendation from the decision strip,
  // the guidelines' positions) opens the disclosures on the way to it. Without JavaScript the
  // link still scrolls there and the disclosure opens with a click.
  function revealTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) { return; }
    var own = target.firstElementChild;
    if (own && own.tagName === "DETAILS") { own.open = true; }
    for (var d = target.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true;
    }
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupIdleWarning();
    setupPrintButtons();
    revealTarget();
  });
  window.addEventListener("hashchange", revealTarget);
})();
