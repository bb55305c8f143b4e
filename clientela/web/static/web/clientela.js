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

  // <select data-autosubmit>: submit its form as soon as the choice changes.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
