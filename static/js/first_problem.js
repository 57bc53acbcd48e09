// A form shown again with errors opens at the page's top, its messages possibly far below
// (a checklist step has dozens of questions): take the user to the first problem (a field
// marked invalid, or a question's own alert), focused, so that typing (or a screen reader)
// starts there. A page opened at a #fragment is left where the browser put it.
(function () {
  "use strict";
  const main = document.getElementById("main");
  if (!main || window.location.hash) return;
  const problem = main.querySelector("[aria-invalid='true'], .question-card .alert-danger");
  if (!problem || problem.closest("details:not([open])")) return;
  if (!problem.matches("input, select, textarea")) problem.setAttribute("tabindex", "-1");
  problem.scrollIntoView({block: "center"});
  problem.focus({preventScroll: true});
})();
