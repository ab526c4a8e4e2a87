// The Overview's analytics card: a few headline figures of the latest analytics (labels and
// labelers from the ndc analysis, look-alike name pairs from the network analysis), when
// analytics last ran, and the way to the Analytics screen. Without filters each analysis answers
// its latest stored run (computed live while none is stored); an analysis the server doesn't
// offer yet shows a dash. Refreshed when the Overview is shown and when an analytics run ends,
// not on the Overview's 15-second tick.
//
// Hooks: article[data-analytics-card] (aria-busy while loading), [data-analytics-figure=labels|
// labelers|look_alike_pairs] .stat-figure[data-value], #overview-analytics-last-run
// (data-run-id), a[data-stat-link=analytics].
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { EMPTY, formatDateTime, formatNumber, formatRelative } from "../format.js";
import { loadHistory, SOURCE } from "./analytics-runs.js";

const FIGURES = [
  { key: "labels", label: "Labels analysed", analysis: "ndc" },
  { key: "labelers", label: "Labelers", analysis: "ndc" },
  { key: "look_alike_pairs", label: "Look-alike name pairs", analysis: "network" },
];

async function summaryOf(analysis) {
  try {
    return (await api.get(`/api/analytics/${analysis}`)).summary || {};
  } catch (error) {
    if (error.status === 404) return {}; // not offered by this server yet
    throw error;
  }
}

export function analyticsCard() {
  const figures = new Map(
    FIGURES.map((f) => [
      f.key,
      htmlEl`<div class="min-w-0" data-analytics-figure="${f.key}">
        <p class="text-xs leading-tight font-medium text-slate-500">${f.label}</p>
        <p class="stat-figure mt-0.5 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums"><span class="skeleton mt-1 block h-7 w-16" aria-hidden="true"></span></p>
      </div>`,
    ]),
  );
  const lastRun = htmlEl`<p id="overview-analytics-last-run" class="text-sm text-slate-500"><span class="skeleton block h-4 w-48" aria-hidden="true"></span></p>`;
  const el = htmlEl`<article class="card flex flex-col gap-4 p-5 sm:flex-row sm:items-center" data-analytics-card aria-labelledby="stat-analytics-label" aria-busy="true">
    <div class="flex min-w-0 items-start gap-3 sm:w-64 sm:shrink-0">
      <span class="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-700">${icon("analytics", "size-5")}</span>
      <div class="min-w-0">
        <h3 id="stat-analytics-label" class="text-sm font-medium text-slate-600">Analytics</h3>
        ${lastRun}
      </div>
    </div>
    <div class="grid flex-1 grid-cols-3 gap-4">${[...figures.values()]}</div>
    <a class="inline-flex shrink-0 items-center gap-0.5 text-sm font-medium text-brand-700 underline-offset-2 hover:underline" href="#/analytics" data-stat-link="analytics">Open analytics${icon("chevron-right", "size-3.5")}</a>
  </article>`;

  let inFlight = null;

  function showLastRun(history) {
    const latest = history?.latest;
    if (!latest) {
      delete lastRun.dataset.runId;
      lastRun.textContent = history === null ? "Computed live from the stored drugs." : "Not run yet: figures computed live.";
      return;
    }
    lastRun.dataset.runId = String(latest.run_id);
    lastRun.replaceChildren(
      html`Last ran <time datetime="${latest.computed_at}" title="${formatDateTime(latest.computed_at)}">${formatRelative(latest.computed_at)}</time> · run #${latest.run_id}`,
    );
  }

  async function load() {
    try {
      const [ndc, network, history] = await Promise.all([summaryOf("ndc"), summaryOf("network"), loadHistory()]);
      const summaries = { ndc, network };
      for (const f of FIGURES) {
        const value = summaries[f.analysis][f.key];
        const box = figures.get(f.key).querySelector(".stat-figure");
        box.textContent = value == null ? EMPTY : formatNumber(value);
        box.dataset.value = value == null ? "" : String(value);
        box.classList.toggle("text-slate-400", value == null);
      }
      showLastRun(history);
    } catch (error) {
      if (error.redirecting) return;
      for (const box of el.querySelectorAll(".stat-figure")) box.textContent = EMPTY;
      lastRun.textContent = `Couldn't load the analytics: ${error.message}`;
    } finally {
      el.removeAttribute("aria-busy");
    }
  }

  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source === SOURCE && el.isConnected) refresh();
  });

  function refresh() {
    if (!inFlight) inFlight = load().finally(() => (inFlight = null));
    return inFlight;
  }

  return { el, refresh };
}
