// 议事协商: refresh the check-in QR code (a signed link that expires) every minute.
(function () {
  "use strict";
  document.querySelectorAll("img[data-refresh]").forEach(function (img) {
    var seconds = parseInt(img.getAttribute("data-refresh"), 10) || 60;
    var base = img.getAttribute("src").split("?")[0];
    setInterval(function () {
      img.setAttribute("src", base + "?t=" + Date.now());
    }, seconds * 1000);
  });
})();
