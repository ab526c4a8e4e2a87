// The Schedules panel of the Runs screen (admins only): each schedule's cron in words, its next
// fire time, its last outcome with the runs it started, pause / resume and "run now"
// (GET /api/schedules, POST /api/schedules/<name>/pause|resume|run).
//
// Hooks: #schedules, li[data-schedule=<name>][data-paused=true|false][data-available],
// [data-next-fire], [data-last-outcome], button[data-action=pause|resume|run].
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatRelative } from "../format.js";
import { toast, toastError, withBusy } from "../ui.js";
import { sourceLabel } from "../sync.js";

const TITLES = { sync: "DailyMed, then portal sync", analytics: "Analytics" };
const OUTCOMES = {
  started: { tone: "badge-green", label: "Started" },
  skipped: { tone: "badge-amber", label: "Skipped" },
  paused: { tone: "badge-gray", label: "Not run: paused" },
  claimed: { tone: "badge-gray", label: "Claimed" },
};

function lastOutcome(last) {
  if (!last) return html`<span data-last-outcome="">Never fired yet</span>`;
  const style = OUTCOMES[last.outcome] || { tone: "badge-gray", label: last.outcome };
  const runs = last.runs.map((run) => html`<a class="font-mono" href="#/runs?source=${run.source}" title="${sourceLabel(run.source)}: ${run.status}">#${run.id} ${run.status}</a>`);
  return html`<span class="inline-flex flex-wrap items-center gap-1.5" data-last-outcome="${last.outcome}" title="${last.message || ""}">
    <span class="badge ${style.tone}">${style.label}</span><span title="${formatDateTime(last.fire_at)}">${formatRelative(last.fire_at)}</span>${runs}</span>`;
}

function scheduleItem(schedule) {
  const toggle = schedule.paused
    ? html`<button type="button" class="btn btn-secondary btn-sm" data-action="resume" data-name="${schedule.name}">${icon("refresh", "size-4")}Resume</button>`
    : html`<button type="button" class="btn btn-secondary btn-sm" data-action="pause" data-name="${schedule.name}">${icon("stop", "size-4")}Pause</button>`;
  const runNow = schedule.available
    ? html`<button type="button" class="btn btn-ghost btn-sm" data-action="run" data-name="${schedule.name}">Run now</button>`
    : "";
  const next = schedule.paused
    ? html`<span data-next-fire="">paused</span>`
    : html`<span data-next-fire="${schedule.next_fire_at}" title="${formatDateTime(schedule.next_fire_at)}">${formatRelative(schedule.next_fire_at)} (${formatDateTime(schedule.next_fire_at)})</span>`;
  return htmlEl`<li class="flex flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-5" data-schedule="${schedule.name}" data-paused="${String(schedule.paused)}" data-available="${String(schedule.available)}">
    <div class="space-y-1">
      <p class="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">${TITLES[schedule.name] || schedule.name}${
        schedule.paused ? html`<span class="badge badge-amber" data-paused-badge>Paused</span>` : ""
      }${schedule.available ? "" : html`<span class="badge badge-gray" title="No ${schedule.jobs.join(", ")} job exists yet">Not available yet</span>`}</p>
      <p class="text-xs text-slate-500"><span data-cron-words>${schedule.cron_in_words}</span> · <code class="font-mono" title="${schedule.setting}">${schedule.cron}</code></p>
      <p class="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500"><span>Next: ${next}</span><span class="inline-flex items-center gap-1.5">Last: ${lastOutcome(schedule.last)}</span></p>
    </div>
    <div class="flex flex-wrap items-center gap-2">${toggle}${runNow}</div>
  </li>`;
}

/** The Schedules panel into `parent`; nothing for non-admins. Returns { el, reload }: the
 * Runs screen reloads it whenever it is shown. */
export function mountSchedules(parent, context) {
  if (!context?.user?.can("admin")) return null;
  const list = htmlEl`<ul class="divide-y divide-slate-100" aria-live="polite"></ul>`;
  const el = htmlEl`<section id="schedules" class="card mb-6" aria-labelledby="schedules-title">
    <div class="card-header"><h2 id="schedules-title" class="card-title">Schedules</h2>
      <p class="text-xs text-slate-500">Cron in the server's time zone; one process fires each time.</p></div>
  </section>`;
  el.append(list);

  async function reload() {
    try {
      const { data } = await api.get("/api/schedules");
      list.replaceChildren(...data.map(scheduleItem));
    } catch (error) {
      if (!error.redirecting) toastError(error, "Couldn't load the schedules");
    }
  }

  async function act(button) {
    const { action, name } = button.dataset;
    try {
      const body = await api.post(`/api/schedules/${encodeURIComponent(name)}/${action}`);
      if (action === "run") toast(`Started job ${body.job_ids.map((id) => `#${id}`).join(", ")}.`, { type: "success" });
      await reload();
    } catch (error) {
      toastError(error, `Couldn't ${action === "run" ? "run" : action} the schedule`);
    }
  }

  on(list, "click", "button[data-action]", (event, button) => withBusy(button, () => act(button), "Working…"));
  parent.append(el);
  return { el, reload };
}
