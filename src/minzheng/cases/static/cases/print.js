/* A "打印" button on the printable pages: `<button data-print>` opens the browser's print dialog. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
