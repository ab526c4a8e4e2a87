// Analytics: what the drug data says, one section per analysis (ndc, drug-classes, names, urls,
// time, network, text, quality — declared in analytics-sections.js): its headline figures, with
// the change since the previous stored run, and its charts, each with a table view and CSV
// (analytics-charts.js, analytics-table.js). The filter bar (analytics-filters.js) recomputes
// every section live (GET /api/analytics/<analysis>?<filters>); without filters a section shows
// the latest stored run. "Run analytics" and the last run: analytics-runs.js. A bar standing for
// a class, a labeler or a dosage form opens the Drugs list filtered by it (and by the filters here
// that list knows: class, class type, labeler, name).
//
// Hooks: section#view-analytics counts its redraws in data-redraws and is aria-busy during one
// (tests wait with screen_settled("analytics")); section[data-analysis=<name>] with
// data-state=loading|ready|unavailable|invalid|error and data-run-id (empty when live);
// [data-figure=<summary key>] .figure-value[data-value], [data-delta] (data-delta=<number>);
// [data-panel=<list>] (analytics-charts.js); #analytics-empty; the filter and run hooks of
// analytics-filters.js and analytics-runs.js.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatNumber, formatRelative } from "../format.js";
import { pageHeader, toastError } from "../ui.js";
import { withFields } from "./record-fields.js";
import { DRUG_CLASSES } from "./drug-fields.js";
import { SECTIONS } from "./analytics-sections.js";
import { createPanel } from "./analytics-charts.js";
import { filterBar, filtersFromParams, sameFilters } from "./analytics-filters.js";
import { loadHistory, runControls } from "./analytics-runs.js";

// The analytics filters the Drugs list understands, under its names.
const DRUGS_FILTERS = {
  class_id: "drug_class_id",
  class_type: "class_type",
  labeler: "labeler",
  published_from: "published_from",
  published_to: "published_to",
  q: "name",
};

/** Counts the screen's redraws on `root` (data-redraws) and marks it aria-busy during one. */
function redrawMarker(root) {
  let pending = 0;
  let done = 0;
  root.dataset.redraws = "0";
  return (promise) => {
    pending += 1;
    root.setAttribute("aria-busy", "true");
    const end = () => {
      pending -= 1;
      done += 1;
      root.dataset.redraws = String(done);
      if (!pending) root.removeAttribute("aria-busy");
    };
    promise.then(end, end);
    return promise;
  };
}

function deltaBadge(change) {
  if (!change || change.delta == null) return null;
  const delta = Number(change.delta);
  const words = delta === 0 ? "±0" : `${delta > 0 ? "+" : "−"}${formatNumber(Math.abs(delta))}`;
  const arrow = delta > 0 ? "▲" : delta < 0 ? "▼" : "";
  return htmlEl`<span class="inline-flex items-center gap-0.5 text-xs font-medium ${delta ? "text-slate-700" : "text-slate-400"}" data-delta="${delta}"
      title="Since the previous run: ${formatNumber(change.from)} → ${formatNumber(change.to)}"><span aria-hidden="true">${arrow}</span>${words}<span class="sr-only"> since the previous run</span></span>`;
}

