// Overview: the stats cards, fed by GET /api/stats and refreshed every 15 s while visible.
// Cards carry data-stat="…"; the headline figure of each is in .stat-value (data-value holds
// the raw number for scripts and tests). The sync cards show the last run's status (an amber
// "Completed with errors" badge, data-warnings=N, when it had warnings) and duration, and a live
// progress bar while a run is going, and a "Sync now" button for editors
// (#overview-sync-<source>-button, #overview-sync-<source>-progress, #overview-sync-<source>-cancel,
// for the sources portal and dailymed). The record cards link to their screens ([data-stat-link]).
// The analytics card (overview-analytics.js) loads when the Overview is shown, not every 15 s.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { EMPTY, formatDateTime, formatDuration, formatNumber, formatPercent, formatRelative, formatTime, plural } from "../format.js";
import { pageHeader, statusBadge, toastError, withBusy } from "../ui.js";
import { syncControl, syncWatcher } from "../sync.js";
import { analyticsCard } from "./overview-analytics.js";

const REFRESH_MS = 15_000;

const DATASETS = [
  // One wording for every link: "Open <screen>".
  { key: "authorizations", label: "Authorizations", icon: "authorizations", note: "Patient authorizations from the payer portal", link: ["authorizations", "Open authorizations"] },
  { key: "drugs", label: "Drugs", icon: "drugs", note: "Drug labels from DailyMed", link: ["drugs", "Open drugs"] },
  { key: "drug_classes", label: "Drug classes", icon: "drug-classes", note: "EPC, MOA, PE and CI classes", link: ["drug-classes", "Open drug classes"] },
  { key: "ndc_codes", label: "NDC codes", icon: "barcode", note: "Package and product codes, searchable on Drugs", link: ["drugs", "Open drugs"] },
];

const SOURCES = [
  { key: "portal", label: "Payer portal", icon: "portal" },
  { key: "dailymed", label: "DailyMed", icon: "dailymed" },
];
const FINISHED = new Set(["completed", "failed", "cancelled", "interrupted"]);

function card({ stat, label, iconName }) {
  return htmlEl`
    <article class="card flex flex-col p-5" data-stat="${stat}" aria-labelledby="stat-${stat}-label">
      <div class="flex items-start justify-between gap-3">
        <h3 id="stat-${stat}-label" class="text-sm font-medium text-slate-600">${label}</h3>
        <span class="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-700">${icon(iconName, "size-5")}</span>
      </div>
      <div class="mt-2 flex flex-wrap items-center gap-2" data-stat-badge></div>
      <p class="stat-value mt-1 text-3xl font-semibold tracking-tight text-slate-900 tabular-nums">
        <span class="skeleton mt-1 block h-8 w-24" aria-hidden="true"></span>
      </p>
      <div class="stat-detail mt-2 space-y-1 text-sm text-slate-500">
        <span class="skeleton block h-4 w-40" aria-hidden="true"></span>
      </div>
    </article>`;
}

/** The headline figure: large for numbers, smaller for words ("2 hours ago", "No sync yet"). */
function setValue(cardEl, text, { raw = null, muted = false, words = false, title = "" } = {}) {
  const value = cardEl.querySelector(".stat-value");
  value.textContent = text;
  value.classList.toggle("text-slate-400", muted);
  value.classList.toggle("text-slate-900", !muted);
  value.classList.toggle("text-xl", muted || words);
  value.classList.toggle("text-3xl", !(muted || words));
  if (raw == null) delete value.dataset.value;
  else value.dataset.value = String(raw);
  if (title) value.title = title;
  else value.removeAttribute("title");
}

function setDetail(cardEl, ...content) {
  cardEl.querySelector(".stat-detail").replaceChildren(...content);
}

function setBadges(cardEl, ...badges) {
  cardEl.querySelector("[data-stat-badge]").replaceChildren(...badges.filter(Boolean));
}

function screenLink(route, text) {
  return html`<p><a class="inline-flex items-center gap-0.5 font-medium text-brand-700 underline-offset-2 hover:underline" href="#/${route}" data-stat-link="${route}">${text}${icon("chevron-right", "size-3.5")}</a></p>`;
}

function datasetLink(dataset) {
  return screenLink(...dataset.link);
}

