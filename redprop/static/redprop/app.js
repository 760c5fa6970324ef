/* RedProp: behaviour shared by every page (no third-party code; htmx is served locally). */
(function () {
  "use strict";
  // htmx leaves 4xx answers unswapped; a region marked data-swap-errors shows them
  // (e.g. "该诉求已关闭" after pressing 一起关注), so the user sees why nothing happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var target = event.detail.target;
    if (status >= 400 && status < 500 && target && target.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // <select data-autosubmit> (the language switch) submits its form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });

  // A second tap on a slow phone must not file the same request twice: ignore a
  // repeated submit of the same form for a few seconds (the button keeps its value).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.method !== "post" || form.hasAttribute("hx-post")) return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    setTimeout(function () { delete form.dataset.submitting; }, 8000);
  });
})();
