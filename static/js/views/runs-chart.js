// The Runs screen's chart: run durations over time, one line per source, each dot coloured by
// how the run ended (Chart.js, loaded on first use). A log scale when minutes and seconds mix.
//
// Hooks: canvas#runs-chart (data-rendered="true" and data-points once drawn), #runs-chart-empty.
import { html, htmlEl } from "../dom.js";
import { capitalize, formatDateTime, formatDuration, formatNumber } from "../format.js";
import { emptyState } from "../ui.js";
import { OUTCOME_COLORS, loadChart } from "../charts.js";
import { sourceLabel } from "../sync.js";

const POINT_STYLES = { portal: "circle", dailymed: "rectRot" };
const LINE_COLORS = { portal: "#5eead4", dailymed: "#a5b4fc" }; // teal-300, indigo-300

export function createChartCard() {
  const canvas = htmlEl`<canvas id="runs-chart" role="img" aria-label="Run durations over time, coloured by outcome"></canvas>`;
  const frame = htmlEl`<div class="relative h-72">${canvas}</div>`;
  const emptyBox = htmlEl`<div id="runs-chart-empty" hidden></div>`;
  const note = htmlEl`<p class="mt-0.5 text-sm text-slate-500" data-chart-note>Each dot is a run; the line joins runs of one source.</p>`;
  const legend = htmlEl`<ul class="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Outcome colours">
    ${["completed", "failed", "cancelled", "interrupted"].map(
      (status) => html`<li class="flex items-center gap-1.5"><span class="legend-dot" data-legend="${status}"></span>${capitalize(status)}</li>`,
    )}
  </ul>`;
  for (const dot of legend.querySelectorAll("[data-legend]")) dot.style.backgroundColor = OUTCOME_COLORS[dot.dataset.legend];
  const el = htmlEl`<section class="card mb-6" aria-labelledby="runs-chart-title">
    <div class="card-header">
      <div>
        <h2 id="runs-chart-title" class="card-title">Durations over time</h2>
        ${note}
      </div>
      ${legend}
    </div>
    <div class="px-4 py-4 sm:px-5">${frame}${emptyBox}</div>
  </section>`;

  let chart = null;
  let sequence = 0;

  function showEmpty(filtered) {
    frame.hidden = true;
    legend.hidden = true;
    emptyBox.hidden = false;
    canvas.dataset.points = "0";
    emptyBox.replaceChildren(
      emptyState({
        icon: "runs",
        title: filtered ? "No runs match these filters" : "No runs yet",
        message: filtered ? "Choose another source or status to see their durations." : "Durations appear here after the first sync.",
        compact: true,
      }),
    );
  }

  function datasets(runs, Chart) {
    const bySource = new Map();
    for (const run of runs) {
      if (run.duration_seconds == null) continue; // still running: no duration yet
      const x = Date.parse(run.started_at || run.created_at);
      if (Number.isNaN(x)) continue;
      if (!bySource.has(run.source)) bySource.set(run.source, []);
      bySource.get(run.source).push({ x, y: Math.max(run.duration_seconds, 0.01), run });
    }
    return [...bySource.entries()].map(([source, points]) => ({
      label: sourceLabel(source),
      data: points.sort((a, b) => a.x - b.x),
      showLine: true,
      borderColor: LINE_COLORS[source] || "#cbd5e1",
      borderWidth: 1.5,
      cubicInterpolationMode: "monotone",
      pointStyle: POINT_STYLES[source] || "triangle",
      pointRadius: 4.5,
      pointHoverRadius: 7,
      pointBorderColor: "#ffffff",
      pointBorderWidth: 1,
      pointBackgroundColor: (ctx) => OUTCOME_COLORS[ctx.raw?.run?.status] || Chart.defaults.color,
    }));
  }

  async function draw(runs, { filtered, total }) {
    const mine = ++sequence;
    if (!runs.length) {
      chart?.destroy();
      chart = null;
      showEmpty(filtered);
      return;
    }
    let Chart;
    try {
      Chart = await loadChart();
    } catch (error) {
      if (mine !== sequence) return;
      frame.hidden = true;
      emptyBox.hidden = false;
      emptyBox.replaceChildren(emptyState({ icon: "warning", title: "The chart couldn't be drawn", message: error.message, compact: true }));
      return;
    }
    if (mine !== sequence) return;
    frame.hidden = false;
    legend.hidden = false;
    emptyBox.hidden = true;
    const data = { datasets: datasets(runs, Chart) };
    const drawn = data.datasets.reduce((n, d) => n + d.data.length, 0);
    const ys = data.datasets.flatMap((d) => d.data.map((p) => p.y));
    // Portal runs take seconds and DailyMed runs minutes: a log scale keeps both readable.
    const logarithmic = ys.length > 1 && Math.max(...ys) / Math.min(...ys) > 30;
    note.textContent =
      (total > runs.length ? `The latest ${formatNumber(runs.length)} of ${formatNumber(total)} runs. ` : "") +
      `Each dot is a run, coloured by how it ended; the line joins runs of one source.${logarithmic ? " Log scale." : ""}`;
    canvas.dataset.points = String(drawn);
    delete canvas.dataset.rendered;

    const options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 300 },
      parsing: false,
      interaction: { mode: "nearest", intersect: false },
      scales: {
        x: {
          type: "linear",
          grid: { color: "#f1f5f9" },
          ticks: {
            color: "#64748b",
            maxTicksLimit: 8,
            callback: (value) => new Date(value).toLocaleDateString(undefined, { month: "short", day: "numeric" }),
          },
        },
        y: {
          type: logarithmic ? "logarithmic" : "linear",
          beginAtZero: !logarithmic,
          grid: { color: "#f1f5f9" },
          title: { display: true, text: "Duration", color: "#64748b" },
          ticks: {
            color: "#64748b",
            maxTicksLimit: 6,
            callback: (value) => (logarithmic && ![1, 2, 5].includes(Number(String(value)[0])) ? "" : formatDuration(value)),
          },
        },
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: {
            usePointStyle: true,
            color: "#475569",
            boxHeight: 7,
            // One colour per source (its line), not the first run's outcome colour.
            generateLabels: (chartInstance) =>
              Chart.defaults.plugins.legend.labels.generateLabels(chartInstance).map((item) => {
                const dataset = chartInstance.data.datasets[item.datasetIndex];
                return { ...item, fillStyle: dataset.borderColor, strokeStyle: dataset.borderColor };
              }),
          },
        },
        tooltip: {
          callbacks: {
            title: (items) => formatDateTime(items[0]?.raw?.x),
            label: (item) => {
              const run = item.raw.run;
              const sample = run.is_sample ? " · sample" : "";
              return `${sourceLabel(run.source)} · ${capitalize(run.status)} · ${formatDuration(run.duration_seconds)}${sample}`;
            },
            afterLabel: (item) => {
              const run = item.raw.run;
              if (run.error) return run.error.length > 80 ? `${run.error.slice(0, 79)}…` : run.error;
              return `${formatNumber(run.records_found ?? 0)} found · ${formatNumber(run.records_saved ?? 0)} saved · run ${run.id}`;
            },
          },
        },
      },
    };
    const rendered = {
      id: "medsyncRendered",
      afterRender: () => {
        canvas.dataset.rendered = "true";
      },
    };
    if (chart) {
      chart.data = data;
      chart.options = options;
      chart.update();
    } else {
      chart = new Chart(canvas, { type: "line", data, options, plugins: [rendered] });
    }
  }

  return { el, draw, destroy: () => chart?.destroy() };
}
