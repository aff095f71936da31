// Monthly progress report: poll the report's status while it is generated, show the phase and the
// progress bar, and reload when it is done. A static file because the CSP forbids inline scripts.
(function () {
  "use strict";
  var panel = document.querySelector("[data-report-status]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-report-status");
  var bar = panel.querySelector("[data-report-bar]");
  var phase = panel.querySelector("[data-report-phase]");
  var delay = 700;

  function show(status) {
    if (phase) { phase.textContent = status.phase_label; }
    if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.2, 3000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 300);
})();
