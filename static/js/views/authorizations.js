// Authorizations: the portal's records with server-side search, filters, sort and paging (kept
// in the URL: #/authorizations?q=…&status=…&edited=true&needs_review=true&missing=true&sort=…
// &page=…), CSV export of exactly that, the "Sync portal" button with live progress, the edit
// modal (record-editor.js) and the history drawer (record-history.js), both driven by the
// dataset description in authorization-fields.js.
//
// Hooks: #authorizations-search, #authorizations-status, #authorizations-edited,
// #authorizations-needs-review, #authorizations-missing (checkboxes), #authorizations-clear,
// #authorizations-export, #authorizations-review-banner, #authorizations-table
// tr[data-authorization-id] (data-edited / data-needs-review / data-missing, badges
// [data-badge=edited|needs-review|missing]), button[data-action=edit|history];
// #sync-portal-button, #sync-portal-progress, #sync-portal-cancel (sync.js).
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatDay, formatRelative, plural } from "../format.js";
import { createDataTable, pageHeader } from "../ui.js";
import { syncControl, syncWatcher } from "../sync.js";
import { AUTHORIZATIONS, STATUSES, authorizationStatusBadge } from "./authorization-fields.js";
import { editedMark, titleCell } from "./record-fields.js";
import { openRecordEditor } from "./record-editor.js";
import { openHistoryDrawer } from "./record-history.js";
import {
  flag,
  listState,
  oneOf,
  text,
  urlSync,
  wireSearch,
  setFilter as setListFilter,
  showFlagToggles,
  wireFlagToggles,
} from "./record-list.js";

const DEFAULT_SORT = "patient_name";
const DEFAULT_PER_PAGE = 25;
const FLAGS = [
  { key: "edited", id: "authorizations-edited", label: "Edited only", title: "Records a person corrected" },
  { key: "needs_review", id: "authorizations-needs-review", label: "Needs review", title: "The source changed a value a person corrected" },
  { key: "missing", id: "authorizations-missing", label: "Missing from source", title: "The last complete sync didn't find them" },
];
const LIST = listState({
  filters: { q: text, status: oneOf(STATUSES), ...Object.fromEntries(FLAGS.map((f) => [f.key, flag])) },
  sort: DEFAULT_SORT,
  perPage: DEFAULT_PER_PAGE,
});

function dayCell(value) {
  return value ? html`<span class="whitespace-nowrap tabular-nums">${formatDay(value)}</span>` : null;
}

