// Stored analytics runs on the Analytics screen: when analytics last ran, the change since the
// run before on the headline figures, and "Run analytics" (editors and admins) with its progress.
//
// A run is a job of the shared engine (source "analytics"): POST /api/analytics/run answers its
// job id, and the one watcher of the source (sync.js) polls it like a sync, so the progress panel,
// cancel and the finished toast are the syncs' own; `medsync:sync-finished` with source
// "analytics" tells the screen to reload. The latest two stored results of the ndc analysis name
// the latest and previous runs (GET /api/analytics/results); GET /api/analytics/compare gives the
// deltas of every analysis' summary.
//
// Hooks: #analytics-run (the button; absent for viewers), #analytics-run-progress,
// #analytics-run-cancel, [data-sync-panel=analytics], #analytics-last-run
// (data-run-id, data-computed-at; data-state=none|stored|unavailable).
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatRelative } from "../format.js";
import { setBusy, toast, toastError } from "../feedback.js";
import { syncControl } from "../sync.js";

export const SOURCE = "analytics";

/** The latest and previous stored runs and what changed between them; null when the stored
 * runs API doesn't answer (not available on this server). */
export async function loadHistory() {
  let stored;
  try {
    stored = await api.get("/api/analytics/results", { analysis: "ndc", per_page: 2 });
  } catch (error) {
    if (error.status === 404 || error.status === 405) return null;
    throw error;
  }
  const runs = (stored.data || stored.items || []).slice().sort((a, b) => b.run_id - a.run_id);
  const [latest, previous] = runs;
  let compare = null;
  if (latest && previous && latest.run_id !== previous.run_id) {
    try {
      const body = await api.get("/api/analytics/compare", { from: previous.run_id, to: latest.run_id });
      compare = body.analyses || null;
    } catch (error) {
      if (error.redirecting) throw error;
      console.warn("Couldn't compare the last two analytics runs:", error);
    }
  }
  return { latest: latest || null, previous: previous || null, compare };
}

/**
 * The run button (null for viewers), its progress panel and the "last ran" line.
 * `onFinished(run)` is called when a run watched here (or anywhere in the page) ends.
 */
export function runControls({ user, onFinished }) {
  const control = syncControl({ source: SOURCE, user, idPrefix: "analytics-run", label: "Run analytics" });
  const watcher = control.watcher;
  const lastRun = htmlEl`<p id="analytics-last-run" class="text-sm text-slate-600" aria-live="polite" data-state="none"></p>`;
  let button = null;

  if (user.can("editor")) {
    button = htmlEl`<button type="button" id="analytics-run" class="btn btn-primary">${icon("refresh", "size-4")}<span>Run analytics</span></button>`;
    button.addEventListener("click", async () => {
      setBusy(button, true, "Starting…");
      try {
        const reply = await api.post("/api/analytics/run");
        watcher.attach(reply.job_id);
      } catch (error) {
        setBusy(button, false);
        if (error.status === 409) {
          const running = error.details?.job_id;
          toast(`Analytics is already running${running ? ` (run #${running})` : ""}; showing its progress.`, { type: "info", title: "Already running" });
          if (running) watcher.attach(running);
        } else {
          toastError(error, "Couldn't start analytics");
        }
      }
    });
    watcher.subscribe((state) => setBusy(button, state.active, "Running…"));
  }

  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source === SOURCE) onFinished(event.detail.run);
  });

  /** Say when analytics last ran (history from loadHistory(), or null when unavailable). */
  function showHistory(history, { filtered }) {
    const latest = history?.latest;
    lastRun.dataset.state = history === null ? "unavailable" : latest ? "stored" : "none";
    if (!latest) {
      delete lastRun.dataset.runId;
      delete lastRun.dataset.computedAt;
      lastRun.replaceChildren(
        history === null
          ? "Figures are computed live from the stored drugs."
          : html`Analytics hasn't run yet: the figures are computed live.${button ? " Run it to keep a history and see changes between runs." : ""}`,
      );
      return;
    }
    lastRun.dataset.runId = String(latest.run_id);
    lastRun.dataset.computedAt = latest.computed_at;
    const scope = filtered ? " Under filters the figures are computed live." : "";
    const change = history.previous && !filtered ? ` Changes are since run #${history.previous.run_id}.` : "";
    lastRun.replaceChildren(
      html`Analytics last ran <time datetime="${latest.computed_at}" title="${formatDateTime(latest.computed_at)}" class="font-medium text-slate-900">${formatRelative(latest.computed_at)}</time>
        (run <a class="font-mono text-brand-700 hover:underline" href="#/runs?source=${SOURCE}">#${latest.run_id}</a>).${change}${scope}`,
    );
  }

  return { button, panel: control.panel, lastRun, showHistory, discover: () => watcher.discover() };
}
