/* RedProp 数据看板: draws each [data-chart] with the locally served ECharts and turns
   its data table (rendered by the server, visible without JavaScript) into a
   "查看数据表" toggle. No request leaves the server. */
(function () {
  "use strict";

  var PALETTE = ["#b71c1c", "#0b5cad", "#1b7f3b", "#8a5a00"];
  var SYMBOLS = ["circle", "rect", "triangle", "diamond"];
  var FONT = '"Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif';
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var charts = [];

  function formatter(unit) {
    return function (value) {
      if (value === null || value === undefined || value === "-") return "—";
      return unit === "%" ? Number(value).toFixed(1) + "%" : value + " " + unit;
    };
  }

  function option(data, width) {
    var narrow = width < 520;
    var percent = data.unit === "%";
    var fmt = formatter(data.unit);
    var valueAxis = {
      type: "value",
      min: 0,
      max: percent ? 100 : null,
      minInterval: percent ? null : 1,
      axisLabel: { formatter: percent ? "{value}%" : "{value}", color: "#3d434b" },
      splitLine: { lineStyle: { color: "#eef0f3" } }
    };
    var categoryAxis = {
      type: "category",
      data: data.categories,
      axisLabel: {
        color: "#3d434b",
        fontSize: narrow ? 11 : 12,
        interval: data.kind === "line" ? "auto" : 0,
        hideOverlap: true,
        rotate: data.kind === "line" && data.categories.length > 6 ? 30 : 0
      },
      axisTick: { alignWithLabel: true }
    };
    var opt = {
      color: PALETTE,
      aria: { enabled: false }, // the container carries our own aria-label
      animation: !reduceMotion,
      textStyle: { fontFamily: FONT },
      // On a phone a legend of four series takes two lines.
      grid: {
        left: 8, right: 28, bottom: 8, containLabel: true,
        top: data.series.length > 1 ? (narrow && data.series.length > 2 ? 64 : 40) : 24
      },
      // Drawn on the canvas: the HTML tooltip writes style="..." attributes, which the
      // Content-Security-Policy refuses (ADR 0018).
      tooltip: { trigger: "axis", valueFormatter: fmt, renderMode: "richText" },
      legend: data.series.length > 1 ? { top: 0, textStyle: { color: "#1f2328" } } : { show: false }
    };
    if (data.kind === "hbar") {
      categoryAxis.inverse = true;
      opt.xAxis = valueAxis;
      opt.yAxis = categoryAxis;
    } else {
      opt.xAxis = categoryAxis;
      opt.yAxis = valueAxis;
    }
    opt.series = data.series.map(function (s, i) {
      if (data.kind === "line") {
        return {
          type: "line", name: s.name, data: s.data, connectNulls: false,
          symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: 7, lineStyle: { width: 2 }
        };
      }
      return {
        type: "bar", name: s.name, data: s.data, barMaxWidth: 40,
        label: {
          show: true,
          position: data.kind === "hbar" ? "right" : "top",
          color: "#1f2328",
          formatter: function (p) { return fmt(p.value); }
        }
      };
    });
    return opt;
  }

  function setLabel(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? button.dataset.labelHide : button.dataset.labelShow;
  }

  function setup(card) {
    var el = card.querySelector("[data-chart]");
    var button = card.querySelector(".chart-toggle");
    var table = button && document.getElementById(button.getAttribute("aria-controls"));
    var source = el && document.getElementById(el.dataset.chart);
    if (!el || !button || !table || !source || !window.echarts) return; // the table stays
    var data = JSON.parse(source.textContent);
    if (!data.categories.length) return;
    el.hidden = false;
    if (data.kind === "hbar") {
      el.style.height = Math.max(12, data.categories.length * 2.1 + 3) + "rem";
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(data, el.clientWidth));
    charts.push(chart);
    table.hidden = true;
    button.hidden = false;
    setLabel(button, false);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      table.hidden = !open;
      setLabel(button, open);
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".chart-card"), setup);
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
