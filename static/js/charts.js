// Draws the dashboard's charts with the vendored Chart.js. Each chart card (loaded and refreshed
// by htmx) carries a <canvas data-chart="ID"> and its numbers in <script type="application/json"
// id="ID"> (never run, so the Content-Security-Policy has nothing to allow). A click on a bar or
// point opens the list behind it (the dataset's links). No inline script, no CDN.
(function () {
  // Thirteen colours: as many as the complaint categories, so no two stacked categories look alike.
  var palette = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#ffc107", "#0dcaf0", "#6c757d",
                 "#d63384", "#795548", "#1b4965", "#8fbc8f"];

  function draw(canvas) {
    if (canvas.dataset.drawn) return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var chart = JSON.parse(source.textContent);
    var twoAxes = chart.datasets.some(function (d) { return d.axis === "y2"; });
    var datasets = chart.datasets.map(function (d, i) {
      var color = d.color || palette[i % palette.length];
      var type = d.type || chart.kind;
      return {
        label: d.label, data: d.data, type: type, stack: d.stack, yAxisID: d.axis || "y",
        backgroundColor: type === "line" ? color : color + "cc", borderColor: color,
        borderWidth: type === "line" ? 2 : 0, spanGaps: true, pointRadius: 2, links: d.links || null
      };
    });
    var scales = { x: { stacked: !!chart.stacked }, y: { stacked: !!chart.stacked, beginAtZero: true } };
    if (chart.unit === "%") { scales.y.max = 100; }
    if (twoAxes) { scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }; }
    var instance = new Chart(canvas, {
      type: chart.kind,
      data: { labels: chart.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, scales: scales,
        interaction: { mode: "nearest", intersect: true },
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        onHover: function (event, elements) {
          var link = elements.length && datasets[elements[0].datasetIndex].links;
          event.native.target.style.cursor = link ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) return;
          var links = datasets[elements[0].datasetIndex].links;
          if (links && links[elements[0].index]) window.location.href = links[elements[0].index];
        }
      }
    });
    canvas.dataset.drawn = "1";
    canvas.lhChart = instance;
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.body.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // The card is replaced: let go of the old chart first.
    event.target.querySelectorAll("canvas[data-chart]").forEach(function (c) { if (c.lhChart) c.lhChart.destroy(); });
  });
})();
