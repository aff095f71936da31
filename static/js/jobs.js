// Background jobs (core.jobs: filing imports, monthly reports, indicator runs, dashboard refreshes):
// poll the job's status endpoint, show its phase, counts and progress, and reload the page when the
// job is finished. One script for every job page (templates/includes/job_progress.html); a static
// file because the Content-Security-Policy forbids inline scripts. The phase sits in a
// role="status" region: screen readers hear each new phase, not every percent.
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-status]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-job-status");
  var bar = panel.querySelector("[data-job-bar]");
  var phase = panel.querySelector("[data-job-phase]");
  var count = panel.querySelector("[data-job-count]");
  var delay = 700;

  function number(n) {
    return n.toLocaleString("zh-CN");
  }

  function show(status) {
    if (phase && phase.textContent !== status.phase_label) {
      phase.textContent = status.phase_label;
    }
    if (count && typeof status.processed === "number") {
      count.textContent = status.processed ? "（" + number(status.processed) +
        (status.total ? " / " + number(status.total) : "") + "）" : "";
    }
    if (bar) {
      if (status.percent === null || status.percent === undefined) {
        bar.removeAttribute("value");
        bar.textContent = "";
      } else {
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
      }
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
