// Drag and drop of the rows of [data-reorder-url] lists (fields, options): the new order is posted
// as "ids"; without JavaScript the up/down buttons do the same one step at a time.
(function () {
  "use strict";
  var dragged = null;

  function container(element) {
    return element && element.closest ? element.closest("[data-reorder-url]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest("[data-id][draggable]");
    if (!row || !container(row)) { return; }
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.getAttribute("data-id"));
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var row = event.target.closest && event.target.closest("[data-id]");
    if (!row || row === dragged || container(row) !== container(dragged)) { return; }
    event.preventDefault();
    var box = row.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var list = container(dragged);
    dragged.classList.remove("dragging");
    dragged = null;
    var body = new URLSearchParams();
    list.querySelectorAll(":scope > [data-id]").forEach(function (row) { body.append("ids", row.getAttribute("data-id")); });
    if (list.getAttribute("data-record-type")) { body.append("record_type", list.getAttribute("data-record-type")); }
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(list.getAttribute("data-reorder-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) { window.location.reload(); }
    });
  });
})();
