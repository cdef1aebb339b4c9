// Says what the proof-of-work widget (ALTCHA, apps/core/web/forms.py) is doing, for screen
// readers: the widget changes its label's text but has no live region of its own. Loaded
// before the widget, so its first state change is heard.
(function () {
  "use strict";
  var SPOKEN = ["verifying", "verified", "error", "expired"];

  document.addEventListener(
    "statechange",
    function (event) {
      var widget = event.target.closest && event.target.closest("altcha-widget");
      var status = widget && document.getElementById(widget.id + "-status");
      var state = event.detail && event.detail.state;
      if (!status || SPOKEN.indexOf(state) === -1) {
        return;
      }
      status.textContent = JSON.parse(widget.getAttribute("strings") || "{}")[state] || "";
    },
    true // the widget's events do not bubble; a capturing listener still hears them
  );
})();
