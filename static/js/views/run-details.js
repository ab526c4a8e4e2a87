// One run in detail: the modal a row of the Runs table opens — what failed in plain words before
// the technical error, counts, the source's own figures (requests, retries, 429s, labels skipped
// as unchanged), links to the records the run changed, warnings, the run's log (with a
// download) and "Run again" for a failed, cancelled or interrupted run — and the words and
// badges the table shares with it (who triggered a run, its status with warnings).
//
// Hooks: #run-details, [data-run-failure], [data-run-error], [data-warnings], [data-source-figures],
// [data-run-changes] a[data-dataset], [data-run-log] (li[data-level]), #run-log-download,
// #run-again.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { capitalize, formatDateTime, formatDuration, formatNumber, formatTime, plural } from "../format.js";
import { openModal, statusBadge, toast, toastError, withBusy } from "../ui.js";
import { sourceLabel } from "../sync.js";

const RERUNNABLE = ["failed", "cancelled", "interrupted"];
const LINK = "font-medium text-brand-700 underline-offset-2 hover:underline";
const DATASET_SCREENS = {
  drugs: { screen: "drugs", noun: "drug" },
  drug_classes: { screen: "drug-classes", noun: "drug class", nouns: "drug classes" },
  authorizations: { screen: "authorizations", noun: "authorization" },
};
// The figures a source reports in its progress details, in words, in this order.
const SOURCE_FIGURES = [
  ["classes_read", "Classes read"],
  ["labels_listed", "Labels listed"],
  ["labels_skipped", "Labels skipped as unchanged"],
  ["labels_total", "Labels fetched"],
  ["labels_failed", "Labels failed"],
  ["requests", "Requests"],
  ["retries", "Retries"],
  ["throttled", "Answers 429 (slow down)"],
];
const LEVEL_CLASSES = { WARNING: "text-amber-800", ERROR: "text-red-700", CRITICAL: "text-red-700" };

/** "user:eddie" → eddie; "cli" → Command line; "seed" → Sample data;
 * "after:dailymed run 12" → After DailyMed run #12 (a run another run's success started). */
export function triggerText(triggeredBy) {
  const value = triggeredBy || "";
  if (value.startsWith("user:")) return { text: value.slice(5), icon: "user" };
  if (value.startsWith("rerun:")) {
    const [, runId, user] = value.split(":");
    return { text: `${user} (run again: #${runId})`, icon: "user" };
  }
  if (value.startsWith("schedule:")) {
    // schedule:<name>, or schedule:<name>:<user> for "run now"
    const [, name, user] = value.split(":");
    return user ? { text: `${user} (run now: ${name} schedule)`, icon: "user" } : { text: `Schedule: ${name}`, icon: "history" };
  }
  const after = /^after:(\w+) run (\d+)$/.exec(value);
  if (after) return { text: `After ${sourceLabel(after[1])} run #${after[2]}`, icon: "runs" };
  const known = { cli: "Command line", schedule: "Schedule", scheduler: "Schedule", seed: "Sample data", api: "API" };
  return { text: known[value] || capitalize(value.replaceAll("_", " ")) || "Unknown", icon: null };
}

export function runStatus(run) {
  const warnings = run.warnings?.length || 0;
  return html`<span class="inline-flex flex-wrap items-center gap-1">${statusBadge(run.status)}${
    warnings
      ? html`<span class="badge badge-amber" data-warnings="${warnings}" title="${run.warnings.join("\n")}">${plural(warnings, "warning")}</span>`
      : ""
  }</span>`;
}

function sourceFigures(details = {}) {
  const figures = { ...details };
  if (Number.isFinite(details.labels_listed) && Number.isFinite(details.labels_total) && details.labels_listed >= details.labels_total) {
    figures.labels_skipped = details.labels_listed - details.labels_total;
  }
  const rows = SOURCE_FIGURES.filter(([key]) => Number.isFinite(figures[key]));
  if (!rows.length) return "";
  return html`<div data-source-figures><h3 class="text-sm font-semibold text-slate-900">From the source</h3>
    <dl class="mt-1.5 grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
      ${rows.map(([key, label]) => html`<div><dt class="text-xs text-slate-500">${label}</dt><dd class="font-medium text-slate-900 tabular-nums" data-figure="${key}">${formatNumber(figures[key])}</dd></div>`)}
    </dl></div>`;
}