function createSection(spec, panelContext) {
  const id = `analytics-${spec.analysis}`;
  const figures = new Map(
    spec.figures.map((f) => [
      f.key,
      htmlEl`<div class="min-w-0 rounded-lg border border-slate-200 bg-white px-3 py-2.5" data-figure="${f.key}">
        <dt class="truncate text-xs font-medium text-slate-500" title="${f.label}">${f.label}</dt>
        <dd class="mt-0.5 flex flex-wrap items-baseline gap-x-2"><span class="figure-value text-xl font-semibold tracking-tight text-slate-900 tabular-nums">—</span><span data-delta-slot></span></dd>
      </div>`,
    ]),
  );
  const panels = spec.panels.map((p) => createPanel(p, { analysis: spec.analysis, ...panelContext }));
  const badge = htmlEl`<span class="badge badge-gray" data-source-badge></span>`;
  const note = htmlEl`<div class="mt-4" data-section-note hidden></div>`;
  const body = htmlEl`<div data-section-body>
    <dl class="mt-4 grid grid-cols-3 gap-2 lg:grid-cols-4 xl:grid-cols-7">${[...figures.values()]}</dl>
    <div class="mt-4 grid gap-4 lg:grid-cols-2">${panels.map((p) => p.el)}</div>
  </div>`;
  const el = htmlEl`<section id="${id}" class="scroll-mt-20" data-analysis="${spec.analysis}" data-state="loading" aria-labelledby="${id}-title">
    <div class="flex flex-wrap items-end justify-between gap-x-4 gap-y-1 border-b border-slate-200 pb-2">
      <div class="min-w-0">
        <h2 id="${id}-title" class="text-lg font-semibold text-slate-900">${spec.title}</h2>
        <p class="mt-0.5 text-sm text-slate-600">${spec.description}</p>
      </div>
      ${badge}
    </div>
    ${note}${body}
  </section>`;

  function showNote(content, state) {
    el.dataset.state = state;
    body.hidden = true;
    badge.hidden = true;
    note.hidden = false;
    note.replaceChildren(content);
  }

  async function render(result) {
    el.dataset.state = "ready";
    el.dataset.runId = result.run_id == null ? "" : String(result.run_id);
    body.hidden = false;
    note.hidden = true;
    badge.hidden = false;
    badge.className = `badge ${result.run_id == null ? "badge-blue" : "badge-gray"}`;
    badge.textContent = result.run_id == null ? "Live" : `Run #${result.run_id}`;
    badge.title = `Computed ${formatDateTime(result.computed_at)} (${formatRelative(result.computed_at)})`;
    for (const f of spec.figures) {
      const value = result.summary?.[f.key];
      const box = figures.get(f.key).querySelector(".figure-value");
      box.textContent = value == null ? "—" : f.format ? f.format(value) : formatNumber(value);
      box.dataset.value = value == null ? "" : String(value);
    }
    await Promise.all(panels.map((p) => p.update(result)));
  }

  return {
    spec,
    el,
    /** Fetch and draw the analysis under `filters`; resolves with the API error a filter caused. */
    async load(filters, signal) {
      try {
        const result = await api.get(`/api/analytics/${spec.analysis}`, filters, { signal });
        await render(result);
        return null;
      } catch (error) {
        if (error.name === "AbortError" || error.redirecting) return null;
        if (error.status === 404) {
          showNote(htmlEl`<p class="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">This analysis is not available on this server yet.</p>`, "unavailable");
        } else if (error.status === 422) {
          showNote(htmlEl`<p class="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900">Fix the filter above to see this analysis.</p>`, "invalid");
          return error;
        } else {
          const retry = htmlEl`<button type="button" class="ml-auto font-semibold underline underline-offset-2" data-action="retry-section">Try again</button>`;
          showNote(htmlEl`<p class="flex items-center gap-3 rounded-lg bg-red-50 px-4 py-3 text-sm text-red-800">${icon("warning", "size-5")}<span>Couldn't compute this analysis: ${error.message}</span>${retry}</p>`, "error");
        }
        return null;
      }
    },
    /** The change of each headline figure since the previous run (null: none to show). */
    showDeltas(summary) {
      for (const [key, box] of figures) box.querySelector("[data-delta-slot]").replaceChildren(deltaBadge(summary?.[key]) || "");
    },
  };
}

