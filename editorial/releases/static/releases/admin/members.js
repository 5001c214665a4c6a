"use strict";
// Select2 names its box by the text it shows, and a new member's row shows none yet. Give each
// box the name of the <select> it stands for (its aria-label, set by the admin), so a screen
// reader announces "Treatment" rather than an unnamed combobox. Runs after the admin's
// autocomplete.js has built the boxes, on load and for every row "Add another" adds.
(function () {
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete[aria-label]").forEach(function (select) {
      var container = select.nextElementSibling;
      if (!container) {
        return;
      }
      // The box (role combobox) and the text inside it (role textbox) are both named.
      container.querySelectorAll(".select2-selection, .select2-selection__rendered")
        .forEach(function (part) {
          part.setAttribute("aria-label", select.getAttribute("aria-label"));
        });
    });
  }
  function soon(root) {
    window.setTimeout(function () { name(root); }, 0);
  }
  document.addEventListener("DOMContentLoaded", function () { soon(document); });
  document.addEventListener("formset:added", function (event) { soon(event.target); });
})();
