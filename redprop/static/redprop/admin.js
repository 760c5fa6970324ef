/* RedProp's additions to Django's admin: behaviour that would otherwise be an inline
   on*= handler, which the Content-Security-Policy refuses (ADR 0018). */
(function () {
  "use strict";
  // <input data-select-on-click>: a key shown once is selected whole on a click.
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("input[data-select-on-click]")) el.select();
  });
})();
