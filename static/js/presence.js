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

  // The newest message the conversation's list shows: its data-last-message, or a newer
  // item appended since (by the composer or by this poll).
  function lastMessage(list) {
    var last = parseInt(list.getAttribute("data-last-message"), 10) || 0;
    list.querySelectorAll("[data-message]").forEach(function (item) {
      last = Math.max(last, parseInt(item.getAttribute("data-message"), 10) || 0);
    });
    return last;
  }

  // The other live parts the same poll refreshes: who of the people you follow is online,
  // the unread counts (the bell's and the messages link's), the feed's new posts, and the
  // open conversation's new messages and "seen".
  function liveParts() {
    var parts = {};
    if (document.getElementById("online-now")) parts.online = "1";
    if (document.getElementById("notification-bell")) parts.bell = "1";
    // A feed tab: the counts of new posts in its tabs, and its newest post shown, which
    // moves where the member left off forward when it is newer (page one only sends it).
    var feed = document.querySelector("#posts[data-feed-tab]");
    if (feed) {
      parts.feed = feed.getAttribute("data-feed-tab");
      if (feed.hasAttribute("data-feed-top")) parts.top = feed.getAttribute("data-feed-top");
    }
    var list = document.querySelector("#conversation-messages[data-conversation]");
    if (list) {
      parts.c = list.getAttribute("data-conversation");
      parts.after = String(lastMessage(list));
    }
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

  // New messages: only those the list does not hold yet (the composer may have appended the
  // member's own already), brought into view when the list's end was. Focus stays where it
  // is (in the composer while one types): the list is a live region, which says them.
  // static/js/conversation.js moves the list's data-last-message to the newest.
  var arrived = false;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "conversation-messages") return;
    event.detail.fragment.querySelectorAll("[data-message]").forEach(function (item) {
      if (document.getElementById(item.id)) item.remove();
    });
    var end = target.lastElementChild;
    arrived = event.detail.fragment.querySelector("[data-message]") !== null &&
      (!end || end.getBoundingClientRect().top < window.innerHeight);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target !== poller() || !arrived) return;
    arrived = false;
    var list = document.getElementById("conversation-messages");
    if (list && list.lastElementChild) list.lastElementChild.scrollIntoView({ block: "nearest" });
  });

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

  // The member's own "Appearing offline" in the bar. "Until tomorrow" ends at 08:00 on their
  // clock: the avatar menu's form carries the browser's time zone.
  function fillTimeZone(root) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      zone = "";
    }
    root.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
      input.value = zone;
    });
  }
  fillTimeZone(document);
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) fillTimeZone(event.target);
  });

  // An unchanged state is left alone (focus stays on its button); a change the poll brings
  // (it ended on its own, or began on another device) is said in the live region; one the
  // member made here is said by the answer itself. Turn off goes away once pressed: focus
  // moves to the member menu's button instead of being lost.
  var appearance = null;
  var refocus = false;
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "appear-offline-state") return;
    var state = event.detail.fragment.querySelector
      ? event.detail.fragment.querySelector("#appear-offline-state")
      : null;
    state = state || event.detail.fragment.firstElementChild;
    if (!state) return;
    var was = target.getAttribute("data-appear-offline");
    if (state.getAttribute("data-appear-offline") === was) {
      event.detail.shouldSwap = false;
      return;
    }
    appearance = state.getAttribute("data-said");
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt === poller()) appearance = null;
    else if (elt && elt.closest && elt.closest("#appear-offline-state")) refocus = true;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (refocus && event.target.id === "appear-offline-state") {
      refocus = false;
      var active = document.activeElement;
      if (!active || active === document.body || !document.body.contains(active)) {
        var menu = document.getElementById("member-menu-button");
        if (menu) menu.focus();
      }
    }
    if (event.target !== poller() || appearance === null) return;
    var announcer = document.getElementById("presence-announcer");
    if (announcer) announcer.textContent = appearance;
    appearance = null;
  });
})();