/** What a run did to the records, in words: "3 saved", "no changes; 1 edit kept". */
export function savedText(run) {
  const saved = run.records_saved ?? 0;
  const kept = run.records_kept_manual ?? 0;
  const keptText = kept ? `${plural(kept, "edit")} kept` : "";
  if (!saved) return keptText ? `no changes; ${keptText}` : "no changes";
  return keptText ? `${formatNumber(saved)} saved; ${keptText}` : `${formatNumber(saved)} saved`;
}

function renderDataset(cardEl, dataset, figures) {
  const count = figures?.count ?? 0;
  setValue(cardEl, formatNumber(count), { raw: count });
  if (!count) {
    setDetail(cardEl, html`<p>Nothing yet — fills after the first sync.</p>`);
    return;
  }
  if (dataset.key === "authorizations") {
    const edited = figures.edited ?? 0;
    const review = figures.needs_review ?? 0;
    setDetail(
      cardEl,
      html`<p class="flex flex-wrap gap-1.5">
        <span class="badge badge-gray" data-stat-edited="${edited}">${formatNumber(edited)} edited</span>
        <span class="badge ${review ? "badge-amber" : "badge-gray"}" data-stat-needs-review="${review}">${formatNumber(review)} need review</span>
      </p>${datasetLink(dataset)}`,
    );
  } else {
    setDetail(cardEl, html`<p>${dataset.note}</p>${datasetLink(dataset)}`);
  }
}

/** The badge of a last run: its status, or "Completed with errors" when it had warnings. */
function runBadge(run) {
  const warnings = run.warnings?.length || 0;
  if (run.status === "completed" && warnings) {
    return htmlEl`<span class="badge badge-amber" data-status="completed" data-warnings="${warnings}"
      title="${warnings === 1 ? "1 warning" : `${warnings} warnings`}: ${run.warnings[0]}"><span class="dot"></span>Completed with errors</span>`;
  }
  return statusBadge(run.status);
}

function renderSync(cardEl, run, source) {
  if (!run) {
    setBadges(cardEl);
    setValue(cardEl, "No sync yet", { muted: true });
    setDetail(cardEl, html`<p>The last run appears here once this source has synced.</p>`);
    return;
  }
  setBadges(cardEl, runBadge(run));
  const when = run.completed_at || run.started_at || run.created_at;
  const running = run.status === "running" || run.status === "queued";
  setValue(cardEl, formatRelative(when), { words: true, title: formatDateTime(when) });
  const warnings = run.warnings?.length || 0;
  setDetail(
    cardEl,
    html`<p>${running ? "Started" : "Finished"} ${formatDateTime(when)}</p>
      <p class="tabular-nums" data-sync-duration>
        ${running ? "In progress" : html`Took ${formatDuration(run.duration_seconds)}`}
        · ${formatNumber(run.records_found ?? 0)} found${run.status === "completed" ? ` · ${savedText(run)}` : ""}
      </p>
      ${
        warnings
          ? html`<p class="text-amber-800"><a class="underline underline-offset-2 hover:text-amber-950" href="#/runs?source=${source}">${
              warnings === 1 ? "1 warning" : `${warnings} warnings`
            }</a> — some records may need a look.</p>`
          : ""
      }
      ${run.error ? html`<p class="line-clamp-2 break-words text-red-700" title="${run.error}" data-sync-error>${run.error}</p>` : ""}`,
  );
}

/**
 * The stats carry a summary of each last run; its warnings come with the run's status. Fetched
 * once per finished run (a finished run doesn't change).
 */
const runDetails = new Map();
async function withWarnings(run) {
  if (!run || Array.isArray(run.warnings) || !FINISHED.has(run.status)) return run;
  const key = `${run.id}:${run.completed_at}`;
  if (!runDetails.has(key)) {
    runDetails.set(
      key,
      api.get(`/api/scrape/status/${run.id}`).then(
        (full) => full.warnings || [],
        () => {
          runDetails.delete(key);
          return undefined;
        },
      ),
    );
  }
  const warnings = await runDetails.get(key);
  return warnings ? { ...run, warnings } : run;
}

