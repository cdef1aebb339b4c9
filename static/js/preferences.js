// The language and theme switchers apply on their button, on Enter in the select, or on a
// choice made with a pointer from the open list: never on an arrow key. Chrome and Firefox fire
// `change` on every arrow key of a closed select, and a page that reloads in another language
// at a keypress moves the person somewhere they did not ask to go (WCAG 3.2.2 On Input).
(function () {
  "use strict";

  var SELECT = "form[data-preference-form] select";
  // How the select was last touched: "pointer" from a press on it (the list opens, and a
  // choice from it is deliberate), "keyboard" from any key on it (arrows only browse).
  var lastInput = new WeakMap();

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("pointerdown", function (event) {
    var select = event.target.closest && event.target.closest(SELECT);
    if (select) lastInput.set(select, "pointer");
  });

  document.addEventListener("keydown", function (event) {
    var select = event.target.matches && event.target.matches(SELECT) ? event.target : null;
    if (!select) return;
    lastInput.set(select, "keyboard");
    if (event.key === "Enter" && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      submit(select.form);
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target.matches && event.target.matches(SELECT) ? event.target : null;
    if (select && lastInput.get(select) === "pointer") submit(select.form);
  });
})();
