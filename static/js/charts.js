// Charts of the ministry reports. The data sits in <script type="application/json"> blocks
// next to each <canvas data-chart="..."> (the CSP forbids inline scripts); every chart has a
// table with the same figures beside it. Withheld (suppressed) figures arrive as null and are
// left out of the drawing.
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
    new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: "bottom" } },
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