export function mount(root, context) {
  const { user, router } = context;
  const canEdit = user.can("editor");
  const watcher = syncWatcher("portal");
  const url = urlSync({ router, name: "authorizations", state: LIST, table: () => table });
  const sync = syncControl({ source: "portal", user, idPrefix: "sync-portal", label: "Sync portal" });

  /* ------------------------------------------------------------ header and filters */

  const exportLink = htmlEl`<a id="authorizations-export" class="btn btn-secondary" href="/api/authorizations/export.csv" download
      title="Download the records the table shows (all pages) as CSV">${icon("download", "size-4")}Export CSV</a>`;

  const search = htmlEl`<input id="authorizations-search" type="search" class="input pl-9" placeholder="Search patient, number or payer"
      aria-label="Search authorizations by patient, authorization number or payer" autocomplete="off" spellcheck="false" maxlength="200">`;
  const statusSelect = htmlEl`<select id="authorizations-status" class="select w-auto min-w-36" aria-label="Filter by status">
      <option value="">All statuses</option>
      ${STATUSES.map((s) => html`<option value="${s}">${s}</option>`)}
    </select>`;
  const toggles = FLAGS.map(
    (flag) => htmlEl`<label class="toggle-chip" title="${flag.title}">
      <input type="checkbox" id="${flag.id}" data-flag="${flag.key}"><span>${flag.label}</span></label>`,
  );
  const clearButton = htmlEl`<button type="button" id="authorizations-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;

  const reviewBanner = htmlEl`<div id="authorizations-review-banner" class="mb-4 flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status" hidden>
      <span class="text-amber-600">${icon("warning", "size-5")}</span>
      <p class="min-w-0 flex-1" data-review-text></p>
      <button type="button" class="btn btn-secondary btn-sm" data-action="show-review">Show them</button>
    </div>`;

  /* ------------------------------------------------------------ the table */

  const emptyAction = canEdit
    ? htmlEl`<button type="button" class="btn btn-primary" id="authorizations-empty-sync">${icon("refresh", "size-4")}Sync portal now</button>`
    : null;
  emptyAction?.addEventListener("click", () => watcher.start());
  if (emptyAction) watcher.subscribe((state) => (emptyAction.disabled = state.active));

  const table = createDataTable({
    id: "authorizations-table",
    caption: "Patient authorizations",
    itemLabel: ["authorization", "authorizations"],
    perPage: DEFAULT_PER_PAGE,
    perPageOptions: [10, 25, 50, 100],
    dense: true,
    sort: DEFAULT_SORT,
    columns: [
      {
        key: "patient_name",
        label: "Patient",
        sortable: true,
        render: (r) => titleCell(AUTHORIZATIONS, r, "patient_name", { textClass: "whitespace-nowrap" }),
      },
      {
        key: "authorization_number",
        label: "Authorization no.",
        sortable: true,
        render: (r) =>
          r.authorization_number
            ? html`<span class="font-mono text-xs whitespace-nowrap text-slate-800">${r.authorization_number}</span>${editedMark(r, "authorization_number")}`
            : null,
      },
      {
        key: "status",
        label: "Status",
        sortable: true,
        render: (r) => html`<span class="whitespace-nowrap">${authorizationStatusBadge(r.status)}${editedMark(r, "status")}</span>`,
      },
      { key: "payer", label: "Payer", sortable: true, render: (r) => (r.payer ? html`<span class="whitespace-nowrap">${r.payer}${editedMark(r, "payer")}</span>` : null) },
      { key: "service_start", label: "Service start", sortable: true, render: (r) => (r.service_start ? html`${dayCell(r.service_start)}${editedMark(r, "service_start")}` : null) },
      { key: "service_end", label: "Service end", sortable: true, render: (r) => (r.service_end ? html`${dayCell(r.service_end)}${editedMark(r, "service_end")}` : null) },
      {
        key: "updated_at",
        label: "Updated",
        sortable: true,
        render: (r) => html`<span class="whitespace-nowrap text-slate-500" title="${formatDateTime(r.updated_at)}">${formatRelative(r.updated_at)}</span>`,
      },
      {
        key: "actions",
        label: "Actions",
        srOnlyLabel: true,
        align: "right",
        emptyText: "",
        render: (r) => html`<div class="flex justify-end gap-0.5">
            <button type="button" class="btn-icon size-8" data-action="edit" title="${canEdit ? "Edit" : "View"}"
              aria-label="${canEdit ? "Edit" : "View"} ${r.patient_name}'s authorization">${icon(canEdit ? "pencil" : "eye", "size-4")}</button>
            <button type="button" class="btn-icon size-8" data-action="history" title="History"
              aria-label="History of ${r.patient_name}'s authorization">${icon("history", "size-4")}</button>
          </div>`,
      },
    ],
    fetchPage: ({ page, perPage, sort, filters, signal }) =>
      api.get("/api/authorizations", { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (r) => ({
      "data-authorization-id": r.id,
      "data-authorization-number": r.authorization_number || "",
      "data-status": r.status || "",
      "data-edited": String(r.is_manually_edited),
      "data-needs-review": String(r.needs_review),
      "data-missing": String(r.missing_from_source),
    }),
    empty: {
      icon: "authorizations",
      title: "No authorizations yet",
      message: canEdit
        ? "Sync the payer portal to read its authorization table. Corrections you make here are kept through later syncs."
        : "They appear after an editor syncs the payer portal.",
      action: emptyAction,
      filteredTitle: "No authorizations match",
      filteredMessage: "Try another search, or clear the filters.",
    },
    onStateChange: (state) => {
      updateControls(state);
      url.onStateChange(state);
    },
    onRowClick: (row, event) => openEditor(row.id, event.target.closest("tr")?.querySelector("[data-action='edit']")),
  });

  /* ------------------------------------------------------------ layout */

  root.replaceChildren(
    pageHeader({
      title: "Authorizations",
      description: "Patient authorizations read from the payer portal. Corrections made here are kept through later syncs.",
      actions: html`${exportLink}${sync.button}`,
    }),
    sync.panel,
    reviewBanner,
    htmlEl`<section class="card" aria-label="Authorization records">
      <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-3 sm:px-5" role="search" aria-label="Filter authorizations">
        <div class="relative w-full sm:w-72">
          <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("search", "size-4")}</span>
          ${search}
        </div>
        ${statusSelect}
        ${toggles}
        ${clearButton}
      </div>
      ${table.el}
    </section>`,
  );

  /* ------------------------------------------------------------ filter controls → table */

  function updateControls(state) {
    const filters = state.filters;
    if (document.activeElement !== search) search.value = filters.q || "";
    statusSelect.value = filters.status || "";
    showFlagToggles(toggles, filters);
    clearButton.hidden = !LIST.filtered(state);
    exportLink.href = LIST.exportHref("/api/authorizations/export.csv", state);
    updateReviewBanner();
  }

  const setFilter = (key, value) => setListFilter(table, key, value);

  const searching = wireSearch(search, (q) => {
    if ((table.getState().filters.q || "") !== q) setFilter("q", q);
  });
  statusSelect.addEventListener("change", () => setFilter("status", statusSelect.value));
  wireFlagToggles(toggles, table);
  clearButton.addEventListener("click", () => {
    searching.cancel();
    search.value = "";
    table.setState({ filters: {} });
    search.focus();
  });

  /* ------------------------------------------------------------ records needing review */

  let reviewCount = 0;
  function updateReviewBanner() {
    const filteringReview = table.getState().filters.needs_review === "true";
    reviewBanner.hidden = !reviewCount || filteringReview;
    reviewBanner.querySelector("[data-review-text]").textContent =
      `${plural(reviewCount, "record needs", "records need")} review: the source changed a value that a person corrected.`;
  }
  async function refreshReviewCount() {
    try {
      const { total } = await api.get("/api/authorizations", { needs_review: "true", per_page: 1 });
      reviewCount = total || 0;
    } catch {
      reviewCount = 0;
    }
    updateReviewBanner();
  }
  reviewBanner.querySelector("[data-action='show-review']").addEventListener("click", () => {
    setFilter("needs_review", "true");
  });

  /* ------------------------------------------------------------ editor and history */

  let editor = null;
  let drawer = null;
  let opening = false;

  async function openEditor(id, opener) {
    if (opening || document.querySelector("dialog[open]")) return;
    opening = true;
    try {
      editor = await openRecordEditor(AUTHORIZATIONS, {
        id,
        user,
        opener: opener || document.activeElement,
        onChanged: (record) => {
          table.updateRow(record);
          drawer?.externalChange(record);
          refreshReviewCount();
        },
        onHistory: (record, button) => openHistory(record, button),
      });
      editor?.closed.then(() => (editor = null));
    } finally {
      opening = false;
    }
  }

  function openHistory(record, opener) {
    drawer = openHistoryDrawer(AUTHORIZATIONS, {
      record,
      user,
      opener,
      onChanged: (updated) => {
        table.updateRow(updated);
        editor?.externalChange(updated);
        refreshReviewCount();
      },
    });
    drawer.closed.then(() => (drawer = null));
  }

  const rowRecord = (button) => {
    const id = Number(button.closest("tr[data-authorization-id]").dataset.authorizationId);
    return table.rows().find((r) => r.id === id);
  };
  on(table.el, "click", "button[data-action='edit']", (_event, button) => openEditor(rowRecord(button).id, button));
  on(table.el, "click", "button[data-action='history']", (_event, button) => openHistory(rowRecord(button), button));

  /* ------------------------------------------------------------ syncs */

  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source !== "portal") return;
    table.reload({ quiet: true });
    refreshReviewCount();
  });

  return {
    show(params) {
      url.show(params);
      refreshReviewCount();
      watcher.discover();
    },
    hide() {
      searching.cancel();
    },
  };
}
