// The conversation page: the composer keeps its draft in sessionStorage (per conversation)
// until a send succeeds and sends on Ctrl+Enter, the list keeps data-last-message at its
// newest message, and the newest message is in view when the page opens and when one is sent.
(function () {
  "use strict";

  function list() { return document.getElementById("conversation-messages"); }
  function composer() { return document.getElementById("composer"); }

  function key(form) { return "eternity:draft:conversation:" + form.getAttribute("data-conversation"); }

  function storage() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }

  // A composer arrived (the page, or an htmx answer): forget the draft after a send,
  // otherwise put back what was typed if the box came back empty (a refused upload).
  function restore(form) {
    var store = storage();
    var box = form && form.querySelector("textarea[name=text]");
    if (!store || !box) return;
    if (form.hasAttribute("data-sent")) {
      store.removeItem(key(form));
    } else if (!box.value && store.getItem(key(form))) {
      box.value = store.getItem(key(form));
    }
  }

  function newest() {
    var ol = list();
    if (!ol) return;
    var last = 0;
    ol.querySelectorAll("[data-message]").forEach(function (item) {
      last = Math.max(last, parseInt(item.getAttribute("data-message"), 10) || 0);
    });
    if (last > (parseInt(ol.getAttribute("data-last-message"), 10) || 0)) {
      ol.setAttribute("data-last-message", String(last));
    }
    var none = document.getElementById("no-messages");
    if (none && last) none.remove();
  }

  function showNewest() {
    var ol = list();
    var last = ol && ol.lastElementChild;
    if (last) last.scrollIntoView({ block: "end" });
  }

  document.addEventListener("input", function (event) {
    var form = composer();
    var store = storage();
    if (!form || !store || event.target.name !== "text" || !form.contains(event.target)) return;
    if (event.target.value) store.setItem(key(form), event.target.value);
    else store.removeItem(key(form));
  });

  // Ctrl+Enter (Cmd+Enter) sends; Enter alone makes a new line.
  document.addEventListener("keydown", function (event) {
    var form = composer();
    if (!form || event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    if (event.target.name !== "text" || !form.contains(event.target)) return;
    event.preventDefault();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "composer") {
      restore(composer());
      newest();
      if (composer() && composer().hasAttribute("data-sent")) showNewest();
    } else if (target && target.id === "older-messages") {
      var first = list() && list().querySelector("[autofocus]");
      if (first) { first.removeAttribute("autofocus"); first.focus(); }
    }
  });

  // Messages appended by the page's poll (or any other swap) move the marker too.
  document.addEventListener("htmx:oobAfterSwap", function () { newest(); });

  function start() {
    if (!list()) return;
    restore(composer());
    if (!window.location.hash || window.location.hash === "#composer") showNewest();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
