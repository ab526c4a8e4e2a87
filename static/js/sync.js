// Sync jobs in the browser. One watcher per source (portal, dailymed…) polls
// GET /api/scrape/status/<id> about once a second while a run is queued or running, and every
// control that shows that source — the Authorizations screen, the Overview card — subscribes to
// it, so they all agree and only one request is in flight. When a run ends the watcher fires
// `medsync:sync-finished` ({detail: {source, run}}) so screens can reload their data quietly, and
// shows one toast with the result — unless it went well and a progress panel on screen already
// says so (a toast repeating the panel only hides the rows the sync just brought).
//
//   const control = syncControl({ source: "portal", user, idPrefix: "sync-portal" });
//   header.append(control.button);   // #sync-portal-button (editors only; null for viewers)
//   page.append(control.panel);      // #sync-portal-progress (role=progressbar), #sync-portal-cancel
// A source that reports phases (DailyMed) also gets a bar per phase in the full panel
// (sync-phases.js: #sync-dailymed-phases).
import { api } from "./api.js";
import { html, htmlEl } from "./dom.js";
import { icon, spinner } from "./icons.js";
import { setBusy, toast, toastError } from "./feedback.js";
import { capitalize, formatDuration, formatNumber, plural } from "./format.js";
import { overallPercent, phaseList, unitOf } from "./sync-phases.js";

const POLL_MS = 1000;
const HIDDEN_POLL_MS = 5000; // the tab is in the background: poll gently
const ACTIVE = new Set(["queued", "running"]);
export const SOURCE_LABELS = { portal: "Portal", dailymed: "DailyMed" };

export const isActive = (run) => Boolean(run && ACTIVE.has(run.status));
export const sourceLabel = (source) => SOURCE_LABELS[source] || capitalize(source || "");

/** "Portal sync completed: 45 found, 3 updated, 1 kept because edited" and its toast type. */
export function runResult(run) {
  // An analytics run syncs nothing: it computes analyses and stores them.
  const analytics = run.source === "analytics";
  const label = analytics ? "Analytics run" : `${sourceLabel(run.source)} sync`;
  const warnings = run.warnings?.length || 0;
  switch (run.status) {
    case "completed": {
      if (analytics) {
        const stored = run.records_inserted ?? run.records_found ?? 0;
        return { type: warnings ? "warning" : "success", message: `${label} completed: ${plural(stored, "analysis", "analyses")} stored` };
      }
      const parts = [`${formatNumber(run.records_found ?? 0)} found`];
      if (run.records_inserted) parts.push(`${formatNumber(run.records_inserted)} added`);
      if (run.records_updated) parts.push(`${formatNumber(run.records_updated)} updated`);
      if (run.records_kept_manual) parts.push(`${formatNumber(run.records_kept_manual)} kept because edited`);
      if (run.records_missing) parts.push(`${formatNumber(run.records_missing)} missing from the source`);
      if (parts.length === 1) parts.push("nothing changed");
      const message = `${label} completed: ${parts.join(", ")}`;
      return warnings
        ? { type: "warning", message: `${message} — with ${plural(warnings, "warning")}. See the Runs screen.` }
        : { type: "success", message };
    }
    case "failed":
      return { type: "error", message: `${label} failed: ${run.error || "no reason was given."}` };
    case "cancelled":
      return { type: "warning", message: `${label} was cancelled. What it saved before stopping is kept.` };
    case "interrupted":
      return { type: "error", message: `${label} was interrupted: the server stopped while it ran. Start it again.` };
    default:
      return { type: "info", message: `${label} is ${run.status}.` };
  }
}

function formatRate(rate) {
  if (rate == null) return null;
  return rate >= 10 ? formatNumber(Math.round(rate)) : rate.toFixed(1);
}

/* ---------------------------------------------------------------- the watcher */

/** Whether a progress panel of `source` is on screen (in the view shown, not hidden). */
function panelOnScreen(source) {
  return [...document.querySelectorAll(`[data-sync-panel="${source}"]`)].some((panel) => !panel.hidden && panel.checkVisibility());
}

const watchers = new Map();

