// What a member typed is not lost without a word: leaving the page while a form marked
// data-draft (the write page, comment and reply boxes, inline edits) holds changes asks first
// (the browser's own "Leave site?" dialog), and so does Cancel, or folding a thread, over such
// a form. A form is "dirty" when a field differs from what the page was rendered with, or
// when it came back unsaved (data-draft="unsaved": errors, an edit conflict).
(function () {
  "use strict";

  function text(name, fallback) {
    var strings = document.getElementById("ui-strings");
    return (strings && strings.getAttribute("data-" + name)) || fallback;
  }

  function changed(field) {
    if (field.disabled || !field.name) return false;
    var type = (field.type || "").toLowerCase();
    if (type === "hidden" || type === "submit" || type === "button") return false;
    if (type === "checkbox" || type === "radio") return field.checked !== field.defaultChecked;
    if (type === "file") return field.files && field.files.length > 0;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return field.value !== field.defaultValue;
  }

  function dirty(form) {
    if (!form || !form.isConnected) return false;
    if (form.getAttribute("data-draft") === "unsaved") return true;
    if (form.querySelector("[data-conflict]")) return true;
    return Array.prototype.some.call(form.elements, changed);
  }

  function dirtyForms(root) {
    return Array.prototype.filter.call((root || document).querySelectorAll("form[data-draft]"), dirty);
  }

  // The browser's "Leave site?" dialog, only while something is unsaved (a beforeunload
  // listener that is always there would cost pages the back/forward cache in some browsers).
  var leaving = false;
  function warn(event) {
    if (leaving || dirtyForms().length === 0) return;
    event.preventDefault();
    event.returnValue = "";
  }
  var watching = false;
  function update() {
    var any = dirtyForms().length > 0;
    if (any && !watching) window.addEventListener("beforeunload", warn);
    if (!any && watching) window.removeEventListener("beforeunload", warn);
    watching = any;
  }
  document.addEventListener("input", update);
  document.addEventListener("change", update);
  // A saved or cancelled form is swapped away by htmx: nothing left to warn about.
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("htmx:load", update);

  // A plain form being sent is the member leaving on purpose; an htmx form stays until its
  // answer replaces it (and stays dirty if the answer never comes).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-draft]")) return;
    if (form.hasAttribute("hx-post") || event.defaultPrevented) return;
    leaving = true;
    // Sent but the page did not go (a download, a 204): warn again from the next change.
    setTimeout(function () { leaving = false; }, 5000);
  });

  function discard() {
    return window.confirm(text("discard", "Discard the changes you made in this form?"));
  }

  // Cancel over a dirty form asks first (before site.js removes it or htmx restores the
  // section: this listener runs in the capture phase, ahead of both).
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-cancel]");
    if (!cancel) return;
    var form = cancel.closest("form[data-draft]");
    if (!dirty(form)) return;
    if (!discard()) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    form.removeAttribute("data-draft"); // asked once; nothing to warn about as it goes
    update();
  }, true);

  // Folding a thread (or any htmx request that replaces a region holding a dirty form,
  // other than the form's own) asks first, too.
  document.addEventListener("htmx:confirm", function (event) {
    var toggle = event.target;
    if (!toggle.matches || !toggle.matches("[data-thread-toggle]")) return;
    var slot = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!slot || !slot.children.length || dirtyForms(slot).length === 0) return;
    if (!discard()) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A reply box sits in its thread's slot (#reply-slot-<id>), opened by a Reply link.
  function replySlot(form) {
    var slot = form && form.parentElement;
    return slot && slot.id && slot.id.indexOf("reply-slot-") === 0 ? slot : null;
  }
  var openers = new WeakMap(); // slot -> the Reply link that last opened it

  function opener(slot) {
    var link = openers.get(slot);
    if (link && link.isConnected) return link;
    return document.querySelector("[hx-target='#" + CSS.escape(slot.id) + "']");
  }

  // Reply over a box that holds text (folded by Escape, or still open) shows that box again
  // instead of fetching an empty one.
  document.addEventListener("htmx:confirm", function (event) {
    var link = event.target;
    var target = link.getAttribute && link.getAttribute("hx-target");
    if (!target || target.indexOf("#reply-slot-") !== 0) return;
    var slot = document.querySelector(target);
    if (!slot) return;
    openers.set(slot, link);
    var kept = slot.querySelector(":scope > form[data-draft]");
    if (!kept || !(kept.hidden || dirty(kept))) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    kept.hidden = false;
    var field = kept.querySelector("textarea, input:not([type=hidden])");
    if (field) field.focus();
  }, true);

  // Escape in a reply box folds it, keeping what was typed (Reply opens it again as it was;
  // leaving the page still asks), and focus goes back to the Reply link. An empty box just
  // goes. Ahead of site.js, whose Escape is Cancel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    var form = event.target.closest && event.target.closest("form[data-draft]");
    var slot = replySlot(form);
    if (!slot) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var link = opener(slot);
    if (dirty(form)) {
      form.hidden = true;
    } else {
      form.remove();
    }
    update();
    if (link) link.focus();
  }, true);

  document.addEventListener("DOMContentLoaded", update);
  window.eternityDrafts = { dirty: dirty, update: update };
})();
