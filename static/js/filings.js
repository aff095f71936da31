// Bulk filing import: poll the import's status and show its progress; reload when it is done.
// Served as a static file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var panel = document.querySelector("[data-import-status]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-import-status");
  var bar = panel.querySelector("[data-import-bar]");
  var phase = panel.querySelector("[data-import-phase]");
  var count = panel.querySelector("[data-import-count]");
  var delay = 700;

  function show(status) {
    if (phase) { phase.textContent = status.phase_label; }
    if (count) {
      count.textContent = status.processed ? "（" + status.processed.toLocaleString("zh-CN") +
        (status.total ? " / " + status.total.toLocaleString("zh-CN") : "") + "）" : "";
    }
    if (bar) {
      if (status.percent === null) { bar.removeAttribute("value"); } else { bar.value = status.percent; }
    }
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
