/* Draws the back office's charts (natjoub.admin.charts; docs/architecture.md, "Charts in the back
 * office").
 *
 * Every <figure data-chart="ID"> holds a canvas; its data is the application/json block #ID that
 * the server wrote with json_script. Nothing here is inline in a page, so the pages run under a
 * "script-src 'self'" Content-Security-Policy. Chart.js sizes the canvas through the CSSOM
 * (element.style), which "style-src 'self'" does not block; it injects no stylesheet.
 *
 * Colours: the Okabe–Ito palette (distinguishable with every common colour-vision deficiency);
 * text and grid take the admin's CSS variables, and the charts are drawn again when the admin's
 * theme toggle changes <html data-theme> or the system's colour scheme changes.
 */
(function () {
  "use strict";

  // Okabe–Ito, ordered so that the first five stay furthest apart under simulated protanopia,
  // deuteranopia and tritanopia (CIELAB ΔE ≥ 17 between any two; docs/architecture.md).
  const PALETTE = ["#0072B2", "#E69F00", "#56B4E9", "#D55E00", "#CC79A7", "#009E73", "#F0E442"];
  const drawn = new Map(); // figure -> Chart

  function theme() {
    const style = getComputedStyle(document.documentElement);
    const css = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    return {
      fg: css("--body-fg", "#333"),
      quiet: css("--body-quiet-color", "#666"),
      grid: css("--hairline-color", "#e8e8e8"),
      bg: css("--body-bg", "#fff"),
    };
  }

  function dataset(series, colour, colours, horizontal) {
    const base = { label: series.label, data: series.values };
    switch (series.style) {
      case "marker": // a short horizontal tick per label, e.g. a reorder level
        return Object.assign(base, {
          type: "line", showLine: false, pointStyle: "line", pointRadius: 16, pointHoverRadius: 18,
          pointBorderWidth: 4, pointRotation: horizontal ? 90 : 0, // across the bar
          borderColor: colours.fg, backgroundColor: colours.fg, order: -1,
        });
      case "line":
      case "step":
        return Object.assign(base, {
          type: "line", stepped: series.style === "step" ? "before" : false, spanGaps: true,
          borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 2,
        });
      default:
        return Object.assign(base, {
          type: "bar", backgroundColor: colour, borderColor: colours.bg, borderWidth: 1,
        });
    }
  }

  function config(spec, colours) {
    let next = 0;
    const datasets = spec.series.map((series) =>
      dataset(series, series.style === "marker" ? null : PALETTE[next++ % PALETTE.length], colours, spec.horizontal));
    const valueAxis = spec.horizontal ? "x" : "y";
    const categoryAxis = spec.horizontal ? "y" : "x";
    const axis = (title) => ({
      stacked: spec.stacked,
      grid: { color: colours.grid },
      border: { color: colours.quiet },
      ticks: { color: colours.fg },
      title: { display: Boolean(title), text: title, color: colours.fg },
    });
    const scales = { [categoryAxis]: axis(""), [valueAxis]: axis(spec.valueLabel) };
    scales[valueAxis].beginAtZero = true;
    return {
      type: spec.kind === "line" ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: scales,
        plugins: {
          legend: { labels: { color: colours.fg, usePointStyle: true } },
          tooltip: { enabled: true },
        },
      },
    };
  }

  function draw(figure, colours) {
    const block = document.getElementById(figure.dataset.chart);
    const canvas = figure.querySelector("canvas");
    if (!block || !canvas) return;
    const spec = JSON.parse(block.textContent);
    const previous = drawn.get(figure);
    if (previous) previous.destroy();
    drawn.set(figure, new window.Chart(canvas, config(spec, colours)));
  }

  function drawAll() {
    if (!window.Chart) return;
    const colours = theme();
    window.Chart.defaults.color = colours.fg;
    window.Chart.defaults.borderColor = colours.grid;
    document.querySelectorAll("figure[data-chart]").forEach((figure) => draw(figure, colours));
    document.documentElement.dataset.chartsDrawn = String(drawn.size); // for the browser tests
  }

  function start() {
    drawAll();
    new MutationObserver(drawAll).observe(document.documentElement, {
      attributes: true, attributeFilter: ["data-theme"],
    });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
