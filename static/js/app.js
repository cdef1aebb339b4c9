// The installable app's page side: registers the service worker (templates/app/sw.js) on
// every page, visitors' too, so the offline page is there the first time the network is not;
// offers "Install Eternity" where the browser can install the site; keeps the app's badge at
// the bell's unread count; and reloads from the offline page's "Try again".
(function () {
  "use strict";

  var DISMISSED = "eternity:install-dismissed";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
    // The worker renewed a push subscription; the page has the CSRF token to send it with.
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      var url = data.subscribeUrl;
      if (data.type !== "eternity:push-subscription" || !url || !document.body.dataset.member) return;
      if (!data.replaces) return;
      var body = Object.assign({}, data.subscription, {
        replaces: data.replaces,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      });
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: Object.assign({ "Content-Type": "application/json" }, csrfHeader()),
        body: JSON.stringify(body),
      }).catch(function () {});
    });
  }

  function csrfHeader() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (error) {
      return {};
    }
  }

  // --- Install ---------------------------------------------------------------------------
  var offer = null;
  function dismissed() {
    try {
      return window.localStorage.getItem(DISMISSED) === "1";
    } catch (error) {
      return false;
    }
  }
  function hint() {
    return document.getElementById("install-hint");
  }
  function hideHint() {
    var el = hint();
    if (el) el.hidden = true;
  }
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault(); // the browser's own mini-infobar would cover the page's bottom
    offer = event;
    var el = hint();
    if (el && !dismissed()) el.hidden = false;
  });
  window.addEventListener("appinstalled", function () {
    offer = null;
    hideHint();
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-install], [data-install-dismiss], [data-app-reload]");
    if (!target) return;
    if (target.hasAttribute("data-app-reload")) {
      window.location.reload();
    } else if (target.hasAttribute("data-install-dismiss")) {
      try {
        window.localStorage.setItem(DISMISSED, "1");
      } catch (error) {
        // Private browsing without storage: hidden for this page only.
      }
      hideHint();
      var main = document.getElementById("main");
      if (main) main.focus();
    } else if (offer) {
      var shown = offer;
      offer = null; // a prompt can be shown once
      hideHint();
      shown.prompt();
    }
  });

  // --- Badge -----------------------------------------------------------------------------
  // The bell's count (social/bell.html), also when the presence poll swaps a new one in.
  function updateBadge() {
    if (!("setAppBadge" in navigator) || !document.body) return;
    if (document.querySelector("[data-app-offline]")) return; // drawn for nobody: says nothing
    if (!document.body.dataset.member) {
      navigator.clearAppBadge().catch(function () {});
      return;
    }
    if (!document.getElementById("notification-bell")) return;
    var count = document.querySelector("#notification-bell [data-unread-count]");
    var number = count ? parseInt(count.textContent, 10) : 0;
    var done = number > 0 ? navigator.setAppBadge(number) : navigator.clearAppBadge();
    done.catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", updateBadge);
  document.addEventListener("htmx:oobAfterSwap", updateBadge);
  document.addEventListener("htmx:afterSettle", updateBadge);
})();
