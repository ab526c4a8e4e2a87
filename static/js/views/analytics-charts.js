// One panel of the Analytics screen: a chart (Chart.js, loaded on first use) of one list of an
// analysis, with its table view behind an accessible toggle and a CSV of the table's rows.
// A bar that stands for something the Drugs list can filter by (a class, a labeler, a dosage
// form) opens that list when clicked; the table view offers the same as a link per row.
//
//   const panel = createPanel({ analysis: "ndc", key: "top_labelers", title: "Top labelers",
//     chart: "hbar" | "bar" | "donut" | "line" | "table", rows: (result) => result.data.top_labelers,
//     label: (row) => row.labeler, value: (row) => row.products, unit: "products",
//     series: [{label, value, color}] (several lines or bars instead of value), columns: […]
//     (analytics-table.js), drill: (row) => ({labeler: row.labeler}) | null, wide, note },
//     { drugsHref: (filters) => "#/drugs?…", navigate: (href) => … });
//   section.append(panel.el);  await panel.update(result);
//
// Hooks: [data-panel=<key>] (data-view=chart|table), canvas[data-chart=<key>] (data-points and
// data-rendered="true" once drawn; Chart.getChart(canvas) reads it), table#analytics-<analysis>-<key>-table,
// button[data-action=view-table] (aria-pressed), button[data-action=csv], a[data-csv-link].
import { htmlEl, raw } from "../dom.js";
import { icon } from "../icons.js";
import { formatNumber } from "../format.js";
import { loadChart } from "../charts.js";
import { downloadCsv, tableView } from "./analytics-table.js";

const BAR = "#0d9488"; // teal-600, near the brand
const BAR_HOVER = "#115e59"; // teal-800
const GRID = "#f1f5f9";
const TICK = "#64748b";
const PALETTE = ["#0d9488", "#6366f1", "#f59e0b", "#e11d48", "#0ea5e9", "#8b5cf6", "#84cc16", "#64748b", "#f97316", "#14b8a6"];
const LABEL_CHARS = 30;
const HEIGHTS = { bar: "h-64", donut: "h-64", line: "h-64" };

// Heroicons' "table-cells" and "chart-bar" (outline), for the view toggle.
const TABLE_ICON = raw(
  '<svg class="size-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M3.375 19.5h17.25m-17.25 0a1.125 1.125 0 0 1-1.125-1.125M3.375 19.5h7.5c.621 0 1.125-.504 1.125-1.125m-9.75 0V5.625m0 12.75v-1.5c0-.621.504-1.125 1.125-1.125m18.375 2.625V5.625m0 12.75c0 .621-.504 1.125-1.125 1.125m1.125-1.125v-1.5c0-.621-.504-1.125-1.125-1.125m0 3.75h-7.5A1.125 1.125 0 0 1 12 18.375m9.75-12.75c0-.621-.504-1.125-1.125-1.125H3.375c-.621 0-1.125.504-1.125 1.125m19.5 0v1.5c0 .621-.504 1.125-1.125 1.125M2.25 5.625v1.5c0 .621.504 1.125 1.125 1.125m0 0h17.25m-17.25 0h7.5c.621 0 1.125.504 1.125 1.125M3.375 8.25c-.621 0-1.125.504-1.125 1.125v1.5c0 .621.504 1.125 1.125 1.125m17.25-3.75h-7.5c-.621 0-1.125.504-1.125 1.125m8.625-1.125c.621 0 1.125.504 1.125 1.125v1.5c0 .621-.504 1.125-1.125 1.125m-17.25 0h7.5m-7.5 0c-.621 0-1.125.504-1.125 1.125v1.5c0 .621.504 1.125 1.125 1.125M12 10.875v-1.5m0 1.5c0 .621-.504 1.125-1.125 1.125M12 10.875c0 .621.504 1.125 1.125 1.125m-2.25 0c.621 0 1.125.504 1.125 1.125M13.125 12h7.5m-7.5 0c-.621 0-1.125.504-1.125 1.125M20.625 12c.621 0 1.125.504 1.125 1.125v1.5c0 .621-.504 1.125-1.125 1.125m-17.25 0h7.5M12 14.625v-1.5m0 1.5c0 .621-.504 1.125-1.125 1.125M12 14.625c0 .621.504 1.125 1.125 1.125m-2.25 0c.621 0 1.125.504 1.125 1.125m0 1.5v-1.5m0 0c0-.621.504-1.125 1.125-1.125m0 0h7.5"/></svg>',
);
const CHART_ICON = raw(
  '<svg class="size-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M3 13.125C3 12.504 3.504 12 4.125 12h2.25c.621 0 1.125.504 1.125 1.125v6.75C7.5 20.496 6.996 21 6.375 21h-2.25A1.125 1.125 0 0 1 3 19.875v-6.75ZM9.75 8.625c0-.621.504-1.125 1.125-1.125h2.25c.621 0 1.125.504 1.125 1.125v11.25c0 .621-.504 1.125-1.125 1.125h-2.25a1.125 1.125 0 0 1-1.125-1.125V8.625ZM16.5 4.125c0-.621.504-1.125 1.125-1.125h2.25C20.496 3 21 3.504 21 4.125v15.75c0 .621-.504 1.125-1.125 1.125h-2.25a1.125 1.125 0 0 1-1.125-1.125V4.125Z"/></svg>',
);