async function loadChanges(run, slot) {
  try {
    const { data } = await api.get(`/api/scrape-runs/${run.id}/changes`);
    const known = data.filter((row) => DATASET_SCREENS[row.dataset]);
    slot.replaceChildren(
      known.length
        ? htmlEl`<p class="text-sm text-slate-700">Changed: ${known.map(
            (row, index) =>
              html`${index ? ", " : ""}<a class="${LINK}" data-dataset="${row.dataset}" href="#/${DATASET_SCREENS[row.dataset].screen}?changed_by_run=${run.id}">${plural(row.records, DATASET_SCREENS[row.dataset].noun, DATASET_SCREENS[row.dataset].nouns)}</a>`,
          )} <span class="text-xs text-slate-500">(from the history)</span></p>`
        : htmlEl`<p class="text-sm text-slate-500">This run changed no records.</p>`,
    );
  } catch (error) {
    slot.replaceChildren(htmlEl`<p class="text-sm text-slate-500">What this run changed could not be loaded.</p>`);
    if (!error.redirecting) toastError(error, "Couldn't load what the run changed");
  }
}

async function loadLog(run, slot) {
  try {
    const { data } = await api.get(`/api/scrape-runs/${run.id}/log`);
    slot.replaceChildren(
      data.length
        ? htmlEl`<ol class="max-h-64 space-y-0.5 overflow-y-auto rounded-lg border border-slate-200 bg-slate-50 p-2 font-mono text-xs break-words" data-run-log aria-label="Log of run ${run.id}">${data.map(
            (line) =>
              html`<li data-level="${line.level}" class="${LEVEL_CLASSES[line.level] || "text-slate-700"}"><time class="text-slate-500" datetime="${line.at}">${formatTime(line.at)}</time> <span class="font-semibold">${line.level}</span> ${line.message}</li>`,
          )}</ol>`
        : htmlEl`<p class="text-sm text-slate-500" data-run-log>No log lines were kept for this run.</p>`,
    );
  } catch (error) {
    slot.replaceChildren(htmlEl`<p class="text-sm text-slate-500" data-run-log>The log could not be loaded.</p>`);
    if (!error.redirecting) toastError(error, "Couldn't load the run's log");
  }
}

/** `options`: canRerun (editors and admins), onRerun(jobId) once a new run has started. */
export function openRunDetails(run, opener, { canRerun = false, onRerun = null } = {}) {
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
      ${
        run.failure || run.error
          ? html`<div class="rounded-lg border border-red-200 bg-red-50 px-3 py-2.5 text-sm text-red-800">
              ${run.failure ? html`<p class="font-semibold" data-run-failure>${run.failure}</p>` : ""}
              ${run.error ? html`<p class="${run.failure ? "mt-1 font-mono text-xs break-words text-red-700" : ""}" data-run-error>${run.error}</p>` : ""}
            </div>`
          : ""
      }
      <dl class="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-3">
        ${rows.map(([label, value]) => html`<div><dt class="text-xs text-slate-500">${label}</dt><dd class="font-medium text-slate-900 tabular-nums">${value}</dd></div>`)}
      </dl>
      ${
        run.warnings?.length
          ? html`<div><h3 class="text-sm font-semibold text-slate-900">${plural(run.warnings.length, "warning")}</h3>
              <ul class="mt-1.5 max-h-48 list-disc space-y-1 overflow-y-auto pl-5 text-sm text-amber-900">${run.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>`
          : ""
      }
      ${sourceFigures(run.progress?.details)}
      <div data-run-changes><p class="text-sm text-slate-500">Loading what this run changed…</p></div>
      <div>
        <div class="flex items-center justify-between gap-2"><h3 class="text-sm font-semibold text-slate-900">Log</h3>
          <a id="run-log-download" class="${LINK} text-xs" href="/api/scrape-runs/${run.id}/log?format=text" download="run-${run.id}.log">Download</a></div>
        <div class="mt-1.5" data-run-log-slot><p class="text-sm text-slate-500">Loading the log…</p></div>
      </div>
    </div>
    <div class="modal-footer">
      ${canRerun && RERUNNABLE.includes(run.status) ? html`<button type="button" id="run-again" class="btn btn-primary">Run again</button>` : ""}
      <button type="button" class="btn btn-secondary" data-modal-close>Close</button>
    </div>
  </div>`;
  loadChanges(run, content.querySelector("[data-run-changes]"));
  loadLog(run, content.querySelector("[data-run-log-slot]"));
  const again = content.querySelector("#run-again");
  again?.addEventListener("click", () =>
    withBusy(
      again,
      async () => {
        try {
          const body = await api.post(`/api/scrape-runs/${run.id}/rerun`);
          toast(body.message, { type: "success" });
          content.closest("dialog")?.close();
          onRerun?.(body.job_id);
        } catch (error) {
          if (!error.redirecting) toastError(error, "Couldn't run it again");
        }
      },
      "Starting",
    ),
  );
  openModal({ id: "run-details", title: `Run ${run.id}`, description: `${sourceLabel(run.source)} sync`, content, size: "max-w-2xl", closeOnBackdrop: true, opener });
}
