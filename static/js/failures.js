// What the person sees when an htmx request does not work: the server answered with an error,
// could not be reached, or took too long. Nothing is swapped away (htmx swaps no error
// response), what was typed stays, a toast says what did not happen, and a banner says when
// the site cannot be reached at all. Requests the page makes by itself (the presence poll)
// never toast: after two failed polls in a row the badges say the status is unknown instead.
(function () {
  "use strict";

  var strings = document.getElementById("ui-strings");
  function say(name) { return strings ? strings.getAttribute("data-" + name) : name; }

  function isBackground(elt) {
    return elt && elt.id === "presence-poller";
  }

  // A toast in the page's message region (the same one flash messages use: aria-live).
  function toast(text) {
    var region = document.getElementById("messages");
    if (!region) return;
    var el = document.createElement("div");
    el.className = "toast show align-items-center border-0 text-bg-danger";
    el.setAttribute("role", "alert");
    el.setAttribute("data-autohide", "");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", say("close"));
    row.appendChild(body);
    row.appendChild(close);
    el.appendChild(row);
    region.appendChild(el);
    document.dispatchEvent(new CustomEvent("eternity:toast"));
  }

  function banner(show) {
    var el = document.getElementById("offline-banner");
    if (el) el.hidden = !show;
  }

  // Presence badges that cannot be refreshed must not go on claiming "Online".
  var failedPolls = 0;
  // The list of people online now is presence too: while it cannot be refreshed it says so.
  function markPresenceUnknown() {
    var online = document.getElementById("online-now");
    if (online && online.dataset.knownHtml === undefined) {
      online.dataset.knownHtml = online.innerHTML;
      online.textContent = say("presence-unknown");
    }
    document.querySelectorAll("[data-presence]").forEach(function (badge) {
      if (badge.dataset.knownHtml !== undefined) return;
      badge.dataset.knownHtml = badge.innerHTML;
      badge.dataset.knownClass = badge.className;
      badge.className = "presence presence-unknown badge rounded-pill";
      badge.textContent = say("presence-unknown");
    });
  }
  function restorePresence() {
    var online = document.getElementById("online-now");
    if (online && online.dataset.knownHtml !== undefined) {
      online.innerHTML = online.dataset.knownHtml;
      delete online.dataset.knownHtml;
    }
    document.querySelectorAll("[data-presence]").forEach(function (badge) {
      if (badge.dataset.knownHtml === undefined) return;
      badge.innerHTML = badge.dataset.knownHtml;
      badge.className = badge.dataset.knownClass;
      delete badge.dataset.knownHtml;
      delete badge.dataset.knownClass;
    });
  }

  function failed(event, message) {
    var elt = event.detail && event.detail.elt;
    if (isBackground(elt)) {
      failedPolls += 1;
      if (failedPolls >= 2) markPresenceUnknown();
      return;
    }
    toast(message);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    failed(event, (status >= 500 ? say("server-error") : say("refused")).replace("{status}", status));
  });
  // Whether the request could change something: after no answer, only a read can be said to
  // have done nothing.
  function isWrite(event) {
    var config = event.detail && event.detail.requestConfig;
    return !!(config && config.verb && config.verb.toLowerCase() !== "get");
  }
  document.addEventListener("htmx:sendError", function (event) {
    banner(true);
    // Offline, nothing left the browser. Otherwise the connection may have broken after the
    // server got the request, so a write may or may not have happened.
    var name = navigator.onLine === false ? "offline" : isWrite(event) ? "no-answer" : "unreachable";
    failed(event, say(name));
  });
  document.addEventListener("htmx:timeout", function (event) {
    failed(event, say(isWrite(event) ? "no-answer" : "timeout"));
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    // A good poll: the badges it carries replace the "unknown" ones; the rest come back.
    if (isBackground(event.detail.elt) && event.detail.successful !== false) restorePresence();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    banner(false);
    if (isBackground(event.detail.elt)) failedPolls = 0;
  });

  // Working: the control says so (aria-busy, the htmx-request class for the eye) and a form's
  // buttons cannot send it twice.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (isBackground(elt)) return;
    elt.setAttribute("aria-busy", "true");
    var form = elt.tagName === "FORM" ? elt : elt.closest("form");
    if (form) {
      form.querySelectorAll("button[type=submit]:not([disabled])").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("data-busy-disabled", "");
      });
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt || isBackground(elt)) return;
    elt.removeAttribute("aria-busy");
    var form = elt.tagName === "FORM" ? elt : elt.closest && elt.closest("form");
    if (form) {
      form.querySelectorAll("button[data-busy-disabled]").forEach(function (button) {
        button.disabled = false;
        button.removeAttribute("data-busy-disabled");
      });
    }
  });
})();