/** The one watcher of `source`. */
export function syncWatcher(source) {
  if (!watchers.has(source)) watchers.set(source, createWatcher(source));
  return watchers.get(source);
}

function createWatcher(source) {
  const listeners = new Set();
  const state = { run: null, percent: null, starting: false, cancelling: false, lostContact: false };
  let timer = null;
  let jobId = null;
  const announced = new Set(); // job ids whose result was already shown

  const snapshot = () => ({ ...state, active: state.starting || isActive(state.run) });
  const emit = () => {
    const current = snapshot();
    for (const listener of listeners) {
      try {
        listener(current);
      } catch (error) {
        console.error(error); // one broken view must not stop the others (or the polling)
      }
    }
  };

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(poll, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
  }

  function accept(run, { announce = true } = {}) {
    const sameJob = state.run?.id === run.id;
    state.percent = overallPercent(run, sameJob ? state.percent : null);
    state.run = run;
    state.lostContact = false;
    if (isActive(run)) {
      schedule();
    } else {
      clearTimeout(timer);
      state.cancelling = false;
      if (announce && !announced.has(run.id)) {
        announced.add(run.id);
        const { type, message } = runResult(run);
        if (type !== "success" || !panelOnScreen(source)) toast(message, { type, timeout: type === "success" ? 8000 : 12000 });
        window.dispatchEvent(new CustomEvent("medsync:sync-finished", { detail: { source, run } }));
      }
    }
    emit();
  }

  async function poll() {
    if (jobId == null) return;
    const polled = jobId;
    try {
      const run = await api.get(`/api/scrape/status/${polled}`);
      if (polled === jobId) accept(run);
    } catch (error) {
      if (error.redirecting || polled !== jobId) return;
      if (error.status === 404) {
        jobId = null;
        state.run = null;
        emit();
        return;
      }
      state.lostContact = true; // keep trying: the job runs on without us
      emit();
      clearTimeout(timer);
      timer = setTimeout(poll, 3000);
    }
  }

  /** Follow job `id` (and poll it until it ends). */
  function attach(id, run = null) {
    if (jobId === id && isActive(state.run)) return;
    if (state.run?.id !== id) {
      // Another run: nothing of the last one (its counts, rate, phases) may show as this one's.
      state.run = null;
      state.percent = null;
    }
    jobId = id;
    announced.delete(id);
    if (run) accept(run);
    else poll();
  }

  return {
    source,
    state: snapshot,
    subscribe(listener) {
      listeners.add(listener);
      listener(snapshot());
      return () => listeners.delete(listener);
    },
    attach,
    /** Poll now rather than at the next tick. */
    refresh() {
      if (jobId != null && isActive(state.run)) poll();
    },
    /** A run seen elsewhere (the stats, the run list): follow it if it is still going. */
    observe(run) {
      if (run && isActive(run) && run.id !== jobId) attach(run.id);
    },
    /** Look for a queued or running run of this source (after a page load, say). */
    async discover() {
      if (isActive(state.run) || state.starting) return;
      try {
        const { data } = await api.get("/api/scrape-runs", { source, sort: "-created_at", per_page: 1 });
        const latest = data?.[0];
        if (isActive(latest)) attach(latest.id, latest);
      } catch (error) {
        if (!error.redirecting) console.warn(`Couldn't check for a running ${source} sync:`, error);
      }
    },
    /** POST /api/scrape; a sync already running is joined rather than reported as a failure. */
    async start() {
      if (state.starting || isActive(state.run)) return;
      state.starting = true;
      state.run = null; // the last run's figures must not show while this one starts
      state.percent = null;
      emit();
      try {
        const reply = await api.post("/api/scrape", { source });
        state.starting = false;
        state.run = null;
        attach(reply.job_id);
      } catch (error) {
        state.starting = false;
        if (error.status === 409 && error.details?.job_id) {
          toast(`A ${sourceLabel(source).toLowerCase()} sync is already running; showing its progress.`, { type: "info" });
          attach(error.details.job_id);
        } else {
          emit();
          toastError(error, `Couldn't start the ${sourceLabel(source).toLowerCase()} sync`);
        }
      }
    },
    async cancel() {
      if (!isActive(state.run) || state.cancelling) return;
      state.cancelling = true;
      emit();
      try {
        await api.post(`/api/scrape/${state.run.id}/cancel`);
        poll();
      } catch (error) {
        state.cancelling = false;
        if (error.status === 409) poll(); // it ended meanwhile; the poll shows how
        else toastError(error, "Couldn't cancel the sync");
        emit();
      }
    },
  };
}

