// Repeatable questions (6.2, one row per study): "Another ..." adds a blank row to the page,
// so that several rows are saved at once. Without JavaScript the button stays hidden and
// each save leaves one blank row for the next.
(function () {
  "use strict";
  const ROW = /__r(\d+)__/;

  function renumber(value, index) {
    return value.replace(ROW, "__r" + index + "__");
  }

  function blank(row, index) {
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        if (el.hasAttribute(attr)) el.setAttribute(attr, renumber(el.getAttribute(attr), index));
      });
    });
    row.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = "";
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".invalid-feedback, [id$='_error']").forEach(function (el) {
      el.remove();
    });
  }

  document.querySelectorAll(".repeat-add").forEach(function (button) {
    const rows = button.previousElementSibling;
    if (!rows || !rows.classList.contains("repeat-rows")) return;
    // Shown read-only (a vendor question with no vendor document to enter it from).
    if (rows.querySelector(".repeat-row:last-of-type [name]:disabled")) return;
    function full() {  // the server saves data-row-max rows of a question at most
      const max = Number(rows.dataset.rowMax) || Infinity;
      return rows.querySelectorAll(".repeat-row").length >= max;
    }
    button.hidden = full();
    button.addEventListener("click", function () {
      const last = rows.querySelector(".repeat-row:last-of-type");
      const field = last && last.querySelector("[name]");
      const match = field && field.getAttribute("name").match(ROW);
      if (!match) return;
      const index = Number(match[1]);
      const row = last.cloneNode(true);
      blank(row, index + 1);
      last.querySelector(".repeat-heading").textContent =
        rows.dataset.rowLabel + " " + (index + 1);
      rows.appendChild(row);
      button.hidden = full();
      const first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  });
})();
