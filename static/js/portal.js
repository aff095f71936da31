// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // On a phone the side menu would push the page far down: keep only the current area open.
  if (window.matchMedia && window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll(".side-nav details.nav-group:not([data-current])").forEach(function (group) {
      group.open = false;
    });
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle-large-text]");
    if (toggle) {
      // Without this script the button submits its form and the server sets the cookie.
      event.preventDefault();
      var on = !document.documentElement.classList.contains("large-text");
      document.documentElement.classList.toggle("large-text", on);
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
      toggle.value = on ? "0" : "1";
      document.cookie = "pilot_large_text=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
    }
  });
})();
