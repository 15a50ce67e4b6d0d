/* Small enhancements of the case pages; every page works without them.
 * - The work queue: "select all" ticks every row on the page; the assignee list shows only for 分配.
 * - The intake form: "删除" removes a declared row (the server ignores rows that are not posted).
 * Event delegation on the document, so rows and tables that htmx swaps in work too.
 */
(function () {
  "use strict";

  function syncBulk(form) {
    var operation = form.querySelector("[name=operation]");
    var assignee = form.querySelector("[data-bulk-assignee]");
    if (operation && assignee) {
      assignee.hidden = operation.value !== "assign";
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-all]")) {
      var form = target.closest("form");
      form.querySelectorAll("input[name=case_ids]").forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.matches(".bulk-bar [name=operation]")) {
      syncBulk(target.closest("form"));
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (button) {
      event.preventDefault();
      var row = button.closest("tr");
      var form = button.closest("form");
      row.remove();
      if (form) {
        form.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  function init() {
    document.querySelectorAll(".bulk-bar").forEach(function (bar) {
      syncBulk(bar.closest("form"));
    });
  }

  document.addEventListener("htmx:afterSwap", init);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
