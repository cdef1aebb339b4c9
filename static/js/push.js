// Push notifications in this browser (the push section of the notification settings,
// templates/push/settings.html). Nothing is asked on page load: the browser's permission
// prompt comes only from a press on "Turn on for this browser". Then the service worker
// (/sw.js) is registered, the browser subscribes at its push service with the site's public
// key, and the subscription goes to the server; every outcome is said in the section's live
// region. "Turn off" forgets it at the server and in the browser. The section's other forms
// are plain forms (htmx when present) and need none of this.
(function () {
  "use strict";

  var SECTION = "[data-push]";

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function say(section, key, text) {
    var status = section.querySelector("[data-push-status]");
    if (!status) return;
    status.textContent = text || section.getAttribute("data-text-" + key) || "";
    status.setAttribute("data-state", key);
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function decodeKey(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/");
    padded += "===".slice((padded.length + 3) % 4);
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(buffer, bytes) {
    if (!buffer) return false;
    var have = new Uint8Array(buffer);
    if (have.length !== bytes.length) return false;
    for (var i = 0; i < have.length; i++) if (have[i] !== bytes[i]) return false;
    return true;
  }

  function timeZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  // A failure whose words are already chosen (a key of the section's data-text-*, or the
  // server's own message).
  function Failure(key, text) {
    this.key = key;
    this.text = text;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
    }).then(
      function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        if (!json) throw new Failure(response.redirected ? "signed-out" : "server");
        return response.json().then(function (data) {
          if (!response.ok || !data.ok) throw new Failure("server", data.error);
          return data;
        });
      },
      function () {
        throw new Failure("server", document.getElementById("ui-strings") &&
          document.getElementById("ui-strings").getAttribute("data-unreachable"));
      }
    );
  }

  function worker(section) {
    var url = section.getAttribute("data-worker-url");
    return navigator.serviceWorker.register(url).then(
      function () { return navigator.serviceWorker.ready; },
      function () { throw new Failure("worker"); }
    );
  }

  // The whole section again from the server (the device list now with or without this
  // browser), saying `state` in it.
  function refresh(section, state, text) {
    var url = section.getAttribute("data-section-url");
    if (!window.htmx) {
      say(section, state, text);
      return Promise.resolve();
    }
    return window.htmx
      .ajax("GET", url, { target: "#" + section.id, swap: "outerHTML" })
      .then(function () {
        var fresh = document.getElementById(section.id);
        if (!fresh) return;
        say(fresh, state, text);
        var status = fresh.querySelector("[data-push-status]");
        if (status) status.focus();
      });
  }

  function turnOn(section, button) {
    if (!supported()) return say(section, "unsupported");
    if (!window.isSecureContext) return say(section, "insecure");
    button.disabled = true;
    say(section, "working");
    var key = decodeKey(section.getAttribute("data-public-key"));
    Promise.resolve(Notification.requestPermission())
      .then(function (permission) {
        if (permission === "denied") throw new Failure("denied");
        if (permission !== "granted") throw new Failure("dismissed");
        return worker(section);
      })
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          // Made with another key (the site's key was replaced): the browser refuses a second
          // key for one subscription, so the old one goes first.
          if (existing && !sameKey(existing.options && existing.options.applicationServerKey, key)) {
            return existing.unsubscribe().then(function () { return registration; });
          }
          return registration;
        });
      })
      .then(function (registration) {
        return registration.pushManager
          .subscribe({ userVisibleOnly: true, applicationServerKey: key })
          .catch(function (error) {
            if (error && error.name === "NotAllowedError") throw new Failure("denied");
            throw new Failure("unreachable");
          });
      })
      .then(function (subscription) {
        var body = subscription.toJSON();
        body.timeZone = timeZone();
        return post(section.getAttribute("data-subscribe-url"), body).catch(function (failure) {
          // Not kept by the server: the browser must not keep it either.
          return subscription.unsubscribe().then(
            function () { throw failure; },
            function () { throw failure; }
          );
        });
      })
      .then(function (data) {
        return refresh(section, "saved", data.message);
      })
      .catch(function (failure) {
        button.disabled = false;
        if (failure instanceof Failure) say(section, failure.key, failure.text);
        else say(section, "unreachable");
      });
  }

  function turnOff(section, button) {
    button.disabled = true;
    say(section, "working");
    navigator.serviceWorker.getRegistration()
      .then(function (registration) {
        return registration ? registration.pushManager.getSubscription() : null;
      })
      .then(function (subscription) {
        if (!subscription) return refresh(section, "off");
        return post(section.getAttribute("data-unsubscribe-url"), {
          endpoint: subscription.endpoint,
        }).then(function (data) {
          return subscription.unsubscribe().then(function () {
            return refresh(section, "off", data.message);
          });
        });
      })
      .catch(function (failure) {
        button.disabled = false;
        if (failure instanceof Failure) say(section, failure.key, failure.text);
        else say(section, "server");
      });
  }

  // What the buttons offer: "Turn off" where this browser is subscribed and the server knows
  // it as this member's; "Turn on" otherwise. Reading the subscription asks nothing of the
  // member.
  function init(root) {
    var sections = root.querySelectorAll ? root.querySelectorAll(SECTION) : [];
    if (root.matches && root.matches(SECTION)) sections = [root];
    Array.prototype.forEach.call(sections, function (section) {
      var controls = section.querySelector("[data-push-controls]");
      var zone = section.querySelector("[data-push-time-zone]");
      if (zone && !zone.value) zone.value = timeZone();
      if (!controls) return;
      controls.hidden = false;
      var on = section.querySelector("[data-push-on]");
      var off = section.querySelector("[data-push-off]");
      if (!supported()) {
        on.disabled = true;
        say(section, "unsupported");
        return;
      }
      if (Notification.permission === "denied") say(section, "denied");
      if (section.getAttribute("data-this-browser") !== "1") return;
      navigator.serviceWorker.getRegistration().then(function (registration) {
        return registration ? registration.pushManager.getSubscription() : null;
      }).then(function (subscription) {
        if (!subscription) return;
        on.hidden = true;
        off.hidden = false;
      }).catch(function () {});
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-push-on], [data-push-off]");
    if (!button) return;
    var section = button.closest(SECTION);
    if (!section) return;
    if (button.hasAttribute("data-push-on")) turnOn(section, button);
    else turnOff(section, button);
  });

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
