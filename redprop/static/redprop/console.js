/* RedProp 派单台: keyboard use of the live queue.
 *   j / k  move to the next / previous request (focus stays in the queue)
 *   Enter  open it in the pane (the row is a link; htmx loads the pane)
 * The queue is re-rendered every 10 s; focus and the highlighted row survive it.
 */
(function () {
  "use strict";
  var current = null;
  var focusKey = null;

  function links() { return Array.prototype.slice.call(document.querySelectorAll("#queue a.qlink")); }

  function mark(id) {
    document.querySelectorAll("#queue tr.qrow").forEach(function (tr) {
      tr.classList.toggle("selected", id !== null && tr.getAttribute("data-id") === String(id));
    });
  }

  function move(step) {
    var all = links();
    if (!all.length) return;
    var i = all.indexOf(document.activeElement);
    if (i < 0) {
      i = all.findIndex(function (a) { return a.closest("tr").classList.contains("selected"); });
      i = i < 0 ? (step > 0 ? -1 : all.length) : i;
    }
    var next = all[Math.max(0, Math.min(all.length - 1, i + step))];
    next.focus();
    next.closest("tr").scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable=true]")) return;
    if (e.key === "j" || e.key === "J") { move(1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "K") { move(-1); e.preventDefault(); }
  });

  document.addEventListener("click", function (e) {
    var tr = e.target.closest && e.target.closest("#queue tr.qrow");
    if (!tr) return;
    current = tr.getAttribute("data-id");
    mark(current);
    if (!e.target.closest("a, button")) {
      var a = tr.querySelector("a.qlink");
      if (a) a.click();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "queue") {
      var a = document.activeElement;
      focusKey = a && a.closest && a.closest("#queue") ? a.getAttribute("data-key") : null;
    }
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    var pane = document.querySelector("#pane .pane");
    if (pane) current = pane.getAttribute("data-id");
    mark(current);
    if (focusKey) {
      var el = document.querySelector('#queue [data-key="' + focusKey + '"]');
      if (el) el.focus({ preventScroll: true });
      focusKey = null;
    }
  });

  var pane = document.querySelector("#pane .pane");
  if (pane) current = pane.getAttribute("data-id");
})();
