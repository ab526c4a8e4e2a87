// How each sync source's run reports its phases, and what the progress panel makes of them: where
// a phase sits on the one overall bar (which only moves forward), the unit its counts are in, and
// — for DailyMed, whose run walks classes → the labels of each class → each label's packaging —
// a list with one bar per phase and the request figures (requests, retries, rate) under it.
//
// The DailyMed run's progress.details (dailymed_sync.py): phase ("classes", "labels", "details",
// "done"), mode ("full" | "incremental") and since, classes_read / classes_expected (phase 1),
// classes_done / classes_total,
// labels_listed, labels_done / labels_total, labels_failed, requests, retries, throttled, rate.
//
// Hooks: #<idPrefix>-phases li[data-phase][data-phase-state=pending|active|done|stopped], each
// with a [role=progressbar] (aria-valuenow); [data-sync-stats].
import { html, htmlEl } from "./dom.js";
import { icon, spinner } from "./icons.js";
import { formatDuration, formatNumber, plural } from "./format.js";

const ORDER = ["classes", "labels", "details", "done"];

const SOURCES = {
  // Reading the portal's pages is most of the time, saving the rest.
  portal: { spans: { saving: [90, 100] }, units: { saving: ["record", "records"] } },
  dailymed: {
    spans: { classes: [0, 5], labels: [5, 35], details: [35, 100], done: [100, 100] },
    units: { classes: ["class", "classes"], labels: ["class", "classes"], details: ["label", "labels"], done: ["label", "labels"] },
    phases: [
      {
        key: "classes",
        label: "Drug classes",
        count: (d) => ({ done: d.classes_read, total: d.classes_expected }),
        active: (d) =>
          d.classes_expected ? `${formatNumber(d.classes_read ?? 0)} of ${plural(d.classes_expected, "class", "classes")} read` : "Reading the class list…",
        done: (d) => `${plural(d.classes_total ?? 0, "class", "classes")} read`,
      },
      {
        key: "labels",
        label: "Labels in each class",
        count: (d) => ({ done: d.classes_done, total: d.classes_total }),
        active: (d) =>
          `${formatNumber(d.classes_done ?? 0)} of ${plural(d.classes_total ?? 0, "class", "classes")} · ${plural(d.labels_listed ?? 0, "label")} found`,
        done: (d) => `${plural(d.labels_listed ?? 0, "label")} in ${plural(d.classes_total ?? 0, "class", "classes")}`,
      },
      {
        key: "details",
        label: "NDCs and ingredients",
        count: (d) => ({ done: d.labels_done, total: d.labels_total }),
        active: (d) => `${formatNumber(d.labels_done ?? 0)} of ${plural(d.labels_total ?? 0, "label")}${failed(d)}`,
        done: (d) => (d.labels_total ? `${plural(d.labels_total, "label")} fetched${failed(d)}` : "Nothing new to fetch"),
      },
    ],
  },
};
const DEFAULT_SPAN = [0, 90];

const failed = (d) => (d.labels_failed ? ` · ${formatNumber(d.labels_failed)} failed` : "");
const phaseOf = (run) => run?.progress?.details?.phase;

/** The overall bar's position 0–100 (null while the total is unknown), never moving backwards. */
export function overallPercent(run, previous) {
  if (run.status === "completed") return 100;
  const progress = run.progress || {};
  if (progress.percent == null) return previous ?? null;
  const [from, to] = SOURCES[run.source]?.spans?.[phaseOf(run)] || DEFAULT_SPAN;
  const value = from + ((to - from) * Math.max(0, Math.min(100, progress.percent))) / 100;
  return Math.max(previous ?? 0, Math.round(value * 10) / 10);
}

/** The unit of a run's done / total: ["page", "pages"] and the like. */
export function unitOf(run) {
  const progress = run?.progress || {};
  const unit = progress.details?.unit; // "pages" or ["page", "pages"], if the job says
  if (Array.isArray(unit) && unit.length === 2) return unit;
  if (typeof unit === "string" && unit) return [unit.replace(/s$/, ""), unit];
  const known = SOURCES[run?.source]?.units?.[phaseOf(run)];
  if (known) return known;
  if (/page/i.test(progress.step || "")) return ["page", "pages"];
  return ["step", "steps"];
}

/** Whether `source` reports phases worth a bar each. */
export const hasPhases = (source) => Boolean(SOURCES[source]?.phases);

function phaseState(index, run, starting) {
  if (starting || !run) return "pending";
  if (run.status === "completed") return "done";
  if (run.status === "queued") return "pending";
  const current = Math.max(0, ORDER.indexOf(phaseOf(run) || "classes"));
  if (index < current) return "done";
  if (index > current) return "pending";
  return run.status === "running" ? "active" : "stopped";
}