/** A long axis label keeps its start and its end ("Angiotensin-conv…Inhibitor (EPC)"). */
function shorten(text, chars = LABEL_CHARS) {
  if (text.length <= chars) return text;
  const head = Math.ceil((chars - 1) * 0.55);
  return `${text.slice(0, head)}…${text.slice(text.length - (chars - 1 - head))}`;
}

function scales(kind, unit) {
  const valueAxis = {
    beginAtZero: true,
    grid: { color: GRID },
    ticks: { color: TICK, precision: 0, callback: (value) => formatNumber(value) },
    title: { display: Boolean(unit), text: unit, color: TICK },
  };
  const categoryAxis = {
    grid: { display: false },
    ticks: {
      color: TICK,
      autoSkip: kind !== "hbar",
      maxRotation: 0,
      callback(value) {
        // A phone-wide chart keeps its bars: shorter labels.
        return shorten(String(this.getLabelForValue(value)), this.chart.width < 480 ? 16 : LABEL_CHARS);
      },
    },
  };
  return kind === "hbar" ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
}

function chartConfig(spec, rows, onPick) {
  const kind = spec.chart;
  const labels = rows.map((row) => String(spec.label(row)));
  const series = spec.series || [{ label: spec.unit || "labels", value: spec.value }];
  const datasets = series.map((s, i) => {
    const data = rows.map((row) => Number(s.value(row)) || 0);
    if (kind === "donut") return { label: s.label, data, backgroundColor: rows.map((_, j) => PALETTE[j % PALETTE.length]), borderColor: "#ffffff", borderWidth: 2 };
    const color = s.color || (series.length > 1 ? PALETTE[i % PALETTE.length] : BAR);
    if (kind === "line") {
      return { label: s.label, data, borderColor: color, backgroundColor: `${color}22`, fill: series.length === 1, tension: 0, pointRadius: rows.length > 60 ? 0 : 2.5, pointHitRadius: 6, borderWidth: 1.5 };
    }
    return { label: s.label, data, backgroundColor: color, hoverBackgroundColor: series.length > 1 ? color : BAR_HOVER, borderRadius: 3, maxBarThickness: 28 };
  });
  const axis = kind === "hbar" ? "y" : "x";
  const options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 250 },
    indexAxis: kind === "hbar" ? "y" : "x",
    interaction: kind === "donut" ? { mode: "nearest", intersect: true } : { mode: "index", axis, intersect: false },
    plugins: {
      legend: kind === "donut" || series.length > 1 ? { position: kind === "donut" ? "right" : "bottom", labels: { color: "#475569", boxWidth: 12 } } : { display: false },
      tooltip: {
        callbacks: {
          label: (item) => {
            const unit = series.length > 1 || kind === "donut" ? item.dataset.label : spec.unit || "labels";
            return ` ${formatNumber(item.raw)} ${unit}`;
          },
          afterBody: (items) => (spec.drill && items.length && spec.drill(rows[items[0].dataIndex]) ? "Click to see these drugs" : ""),
        },
      },
    },
    onClick: (_event, elements) => {
      if (elements.length) onPick(rows[elements[0].index]);
    },
    onHover: (event, elements) => {
      const target = event.native?.target;
      if (target) target.style.cursor = spec.drill && elements.length && spec.drill(rows[elements[0].index]) ? "pointer" : "default";
    },
  };
  if (kind !== "donut") options.scales = scales(kind, spec.axisTitle);
  else options.cutout = "62%";
  return { type: kind === "donut" ? "doughnut" : kind === "line" ? "line" : "bar", data: { labels, datasets }, options };
}

