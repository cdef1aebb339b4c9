// The page's single presence poll: sends the usernames of every badge on the page, skips
// polls while the tab is hidden, refreshes at once when it becomes visible, and announces
// status changes politely to screen readers (never the passing minutes of a "last seen").
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

  // One announcement per poll, naming each member whose status changed: what their badge
  // says ("Online", "Offline", "Last seen") or the moment a "last seen" names. Not the
  // badge's text, which static/js/times.js rewrites as the minutes pass.
  function status(badge) {
    var kind = (badge.className.match(/\bpresence-[a-z-]+/) || [""])[0];
    var time = badge.querySelector("time[datetime]");
    return kind + " " + (time ? time.getAttribute("datetime") : "");
  }

  var changed = [];
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var name = target && target.getAttribute && target.getAttribute("data-presence");
    if (!name || changed.indexOf(name) !== -1) return;
    var badge = event.detail.fragment.querySelector("[data-presence]");
    if (badge && status(target) !== status(badge)) changed.push(name);
  });

  // Said once the new badges are in, with their times as the page shows them.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target !== poller() || changed.length === 0) return;
    var announcer = document.getElementById("presence-announcer");
    var said = changed.map(function (name) {
      var badge = document.querySelector("[data-presence='" + CSS.escape(name) + "']");
      var text = badge ? badge.textContent.replace(/[●○]/g, "").replace(/\s+/g, " ").trim() : "";
      return name + ": " + text;
    });
    changed = [];
    if (announcer) announcer.textContent = said.join("; ");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === poller()) changed = [];
  });
})();
