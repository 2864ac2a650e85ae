// Charts of the ministry reports. The data sits in <script type="application/json"> blocks
// next to each <canvas data-chart="..."> (the CSP forbids inline scripts); every chart has a
// table with the same figures beside it. Published figures are perturbed (cell-key method,
// docs/disclosure.md). A withheld figure arrives as null in "data" and is listed in "withheld"
// ([dataset, point, symbol]): it is drawn as a grey hatched-looking bar (or point) up to k - 1,
// named "withheld" in the legend and labelled with its symbol ("<5", "x") in the tooltip, never
// as an empty bar or a zero.
(function () {
  "use strict";
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

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
                return ds.label + ": " + context.formattedValue;
              }
            }
          }
        },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
