// Site behaviour that htmx attributes cannot express. No inline scripts: CSP allows 'self' only.
(function () {
  "use strict";

  // Toasts are rendered visible (so they work without JavaScript); fade them out after a while.
  function initToasts(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll(".toast[data-autohide]").forEach(function (el) {
      el.removeAttribute("data-autohide");
      var toast = window.bootstrap.Toast.getOrCreateInstance(el, { delay: 6000 });
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      toast.show();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initToasts(document); });
  document.addEventListener("htmx:afterSettle", function () { initToasts(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { initToasts(document); });
})();
