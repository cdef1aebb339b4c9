// The feed's "where you left off": the browser tab's title starts with the number of new
// posts on this tab ("(3) Eternity"), kept by the presence poll (templates/feed/new_posts.html
// swaps #new-posts-title), and "Jump to where you left off" moves focus to the divider.
(function () {
  "use strict";

  var COUNT = /^\(\d+\+?\) /;

  function updateTitle() {
    var holder = document.getElementById("new-posts-title");
    if (!holder) return;
    var count = holder.getAttribute("data-count");
    var title = document.title.replace(COUNT, "");
    document.title = count ? "(" + count + ") " + title : title;
  }

  function focusDivider() {
    var divider = document.getElementById("you-were-here");
    if (!divider) return false;
    divider.focus({ preventScroll: true });
    divider.scrollIntoView({ block: "center" });
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-jump-left-off]");
    if (!link || link.getAttribute("href") !== "#you-were-here") return;
    if (focusDivider()) {
      event.preventDefault();
      history.replaceState(null, "", "#you-were-here");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    updateTitle();
    if (location.hash === "#you-were-here") focusDivider();
  });
  document.addEventListener("htmx:oobAfterSwap", updateTitle);
})();
