// A checklist page with answers typed but not saved asks before it is left (a step tab, a
// link, closing the tab); saving or uploading, which submit the form, does not ask.
//
// On the clinic's step (data-keep-alive-url), answers not saved are also kept from the idle
// timeout: the session ends after data-session-seconds without a request, and a save after
// that only finds the login page. A few minutes before, the page says so and offers to save
// or to stay logged in; an unattended page is still logged out on time.
(function () {
  "use strict";
  const form = document.getElementById("step-form");
  if (!form) return;
  // A page shown again with answers the server refused (data-not-saved) holds them unsaved.
  let unsaved = form.hasAttribute("data-not-saved");
  function changed() { unsaved = true; }  // an answer typed, or a file chosen
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { unsaved = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers show their own wording; the text is ignored
  });

  const keepAlive = form.dataset.keepAliveUrl;
  const seconds = Number(form.dataset.sessionSeconds || 0);
  if (!keepAlive || !seconds) return;
  let seen = Date.now();  // when the server last saw this session: the page, a preview
  form.addEventListener("change", function () { seen = Date.now(); });  // (checklist.js)
  const warnBefore = Math.min(180, seconds / 2) * 1000;
  const banner = document.createElement("div");
  banner.className = "alert alert-warning session-warning";
  banner.setAttribute("role", "alert");
  banner.hidden = true;
  form.prepend(banner);

  function time(ms) {
    return new Date(ms).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }
  function show(html) {
    if (banner.innerHTML !== html) banner.innerHTML = html;
    banner.hidden = false;
  }
  function check() {
    const ends = seen + seconds * 1000;
    if (!unsaved || Date.now() < ends - warnBefore) {
      banner.hidden = true;
    } else if (Date.now() >= ends) {
      show("<strong>Your session has ended</strong> (" + Math.round(seconds / 60) +
           " minutes without activity): the answers typed here can no longer be saved. " +
           "Copy them before leaving this page, then log in again.");
    } else {
      show("<strong>Answers on this page are not saved.</strong> Without activity you will " +
           "be logged out at " + time(ends) + ", and they would be lost. " +
           '<button type="submit" name="save" class="btn btn-sm btn-primary ms-1">Save now</button> ' +
           '<button type="button" class="btn btn-sm btn-outline-secondary stay">Stay logged in</button>');
    }
  }
  banner.addEventListener("click", function (event) {
    if (!event.target.classList.contains("stay")) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    // 204 only: a session already ended answers with a redirect to the login page.
    fetch(keepAlive, {method: "POST", credentials: "same-origin", redirect: "manual",
                      headers: {"X-CSRFToken": token ? token.value : ""}})
      .then(function (r) {
        if (r.status === 204) { seen = Date.now(); } else { seen = 0; }
        check();
      })
      .catch(function () {});
  });
  setInterval(check, Math.min(10000, warnBefore / 2));
})();
