// While a report is queued or generating, ask for its status every 3 s and reload the
// page once it is ready or failed. Without JavaScript, reloading the page shows it.
(function () {
  "use strict";
  document.querySelectorAll(".report-card").forEach(function (card) {
    const waiting = ["queued", "generating"];
    if (waiting.indexOf(card.dataset.status) < 0) return;
    const poll = function () {
      fetch(card.dataset.statusUrl, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && waiting.indexOf(data.status) < 0) { window.location.reload(); return; }
          if (data) card.querySelector(".report-status").textContent = data.label;
          setTimeout(poll, 3000);
        })
        .catch(function () { setTimeout(poll, 10000); });
    };
    setTimeout(poll, 3000);
  });
})();