export function createPanel(spec, { analysis, drugsHref, navigate }) {
  const id = `analytics-${analysis}-${spec.key}`;
  const chartable = spec.chart !== "table";
  const drill = spec.drill
    ? (row) => {
        const filters = spec.drill(row);
        return filters ? { href: drugsHref(filters), label: `${spec.drillLabel ? spec.drillLabel(row) : spec.label(row)}` } : null;
      }
    : null;
  const table = tableView({ id: `${id}-table`, caption: spec.title, columns: spec.columns, drill });
  const canvas = chartable ? htmlEl`<canvas data-chart="${spec.key}" role="img" aria-label="${spec.title}: a chart; its table view has the figures"></canvas>` : null;
  const frame = chartable ? htmlEl`<div class="relative ${HEIGHTS[spec.chart] || ""}">${canvas}</div>` : null;
  const toggle = chartable
    ? htmlEl`<button type="button" class="btn btn-ghost btn-sm" data-action="view-table" aria-pressed="false" aria-controls="${id}-table"><span data-toggle-icon>${TABLE_ICON}</span><span data-toggle-text>Table</span></button>`
    : null;
  const csvButton = htmlEl`<button type="button" class="btn btn-ghost btn-sm" data-action="csv" title="Download the table's rows as CSV">${icon("download", "size-4")}<span>CSV</span></button>`;
  const csvLink = htmlEl`<a data-csv-link hidden tabindex="-1" aria-hidden="true"></a>`;
  const empty = htmlEl`<p class="py-10 text-center text-sm text-slate-500" data-panel-empty hidden></p>`;
  const span = spec.wide ? "lg:col-span-2" : spec.tall ? "lg:row-span-2" : "";
  const el = htmlEl`<article class="card flex min-w-0 flex-col ${span}" data-panel="${spec.key}" data-view="${chartable ? "chart" : "table"}" aria-labelledby="${id}-title">
    <div class="flex items-start justify-between gap-2 border-b border-slate-100 px-4 py-3 sm:px-5">
      <div class="min-w-0 flex-1">
        <h3 id="${id}-title" class="text-sm font-semibold text-slate-900">${spec.title}</h3>
        ${spec.note ? htmlEl`<p class="mt-0.5 text-xs text-slate-500">${spec.note}</p>` : ""}
      </div>
      <div class="-mr-2 flex shrink-0 items-center">${toggle}${csvButton}${csvLink}</div>
    </div>
    <div class="flex-1 px-4 py-4 sm:px-5">${frame}${table.el}${empty}</div>
  </article>`;
  table.el.hidden = chartable;

  let chart = null;
  let rows = [];

  function showTable(on) {
    if (!chartable) return;
    el.dataset.view = on ? "table" : "chart";
    toggle.setAttribute("aria-pressed", String(on));
    toggle.querySelector("[data-toggle-text]").textContent = on ? "Chart" : "Table";
    toggle.querySelector("[data-toggle-icon]").replaceChildren(htmlEl`<span>${on ? CHART_ICON : TABLE_ICON}</span>`);
    toggle.title = on ? "Show the chart" : "Show the figures as a table";
    render();
  }

  function render() {
    const hasRows = rows.length > 0;
    const tableShown = !chartable || el.dataset.view === "table";
    empty.hidden = hasRows;
    table.el.hidden = !hasRows || !tableShown;
    if (frame) frame.hidden = !hasRows || tableShown;
  }

  async function draw() {
    if (!chartable) return;
    canvas.dataset.points = String(rows.length);
    delete canvas.dataset.rendered;
    if (!rows.length) {
      chart?.destroy();
      chart = null;
      return;
    }
    const Chart = await loadChart();
    if (spec.chart === "hbar") frame.style.height = `${Math.max(140, rows.length * 24 + 48)}px`;
    const config = chartConfig(spec, rows, (row) => {
      const link = drill?.(row);
      if (link) navigate(link.href);
    });
    config.plugins = [{ id: "medsyncRendered", afterRender: () => (canvas.dataset.rendered = "true") }];
    chart?.destroy();
    chart = new Chart(canvas, config);
  }

  toggle?.addEventListener("click", () => showTable(el.dataset.view !== "table"));
  csvButton.addEventListener("click", () => downloadCsv(csvLink, table.csv(), `${analysis}-${spec.key.replaceAll("_", "-")}.csv`));

  return {
    el,
    key: spec.key,
    /** Draw the rows `spec.rows` takes from an analysis' answer. */
    async update(result) {
      rows = spec.rows(result) || [];
      empty.textContent = Object.keys(result.filters || {}).length ? "None under these filters." : "None.";
      table.setRows(rows);
      render();
      try {
        await draw();
      } catch (error) {
        if (frame) frame.replaceChildren(htmlEl`<p class="py-10 text-center text-sm text-red-700">The chart couldn't be drawn: ${error.message} The table view has the figures.</p>`);
      }
    },
    destroy: () => chart?.destroy(),
  };
}
