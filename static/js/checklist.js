// Guided checklist: as answers change, ask the server which questions apply and
// refresh the findings panel. Without JavaScript the page works the same after "Save".
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  const panel = document.getElementById("findings-panel");
  if (!form || !panel || !form.dataset.previewUrl) return;
  let timer = null;
  let inFlight = null;

  function answers() {
    // The answers only: a chosen file is sent when the step is saved, not on each change.
    const data = new FormData(form);
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      data.delete(input.name);
    });
    return data;
  }

  function refresh() {
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    fetch(form.dataset.previewUrl, {
      method: "POST", body: answers(), signal: inFlight.signal,
      headers: {"X-Requested-With": "fetch"}, credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("preview " + response.status);
      return response.json();
    }).then(function (data) {
      const hidden = new Set(data.not_applicable);
      form.querySelectorAll(".question-card").forEach(function (card) {
        card.classList.toggle("is-na", hidden.has(card.dataset.question));
      });
      panel.innerHTML = data.panel;
    }).catch(function () { /* the page still works: Save re-evaluates */ });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  });
})();
