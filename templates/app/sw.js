// Eternity's service worker (apps/core/app/views.py renders it at /sw.js, scope /).
//
// It keeps the shell (the offline page and the static files it links, by their hashed names)
// and nothing else: pages are always fetched, and when the network fails a page gets the
// offline page instead. A member's pages, htmx fragments, uploads and anything but GET pass
// by untouched and are never stored. It also shows Web Push notifications, opens (or focuses)
// the page a notification is about, and sets the app badge to the unread count.
"use strict";

const CONFIG = {{ config }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CONFIG.cache).then((cache) => Promise.all(CONFIG.shell.map((url) => keep(cache, url))))
      .then(() => self.skipWaiting())
  );
});

// Each shell file fetched afresh (not from the HTTP cache); a file on another origin (static
// files in a bucket) as an opaque copy, which stylesheets and scripts accept.
function keep(cache, url) {
  const sameOrigin = new URL(url, self.location.href).origin === self.location.origin;
  const request = new Request(url, { cache: "reload", mode: sameOrigin ? "same-origin" : "no-cors" });
  return fetch(request).then((response) => {
    if (sameOrigin && !response.ok) throw new Error(`${url}: ${response.status}`);
    return cache.put(url, response);
  });
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("eternity-") && name !== CONFIG.cache)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.registration.navigationPreload && self.registration.navigationPreload.enable())
      .then(() => self.clients.claim())
  );
});

const HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
    return;
  }
  if (request.url.startsWith(new URL(CONFIG.staticPrefix, self.location.href).href)) {
    event.respondWith(staticFile(request));
  }
  // Anything else (htmx fragments, polls, uploads, the API) is the browser's business.
});

// A page: from the network, never stored; when it cannot be fetched, the offline page.
async function page(event) {
  try {
    const preloaded = await event.preloadResponse;
    return preloaded || (await fetch(event.request));
  } catch (error) {
    const offline = await caches.match(CONFIG.offline, { ignoreVary: true });
    return offline || Response.error();
  }
}

// A static file. A hashed name never changes: the kept copy first. Any other (DEBUG's plain
// names) from the network first, so an edited file shows at once, the kept copy offline.
async function staticFile(request) {
  const cache = await caches.open(CONFIG.cache);
  const path = new URL(request.url).pathname;
  if (HASHED.test(path)) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    return fetch(request);
  }
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

// --- Web Push -----------------------------------------------------------------------------

// The payload: {"title", "body", "url" (a path on this site), "tag", "badge" (unread count)}.
// Chrome requires a notification for every push: one without a readable payload still shows
// a general one.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = (event.data && event.data.json()) || {};
  } catch (error) {
    data = {};
  }
  if (typeof data !== "object" || data === null) data = {};
  const title = typeof data.title === "string" && data.title ? data.title : CONFIG.genericTitle;
  const body = typeof data.title === "string" && data.title
    ? (typeof data.body === "string" ? data.body : "")
    : CONFIG.genericBody;
  const options = {
    body: body,
    icon: CONFIG.icon,
    badge: CONFIG.badgeIcon,
    data: { url: sitePath(data.url) },
    renotify: false,
  };
  if (typeof data.tag === "string" && data.tag) options.tag = data.tag;
  event.waitUntil(Promise.all([
    self.registration.showNotification(title, options),
    setBadge(data.badge),
  ]));
});

// The unread count on the app's icon, where the platform has one; 0 clears it.
function setBadge(count) {
  if (typeof count !== "number" || !Number.isFinite(count) || count < 0) return Promise.resolve();
  const nav = self.navigator;
  if (!nav || !("setAppBadge" in nav)) return Promise.resolve();
  const done = count > 0 ? nav.setAppBadge(Math.floor(count)) : nav.clearAppBadge();
  return done.catch(() => undefined);
}

// Only a path on this site; anything else (another site, a script: address) is the
// notifications page.
function sitePath(url) {
  if (typeof url === "string" && url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\")) {
    const parsed = new URL(url, self.location.origin);
    if (parsed.origin === self.location.origin) return parsed.pathname + parsed.search + parsed.hash;
  }
  return CONFIG.notificationsPath;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = sitePath(event.notification.data && event.notification.data.url);
  const target = new URL(path, self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
    if (open) {
      const focused = await open.focus();
      if (focused.url === target) return focused;
      try {
        const navigated = await focused.navigate(target);
        if (navigated) return navigated;
      } catch (error) {
        // A tab this worker does not control cannot be navigated: the page opens beside it.
      }
    }
    return self.clients.openWindow(target);
  })());
});

// The browser renewed the subscription (its keys expired or were revoked): subscribe again
// with the same options and hand the new one to an open page, which sends it with its CSRF
// token (static/js/app.js); a worker has no token of its own to send it with.
self.addEventListener("pushsubscriptionchange", (event) => {
  const old = event.oldSubscription;
  const key = old && old.options && old.options.applicationServerKey;
  // The server takes a renewal only in place of a subscription it knows for the member.
  if (!old || (!event.newSubscription && !key)) return;
  event.waitUntil((async () => {
    const renewed = event.newSubscription
      || await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    if (!CONFIG.subscribePath) return;
    const windows = await self.clients.matchAll({ type: "window" });
    for (const client of windows) {
      client.postMessage({
        type: "eternity:push-subscription",
        subscription: renewed.toJSON(),
        replaces: old.endpoint,
        subscribeUrl: CONFIG.subscribePath,
      });
    }
  })());
});
