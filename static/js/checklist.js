// Guided checklist (the clinic's step and the vendor portal's): as answers change, ask the
// server which questions apply and refresh the findings panel where there is one. Without
// JavaScript the page works the same after "Save".
//
// When the server cannot answer (the portal's rate limit, a lost connection, a session that
// ended), no question stays hidden on what the answers used to be: every question is shown,
// and the page says so, until an answer is checked again.
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  const panel = document.getElementById("findings-panel");
  if (!form || !form.dataset.previewUrl) return;
  let timer = null;
  let inFlight = null;
  let notice = null;

  function showAll() {
    form.querySelectorAll(".question-card.is-na").forEach(function (card) {
      card.classList.remove("is-na");
    });
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "alert alert-warning small preview-failed";
      notice.setAttribute("role", "status");
      notice.textContent = "Which questions apply could not be checked just now, so every " +
        "question is shown. Saving checks your answers again.";
      form.prepend(notice);
    }
    notice.hidden = false;
  }

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
      if (panel && data.panel !== undefined) panel.innerHTML = data.panel;
      if (notice) notice.hidden = true;
    }).catch(function (error) {
      if (error.name !== "AbortError") showAll();  // aborted: a newer check is on its way
    });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();
