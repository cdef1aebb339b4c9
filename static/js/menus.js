// The "⋯" menus are native <details> (they open and close without JavaScript). With it they
// behave as menus do elsewhere: one open at a time (a Bootstrap dropdown such as the member
// menu counts: it closes itself on any click outside it, and opening it closes these), Escape
// closes the open one and puts focus back on its button, and a click outside closes it.
(function () {
  "use strict";

  var MENU = "details.post-menu";

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll(MENU + "[open]"));
  }

  // `toggle` does not bubble: listen while it goes down.
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches(MENU) || !menu.open) return;
    openMenus().forEach(function (other) {
      if (other !== menu) other.open = false;
    });
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = openMenus();
    if (!open.length) return;
    var active = document.activeElement;
    var menu = open.filter(function (each) { return each.contains(active); })[0] || open[0];
    event.preventDefault();
    open.forEach(function (each) { each.open = false; });
    var button = menu.querySelector("summary");
    if (button) button.focus();
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
