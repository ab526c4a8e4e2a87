// Runs: the history of every sync run (GET /api/scrape-runs) as a chart of durations over time,
// coloured by outcome, and a table with source, status and sample filters, sort and paging.
// Filters live in the URL (#/runs?source=portal&status=failed&sample=false&sort=…&page=…) and
// apply to chart and table. Sample runs (seed_scrape_runs.py) carry a "sample" badge.
//
// Hooks: #runs-source, #runs-status, #runs-sample, #runs-clear, canvas#runs-chart
// (data-rendered="true" and data-points once drawn), #runs-chart-empty,
// #runs-table tr[data-run-id][data-status][data-sample], [data-sample-badge],
// #run-details (the modal a row opens, run-details.js), #runs-refresh. The chart is runs-chart.js;
// admins also see the Schedules panel (#schedules, schedules.js) above the filters.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatDateTime, formatDuration, formatNumber, formatRelative } from "../format.js";
import { createDataTable, pageHeader, toastError, withBusy } from "../ui.js";
import { isActive, sourceLabel } from "../sync.js";
import { createChartCard } from "./runs-chart.js";
import { openRunDetails, runStatus, triggerText } from "./run-details.js";
import { mountSchedules } from "./schedules.js";
import { anyValue, listState, oneOf, setFilter as setListFilter, urlSync } from "./record-list.js";

const DEFAULT_SORT = "-created_at";
const DEFAULT_PER_PAGE = 20;
const CHART_LIMIT = 200; // the API's largest page
const ACTIVE_REFRESH_MS = 2000;
const SOURCES = [
  { value: "portal", label: "Payer portal" },
  { value: "dailymed", label: "DailyMed" },
  { value: "analytics", label: "Analytics" },
];
const STATUSES = ["completed", "failed", "cancelled", "interrupted", "running", "queued"];
const SAMPLE_CHOICES = [
  { value: "false", label: "Real runs only" },
  { value: "true", label: "Sample runs only" },
];
const SOURCE_ICONS = { portal: "portal", dailymed: "dailymed", analytics: "analytics" };
// Eleven columns in 1,400 px: the middle ones pad less than the table's default.
const TIGHT = { className: "px-2", headerClassName: "px-2" };

const LIST = listState({
  filters: { source: anyValue, status: oneOf(STATUSES), sample: oneOf(SAMPLE_CHOICES.map((c) => c.value)) },
  sort: DEFAULT_SORT,
  perPage: DEFAULT_PER_PAGE,
});

function count(value) {
  return value == null ? null : html`<span class="tabular-nums">${formatNumber(value)}</span>`;
}

/* ---------------------------------------------------------------- the screen */

