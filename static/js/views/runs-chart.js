// The Runs screen's chart: run durations over time (Chart.js, loaded on first use). One encoding
// per meaning: a dot's colour is how the run ended, its shape is the source, and a thin neutral
// line joins the runs of one source. The x axis ticks follow the span (hours for a day of runs,
// days for weeks) and ends at the last run; the y axis has round durations, on a log scale when
// minutes and seconds mix (runs-chart-ticks.js).
//
// Hooks: canvas#runs-chart (data-rendered="true" and data-points once drawn), #runs-chart-empty,
// [data-legend-source] and [data-legend] (outcome) in the legend.
import { html, htmlEl } from "../dom.js";
import { capitalize, formatDateTime, formatDuration, formatNumber } from "../format.js";
import { emptyState } from "../ui.js";
import { OUTCOME_COLORS, loadChart } from "../charts.js";
import { sourceLabel } from "../sync.js";
import { durationTick, durationTicks, timeTicks } from "./runs-chart-ticks.js";

// Shape says the source (drawn by Chart.js, mirrored by the legend's CSS shapes).
const POINT_STYLES = { portal: "circle", dailymed: "rectRot", analytics: "triangle" };
const LEGEND_SHAPES = { portal: "legend-circle", dailymed: "legend-diamond", analytics: "legend-triangle" };
const LINE_COLOR = "#cbd5e1"; // slate-300: the line only joins; it encodes nothing
const OUTCOMES = ["completed", "failed", "cancelled", "interrupted"];
const AXIS = "#64748b";

export function createChartCard() {
  const canvas = htmlEl`<canvas id="runs-chart" role="img" aria-label="Run durations over time: colour shows the outcome, shape the source"></canvas>`;
  const frame = htmlEl`<div class="relative h-72">${canvas}</div>`;
  const emptyBox = htmlEl`<div id="runs-chart-empty" hidden></div>`;
  const note = htmlEl`<p class="mt-0.5 text-sm text-slate-500" data-chart-note>Each dot is a run; the line joins runs of one source.</p>`;
  const sourceKey = htmlEl`<ul class="flex flex-wrap items-center gap-x-4 gap-y-1" aria-label="Shape: source"></ul>`;
  const legend = htmlEl`<div class="flex flex-col items-end gap-1 text-xs text-slate-600" data-chart-legend>
    <ul class="flex flex-wrap items-center gap-x-4 gap-y-1" aria-label="Colour: outcome">
      ${OUTCOMES.map((status) => html`<li class="flex items-center gap-1.5"><span class="legend-swatch" data-legend="${status}"></span>${capitalize(status)}</li>`)}
    </ul>${sourceKey}</div>`;
  for (const dot of legend.querySelectorAll("[data-legend]")) dot.style.backgroundColor = OUTCOME_COLORS[dot.dataset.legend];
  function showSources(sources) {
    sourceKey.replaceChildren(
      ...sources.map(
        (source) => htmlEl`<li class="flex items-center gap-1.5" data-legend-source="${source}"><span class="${LEGEND_SHAPES[source] || "legend-triangle"}" aria-hidden="true"></span>${sourceLabel(source)}</li>`,
      ),
    );
  }
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
      source,
      data: points.sort((a, b) => a.x - b.x),
      showLine: true,
      borderColor: LINE_COLOR,
      borderWidth: 1,
      pointStyle: POINT_STYLES[source] || "triangle",
      pointRadius: source === "portal" ? 4.5 : 5.5,
      pointHoverRadius: 7,
      pointBorderColor: "#ffffff",
      pointBorderWidth: 1,
      clip: 8, // a run on the top tick is drawn whole
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
    const points = data.datasets.flatMap((d) => d.data);
    const ys = points.map((p) => p.y);
    const xs = points.map((p) => p.x);
    // Portal runs take seconds and DailyMed runs minutes: a log scale keeps both readable.
    const logarithmic = ys.length > 1 && Math.max(...ys) / Math.min(...ys) > 30;
    const time = timeTicks(Math.min(...xs), Math.max(...xs));
    const durations = durationTicks(Math.min(...ys), Math.max(...ys), logarithmic);
    showSources(data.datasets.map((d) => d.source));
    note.textContent =
      (total > runs.length ? `The latest ${formatNumber(runs.length)} of ${formatNumber(total)} runs. ` : "") +
      `Each dot is a run: its colour says how it ended, its shape the source.${logarithmic ? " Log scale." : ""}`;
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
          min: time.min,
          max: time.max,
          grid: { color: "#f1f5f9" },
          title: { display: true, text: time.step < 86_400_000 ? "Started (local time)" : "Started (day)", color: AXIS },
          afterBuildTicks: (scale) => {
            scale.ticks = time.ticks.map(({ value }) => ({ value }));
          },
          ticks: {
            color: AXIS,
            autoSkip: false,
            maxRotation: 0,
            callback: (value) => time.ticks.find((t) => t.value === value)?.label ?? "",
          },
        },
        y: {
          type: logarithmic ? "logarithmic" : "linear",
          min: durations.min,
          max: durations.max,
          grid: { color: "#f1f5f9" },
          title: { display: true, text: logarithmic ? "Duration (log scale)" : "Duration", color: AXIS },
          afterBuildTicks: (scale) => {
            scale.ticks = durations.ticks.map((value) => ({ value }));
          },
          ticks: { color: AXIS, autoSkip: false, callback: (value) => durationTick(value) },
        },
      },
      plugins: {
        legend: { display: false }, // the card's header holds the legend: colours and shapes

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