function renderDatabase(cardEl, database) {
  const connected = database?.status === "connected";
  setBadges(
    cardEl,
    htmlEl`<span class="badge ${connected ? "badge-green" : "badge-red"}"><span class="dot"></span>${connected ? "Connected" : "Disconnected"}</span>`,
  );
  if (connected) {
    const latency = database.latency_ms;
    setValue(cardEl, latency == null ? EMPTY : `${latency < 10 ? latency.toFixed(1) : Math.round(latency)} ms`, {
      raw: latency,
      title: "Round-trip time of a test query",
    });
    setDetail(cardEl, html`<p>Query latency · ${database.version || "PostgreSQL"}</p>`);
  } else {
    setValue(cardEl, "Unreachable", { muted: true });
    setDetail(cardEl, html`<p class="text-red-700">The application can't reach its database.</p>`);
  }
}

function renderSuccessRate(cardEl, runs) {
  const rate = runs?.success_rate;
  if (rate == null || !runs?.total) {
    setBadges(cardEl);
    setValue(cardEl, "No runs yet", { muted: true });
    setDetail(cardEl, html`<p>Shows the share of runs that completed in the last ${plural(runs?.window_days ?? 30, "day")}.</p>`, screenLink("runs", "Open runs"));
    return;
  }
  setBadges(cardEl);
  setValue(cardEl, formatPercent(rate), { raw: rate });
  const tone = rate >= 0.9 ? "bg-emerald-500" : rate >= 0.7 ? "bg-amber-500" : "bg-red-500";
  const bar = htmlEl`<div class="h-1.5 w-full overflow-hidden rounded-full bg-slate-100" role="presentation"><div class="h-full rounded-full ${tone}"></div></div>`;
  bar.firstElementChild.style.width = `${Math.max(0, Math.min(1, rate)) * 100}%`;
  setDetail(
    cardEl,
    bar,
    html`<p class="pt-1 tabular-nums" data-success-window="${runs.window_days}">${formatNumber(runs.completed)} of ${formatNumber(runs.total)} runs completed${
      runs.failed ? html` · <span class="text-red-700">${formatNumber(runs.failed)} failed</span>` : ""
    } in the last ${plural(runs.window_days, "day")}</p>`,
    screenLink("runs", "Open runs"),
  );
}