export function mount(root, context) {
  const { router } = context;
  const chartCard = createChartCard();
  const url = urlSync({ router, name: "runs", state: LIST, table: () => table });

  const sourceSelect = htmlEl`<select id="runs-source" class="select w-auto min-w-40" aria-label="Filter by source">
    <option value="">All sources</option>${SOURCES.map((s) => html`<option value="${s.value}">${s.label}</option>`)}</select>`;
  const statusSelect = htmlEl`<select id="runs-status" class="select w-auto min-w-40" aria-label="Filter by status">
    <option value="">All outcomes</option>${STATUSES.map((s) => html`<option value="${s}">${capitalize(s)}</option>`)}</select>`;
  const sampleSelect = htmlEl`<select id="runs-sample" class="select w-auto min-w-40" aria-label="Filter real and sample runs">
    <option value="">Real and sample runs</option>${SAMPLE_CHOICES.map((c) => html`<option value="${c.value}">${c.label}</option>`)}</select>`;
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
      {
        key: "id",
        label: "Run",
        sortable: true,
        render: (r) =>
          html`<span class="flex items-center gap-1.5 whitespace-nowrap"><span class="font-mono text-xs text-slate-500">#${r.id}</span>${
            r.is_sample ? html`<span class="badge badge-violet" data-sample-badge title="Sample history from seed_scrape_runs.py, not a real sync">sample</span>` : ""
          }</span>`,
      },
      {
        key: "source", ...TIGHT,
        label: "Source",
        sortable: true,
        render: (r) => html`<span class="flex items-center gap-2 whitespace-nowrap text-slate-900"><span class="text-slate-400">${icon(SOURCE_ICONS[r.source] || "runs", "size-4")}</span>${sourceLabel(r.source)}</span>`,
      },
      { key: "status", ...TIGHT, label: "Status", sortable: true, render: runStatus },
      {
        key: "triggered_by", ...TIGHT,
        label: "Trigger",
        render: (r) => {
          const trigger = triggerText(r.triggered_by);
          return html`<span class="flex max-w-36 items-center gap-1.5 whitespace-nowrap" title="${trigger.text}">${trigger.icon ? html`<span class="shrink-0 text-slate-400">${icon(trigger.icon, "size-4")}</span>` : ""}<span class="truncate">${trigger.text}</span></span>`;
        },
      },
      {
        key: "created_at", ...TIGHT,
        label: "Started",
        sortable: true,
        render: (r) => {
          const when = r.started_at || r.created_at;
          return html`<span class="whitespace-nowrap" title="${formatDateTime(when)}">${formatRelative(when)}</span>`;
        },
      },
      {
        key: "duration_seconds", ...TIGHT,
        label: "Duration",
        sortable: true,
        align: "right",
        render: (r) =>
          isActive(r)
            ? html`<span class="text-sky-700">running…</span>`
            : html`<span class="whitespace-nowrap tabular-nums">${formatDuration(r.duration_seconds)}</span>`,
      },
      { key: "records_found", ...TIGHT, label: "Found", align: "right", title: "Records the source listed", render: (r) => count(r.records_found) },
      { key: "records_saved", ...TIGHT, label: "Saved", align: "right", title: "Records added or updated", render: (r) => count(r.records_saved) },
      { key: "records_kept_manual", ...TIGHT, label: "Kept", align: "right", title: "Kept because a person edited them", render: (r) => count(r.records_kept_manual) },
      { key: "records_missing", ...TIGHT, label: "Missing", align: "right", title: "No longer in the source (kept, marked)", render: (r) => count(r.records_missing) },
      {
        key: "error",
        label: "Error",
        emptyText: "",
        // The column takes what the others leave (w-full max-w-0) and the error is cut to one
        // line there: the table fits 1,400 px; the whole error is in the tooltip and the details.
        className: "w-full max-w-0",
        headerClassName: "w-full",
        render: (r) => (r.error ? html`<span class="block min-w-24 truncate text-red-700" title="${r.error}" data-run-error-cell>${r.error}</span>` : null),
      },
    ],
    fetchPage: ({ page, perPage, sort, filters, signal }) => api.get("/api/scrape-runs", { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (r) => ({ "data-run-id": r.id, "data-status": r.status, "data-source": r.source, "data-sample": String(Boolean(r.is_sample)) }),
    empty: {
      icon: "runs",
      title: "No runs yet",
      message: "Every sync, from the dashboard, the command line or the schedule, is listed here.",
      filteredTitle: "No runs match",
      filteredMessage: "Choose another source, status or kind of run, or clear the filters.",
    },
    onStateChange: (state) => {
      sourceSelect.value = state.filters.source || "";
      statusSelect.value = state.filters.status || "";
      sampleSelect.value = state.filters.sample || "";
      clearButton.hidden = !LIST.filtered(state);
      url.onStateChange(state);
    },
    onRender: (rows) => {
      // While a run is going, keep its row (duration, counts) current.
      clearTimeout(refreshTimer);
      if (visible && rows.some(isActive)) refreshTimer = setTimeout(() => refresh(), ACTIVE_REFRESH_MS);
    },
    onRowClick: (run, event) =>
      openRunDetails(run, event.target.closest("tr"), { canRerun: context.user.can("editor"), onRerun: () => refresh() }),
  });
  // Filters changed twice in quick succession start two loads; only the latest one draws.
  let chartLoads = 0;
  async function loadChartData() {
    const { filters } = table.getState();
    const load = ++chartLoads;
    try {
      const envelope = await api.get("/api/scrape-runs", { ...filters, sort: "-created_at", per_page: CHART_LIMIT });
      if (load !== chartLoads) return; // a later filter's answer draws instead
      await chartCard.draw(envelope.data || [], { filtered: Boolean(filters.source || filters.status || filters.sample), total: envelope.total || 0 });
    } catch (error) {
      if (!error.redirecting) toastError(error, "Couldn't load the chart");
    }
  }

  function refresh() {
    return Promise.all([table.reload({ quiet: true }), loadChartData(), schedules?.reload()]);
  }

  function setFilter(key, value) {
    setListFilter(table, key, value);
    loadChartData();
  }
  sourceSelect.addEventListener("change", () => setFilter("source", sourceSelect.value));
  statusSelect.addEventListener("change", () => setFilter("status", statusSelect.value));
  sampleSelect.addEventListener("change", () => setFilter("sample", sampleSelect.value));
  clearButton.addEventListener("click", () => {
    table.setState({ filters: {} });
    loadChartData();
    sourceSelect.focus();
  });
  refreshButton.addEventListener("click", () => withBusy(refreshButton, refresh, "Refreshing"));
  window.addEventListener("medsync:sync-finished", () => {
    if (visible) refresh();
  });

  const schedulesSlot = htmlEl`<div></div>`;
  const schedules = mountSchedules(schedulesSlot, context);
  root.replaceChildren(
    pageHeader({
      title: "Runs",
      description: "Every sync run: when it ran, how long it took, what it found and how it ended.",
      actions: refreshButton,
    }),
    schedulesSlot,
    htmlEl`<div class="mb-4 flex flex-wrap items-center gap-2" role="search" aria-label="Filter runs">${sourceSelect}${statusSelect}${sampleSelect}${clearButton}</div>`,
    chartCard.el,
    htmlEl`<section class="card" aria-labelledby="runs-table-title">
      <div class="card-header"><h2 id="runs-table-title" class="card-title">History</h2><p class="text-xs text-slate-500">Select a run for its details and warnings.</p></div>
      ${table.el}
    </section>`,
  );

  return {
    show(params) {
      visible = true;
      url.show(params);
      loadChartData();
      schedules?.reload();
    },
    hide() {
      visible = false;
      clearTimeout(refreshTimer);
    },
  };
}