function statsText(run) {
  const d = run?.progress?.details;
  if (!d) return "";
  const parts = [d.mode === "incremental" ? `Incremental: labels published since ${d.since}` : "Full sync"];
  if (d.requests != null) parts.push(plural(d.requests, "request"));
  if (d.retries) parts.push(plural(d.retries, "retry", "retries"));
  if (d.throttled) parts.push(`${formatNumber(d.throttled)} throttled (429)`);
  if (d.rate != null && run.status === "running") parts.push(`${d.rate >= 10 ? Math.round(d.rate) : d.rate.toFixed(1)} requests/s`);
  // While running, the line above the phases says how long it has taken so far.
  const elapsed = run.progress?.elapsed_seconds;
  if (elapsed != null && run.status !== "running") parts.push(`${formatDuration(elapsed)} in all`);
  return parts.join(" · ");
}

const STATE_ICONS = {
  done: () => html`<span class="text-emerald-600">${icon("success", "size-4")}</span>`,
  active: () => html`${spinner("spinner size-4 text-brand-700")}`,
  stopped: () => html`<span class="text-amber-600">${icon("warning", "size-4")}</span>`,
  pending: () => html`<span class="block size-4 rounded-full border-2 border-slate-300" aria-hidden="true"></span>`,
};
const STATE_WORDS = { done: "done", active: "in progress", stopped: "stopped", pending: "waiting" };

/**
 * The per-phase list of `source` for a progress panel: {el, update(run, {starting})}, or null
 * when the source reports no phases.
 */
export function phaseList(source, idPrefix) {
  const spec = SOURCES[source];
  if (!spec?.phases) return null;
  const rows = spec.phases.map((phase) => {
    const bar = htmlEl`<div class="progress-track h-1.5" role="progressbar" aria-valuemin="0" aria-valuemax="100"
        aria-label="${phase.label}"><div class="progress-bar"></div></div>`;
    const mark = htmlEl`<span class="flex size-4 shrink-0 items-center justify-center"></span>`;
    const text = htmlEl`<span class="text-xs text-slate-500 tabular-nums" data-phase-text></span>`;
    const el = htmlEl`<li class="grid grid-cols-[auto_minmax(0,1fr)] items-center gap-x-2.5 gap-y-1" data-phase="${phase.key}">
      ${mark}<p class="flex flex-wrap items-baseline justify-between gap-x-3 text-sm"><span class="font-medium text-slate-800">${phase.label}</span>${text}</p>
      <span></span>${bar}</li>`;
    return { phase, el, bar, mark, text };
  });
  const stats = htmlEl`<p class="text-xs text-slate-500 tabular-nums" data-sync-stats></p>`;
  const el = htmlEl`<div class="mt-4 space-y-3 border-t border-slate-100 pt-4">
    <ol id="${idPrefix}-phases" class="grid gap-3 sm:grid-cols-3" aria-label="Phases">${rows.map((r) => r.el)}</ol>${stats}</div>`;

  function setBar(bar, percent, state) {
    bar.classList.toggle("progress-done", state === "done");
    bar.classList.toggle("progress-cancelled", state === "stopped");
    if (percent == null) {
      bar.setAttribute("data-indeterminate", "");
      bar.removeAttribute("aria-valuenow");
      bar.firstElementChild.style.width = "";
      return;
    }
    bar.removeAttribute("data-indeterminate");
    bar.setAttribute("aria-valuenow", String(Math.round(percent)));
    bar.firstElementChild.style.width = `${percent}%`;
  }

  function update(run, { starting = false } = {}) {
    const details = run?.progress?.details || {};
    rows.forEach(({ phase, el: row, bar, mark, text }, index) => {
      const state = phaseState(index, run, starting);
      row.dataset.phaseState = state;
      mark.replaceChildren(STATE_ICONS[state]());
      mark.title = STATE_WORDS[state];
      const { done, total } = phase.count(details);
      const fraction = total ? Math.min(100, (100 * (done ?? 0)) / total) : null;
      if (state === "done") setBar(bar, 100, state);
      else if (state === "pending") setBar(bar, 0, state);
      else setBar(bar, state === "stopped" ? (fraction ?? 0) : fraction, state);
      text.textContent = state === "done" ? phase.done(details) : state === "pending" ? "Waiting" : phase.active(details);
      bar.setAttribute("aria-valuetext", `${phase.label}: ${text.textContent}`);
    });
    stats.textContent = statsText(run);
  }

  return { el, update };
}
