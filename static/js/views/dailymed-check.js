// The DailyMed contract check on the dashboard (admins only): a button that asks the server to
// run `POST /api/dailymed/check` and a table of what it found — per request and comparison, the
// result, the round-trip time and a note; rows that would break a sync first in red.
//
// mountDailymedCheck(parent, context) renders into `parent`; nothing for non-admins.
// Hooks: #dailymed-check, #dailymed-check-run, #dailymed-check-summary, #dailymed-check-report,
// [data-check-result].

import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { toastError, withBusy } from "../ui.js";

// Asking DailyMed a handful of questions takes a while on a slow link.
const CHECK_TIMEOUT_MS = 180_000;

const BADGES = {
  ok: "badge-green",
  new: "badge-gray",
  missing: "badge-amber",
  differs: "badge-amber",
};

function resultBadge(row) {
  const tone = row.breaks_sync ? "badge-red" : BADGES[row.result] || "badge-gray";
  const label = row.breaks_sync ? "breaks sync" : row.result;
  return html`<span class="badge ${tone}" data-check-result="${row.breaks_sync ? "breaks" : row.result}">${label}</span>`;
}

function reportTable(report) {
  let previous = null;
  const rows = report.rows.map((row) => {
    const request = row.request === previous ? "" : row.request;
    previous = row.request;
    const ms = row.milliseconds == null ? "" : `${row.milliseconds} ms`;
    return html`<tr>
      <td class="align-top font-mono text-xs break-all">${request}</td>
      <td class="align-top whitespace-nowrap">${row.check}</td>
      <td class="align-top whitespace-nowrap">${resultBadge(row)}</td>
      <td class="align-top whitespace-nowrap text-right tabular-nums">${ms}</td>
      <td class="align-top text-xs text-slate-600">${row.note}</td>
    </tr>`;
  });
  return htmlEl`<div class="mt-3 overflow-x-auto rounded-lg border border-slate-200">
    <table id="dailymed-check-report" class="data-table data-table-dense">
      <caption class="sr-only">DailyMed's answers compared with what a sync relies on</caption>
      <thead><tr><th scope="col">Request</th><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Time</th><th scope="col">Note</th></tr></thead>
      <tbody>${rows}</tbody>
    </table>
  </div>`;
}

function summaryLine(report) {
  const tone = report.ok ? "text-slate-600" : "text-red-600";
  return htmlEl`<p id="dailymed-check-summary" class="mt-2 flex items-center gap-2 text-sm ${tone}">
    ${icon(report.ok ? "success" : "warning", "size-4")}<span>${report.base_url}: ${report.summary}</span></p>`;
}

/** The "Check DailyMed contract" button and, once run, its report. Admins only. */
export function mountDailymedCheck(parent, context) {
  if (!context?.user?.can("admin")) return null;
  const button = htmlEl`<button type="button" id="dailymed-check-run" class="btn btn-secondary btn-sm">${icon("refresh", "size-4")}Check DailyMed contract</button>`;
  const result = htmlEl`<div></div>`;
  const section = htmlEl`<section id="dailymed-check" class="mt-3"></section>`;
  section.append(button, result);
  button.addEventListener("click", () =>
    withBusy(
      button,
      async () => {
        try {
          const { data } = await api.post("/api/dailymed/check", {}, { timeoutMs: CHECK_TIMEOUT_MS });
          result.replaceChildren(summaryLine(data), reportTable(data));
        } catch (error) {
          toastError(error, "Couldn't check DailyMed");
        }
      },
      "Checking DailyMed…",
    ),
  );
  parent.append(section);
  return section;
}