export function mount(root, context) {
  const refreshButton = htmlEl`<button type="button" id="overview-refresh" class="btn btn-secondary">${icon("refresh", "size-4")}Refresh</button>`;
  const updated = htmlEl`<p class="text-xs text-slate-500" id="overview-updated"></p>`;
  const banner = htmlEl`<div id="overview-error" class="mb-6 flex items-start gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="alert" hidden></div>`;

  const datasetCards = new Map(DATASETS.map((d) => [d.key, card({ stat: d.key, label: d.label, iconName: d.icon })]));
  const syncCards = new Map(
    SOURCES.map((s) => [s.key, card({ stat: `last_sync_${s.key}`, label: `${s.label} sync`, iconName: s.icon })]),
  );
  // A live progress bar in each sync card, and a Sync button for editors.
  for (const source of SOURCES) {
    const control = syncControl({
      source: source.key,
      user: context.user,
      idPrefix: `overview-sync-${source.key}`,
      label: "Sync now",
      compact: true,
      keepResultMs: 8000,
    });
    // mt-auto: the slot sits at the card's foot, so both sync cards' buttons line up.
    const slot = htmlEl`<div class="space-y-3 border-t border-slate-100 pt-3" data-sync-slot></div>`;
    slot.append(control.panel);
    if (control.button) {
      slot.append(htmlEl`<div class="flex justify-end">${control.button}</div>`);
    } else {
      // Nothing to start here: the slot shows only while a run's progress does.
      const follow = () => (slot.hidden = control.panel.hidden);
      new MutationObserver(follow).observe(control.panel, { attributes: true, attributeFilter: ["hidden"] });
      follow();
    }
    syncCards.get(source.key).append(htmlEl`<div class="mt-auto pt-4" data-sync-foot>${slot}</div>`);
  }
  const databaseCard = card({ stat: "database", label: "Database", iconName: "database" });
  const successCard = card({ stat: "success_rate", label: "Run success rate", iconName: "trend" });
  const analytics = analyticsCard();

  const cardsBox = htmlEl`<div aria-busy="true" class="space-y-8">
    <section aria-labelledby="overview-records">
      <h2 id="overview-records" class="mb-3 text-sm font-semibold text-slate-900">Records</h2>
      <div class="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">${[...datasetCards.values()]}</div>
    </section>
    <section aria-labelledby="overview-health">
      <h2 id="overview-health" class="mb-3 text-sm font-semibold text-slate-900">Syncs and health</h2>
      <div class="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">${[...syncCards.values()]}${databaseCard}${successCard}</div>
    </section>
    <section aria-labelledby="overview-insights">
      <h2 id="overview-insights" class="mb-3 text-sm font-semibold text-slate-900">Insights</h2>
      ${analytics.el}
    </section>
  </div>`;

  root.replaceChildren(
    pageHeader({
      title: "Overview",
      description: "Records, sync activity and system health at a glance.",
      actions: html`${updated}${refreshButton}`,
    }),
    banner,
    cardsBox,
  );

  let timer = null;
  let visible = false;
  let lastSuccess = null;
  let failing = false;
  let inFlight = null;

  async function render(stats) {
    const lastRuns = await Promise.all(SOURCES.map((source) => withWarnings(stats.last_sync?.[source.key] ?? null)));
    for (const dataset of DATASETS) renderDataset(datasetCards.get(dataset.key), dataset, stats.datasets?.[dataset.key]);
    SOURCES.forEach((source, i) => {
      renderSync(syncCards.get(source.key), lastRuns[i], source.key);
      syncWatcher(source.key).observe(lastRuns[i]); // a run started elsewhere shows its progress here too
    });
    renderDatabase(databaseCard, stats.database);
    renderSuccessRate(successCard, stats.runs);
    cardsBox.removeAttribute("aria-busy");
  }

  function showProblem(error) {
    const when = lastSuccess ? ` Showing figures from ${formatTime(lastSuccess)}.` : "";
    const retry = htmlEl`<button type="button" class="ml-auto shrink-0 font-semibold underline underline-offset-2 hover:text-amber-950">Try again</button>`;
    retry.addEventListener("click", () => refresh());
    banner.replaceChildren(
      html`<span class="text-amber-600">${icon("warning", "size-5")}</span>
        <p>Couldn't load the latest figures: ${error.message}${when}</p>`,
      retry,
    );
    banner.hidden = false;
    if (!lastSuccess) {
      // Nothing to show yet: replace the skeletons with dashes rather than shimmer forever.
      for (const cardEl of cardsBox.querySelectorAll("[data-stat]")) {
        setValue(cardEl, EMPTY, { muted: true });
        setDetail(cardEl, html`<p>Unavailable</p>`);
      }
      cardsBox.removeAttribute("aria-busy");
    }
  }

  async function refresh() {
    if (inFlight) return inFlight;
    inFlight = (async () => {
      try {
        const { data } = await api.get("/api/stats");
        await render(data);
        lastSuccess = new Date();
        updated.textContent = `Updated ${formatTime(lastSuccess)}`;
        banner.hidden = true;
        failing = false;
      } catch (error) {
        if (error.redirecting) return;
        if (!failing) toastError(error, "Couldn't refresh the overview");
        failing = true;
        showProblem(error);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  }

  function schedule() {
    clearInterval(timer);
    timer = visible && !document.hidden ? setInterval(refresh, REFRESH_MS) : null;
  }

  document.addEventListener("visibilitychange", () => {
    if (!visible) return;
    // Back on the tab after a while: refresh at once instead of waiting for the next tick.
    if (!document.hidden && (!lastSuccess || Date.now() - lastSuccess.getTime() > REFRESH_MS)) refresh();
    schedule();
  });
  refreshButton.addEventListener("click", () => withBusy(refreshButton, refresh, "Refreshing"));
  // A sync just ended (here or on another screen): show its outcome without waiting 15 s.
  window.addEventListener("medsync:sync-finished", () => {
    if (visible) refresh(); // otherwise show() refreshes on the next visit
  });

  return {
    show() {
      visible = true;
      refresh();
      analytics.refresh();
      schedule();
    },
    hide() {
      visible = false;
      schedule();
    },
  };
}