document.addEventListener("visibilitychange", () => {
  // Back on the tab: refresh running syncs at once instead of at the slow background pace.
  if (document.hidden) return;
  for (const watcher of watchers.values()) watcher.refresh();
});

/* ---------------------------------------------------------------- the control */

const FINISHED_TONE = {
  completed: "progress-done",
  failed: "progress-failed",
  interrupted: "progress-failed",
  cancelled: "progress-cancelled",
};

function stepText(run, state) {
  if (state.starting || !run) return "Starting…";
  if (state.cancelling || run.cancel_requested) return "Cancelling — stopping at the next checkpoint…";
  if (run.status === "queued") return "Queued — waiting to start…";
  const step = run.progress?.step;
  const text = step ? capitalize(step) : "Working…";
  return /[.…]$/.test(text) ? text : `${text}…`;
}

function detailText(run) {
  if (!run) return "";
  const progress = run.progress || {};
  const parts = [];
  const [one, many] = unitOf(run);
  if (progress.total != null) parts.push(`${formatNumber(progress.done ?? 0)} of ${plural(progress.total, one, many)}`);
  const rate = formatRate(progress.rate_per_second);
  if (rate != null) parts.push(`${rate} ${many}/s`);
  if (progress.eta_seconds != null) parts.push(`about ${formatDuration(progress.eta_seconds)} left`);
  if (progress.elapsed_seconds != null) parts.push(`${formatDuration(progress.elapsed_seconds)} elapsed`);
  return parts.join(" · ");
}

function finishedText(run) {
  const { message } = runResult(run);
  const took = run.duration_seconds != null ? ` in ${formatDuration(run.duration_seconds)}` : "";
  if (run.status === "completed") return `${message.replace(/^[^:]+: /, `Completed${took}: `)}`;
  return message;
}

/**
 * A Sync button and a progress panel for `source`, fed by its watcher.
 * Returns {button, panel, destroy()}; `button` is null when the person may not start syncs.
 * `compact` draws a slimmer panel (for a card). Element ids derive from `idPrefix`.
 */
