// Site behaviour that htmx attributes cannot express. No inline scripts: CSP allows 'self' only.
(function () {
  "use strict";

  // Toasts are rendered visible (so they work without JavaScript). A success or a note fades
  // after a while (not while pointed at or focused); an error or a warning stays until it is
  // dismissed, so it cannot vanish before it is read (WCAG 2.2.1).
  function initToasts(root) {
    if (!window.bootstrap) return;
    root.querySelectorAll(".toast[data-autohide]").forEach(function (el) {
      el.removeAttribute("data-autohide");
      var stays = el.matches(".text-bg-danger, .text-bg-warning, [role=alert]");
      var toast = window.bootstrap.Toast.getOrCreateInstance(el, { autohide: !stays, delay: 6000 });
      el.addEventListener("hidden.bs.toast", function () { el.remove(); });
      toast.show();
    });
    placeToasts();
  }

  // Toasts sit just under the bar, which scrolls away with the page: once it is gone they rise
  // to the top of the window. The bar and its controls are never covered (site.css).
  function placeToasts() {
    var region = document.getElementById("messages");
    var bar = document.querySelector("body > header");
    if (!region || !bar) return;
    var top = Math.max(0, Math.round(bar.getBoundingClientRect().bottom));
    region.style.setProperty("--et-toast-top", top + "px");
  }
  var placing = false;
  function placeSoon() {
    var region = document.getElementById("messages");
    if (placing || !region || !region.children.length) return;
    placing = true;
    window.requestAnimationFrame(function () { placing = false; placeToasts(); });
  }
  window.addEventListener("scroll", placeSoon, { passive: true });
  window.addEventListener("resize", placeSoon);
  document.addEventListener("shown.bs.collapse", placeToasts);
  document.addEventListener("hidden.bs.collapse", placeToasts);

  // "12 / 500" under fields with a length limit.
  function initCounters(root) {
    root.querySelectorAll("[data-counter][maxlength]").forEach(function (field) {
      if (field.dataset.counterReady) return;
      field.dataset.counterReady = "1";
      var counter = document.createElement("div");
      counter.className = "form-text text-end";
      counter.id = field.id + "-counter";
      field.insertAdjacentElement("afterend", counter);
      var describedBy = (field.getAttribute("aria-describedby") || "").trim();
      field.setAttribute("aria-describedby", (describedBy + " " + counter.id).trim());
      function update() {
        var max = parseInt(field.getAttribute("maxlength"), 10);
        counter.textContent = field.value.length + " / " + max;
        counter.classList.toggle("text-danger", field.value.length >= max);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  // Instant local preview of a chosen photo (blob: URLs are allowed by the CSP's img-src).
  // Delegated, so it works for forms swapped in at any time.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("form input[type=file]")) return;
    var preview = input.form.querySelector("[data-photo-preview]");
    if (!preview) return;
    var file = input.files && input.files[0];
    if (!file || !file.type.startsWith("image/")) {
      preview.classList.add("d-none");
      return;
    }
    preview.src = URL.createObjectURL(file);
    preview.classList.remove("d-none");
    var current = preview.previousElementSibling;
    if (current) current.classList.add("d-none");
  });

  function init(root) {
    initToasts(document);
    initCounters(root);
  }

  // Upload progress for htmx forms that show a <progress data-upload-progress>.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = event.target.querySelector && event.target.querySelector("[data-upload-progress]");
    if (!bar || !event.detail.lengthComputable) return;
    bar.classList.remove("d-none");
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

  // "Copy link": the Clipboard API, or the link shown selected for copying by hand.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var url = button.getAttribute("data-copy");
    var fallback = button.parentElement.querySelector(".share-fallback");
    function showFallback() {
      if (!fallback) return;
      fallback.classList.remove("d-none");
      fallback.focus();
      fallback.select();
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(function () {
        var original = button.textContent;
        button.textContent = button.getAttribute("data-copied-label") || "Link copied";
        setTimeout(function () { button.textContent = original; }, 2500);
      }, showFallback);
    } else {
      showFallback();
    }
  });

  // Cancel on an inline reply form removes it (the link still works without JavaScript).
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-remove-closest]");
    if (!link) return;
    var form = link.closest(link.getAttribute("data-remove-closest"));
    if (form) {
      event.preventDefault();
      form.remove();
    }
  });

  // "Comments" under a card is a toggle: the first press loads the thread, the second folds it.
  document.addEventListener("htmx:confirm", function (event) {
    var toggle = event.target;
    if (!toggle.matches || !toggle.matches("[data-thread-toggle]")) return;
    var slot = document.getElementById(toggle.getAttribute("aria-controls"));
    if (slot && slot.children.length) {
      event.preventDefault();
      slot.replaceChildren();
      toggle.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var toggle = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (toggle && toggle.matches && toggle.matches("[data-thread-toggle]")) {
      toggle.setAttribute("aria-expanded", "true");
    }
  });

  // A follow button is replaced, with every other copy of it on the page, out of band: focus
  // goes back to the same copy, where the person was.
  var followFocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-follow]")) return;
    var copies = Array.prototype.slice.call(
      document.querySelectorAll("form[data-follow]")
    ).filter(function (each) { return each.dataset.follow === form.dataset.follow; });
    followFocus = { key: form.dataset.follow, index: copies.indexOf(form) };
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // The form that asked is gone from the page: htmx tells its parent, with requestConfig.
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!followFocus || !form || !form.matches || !form.matches("form[data-follow]")) return;
    var copies = Array.prototype.slice.call(
      document.querySelectorAll("form[data-follow]")
    ).filter(function (each) { return each.dataset.follow === followFocus.key; });
    var again = copies[followFocus.index] || copies[0];
    var button = again && again.querySelector("button");
    if (button && event.detail.successful) button.focus();
    followFocus = null;
  });

  // Escape in an inline form is Cancel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest("form[data-inline-edit]");
    var cancel = form && form.querySelector("[data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
  document.addEventListener("htmx:oobAfterSwap", function () { initToasts(document); });
  document.addEventListener("eternity:toast", function () { initToasts(document); });
})();
