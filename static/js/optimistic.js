// Feedback while a request is on its way. Like and Follow change at once (optimistic) and go
// back to exactly what they were if the server does not confirm; a request that takes longer
// than SLOW shows a spinner in the control that sent it; live search says it is searching.
// Without JavaScript the forms are plain POSTs and none of this runs.
(function () {
  "use strict";

  var SLOW = 300; // ms: quicker answers show no spinner, so nothing flickers

  var strings = document.getElementById("ui-strings");
  function say(name) { return strings ? strings.getAttribute("data-" + name) : ""; }

  function isBackground(elt) {
    return elt && elt.id === "presence-poller";
  }

  // The element that asked: htmx sends later events to its parent once a swap has removed it.
  function asker(event) {
    var config = event.detail && event.detail.requestConfig;
    return (config && config.elt) || (event.detail && event.detail.elt);
  }

  // --- Optimistic toggles ----------------------------------------------------------------
  // A form[data-optimistic="kind:key"] holds one button with aria-pressed and a
  // [data-toggle-label]. Every form with the same value is a copy of the same toggle (the
  // same author's Follow on several cards) and changes with it.
  var KINDS = {
    like: { pressed: "btn-danger", unpressed: "btn-outline-danger",
            on: "liked-label", off: "like-label", count: "[data-like-count]" },
    follow: { pressed: "btn-outline-secondary", unpressed: "btn-outline-primary",
              on: "following-label", off: "follow-label", count: null },
  };
  var pending = new WeakMap(); // the form that asked -> what its copies looked like before
  var hadFocus = null;

  // A count elsewhere on the page that the toggle changes (a profile's followers) is an
  // element with data-optimistic-tally="kind:key": its [data-tally-now] shows the count, and
  // <template data-tally-if="true|false"> hold the server's text for the toggle pressed or not.
  function talliesOf(form) {
    var key = form.getAttribute("data-optimistic");
    return Array.prototype.filter.call(
      document.querySelectorAll("[data-optimistic-tally]"),
      function (each) { return each.getAttribute("data-optimistic-tally") === key; }
    );
  }

  function changeTally(tally, pressed) {
    var now = tally.querySelector("[data-tally-now]");
    var next = tally.querySelector('template[data-tally-if="' + (pressed ? "true" : "false") + '"]');
    if (!now || !next) return null;
    var before = Array.prototype.slice.call(now.childNodes);
    now.replaceChildren(next.content.cloneNode(true));
    return { now: now, before: before };
  }

  function copiesOf(form) {
    var key = form.getAttribute("data-optimistic");
    return Array.prototype.filter.call(
      document.querySelectorAll("form[data-optimistic]"),
      function (each) { return each.getAttribute("data-optimistic") === key; }
    );
  }

  function kindOf(form) {
    return KINDS[(form.getAttribute("data-optimistic") || "").split(":")[0]];
  }

  function snapshot(form, kind) {
    var button = form.querySelector("button[aria-pressed]");
    var label = button && button.querySelector("[data-toggle-label]");
    var count = kind.count && button && button.querySelector(kind.count);
    if (!button || !label) return null;
    return {
      form: form, button: button, label: label, count: count,
      className: button.className,
      pressed: button.getAttribute("aria-pressed"),
      labelText: label.textContent,
      countText: count ? count.textContent : null,
    };
  }

  function flip(shot, kind) {
    var pressed = shot.pressed !== "true";
    shot.button.setAttribute("aria-pressed", pressed ? "true" : "false");
    shot.button.classList.toggle(kind.pressed, pressed);
    shot.button.classList.toggle(kind.unpressed, !pressed);
    shot.label.textContent = say(pressed ? kind.on : kind.off) || shot.labelText;
    if (shot.count) {
      var n = parseInt(shot.countText, 10);
      if (!isNaN(n)) shot.count.textContent = String(Math.max(0, n + (pressed ? 1 : -1)));
    }
    shot.form.setAttribute("data-optimistic-pending", "");
  }

  function restore(shot) {
    shot.button.className = shot.className;
    shot.button.setAttribute("aria-pressed", shot.pressed);
    shot.label.textContent = shot.labelText;
    if (shot.count) shot.count.textContent = shot.countText;
    shot.form.removeAttribute("data-optimistic-pending");
  }

  // A second press while the first is on its way is ignored: the state it would undo is
  // not known yet.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-optimistic]")) return;
    if (copiesOf(form).some(function (each) { return each.hasAttribute("data-optimistic-pending"); })) {
      event.preventDefault();
      return;
    }
    hadFocus = form.contains(document.activeElement) ? document.activeElement : null;
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-optimistic]")) return;
    var kind = kindOf(form);
    if (!kind) return;
    var shots = copiesOf(form).map(function (each) { return snapshot(each, kind); })
      .filter(Boolean);
    shots.forEach(function (shot) { flip(shot, kind); });
    var tallies = shots.length ? talliesOf(form).map(function (each) {
      return changeTally(each, shots[0].pressed !== "true");
    }).filter(Boolean) : [];
    pending.set(form, { shots: shots, tallies: tallies, focus: hadFocus });
    hadFocus = null;
  });

  // The server's answer replaces the forms and the counts (it is the truth). A form or count
  // still on the page when the request ends was not confirmed (an error, no answer, a refusal
  // that swaps nothing): it goes back to what it was, and the failure toast says why.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = asker(event);
    var state = form && pending.get(form);
    if (!state) return;
    pending.delete(form);
    state.shots.forEach(function (shot) {
      if (shot.form.isConnected && shot.form.hasAttribute("data-optimistic-pending")) {
        restore(shot);
      }
    });
    state.tallies.forEach(function (tally) {
      if (tally.now.isConnected) tally.now.replaceChildren.apply(tally.now, tally.before);
    });
    if (state.focus && state.focus.isConnected && !state.focus.disabled) state.focus.focus();
  });

  // --- A spinner on slow requests ---------------------------------------------------------
  var timers = new WeakMap(); // the element that asked -> {timer, spinner}

  // Where the spinner goes: the button that sent a form, the control itself, or the button
  // inside a block that loads by itself ("Load more").
  function spinnerHost(event) {
    var elt = event.detail.elt;
    var triggering = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (elt.tagName === "FORM") {
      return (triggering && triggering.submitter) || elt.querySelector("button[type=submit]");
    }
    if (elt.tagName === "INPUT" || elt.tagName === "SELECT" || elt.tagName === "TEXTAREA") {
      return elt.form && elt.form.querySelector("button[type=submit]");
    }
    if (elt.matches("button, a, summary")) return elt;
    return elt.querySelector(".btn");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (isBackground(elt)) return;
    var host = spinnerHost(event);
    if (!host) return;
    var state = { spinner: null, host: host };
    state.timer = window.setTimeout(function () {
      if (!host.isConnected) return;
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm ms-1 align-middle";
      spinner.setAttribute("aria-hidden", "true");
      spinner.setAttribute("data-spinner", "");
      host.appendChild(spinner);
      host.setAttribute("aria-busy", "true");
      state.spinner = spinner;
    }, SLOW);
    timers.set(elt, state);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = asker(event);
    var state = elt && timers.get(elt);
    if (!state) return;
    timers.delete(elt);
    window.clearTimeout(state.timer);
    if (state.spinner) {
      state.spinner.remove();
      state.host.removeAttribute("aria-busy");
    }
  });

  // --- "Searching…" --------------------------------------------------------------------------
  // A live search box names its status region (data-busy-status); while a search runs the
  // region says so, and the answer's count replaces it (out of band). A search that fails or
  // is replaced by a newer one puts back what the region said before.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var id = elt.getAttribute && elt.getAttribute("data-busy-status");
    var status = id && document.getElementById(id);
    if (!status || !status.hasAttribute("data-busy-text")) return;
    if (!status.hasAttribute("data-searching")) {
      status.setAttribute("data-searching", "");
      status.idleHtml = status.innerHTML;
    }
    status.textContent = status.getAttribute("data-busy-text");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = asker(event);
    var id = elt && elt.getAttribute && elt.getAttribute("data-busy-status");
    var status = id && document.getElementById(id);
    if (!status || !status.hasAttribute("data-searching")) return;
    if (status.textContent === status.getAttribute("data-busy-text")) {
      status.innerHTML = status.idleHtml;
    }
    status.removeAttribute("data-searching");
    delete status.idleHtml;
  });
})();
