// One run in detail: the modal a row of the Runs table opens (counts, error, warnings), and the
// words and badges the table shares with it (who triggered a run, its status with warnings).
//
// Hooks: #run-details, [data-run-error], [data-warnings].
import { html, htmlEl } from "../dom.js";
import { capitalize, formatDateTime, formatDuration, formatNumber, plural } from "../format.js";
import { openModal, statusBadge } from "../ui.js";
import { sourceLabel } from "../sync.js";

/** "user:eddie" → eddie; "cli" → Command line; "seed" → Sample data;
 * "after:dailymed run 12" → After DailyMed run #12 (a run another run's success started). */
export function triggerText(triggeredBy) {
  const value = triggeredBy || "";
  if (value.startsWith("user:")) return { text: value.slice(5), icon: "user" };
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

export function openRunDetails(run, opener) {
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
