// Keeps the simulator's SMS and M-Pesa panels current: fetches /simulator/panels every few
// seconds and swaps the panels in (the keypad and what is being typed are left alone).
(function () {
  "use strict";
  var box = document.getElementById("panels");
  if (!box) { return; }
  var url = box.getAttribute("data-poll");
  var every = parseInt(box.getAttribute("data-every") || "2000", 10);
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && html !== box.innerHTML) { box.innerHTML = html; }
      })
      .catch(function () { /* the gateway restarting: try again next time */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
}());
