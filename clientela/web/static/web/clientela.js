// Small behaviours shared by every page; delegated from the document, so parts swapped in by htmx get them too.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // <form data-confirm="Question?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // The language switcher returns to the address shown now, which htmx may have changed since the page loaded.
  document.addEventListener("submit", function (event) {
    var next = event.target.querySelector && event.target.querySelector("input[data-current-url]");
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
  });

  // <input type="checkbox" data-select-all form="x">: tick or untick every box of form x on the page.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.hasAttribute && box.hasAttribute("data-select-all")) {
      var formId = box.getAttribute("form");
      document.querySelectorAll('input[name="selected"][form="' + formId + '"]').forEach(function (other) {
        other.checked = box.checked;
      });
    }
  });

  // The bulk bar's "new owner" choice matters only for a transfer (without JavaScript it always shows).
  function showBulkOwner() {
    var action = document.getElementById("bulk-action");
    var owner = document.getElementById("bulk-owner");
    if (action && owner) { owner.hidden = action.value !== "transfer"; }
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "bulk-action") { showBulkOwner(); }
  });
  document.addEventListener("DOMContentLoaded", showBulkOwner);

  // <select data-autosubmit>: submit its form as soon as the choice changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  // Client form: fields that apply to companies or individuals only (data-applies-to on the input)
  // show for the kind chosen. The server decides what is saved; this only tidies the page.
  function showFieldsForKind() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    if (!chosen) { return; }
    document.querySelectorAll("[data-applies-to]").forEach(function (input) {
      var wrapper = input.closest(".field") || input;
      wrapper.hidden = input.getAttribute("data-applies-to") !== chosen.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "kind") { showFieldsForKind(); }
  });
  document.addEventListener("DOMContentLoaded", showFieldsForKind);
})();
