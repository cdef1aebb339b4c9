// Back and Forward bring a list of posts back as the reader left it: the same cards loaded, the
// same card at the same place on the screen, the same threads open, and what it shows current.
//
// Two ways. The browser's back/forward cache keeps the whole page (the feed, the tag pages, a
// post and a profile are sent `private, no-cache`, see kept_for_back): when it comes back
// ("pageshow" with persisted), it is checked against who is signed in now and its live parts
// are refreshed. When the cache did not keep it, the page is loaded again and rebuilt from what
// this script kept in history.state while the reader scrolled: as many cards (the same pages
// "Load more" would fetch, one request each), the open threads, the top card's offset.
(function () {
  "use strict";

  var KEY = "eternityList";
  var MAX_PAGES = 10; // at most this many "Load more" pages are fetched again

  function list() { return document.getElementById("posts"); }

  function cards() {
    var posts = list();
    return posts ? Array.prototype.slice.call(posts.querySelectorAll(":scope > article[id^='post-']")) : [];
  }

  // The first card still on screen, and how far its top is from the window's top.
  function snapshot() {
    var all = cards();
    if (!all.length) return null;
    var anchor = null;
    for (var i = 0; i < all.length; i++) {
      if (all[i].getBoundingClientRect().bottom > 0) { anchor = all[i]; break; }
    }
    var threads = [];
    list().querySelectorAll("[data-thread-toggle][aria-expanded='true']").forEach(function (toggle) {
      var card = toggle.closest("article[id^='post-']");
      if (card) threads.push(card.id);
    });
    return {
      url: location.pathname + location.search,
      count: all.length,
      anchor: anchor ? anchor.id : null,
      offset: anchor ? Math.round(anchor.getBoundingClientRect().top) : 0,
      threads: threads,
    };
  }

  var restoring = false;

  function save() {
    if (restoring) return;
    var kept = snapshot();
    if (!kept) return;
    var state = Object.assign({}, history.state || {});
    state[KEY] = kept;
    try {
      history.replaceState(state, "");
    } catch (error) {
      // Too many replaceState calls in a row (browsers limit them): the next one keeps it.
    }
  }

  var pending = null;
  function saveSoon() {
    if (pending) return;
    pending = setTimeout(function () { pending = null; save(); }, 300);
  }

  function get(url, source, target, swap) {
    return window.htmx.ajax("GET", url, { source: source, target: target, swap: swap });
  }

  // The same cards again, by the same pages "Load more" fetches (each one request of a
  // constant number of queries), then the open threads, then the anchor card where it was.
  function rebuild(kept) {
    restoring = true;
    var pages = 0;
    function more() {
      var posts = list();
      var next = posts && posts.querySelector(":scope > [hx-get][hx-trigger='revealed']");
      if (!next || cards().length >= kept.count || pages >= MAX_PAGES) return Promise.resolve();
      pages += 1;
      next.removeAttribute("hx-trigger"); // not fetched twice if it scrolls into view meanwhile
      return get(next.getAttribute("hx-get"), next, next, "outerHTML").then(more);
    }
    function threads() {
      return kept.threads.reduce(function (done, id) {
        return done.then(function () {
          var card = document.getElementById(id);
          var toggle = card && card.querySelector("[data-thread-toggle]");
          if (!toggle || toggle.getAttribute("aria-expanded") === "true") return null;
          var slot = "#" + toggle.getAttribute("aria-controls");
          return get(toggle.getAttribute("hx-get"), toggle, slot, "innerHTML");
        });
      }, Promise.resolve());
    }
    return more().then(threads).then(function () {
      place(kept);
    }, function () {
      place(kept);
    }).then(function () {
      restoring = false;
    });
  }

  function place(kept) {
    var anchor = kept.anchor && document.getElementById(kept.anchor);
    if (!anchor) return;
    var top = anchor.getBoundingClientRect().top + window.scrollY - kept.offset;
    window.scrollTo({ top: Math.max(0, top), behavior: "instant" });
  }

  function navigation() {
    var entries = performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    return entries[0] || null;
  }

  function start() {
    // Back brought an old copy from the browser's HTTP cache (a `no-cache` page, not the
    // back/forward cache): ask the server for the page as it is now. A reload keeps
    // history.state, and so the place.
    var entry = navigation();
    if (entry && entry.type === "back_forward" && entry.transferSize === 0 &&
        entry.decodedBodySize > 0) {
      location.reload();
      return;
    }
    if (!list() || !window.htmx) return;
    if ("scrollRestoration" in history) history.scrollRestoration = "manual";
    var kept = history.state && history.state[KEY];
    if (kept && kept.url === location.pathname + location.search) {
      rebuild(kept);
    }
    window.addEventListener("scroll", saveSoon, { passive: true });
    document.addEventListener("htmx:afterSettle", saveSoon);
    // "pagehide", not "unload": an unload listener would keep the page out of the cache.
    window.addEventListener("pagehide", save);
  }

  // A page back from the back/forward cache: rendered for whoever was signed in then. Hidden
  // until the server says who is signed in now; somebody else (or nobody) gets it anew.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    var body = document.body;
    var member = body.getAttribute("data-member") || "";
    var url = body.getAttribute("data-who-url");
    if (!url) return;
    var root = document.documentElement;
    if (member) root.classList.add("checking-member");
    fetch(url, { cache: "no-store", credentials: "same-origin", headers: { "X-Background": "1" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (now) {
        if (now !== member) {
          location.reload();
          return;
        }
        root.classList.remove("checking-member");
        // What changed while the page was away: presence, who is online, the bell.
        var poller = document.getElementById("presence-poller");
        if (poller && window.htmx) window.htmx.trigger(poller, "presence:refresh");
      })
      .catch(function () {
        // Offline: a sign-out elsewhere would have cleared the cache (Clear-Site-Data), so
        // this is the reader's own page; show it.
        root.classList.remove("checking-member");
      });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
