/* RedProp 派单台: keyboard use of the live queue.
 *   j / k  move to the next / previous request (focus stays in the queue); past the
 *          last row, j reaches "加载更多" (load more)
 *   Enter  open it in the pane (the row is a link; htmx loads the pane), or load the
 *          next page, after which the focus is on its first request
 * The queue is re-rendered every 10 s; focus, the highlighted row, the rows loaded
 * with "load more" (the server re-reads through the last one) and the scroll
 * position inside the queue survive it.
 */
(function () {
  "use strict";
  var current = null;
  var focusKey = null;
  var scrollTop = null;
  var loadedAfter = null; // the row after which a page was loaded by keyboard

  function links() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue a.qlink, #queue a.qmore"));
  }

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
    var target = e.detail.target;
    if (target && target.id === "queue") {
      var a = document.activeElement;
      focusKey = a && a.closest && a.closest("#queue") ? a.getAttribute("data-key") : null;
      var box = target.querySelector(".queue-scroll");
      // A tab switch starts at the top; the refresh of the same tab keeps the place.
      var sameTab = e.detail.requestConfig && e.detail.requestConfig.elt === target;
      scrollTop = box && sameTab ? box.scrollTop : null;
    } else if (target && target.classList && target.classList.contains("qtail")) {
      var more = target.querySelector("a.qmore");
      loadedAfter = more && document.activeElement === more ? target.previousElementSibling : null;
      loadedAfter = loadedAfter ? loadedAfter.getAttribute("data-id") : null;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    var pane = document.querySelector("#pane .pane");
    if (pane) current = pane.getAttribute("data-id");
    mark(current);
    if (scrollTop !== null) {
      var box = document.querySelector("#queue .queue-scroll");
      if (box) box.scrollTop = scrollTop;
      scrollTop = null;
    }
    if (focusKey) {
      var el = document.querySelector('#queue [data-key="' + focusKey + '"]');
      if (el) el.focus({ preventScroll: true });
      focusKey = null;
    }
    if (loadedAfter) {
      var row = document.querySelector('#queue tr.qrow[data-id="' + loadedAfter + '"]');
      var first = row && row.nextElementSibling && row.nextElementSibling.querySelector("a.qlink, a.qmore");
      if (first) { first.focus(); first.closest("tr").scrollIntoView({ block: "nearest" }); }
      loadedAfter = null;
    }
  });

  var pane = document.querySelector("#pane .pane");
  if (pane) current = pane.getAttribute("data-id");
})();
