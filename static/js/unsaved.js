// A checklist page with answers typed but not saved asks before it is left (a step tab, a
// link, closing the tab); saving or uploading, which submit the form, does not ask.
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  if (!form) return;
  let unsaved = false;
  function changed() { unsaved = true; }  // an answer typed, or a file chosen
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { unsaved = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers show their own wording; the text is ignored
  });
})();
