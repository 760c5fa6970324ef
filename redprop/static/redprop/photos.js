/* RedProp: shrink camera photos in the browser before upload (max 1600 px, JPEG).
 *
 * A phone photo is 3–8 MB; on a weak mobile connection that decides whether the
 * report is sent at all. Every <input type=file data-downscale=N> is handled:
 * each chosen image is drawn on a canvas at most N px on its long side and
 * re-encoded as JPEG; if anything fails (old browser, odd format) the original
 * file is kept. The server checks and re-encodes every photo anyway.
 */
(function () {
  "use strict";
  var QUALITY = 0.85;

  function shrink(file, max) {
    return new Promise(function (resolve) {
      if (!file || !/^image\//.test(file.type) || !window.URL || !document.createElement("canvas").toBlob) {
        resolve(file);
        return;
      }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        try {
          var w = img.naturalWidth, h = img.naturalHeight;
          var scale = Math.min(1, max / Math.max(w, h));
          if (scale === 1 && file.type === "image/jpeg") {
            URL.revokeObjectURL(url);
            resolve(file);
            return;
          }
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(w * scale));
          canvas.height = Math.max(1, Math.round(h * scale));
          var ctx = canvas.getContext("2d");
          ctx.fillStyle = "#fff"; // transparent PNG areas become white, not black
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
          canvas.toBlob(function (blob) {
            URL.revokeObjectURL(url);
            if (!blob) { resolve(file); return; }
            var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
            try {
              resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
            } catch (e) {
              resolve(file);
            }
          }, "image/jpeg", QUALITY);
        } catch (e) {
          URL.revokeObjectURL(url);
          resolve(file);
        }
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function kb(n) { return n < 1024 * 1024 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB"; }

  function preview(input, files) {
    var box = document.querySelector('[data-photo-preview-for="' + input.id + '"]');
    if (!box) return;
    box.innerHTML = "";
    files.forEach(function (f, i) {
      var img = document.createElement("img");
      img.alt = (box.getAttribute("data-alt") || "") + " " + (i + 1);
      img.src = URL.createObjectURL(f);
      img.onload = function () { URL.revokeObjectURL(img.src); };
      box.appendChild(img);
    });
  }

  function setBusy(input, busy) {
    input.dataset.state = busy ? "busy" : "ready";
    var form = input.form;
    if (!form) return;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = busy; });
  }

  function handle(input) {
    var max = parseInt(input.getAttribute("data-downscale"), 10) || 1600;
    var status = document.querySelector('[data-photo-status-for="' + input.id + '"]');
    var chosen = Array.prototype.slice.call(input.files || []);
    if (!chosen.length) { preview(input, []); return; }
    setBusy(input, true);
    if (status) status.textContent = status.getAttribute("data-busy") || "";
    Promise.all(chosen.map(function (f) { return shrink(f, max); })).then(function (out) {
      var before = chosen.reduce(function (s, f) { return s + f.size; }, 0);
      var after = out.reduce(function (s, f) { return s + f.size; }, 0);
      try {
        var dt = new DataTransfer();
        out.forEach(function (f) { dt.items.add(f); });
        input.files = dt.files; // does not fire "change" again
      } catch (e) {
        out = chosen; // the browser cannot replace the files: upload the originals
        after = before;
      }
      preview(input, out);
      if (status) {
        status.textContent = (status.getAttribute("data-done") || "{n}")
          .replace("{n}", out.length).replace("{before}", kb(before)).replace("{after}", kb(after));
      }
      setBusy(input, false);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input && input.matches && input.matches("input[type=file][data-downscale]")) handle(input);
  });
})();
