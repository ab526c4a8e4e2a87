// Runs: the history of every sync run (GET /api/scrape-runs) as a chart of durations over time,
// coloured by outcome, and a table with source and status filters, sort and paging. Filters live
// in the URL (#/runs?source=portal&status=failed&sort=…&page=…) and apply to chart and table.
//
// Hooks: #runs-source, #runs-status, #runs-clear, canvas#runs-chart (data-rendered="true" and
// data-points once drawn), #runs-chart-empty, #runs-table tr[data-run-id][data-status],
// #run-details (the modal a row opens), #runs-refresh.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatDateTime, formatDuration, formatNumber, formatRelative, plural } from "../format.js";
import { createDataTable, emptyState, openModal, pageHeader, statusBadge, toastError, withBusy } from "../ui.js";
import { OUTCOME_COLORS, loadChart } from "../charts.js";
import { isActive, sourceLabel } from "../sync.js";

const DEFAULT_SORT = "-created_at";
const DEFAULT_PER_PAGE = 20;
const CHART_LIMIT = 200; // the API's largest page
const ACTIVE_REFRESH_MS = 2000;
const SOURCES = [
  { value: "portal", label: "Payer portal" },
  { value: "dailymed", label: "DailyMed" },
];
const STATUSES = ["completed", "failed", "cancelled", "interrupted", "running", "queued"];
const SOURCE_ICONS = { portal: "portal", dailymed: "dailymed" };
const POINT_STYLES = { portal: "circle", dailymed: "rectRot" };
const LINE_COLORS = { portal: "#5eead4", dailymed: "#a5b4fc" }; // teal-300, indigo-300

function stateFromParams(params) {
  const filters = {};
  if (params.get("source")) filters.source = params.get("source");
  if (STATUSES.includes(params.get("status"))) filters.status = params.get("status");
  return {
    filters,
    sort: params.get("sort") || DEFAULT_SORT,
    page: Math.max(1, Number.parseInt(params.get("page"), 10) || 1),
    perPage: Math.min(200, Math.max(1, Number.parseInt(params.get("per_page"), 10) || DEFAULT_PER_PAGE)),
  };
}

function paramsFromState(state) {
  const params = new URLSearchParams();
  for (const key of ["source", "status"]) if (state.filters[key]) params.set(key, state.filters[key]);
  if (state.sort && state.sort !== DEFAULT_SORT) params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  if (state.perPage !== DEFAULT_PER_PAGE) params.set("per_page", String(state.perPage));
  return params;
}

/** "user:eddie" → eddie; "cli" → Command line; "seed" → Sample data. */
function triggerText(triggeredBy) {
  const value = triggeredBy || "";
  if (value.startsWith("user:")) return { text: value.slice(5), icon: "user" };
  const known = { cli: "Command line", schedule: "Schedule", scheduler: "Schedule", seed: "Sample data", api: "API" };
  return { text: known[value] || capitalize(value.replaceAll("_", " ")) || "Unknown", icon: null };
}

function runStatus(run) {
  const warnings = run.warnings?.length || 0;
  return html`<span class="inline-flex flex-wrap items-center gap-1">${statusBadge(run.status)}${
    warnings
      ? html`<span class="badge badge-amber" data-warnings="${warnings}" title="${run.warnings.join("\n")}">${plural(warnings, "warning")}</span>`
      : ""
  }</span>`;
}

function count(value) {
  return value == null ? null : html`<span class="tabular-nums">${formatNumber(value)}</span>`;
}

/* ---------------------------------------------------------------- run details */