export function syncControl({ source, user, idPrefix = `sync-${source}`, label, compact = false, keepResultMs = 20_000 }) {
  const watcher = syncWatcher(source);
  const canSync = user.can("editor");
  const buttonLabel = label || `Sync ${sourceLabel(source).toLowerCase()}`;
  const button = canSync
    ? htmlEl`<button type="button" id="${idPrefix}-button" class="btn ${compact ? "btn-secondary btn-sm" : "btn-primary"}" data-sync-source="${source}">
        ${icon("refresh", "size-4")}<span>${buttonLabel}</span></button>`
    : null;

  const cancel = canSync
    ? htmlEl`<button type="button" id="${idPrefix}-cancel" class="btn btn-secondary ${compact ? "btn-sm" : ""}">${icon("stop", "size-4")}<span>Cancel</span></button>`
    : null;
  const dismiss = htmlEl`<button type="button" class="btn-icon size-8" aria-label="Hide the sync result" hidden>${icon("close", "size-4")}</button>`;
  const bar = htmlEl`<div id="${idPrefix}-progress" class="progress-track ${compact ? "h-1.5" : ""}" role="progressbar"
      aria-valuemin="0" aria-valuemax="100" aria-label="${sourceLabel(source)} sync progress"><div class="progress-bar"></div></div>`;
  const fill = bar.firstElementChild;
  const title = htmlEl`<p class="flex min-w-0 items-center gap-2 text-sm font-medium text-slate-900"></p>`;
  const detail = htmlEl`<p class="text-xs text-slate-500 tabular-nums" data-sync-detail></p>`;
  const phases = compact ? null : phaseList(source, idPrefix);
  const panel = compact
    ? htmlEl`<div class="space-y-1.5" data-sync-panel="${source}" hidden>
        <div class="flex items-center justify-between gap-2">${title}${cancel}</div>${bar}${detail}</div>`
    : htmlEl`<section class="card mb-6 px-4 py-4 sm:px-5" data-sync-panel="${source}" aria-label="${sourceLabel(source)} sync" hidden>
        <div class="flex flex-wrap items-center justify-between gap-3">
          <div class="min-w-0 flex-1">${title}</div>
          <div class="flex items-center gap-2">${cancel}${dismiss}</div>
        </div>
        <div class="mt-3">${bar}</div>
        <p class="mt-2 flex flex-wrap gap-x-3 text-xs text-slate-500" aria-live="polite">${detail}</p>
        ${phases?.el || ""}
      </section>`;
  if (compact) detail.setAttribute("aria-live", "polite");

  let hideTimer = null;
  let shownJob = null; // the job this panel is showing (a finished one stays until dismissed/timeout)
  let dismissedJob = null;

  function setBar(percent, tone = "") {
    bar.classList.remove("progress-done", "progress-failed", "progress-cancelled");
    if (tone) bar.classList.add(tone);
    if (percent == null) {
      bar.setAttribute("data-indeterminate", "");
      bar.removeAttribute("aria-valuenow");
      bar.removeAttribute("aria-valuetext");
      fill.style.width = "";
    } else {
      bar.removeAttribute("data-indeterminate");
      const rounded = Math.round(percent);
      bar.setAttribute("aria-valuenow", String(rounded));
      bar.setAttribute("aria-valuetext", `${rounded}%`);
      fill.style.width = `${percent}%`;
    }
  }

  function render(state) {
    const run = state.run;
    const active = state.active;
    panel.dataset.state = state.starting ? "starting" : run?.status || "idle";
    phases?.update(run, { starting: state.starting });
    if (button) {
      if (active) setBusy(button, true, "Syncing…");
      else setBusy(button, false);
    }
    if (active) {
      clearTimeout(hideTimer);
      shownJob = run?.id ?? null;
      panel.hidden = false;
      dismiss.hidden = true;
      if (cancel) {
        cancel.hidden = !run; // nothing to cancel until the job exists
        if (state.cancelling || run?.cancel_requested) setBusy(cancel, true, "Cancelling");
        else setBusy(cancel, false);
      }
      title.replaceChildren(
        html`${spinner("spinner size-4 text-brand-700")}<span class="truncate" data-sync-step>${stepText(run, state)}</span>`,
      );
      setBar(state.percent);
      detail.textContent = state.lostContact ? "Lost contact with the server — retrying…" : detailText(run);
      return;
    }
    if (cancel) {
      setBusy(cancel, false);
      cancel.hidden = true;
    }
    // Finished: show the result on the bar, then step aside.
    if (run && run.id === shownJob && run.id !== dismissedJob) {
      panel.hidden = false;
      dismiss.hidden = false;
      const ok = run.status === "completed";
      title.replaceChildren(
        html`<span class="${ok ? "text-emerald-600" : run.status === "cancelled" ? "text-amber-600" : "text-red-600"}">${icon(ok ? "success" : "warning", "size-5 shrink-0")}</span>
          <span data-sync-step>${finishedText(run)}</span>`,
      );
      setBar(ok ? 100 : state.percent ?? 0, FINISHED_TONE[run.status]);
      detail.textContent = run.warnings?.length ? `${plural(run.warnings.length, "warning")}: ${run.warnings[0]}` : "";
      clearTimeout(hideTimer);
      if (ok && !run.warnings?.length && keepResultMs) hideTimer = setTimeout(() => (panel.hidden = true), keepResultMs);
      return;
    }
    panel.hidden = true;
  }

  button?.addEventListener("click", () => watcher.start());
  cancel?.addEventListener("click", () => watcher.cancel());
  dismiss.addEventListener("click", () => {
    dismissedJob = shownJob;
    panel.hidden = true;
    button?.focus();
  });
  const unsubscribe = watcher.subscribe(render);

  return {
    button,
    panel,
    watcher,
    destroy() {
      unsubscribe();
      clearTimeout(hideTimer);
    },
  };
}
