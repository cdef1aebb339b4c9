// The page's single presence poll: sends the usernames of every badge on the page, skips
// polls while the tab is hidden, refreshes at once when it becomes visible, and announces
// status changes politely to screen readers.
(function () {
  "use strict";

  function poller() { return document.getElementById("presence-poller"); }

  function usernamesOnPage() {
    var names = [];
    document.querySelectorAll("[data-presence]").forEach(function (badge) {
      var name = badge.getAttribute("data-presence");
      if (name && names.indexOf(name) === -1) names.push(name);
    });
    return names.slice(0, 100);
  }

  // The other live parts the same poll refreshes: who of the people you follow is online,
  // and the unread notification count.
  function liveParts() {
    var parts = {};
    if (document.getElementById("online-now")) parts.online = "1";
    if (document.getElementById("notification-bell")) parts.bell = "1";
    return parts;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== poller()) return;
    event.detail.parameters.u = usernamesOnPage();
    var parts = liveParts();
    Object.keys(parts).forEach(function (name) { event.detail.parameters[name] = parts[name]; });
  });

  document.addEventListener("htmx:confirm", function (event) {
    if (event.target !== poller()) return;
    var idle = usernamesOnPage().length === 0 && Object.keys(liveParts()).length === 0;
    if (document.hidden || idle) event.preventDefault();
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && poller() && window.htmx) window.htmx.trigger(poller(), "presence:refresh");
  });

  // One announcement per user whose status text changed in this poll.
  var announced = {};
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var name = target && target.getAttribute && target.getAttribute("data-presence");
    if (!name || announced[name]) return;
    var before = target.textContent.replace(/\s+/g, " ").trim();
    var after = event.detail.fragment.textContent.replace(/\s+/g, " ").trim();
    if (before !== after) {
      announced[name] = true;
      var announcer = document.getElementById("presence-announcer");
      if (announcer) announcer.textContent = name + ": " + after.replace(/[●○]/g, "").trim();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === poller()) announced = {};
  });
})();