export async function mount(root, context) {
  const { user, router } = context;
  const classTypes = (await withFields(DRUG_CLASSES)).fields.byName.class_type.choices;
  const track = redrawMarker(root);

  function drugsHref(drill) {
    const params = new URLSearchParams();
    for (const [key, name] of Object.entries(DRUGS_FILTERS)) if (filters.get()[key]) params.set(name, filters.get()[key]);
    for (const [key, value] of Object.entries(drill)) params.set(key, value);
    return `#/drugs?${params}`;
  }
  const navigate = (href) => (window.location.hash = href);
  const sections = SECTIONS.map((spec) => createSection(spec, { drugsHref, navigate }));
  const runs = runControls({ user, onFinished: () => visible && load() });
  const filters = filterBar({
    classTypes,
    onChange: (chosen) => {
      if (router.current()?.name === "analytics") router.replaceParams(chosen);
      load();
    },
  });
  const emptyNotice = htmlEl`<div id="analytics-empty" class="mb-6 flex items-start gap-3 rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900" hidden>
    <span class="text-sky-600">${icon("info", "size-5")}</span>
    <p>No drugs are stored yet, so every figure is zero. <a class="font-medium underline underline-offset-2" href="#/drugs">Sync DailyMed</a> on the Drugs screen, then come back.</p>
  </div>`;
  const jump = htmlEl`<nav class="mb-6 flex flex-wrap gap-1.5" aria-label="Analyses on this screen">${sections.map(
    (s) => html`<button type="button" class="rounded-full border border-slate-200 bg-white px-3 py-1 text-xs font-medium text-slate-600 hover:border-brand-600 hover:text-brand-800" data-jump="${s.spec.analysis}">${s.spec.title}</button>`,
  )}</nav>`;
  on(jump, "click", "button[data-jump]", (_e, button) => root.querySelector(`[data-analysis="${button.dataset.jump}"]`)?.scrollIntoView({ behavior: "smooth", block: "start" }));
  on(root, "click", "button[data-action='retry-section']", () => load());

  root.replaceChildren(
    pageHeader({
      title: "Analytics",
      description: "What the drug data says: NDC structure, classes, names, links, trends, connections, forms and data quality.",
      actions: runs.button,
    }),
    htmlEl`<div class="-mt-3 mb-5">${runs.lastRun}</div>`,
    runs.panel,
    filters.el,
    emptyNotice,
    jump,
    htmlEl`<div class="space-y-10">${sections.map((s) => s.el)}</div>`,
  );

  let visible = false;
  let shownOnce = false;
  let controller = null;
  let sequence = 0;

  async function loadAll(chosen, signal, mine) {
    const filtered = Object.keys(chosen).length > 0;
    const [history, ...errors] = await Promise.all([
      loadHistory().catch((error) => {
        if (!error.redirecting) toastError(error, "Couldn't read the analytics history");
        return undefined;
      }),
      ...sections.map((s) => s.load(chosen, signal)),
    ]);
    if (mine !== sequence) return;
    const invalid = errors.find(Boolean);
    if (invalid) filters.showError(invalid.field, invalid.message);
    if (history !== undefined) runs.showHistory(history, { filtered });
    const latest = history?.latest?.run_id;
    for (const section of sections) {
      const fromLatest = !filtered && latest != null && section.el.dataset.runId === String(latest);
      section.showDeltas(fromLatest ? history.compare?.[section.spec.analysis]?.summary : null);
    }
    const labels = root.querySelector('[data-analysis="ndc"] [data-figure="labels"] .figure-value')?.dataset.value;
    emptyNotice.hidden = filtered || labels !== "0";
  }

  function load() {
    controller?.abort();
    controller = new AbortController();
    const mine = ++sequence;
    filters.clearErrors();
    return track(loadAll(filters.get(), controller.signal, mine));
  }

  return {
    show(params) {
      visible = true;
      const wanted = filtersFromParams(params);
      if (shownOnce && ![...params.keys()].length && Object.keys(filters.get()).length) {
        router.replaceParams(filters.get()); // back through the navigation: keep the filters
      } else if (!shownOnce || !sameFilters(wanted, filters.get())) {
        filters.set(wanted);
      }
      shownOnce = true;
      runs.discover();
      load();
    },
    hide() {
      visible = false;
    },
  };
}
