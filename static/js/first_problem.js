// A step shown again after a refused save opens at its top, the messages above dozens of
// questions: take the user to the first problem (a field marked invalid, or a question's
// own alert), focused, so that typing (or a screen reader) starts there. A page opened at a
// #question (after an upload) is left where the browser put it.
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  if (!form || window.location.hash) return;
  const problem = form.querySelector("[aria-invalid='true'], .question-card .alert-danger");
  if (!problem) return;
  if (!problem.matches("input, select, textarea")) problem.setAttribute("tabindex", "-1");
  problem.scrollIntoView({block: "center"});
  problem.focus({preventScroll: true});
})();
