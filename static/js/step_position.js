// After "Save" a step comes back at its top, as a new page: return to where the user was.
// A page with a problem to fix goes there instead (first_problem.js), and a page opened at
// a #question (after an upload) stays where the browser put it.
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  if (!form) return;
  const key = "step-scroll:" + window.location.pathname;
  const saved = window.sessionStorage.getItem(key);
  window.sessionStorage.removeItem(key);
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "save") {
      window.sessionStorage.setItem(key, String(Math.round(window.scrollY)));
    }
  });
  if (window.location.hash || saved === null || !document.querySelector(".alert-success")) return;
  if (form.querySelector("[aria-invalid='true'], .question-card .alert-danger")) return;
  window.scrollTo(0, Number(saved));
})();
