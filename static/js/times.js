// Times as people say them. The server writes each moment as <time datetime data-relative>
// with its date and time as the text ({% when %}, apps/core/templatetags/timing.py), the
// same whatever the hour, so pages and polls can be kept. Here it becomes "now", "5 minutes
// ago", "yesterday" for the last week and the date after that, in the page's language and
// the reader's time zone, with the full date and time on hover: again every minute while the
// tab is visible, and in whatever htmx swaps in (the presence poll's badges, more posts).
(function () {
  "use strict";

  if (!window.Intl || !Intl.RelativeTimeFormat) return; // the server's date and time stay

  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;
  var DAY = 24 * HOUR;
  var WEEK = 7 * DAY;
  var language = document.documentElement.lang || undefined;
  var relative = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  var date = new Intl.DateTimeFormat(language, { dateStyle: "long" });
  var full = new Intl.DateTimeFormat(language, { dateStyle: "long", timeStyle: "short" });

  // Days on the reader's calendar: "yesterday" is the day before today, not 24 hours ago.
  function daysBetween(earlier, later) {
    var start = new Date(earlier.getFullYear(), earlier.getMonth(), earlier.getDate());
    var end = new Date(later.getFullYear(), later.getMonth(), later.getDate());
    return Math.round((end - start) / DAY);
  }

  function say(moment, now) {
    var ago = now - moment;
    // Under a minute, and a moment this clock has not reached yet (the server's is ahead).
    if (ago < MINUTE) return relative.format(0, "second");
    if (ago < HOUR) return relative.format(-Math.floor(ago / MINUTE), "minute");
    if (ago < DAY) return relative.format(-Math.floor(ago / HOUR), "hour");
    if (ago < WEEK) return relative.format(-daysBetween(moment, now), "day");
    return date.format(moment);
  }

  function render(root) {
    var now = new Date();
    var times = root.matches && root.matches("time[data-relative]")
      ? [root]
      : root.querySelectorAll("time[data-relative]");
    times.forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (isNaN(moment)) return;
      var text = say(moment, now);
      var title = full.format(moment);
      // Only what changed is written: most minutes most times read the same.
      if (time.textContent !== text) time.textContent = text;
      if (time.title !== title) time.title = title;
    });
  }

  render(document);
  setInterval(function () {
    if (!document.hidden) render(document);
  }, MINUTE);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) render(document);
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) render(event.target);
  });
})();
