// DAH Guide behaviour. Loaded as a file (no inline scripts: strict CSP). Everything here is an
// enhancement: every page works without JavaScript.
(function () {
  "use strict";

  // Idle logout on shared ward computers (templates/partials/idle_warning.html, also in the admin;
  // dahguide/accounts/idle.py on the server). The countdown follows the server's clock: every page
  // says how many seconds are left and every htmx response and activity ping says it again
  // (X-Idle-Remaining). Typing, clicking or pressing a key on the open page is activity: it is
  // reported at most once per data-activity-interval seconds, which is all the server records.
  // The warning takes no focus. When time runs out, a form being typed in (data-keep-on-idle) is
  // sent with the logout so the server keeps it for the same user to finish after logging in.
  function setupIdleWarning() {
    var warning = document.getElementById("idle-warning");
    if (!warning) { return; }  // logged out
    var timeout = intAttr(warning, "data-idle-timeout", 0);
    if (!timeout) { return; }
    var lead = Math.min(intAttr(warning, "data-idle-warning", 60), Math.floor(timeout / 2));
    var interval = intAttr(warning, "data-activity-interval", 60) * 1000;
    var text = document.getElementById("idle-warning-text");
    var countdown = document.getElementById("idle-countdown");
    var deadline = Date.now() + intAttr(warning, "data-idle-remaining", timeout) * 1000;
    var lastReport = Date.now();  // loading this page was a request the server saw
    var reporting = false;
    var ended = false;
    var dirty = [];

    function follow(header) {
      var seconds = parseInt(header || "", 10);
      if (!isNaN(seconds)) { deadline = Date.now() + seconds * 1000; tick(); }
    }
    function report(always) {
      if (reporting || ended || (!always && Date.now() - lastReport < interval)) { return; }
      reporting = true;
      lastReport = Date.now();
      fetch(warning.getAttribute("data-activity-url"), {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": warning.getAttribute("data-csrf-token") || "" }
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) { deadline = Date.now(); }
        follow(response.headers.get("X-Idle-Remaining"));
      }).catch(function () { /* offline: the countdown stands */ }).finally(function () {
        reporting = false;
      });
    }
    function clock(seconds) {
      var m = Math.floor(seconds / 60), s = seconds % 60;
      return m + ":" + (s < 10 ? "0" : "") + s;
    }
    function tick() {
      if (ended) { return; }
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) { end(); return; }
      if (left > lead) {
        warning.classList.add("d-none");
        text.textContent = "";
        return;
      }
      if (warning.classList.contains("d-none")) {
        warning.classList.remove("d-none");
        // Announced once (an assertive live region); the visible countdown below is not read out every second.
        text.textContent = "You will be logged out in " + left + " seconds because this computer has been idle.";
      }
      countdown.textContent = clock(left);
    }
    function end() {
      ended = true;
      var form = dirty.filter(function (f) { return document.body.contains(f); })[0];
      if (form) {
        var flag = document.createElement("input");
        flag.type = "hidden"; flag.name = "_idle_logout"; flag.value = "1";
        form.appendChild(flag);
        HTMLFormElement.prototype.submit.call(form);  // a plain post: htmx stays out of it
        return;
      }
      window.location.href = warning.getAttribute("data-login-url") + "?next=" +
        encodeURIComponent(window.location.pathname + window.location.search);
    }
    function typed(event) {
      var form = event.target.closest && event.target.closest("form[data-keep-on-idle]");
      if (form && dirty.indexOf(form) < 0) { dirty.push(form); }
      report(false);
    }

    document.getElementById("idle-stay").addEventListener("click", function () { report(true); });
    ["keydown", "input", "pointerdown"].forEach(function (type) {
      document.addEventListener(type, typed, true);
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      if (xhr) { follow(xhr.getResponseHeader("X-Idle-Remaining")); }
    });
    // A step swapped in by htmx starts clean: its answers were just saved.
    document.body.addEventListener("htmx:afterSettle", function () {
      dirty = dirty.filter(function (f) { return document.body.contains(f); });
    });
    setInterval(tick, 1000);
    tick();
  }

  function intAttr(element, name, fallback) {
    var value = parseInt(element.getAttribute(name) || "", 10);
    return isNaN(value) ? fallback : value;
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
