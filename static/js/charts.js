// Charts of the ministry reports. The data sits in <script type="application/json"> blocks
// next to each <canvas data-chart="..."> (the CSP forbids inline scripts); every chart has a
// table with the same figures beside it. Published figures are perturbed (cell-key method,
// docs/disclosure.md). A withheld figure arrives as null in "data" and is listed in "withheld"
// ([dataset, point, symbol]): it is drawn as a grey hatched-looking bar (or point) up to k - 1,
// named "withheld" in the legend and labelled with its symbol ("<5", "x") in the tooltip, never
// as an empty bar or a zero.
//
// Numbers on the axes and in the tooltips are written like the rest of the page: the language is
// the page's (<html lang>), and the separators are the ones Babel uses for it on the server, which
// base.html puts on <html> as data-group-symbol / data-decimal-symbol ("1.234,5" in az,
// "1 234,5" in ru, "1,234.5" in en). The browser's own locale data is not trusted for this:
// Chromium has no Azerbaijani number format and would write "1,234.5" on an az page.
(function () {
  "use strict";
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];
  var root = document.documentElement;
  var locale = root.getAttribute("lang") || "az";
  var group = root.getAttribute("data-group-symbol");
  var decimal = root.getAttribute("data-decimal-symbol");
  // Babel's default pattern (#,##0.###): grouped, up to three decimals.
  var english = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });
  var own = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });

  function formatNumber(value) {
    if (value === null || value === undefined || typeof value !== "number" || isNaN(value)) { return ""; }
    if (group === null || decimal === null) { return own.format(value); }
    return english.format(value).replace(/[,.]/g, function (c) { return c === "," ? group : decimal; });
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var spec;
    try { spec = JSON.parse(source.textContent); } catch (e) { return; }
    var datasets = (spec.datasets || []).map(function (ds, i) {
      var colour = palette[i % palette.length];
      return {
        label: ds.label, data: ds.data, backgroundColor: colour, borderColor: colour,
        spanGaps: false, fill: false, tension: 0.2
      };
    });
    var symbols = {};
    (spec.withheld || []).forEach(function (item) {
      var i = item[0], j = item[1];
      if (!datasets[i]) { return; }
      if (!symbols[i]) {
        symbols[i] = {};
        var base = datasets[i];
        datasets.push({
          label: base.label + " (" + (spec.withheldLabel || "withheld") + ")",
          data: base.data.map(function () { return null; }),
          backgroundColor: "rgba(108, 117, 125, 0.35)", borderColor: "#6c757d", borderWidth: 1,
          borderDash: [4, 3], pointStyle: "crossRot", pointRadius: 6, showLine: false,
          stack: spec.stacked ? undefined : "withheld-" + i, withheldOf: i
        });
        symbols[i].index = datasets.length - 1;
      }
      datasets[symbols[i].index].data[j] = spec.withheldHeight || 1;
      symbols[i][j] = item[2];
    });
    new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        locale: locale,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var ds = context.dataset;
                if (ds.withheldOf !== undefined) {
                  var symbol = (symbols[ds.withheldOf] || {})[context.dataIndex] || "";
                  return ds.label + ": " + symbol;
                }
                var value = context.parsed && typeof context.parsed === "object" ? context.parsed.y : context.raw;
                return ds.label + ": " + formatNumber(value);
              }
            }
          }
        },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, beginAtZero: true,
               ticks: { precision: 0, callback: function (value) { return formatNumber(value); } } }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
