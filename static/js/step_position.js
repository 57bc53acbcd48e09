// A step shown again after a refused save opens at its top, the messages above dozens of
// questions: take the user to the first problem (a field marked invalid, or a question's
// own alert), focused, so that typing (or a screen reader) starts there. After "Save" the
// step comes back at its top too: return to where the user was. A page opened at a
// #question (after an upload) is left where the browser put it.
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
  if (window.location.hash) return;
  const problem = form.querySelector("[aria-invalid='true'], .question-card .alert-danger");
  if (problem) {
    if (!problem.matches("input, select, textarea")) problem.setAttribute("tabindex", "-1");
    problem.scrollIntoView({block: "center"});
    problem.focus({preventScroll: true});
  } else if (saved !== null && document.querySelector(".alert-success")) {
    window.scrollTo(0, Number(saved));
  }
})();