function openRunDetails(run, opener) {
  const trigger = triggerText(run.triggered_by);
  const rows = [
    ["Source", sourceLabel(run.source)],
    ["Triggered by", trigger.text],
    ["Queued", formatDateTime(run.created_at)],
    ["Started", formatDateTime(run.started_at)],
    ["Finished", formatDateTime(run.completed_at)],
    ["Duration", formatDuration(run.duration_seconds)],
    ["Found", formatNumber(run.records_found ?? 0)],
    ["Added", formatNumber(run.records_inserted ?? 0)],
    ["Updated", formatNumber(run.records_updated ?? 0)],
    ["Unchanged", formatNumber(run.records_unchanged ?? 0)],
    ["Kept because edited", formatNumber(run.records_kept_manual ?? 0)],
    ["Missing from source", formatNumber(run.records_missing ?? 0)],
  ];
  const content = htmlEl`<div>
    <div class="modal-body">
      <div class="flex flex-wrap items-center gap-2">${runStatus(run)}${run.progress?.step ? html`<span class="text-xs text-slate-500">Last step: ${run.progress.step}</span>` : ""}</div>
      ${run.error ? html`<p class="rounded-lg border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-800" data-run-error>${run.error}</p>` : ""}
      <dl class="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
        ${rows.map(([label, value]) => html`<div><dt class="text-xs text-slate-500">${label}</dt><dd class="font-medium text-slate-900 tabular-nums">${value}</dd></div>`)}
      </dl>
      ${
        run.warnings?.length
          ? html`<div><h3 class="text-sm font-semibold text-slate-900">${plural(run.warnings.length, "warning")}</h3>
              <ul class="mt-1.5 max-h-48 list-disc space-y-1 overflow-y-auto pl-5 text-sm text-amber-900">${run.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>`
          : ""
      }
    </div>
    <div class="modal-footer"><button type="button" class="btn btn-secondary" data-modal-close>Close</button></div>
  </div>`;
  openModal({ id: "run-details", title: `Run ${run.id}`, description: `${sourceLabel(run.source)} sync`, content, size: "max-w-xl", closeOnBackdrop: true, opener });
}

/* ---------------------------------------------------------------- the chart */

function createChartCard() {
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
              return `${sourceLabel(run.source)} · ${capitalize(run.status)} · ${formatDuration(run.duration_seconds)}`;
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

/* ---------------------------------------------------------------- the screen */

export function mount(root, context) {
  const { router } = context;
  const chartCard = createChartCard();

  const sourceSelect = htmlEl`<select id="runs-source" class="select w-auto min-w-40" aria-label="Filter by source">
    <option value="">All sources</option>${SOURCES.map((s) => html`<option value="${s.value}">${s.label}</option>`)}</select>`;
  const statusSelect = htmlEl`<select id="runs-status" class="select w-auto min-w-40" aria-label="Filter by status">
    <option value="">All outcomes</option>${STATUSES.map((s) => html`<option value="${s}">${capitalize(s)}</option>`)}</select>`;
  const clearButton = htmlEl`<button type="button" id="runs-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;
  const refreshButton = htmlEl`<button type="button" id="runs-refresh" class="btn btn-secondary">${icon("refresh", "size-4")}Refresh</button>`;

  let refreshTimer = null;
  let visible = false;

  const table = createDataTable({
    id: "runs-table",
    caption: "Sync runs",
    itemLabel: ["run", "runs"],
    perPage: DEFAULT_PER_PAGE,
    sort: DEFAULT_SORT,
    dense: true,
    columns: [
      { key: "id", label: "Run", sortable: true, render: (r) => html`<span class="font-mono text-xs text-slate-500">#${r.id}</span>` },
      {
        key: "source",
        label: "Source",
        sortable: true,
        render: (r) => html`<span class="flex items-center gap-2 whitespace-nowrap text-slate-900"><span class="text-slate-400">${icon(SOURCE_ICONS[r.source] || "runs", "size-4")}</span>${sourceLabel(r.source)}</span>`,
      },
      { key: "status", label: "Status", sortable: true, render: runStatus },
      {
        key: "triggered_by",
        label: "Trigger",
        render: (r) => {
          const trigger = triggerText(r.triggered_by);
          return html`<span class="flex items-center gap-1.5 whitespace-nowrap">${trigger.icon ? html`<span class="text-slate-400">${icon(trigger.icon, "size-4")}</span>` : ""}${trigger.text}</span>`;
        },
      },
      {
        key: "created_at",
        label: "Started",
        sortable: true,
        render: (r) => {
          const when = r.started_at || r.created_at;
          return html`<span class="whitespace-nowrap" title="${formatDateTime(when)}">${formatRelative(when)}</span>`;
        },
      },
      {
        key: "duration_seconds",
        label: "Duration",
        sortable: true,
        align: "right",
        render: (r) =>
          isActive(r)
            ? html`<span class="text-sky-700">running…</span>`
            : html`<span class="whitespace-nowrap tabular-nums">${formatDuration(r.duration_seconds)}</span>`,
      },
      { key: "records_found", label: "Found", align: "right", title: "Records the source listed", render: (r) => count(r.records_found) },
      { key: "records_saved", label: "Saved", align: "right", title: "Records added or updated", render: (r) => count(r.records_saved) },
      { key: "records_kept_manual", label: "Kept", align: "right", title: "Kept because a person edited them", render: (r) => count(r.records_kept_manual) },
      { key: "records_missing", label: "Missing", align: "right", title: "No longer in the source (kept, marked)", render: (r) => count(r.records_missing) },
      {
        key: "error",
        label: "Error",
        emptyText: "",
        render: (r) => (r.error ? html`<span class="block max-w-64 truncate text-red-700" title="${r.error}">${r.error}</span>` : null),
      },
    ],
    fetchPage: ({ page, perPage, sort, filters, signal }) => api.get("/api/scrape-runs", { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (r) => ({ "data-run-id": r.id, "data-status": r.status, "data-source": r.source }),
    empty: {
      icon: "runs",
      title: "No runs yet",
      message: "Every sync, from the dashboard, the command line or the schedule, is listed here.",
      filteredTitle: "No runs match",
      filteredMessage: "Choose another source or status, or clear the filters.",
    },
    onStateChange: (state) => {
      sourceSelect.value = state.filters.source || "";
      statusSelect.value = state.filters.status || "";
      clearButton.hidden = !state.filters.source && !state.filters.status;
      if (router.current()?.name === "runs") router.replaceParams(paramsFromState(state));
    },
    onRender: (rows) => {
      // While a run is going, keep its row (duration, counts) current.
      clearTimeout(refreshTimer);
      if (visible && rows.some(isActive)) refreshTimer = setTimeout(() => refresh(), ACTIVE_REFRESH_MS);
    },
    onRowClick: (run, event) => openRunDetails(run, event.target.closest("tr")),
  });
  async function loadChartData() {
    const { filters } = table.getState();
    try {
      const envelope = await api.get("/api/scrape-runs", { ...filters, sort: "-created_at", per_page: CHART_LIMIT });
      await chartCard.draw(envelope.data || [], { filtered: Boolean(filters.source || filters.status), total: envelope.total || 0 });
    } catch (error) {
      if (!error.redirecting) toastError(error, "Couldn't load the chart");
    }
  }

  function refresh() {
    return Promise.all([table.reload({ quiet: true }), loadChartData()]);
  }

  function setFilter(key, value) {
    const filters = { ...table.getState().filters };
    if (value) filters[key] = value;
    else delete filters[key];
    table.setState({ filters });
    loadChartData();
  }
  sourceSelect.addEventListener("change", () => setFilter("source", sourceSelect.value));
  statusSelect.addEventListener("change", () => setFilter("status", statusSelect.value));
  clearButton.addEventListener("click", () => {
    table.setState({ filters: {} });
    loadChartData();
    sourceSelect.focus();
  });
  refreshButton.addEventListener("click", () => withBusy(refreshButton, refresh, "Refreshing"));
  window.addEventListener("medsync:sync-finished", () => {
    if (visible) refresh();
  });

  root.replaceChildren(
    pageHeader({
      title: "Runs",
      description: "Every sync run: when it ran, how long it took, what it found and how it ended.",
      actions: refreshButton,
    }),
    htmlEl`<div class="mb-4 flex flex-wrap items-center gap-2" role="search" aria-label="Filter runs">${sourceSelect}${statusSelect}${clearButton}</div>`,
    chartCard.el,
    htmlEl`<section class="card" aria-labelledby="runs-table-title">
      <div class="card-header"><h2 id="runs-table-title" class="card-title">History</h2><p class="text-xs text-slate-500">Select a run for its details and warnings.</p></div>
      ${table.el}
    </section>`,
  );

  let shownOnce = false;
  return {
    show(params) {
      visible = true;
      if (shownOnce && ![...params.keys()].length) {
        // Back through the navigation link: keep the filters the person left here.
        router.replaceParams(paramsFromState(table.getState()));
        params = paramsFromState(table.getState());
      }
      const wanted = stateFromParams(params);
      if (!shownOnce || paramsFromState(wanted).toString() !== paramsFromState(table.getState()).toString()) {
        table.setState(wanted);
      } else {
        table.reload({ quiet: true });
      }
      shownOnce = true;
      loadChartData();
    },
    hide() {
      visible = false;
      clearTimeout(refreshTimer);
    },
  };
}
