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
  // Made when first needed: the first Intl formatter loads the language's data, a long task
  // on a slow phone that a page without times need not wait for.
  var formats = {};
  var OPTIONS = {
    date: { dateStyle: "long" },
    full: { dateStyle: "long", timeStyle: "short" },
    time: { timeStyle: "short" },
    weekday: { weekday: "short", hour: "numeric", minute: "2-digit" }
  };
  function format(name) {
    if (!formats[name]) {
      formats[name] = name === "relative"
        ? new Intl.RelativeTimeFormat(language, { numeric: "auto" })
        : new Intl.DateTimeFormat(language, OPTIONS[name]);
    }
    return formats[name];
  }

  // Days on the reader's calendar: "yesterday" is the day before today, not 24 hours ago.
  function daysBetween(earlier, later) {
    var start = new Date(earlier.getFullYear(), earlier.getMonth(), earlier.getDate());
    var end = new Date(later.getFullYear(), later.getMonth(), later.getDate());
    return Math.round((end - start) / DAY);
  }

  function say(moment, now) {
    var ago = now - moment;
    // Under a minute, and a moment this clock has not reached yet (the server's is ahead).
    if (ago < MINUTE) return format("relative").format(0, "second");
    if (ago < HOUR) return format("relative").format(-Math.floor(ago / MINUTE), "minute");
    if (ago < DAY) return format("relative").format(-Math.floor(ago / HOUR), "hour");
    if (ago < WEEK) return format("relative").format(-daysBetween(moment, now), "day");
    return format("date").format(moment);
  }

  // A moment to come, as the time of day on the reader's clock: "15:30", or "Mon 08:00"
  // when it is not today (<time data-clock>: until when one appears offline).
  function clock(moment, now) {
    var today = daysBetween(now, moment) === 0;
    return format(today ? "time" : "weekday").format(moment);
  }

  function renderClocks(root, now) {
    var clocks = root.matches && root.matches("time[data-clock]")
      ? [root]
      : root.querySelectorAll("time[data-clock]");
    clocks.forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (isNaN(moment)) return;
      var text = clock(moment, now);
      var title = format("full").format(moment);
      if (time.textContent !== text) time.textContent = text;
      if (time.title !== title) time.title = title;
    });
  }

  function render(root) {
    var now = new Date();
    renderClocks(root, now);
    var times = root.matches && root.matches("time[data-relative]")
      ? [root]
      : root.querySelectorAll("time[data-relative]");
    times.forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      if (isNaN(moment)) return;
      var text = say(moment, now);
      var title = format("full").format(moment);
      // Only what changed is written: most minutes most times read the same.
      if (time.textContent !== text) time.textContent = text;
      if (time.title !== title) time.title = title;
    });
  }

  // Loaded in <head>, not deferred: each time is said as the parser adds it, before the page
  // is first drawn, so no line changes its length afterwards (a layout shift: "Dec. 6, 2026,
  // 4:28 a.m. UTC" on two lines of a phone, then "5 minutes ago" on one). A chunk of parsed
  // page is drawn only after the observer has run.
  if (document.readyState === "loading") {
    var parsing = new MutationObserver(function () { render(document); });
    parsing.observe(document, { childList: true, subtree: true, characterData: true });
    document.addEventListener("DOMContentLoaded", function () { parsing.disconnect(); });
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
