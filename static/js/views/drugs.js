// Drugs: DailyMed's labels with server-side search (by name, by NDC in any printed form, or
// either), filters by drug class and class type, sort and paging — all kept in the URL
// (#/drugs?q=…&drug_class_id=…&class_type=EPC&sort=…&page=…) — CSV export of exactly that, the
// "Sync DailyMed" button with a bar per phase, the detail drawer (drug-drawer.js), the edit
// modal (record-editor.js) and the history drawer (record-history.js).
//
// Hooks: #drugs-search, #drugs-search-mode (any | name | ndc), #drugs-class (class-picker.js),
// #drugs-class-type, #drugs-edited, #drugs-needs-review, #drugs-missing, #drugs-clear,
// #drugs-export, #drugs-table tr[data-drug-id][data-set-id] (data-edited / data-needs-review /
// data-missing, badges [data-badge]), button[data-action=details|edit|history];
// #sync-dailymed-button, #sync-dailymed-progress, #sync-dailymed-cancel, #sync-dailymed-phases.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatDay, formatRelative } from "../format.js";
import { createDataTable, pageHeader } from "../ui.js";
import { syncControl, syncWatcher } from "../sync.js";
import { CLASS_TYPES, CLASS_TYPE_VALUES, DRUGS, classTypeBadge, classTypeName } from "./drug-fields.js";
import { classPicker } from "./class-picker.js";
import { openDrugDrawer } from "./drug-drawer.js";
import { editedMark, titleCell } from "./record-fields.js";
import { openRecordEditor } from "./record-editor.js";
import { openHistoryDrawer } from "./record-history.js";
import {
  flag,
  listState,
  oneOf,
  text,
  urlSync,
  wholeNumber,
  wireSearch,
  setFilter as setListFilter,
  showFlagToggles,
  wireFlagToggles,
} from "./record-list.js";

const DEFAULT_SORT = "title";
const DEFAULT_PER_PAGE = 25;
const LIVE_RELOAD_MS = 3000;
// What the search box searches: the API's `q` (a name, or an NDC when the text looks like one),
// `name` or `ndc`.
const SEARCH_MODES = [
  { key: "q", value: "any", label: "Name or NDC", placeholder: "Search by name or NDC" },
  { key: "name", value: "name", label: "Name", placeholder: "Search by name" },
  { key: "ndc", value: "ndc", label: "NDC", placeholder: "NDC in any form: 0002-3227-30, 00002322730…" },
];
const FLAGS = [
  { key: "edited", id: "drugs-edited", label: "Edited only", title: "Drugs a person corrected" },
  { key: "needs_review", id: "drugs-needs-review", label: "Needs review", title: "DailyMed changed a value a person corrected" },
  { key: "missing", id: "drugs-missing", label: "Missing from source", title: "The last complete sync didn't find them" },
];
const LIST = listState({
  filters: {
    q: text,
    name: text,
    ndc: text,
    drug_class_id: wholeNumber,
    class_type: oneOf(CLASS_TYPE_VALUES),
    ...Object.fromEntries(FLAGS.map((f) => [f.key, flag])),
  },
  sort: DEFAULT_SORT,
  perPage: DEFAULT_PER_PAGE,
});

export function mount(root, context) {
  const { user, router } = context;
  const canEdit = user.can("editor");
  const watcher = syncWatcher("dailymed");
  const sync = syncControl({ source: "dailymed", user, idPrefix: "sync-dailymed", label: "Sync DailyMed" });
  const url = urlSync({ router, name: "drugs", state: LIST, table: () => table });

  /* ------------------------------------------------------------ header and filters */

  const exportLink = htmlEl`<a id="drugs-export" class="btn btn-secondary" href="/api/drugs/export.csv" download
      title="Download the drugs the table shows (all pages) as CSV">${icon("download", "size-4")}Export CSV</a>`;
  const search = htmlEl`<input id="drugs-search" type="search" class="input pl-9" placeholder="${SEARCH_MODES[0].placeholder}"
      aria-label="Search drugs" autocomplete="off" spellcheck="false" maxlength="200">`;
  const searchMode = htmlEl`<select id="drugs-search-mode" class="select w-auto" aria-label="Search by">
      ${SEARCH_MODES.map((m) => html`<option value="${m.value}">${m.label}</option>`)}</select>`;
  const classType = htmlEl`<select id="drugs-class-type" class="select w-full sm:w-56" aria-label="Filter by class type">
      <option value="">All class types</option>
      ${CLASS_TYPES.map((t) => html`<option value="${t.value}">${t.value} — ${t.label}</option>`)}</select>`;
  const picker = classPicker({
    id: "drugs-class",
    classType: () => classType.value,
    onChoose: (drugClass) => setFilter("drug_class_id", drugClass ? String(drugClass.id) : ""),
  });
  const toggles = FLAGS.map(
    (f) => htmlEl`<label class="toggle-chip" title="${f.title}"><input type="checkbox" id="${f.id}" data-flag="${f.key}"><span>${f.label}</span></label>`,
  );
  const clearButton = htmlEl`<button type="button" id="drugs-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;

  /* ------------------------------------------------------------ the table */

  const emptyAction = canEdit
    ? htmlEl`<button type="button" class="btn btn-primary" id="drugs-empty-sync">${icon("refresh", "size-4")}Sync DailyMed now</button>`
    : null;
  emptyAction?.addEventListener("click", () => watcher.start());
  if (emptyAction) watcher.subscribe((state) => (emptyAction.disabled = state.active));

  const table = createDataTable({
    id: "drugs-table",
    caption: "Drugs",
    itemLabel: ["drug", "drugs"],
    perPage: DEFAULT_PER_PAGE,
    perPageOptions: [10, 25, 50, 100],
    dense: true,
    sort: DEFAULT_SORT,
    columns: [
      {
        key: "title",
        label: "Title",
        sortable: true,
        render: (d) => titleCell(DRUGS, d, "title", { textClass: "text-pretty", boxClass: "max-w-xl" }),
      },
      {
        key: "classes",
        label: "Classes",
        headerClassName: "max-lg:hidden",
        className: "max-lg:hidden",
        render: classesCell,
      },
      {
        key: "published_date",
        label: "Published",
        sortable: true,
        render: (d) => (d.published_date ? html`<span class="whitespace-nowrap tabular-nums">${formatDay(d.published_date)}</span>${editedMark(d, "published_date")}` : null),
      },
      { key: "spl_version", label: "Version", sortable: true, align: "right", title: "The label's version on DailyMed", render: (d) => d.spl_version },
      {
        key: "set_id",
        label: "Set id",
        sortable: true,
        headerClassName: "max-xl:hidden",
        className: "max-xl:hidden",
        render: (d) => html`<span class="font-mono text-[11px] whitespace-nowrap text-slate-500" title="${d.set_id}">${d.set_id.slice(0, 8)}…</span>`,
      },
      {
        key: "updated_at",
        label: "Updated",
        sortable: true,
        render: (d) => html`<span class="whitespace-nowrap text-slate-500" title="${formatDateTime(d.updated_at)}">${formatRelative(d.updated_at)}</span>`,
      },
      {
        key: "actions",
        label: "Actions",
        srOnlyLabel: true,
        align: "right",
        emptyText: "",
        render: (d) => html`<div class="flex justify-end gap-0.5">
            <button type="button" class="btn-icon size-8" data-action="details" title="Details" aria-label="Details of ${d.title}">${icon("eye", "size-4")}</button>
            ${canEdit ? html`<button type="button" class="btn-icon size-8" data-action="edit" title="Edit" aria-label="Edit ${d.title}">${icon("pencil", "size-4")}</button>` : ""}
            <button type="button" class="btn-icon size-8" data-action="history" title="History" aria-label="History of ${d.title}">${icon("history", "size-4")}</button>
          </div>`,
      },
    ],
    fetchPage: ({ page, perPage, sort, filters, signal }) => api.get("/api/drugs", { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (d) => ({
      "data-drug-id": d.id,
      "data-set-id": d.set_id,
      "data-edited": String(d.is_manually_edited),
      "data-needs-review": String(d.needs_review),
      "data-missing": String(d.missing_from_source),
    }),
    empty: {
      icon: "drugs",
      title: "No drugs yet",
      message: canEdit
        ? "Sync DailyMed to read its drug classes, the labels in each, and their NDC codes and ingredients."
        : "They appear after an editor syncs DailyMed.",
      action: emptyAction,
      filteredTitle: "No drugs match",
      filteredMessage: "Try another name or NDC, another class, or clear the filters.",
    },
    onStateChange: (state) => {
      updateControls(state);
      url.onStateChange(state);
    },
    onRowClick: (row, event) => openDrawer(row.id, event.target.closest("tr")?.querySelector("[data-action='details']")),
  });

  root.replaceChildren(
    pageHeader({
      title: "Drugs",
      description: "Drug labels from DailyMed with their NDC codes, ingredients and classes. Corrections made here are kept through later syncs.",
      actions: html`${exportLink}${sync.button}`,
    }),
    sync.panel,
    htmlEl`<section class="card" aria-label="Drugs">
      <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-3 sm:px-5" role="search" aria-label="Filter drugs">
        <div class="flex w-full sm:w-auto">
          <div class="relative min-w-0 flex-1 sm:w-72">
            <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("search", "size-4")}</span>
            ${search}
          </div>
          ${searchMode}
        </div>
        ${picker.el}
        ${classType}
        ${toggles}
        ${clearButton}
      </div>
      ${table.el}
    </section>`,
  );
  // The mode select sits flush against the search box.
  search.classList.add("rounded-r-none");
  searchMode.classList.add("-ml-px", "rounded-l-none", "bg-slate-50");

  /* ------------------------------------------------------------ filter controls → table */

  const modeOf = (filters) => SEARCH_MODES.find((m) => filters[m.key]) || SEARCH_MODES.find((m) => m.value === searchMode.value);

  function updateControls(state) {
    const { filters } = state;
    const mode = modeOf(filters);
    searchMode.value = mode.value;
    search.placeholder = mode.placeholder;
    if (document.activeElement !== search) search.value = filters[mode.key] || "";
    classType.value = filters.class_type || "";
    picker.set(filters.drug_class_id || "");
    showFlagToggles(toggles, filters);
    clearButton.hidden = !LIST.filtered(state);
    exportLink.href = LIST.exportHref("/api/drugs/export.csv", state);
  }

  const setFilter = (key, value) => setListFilter(table, key, value);

  /** Search `value` the way the mode select says (replacing a search of another mode). */
  function setSearch(value) {
    const mode = SEARCH_MODES.find((m) => m.value === searchMode.value);
    const filters = { ...table.getState().filters };
    for (const m of SEARCH_MODES) delete filters[m.key];
    if (value) filters[mode.key] = value;
    if (!LIST.same({ ...table.getState(), filters }, table.getState())) table.setState({ filters });
  }

  const searching = wireSearch(search, setSearch);
  searchMode.addEventListener("change", () => {
    search.placeholder = SEARCH_MODES.find((m) => m.value === searchMode.value).placeholder;
    setSearch(search.value.trim());
    search.focus();
  });
  classType.addEventListener("change", () => setFilter("class_type", classType.value));
  wireFlagToggles(toggles, table);
  clearButton.addEventListener("click", () => {
    searching.cancel();
    search.value = "";
    table.setState({ filters: {} });
    search.focus();
  });

  /* ------------------------------------------------------------ drawer, editor and history */

  let drawer = null;
  let editor = null;
  let history = null;
  let opening = false;

  const currentSearch = () => {
    const { filters } = table.getState();
    return filters.ndc || filters.q || "";
  };

  function changed(record, from) {
    table.updateRow(record);
    if (from !== drawer) drawer?.externalChange(record);
    if (from !== editor) editor?.externalChange(record);
    if (from !== history) history?.externalChange(record);
  }

  function openDrawer(id, opener) {
    if (drawer || document.querySelector("dialog[open]")) return;
    drawer = openDrugDrawer({
      id,
      user,
      search: currentSearch(),
      opener: opener || document.activeElement,
      onEdit: (drug, button) => openEditor(drug.id, button),
      onHistory: (drug, button) => openHistory(drug, button),
      onClass: (classId) => router.navigate("drugs", { drug_class_id: classId }),
    });
    drawer.closed.then(() => (drawer = null));
  }

  async function openEditor(id, opener) {
    if (opening || editor) return;
    opening = true;
    try {
      editor = await openRecordEditor(DRUGS, {
        id,
        user,
        opener: opener || document.activeElement,
        onChanged: (record) => changed(record, editor),
        onHistory: (record, button) => openHistory(record, button),
      });
      editor?.closed.then(() => (editor = null));
    } finally {
      opening = false;
    }
  }

  function openHistory(record, opener) {
    if (history) return;
    history = openHistoryDrawer(DRUGS, { record, user, opener, onChanged: (updated) => changed(updated, history) });
    history.closed.then(() => (history = null));
  }

  const rowRecord = (button) => {
    const id = Number(button.closest("tr[data-drug-id]").dataset.drugId);
    return table.rows().find((d) => d.id === id);
  };
  on(table.el, "click", "button[data-action='details']", (_event, button) => openDrawer(rowRecord(button).id, button));
  on(table.el, "click", "button[data-action='edit']", (_event, button) => openEditor(rowRecord(button).id, button));
  on(table.el, "click", "button[data-action='history']", (_event, button) => openHistory(rowRecord(button), button));

  /* ------------------------------------------------------------ syncs */

  // Labels arrive while a sync runs: show them as they are listed (every few seconds at most),
  // and everything at the end.
  let visible = false;
  let shownListing = null;
  let lastReload = 0;
  watcher.subscribe((state) => {
    const details = state.run?.progress?.details;
    if (!visible || !state.active || !details) return;
    const listing = `${details.phase}:${details.labels_listed}`;
    if (listing === shownListing || Date.now() - lastReload < LIVE_RELOAD_MS) return;
    shownListing = listing;
    lastReload = Date.now();
    table.reload({ quiet: true });
  });
  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source === "dailymed") table.reload({ quiet: true });
  });

  return {
    show(params) {
      visible = true;
      url.show(params);
      watcher.discover();
    },
    hide() {
      visible = false;
      searching.cancel();
    },
  };
}

const CLASSES_SHOWN = 2;

/** A row's first classes, each a link to the drugs of that class, and how many more it has. */
function classesCell(drug) {
  const classes = drug.classes || [];
  if (!classes.length) return null;
  const more = classes.length - CLASSES_SHOWN;
  return html`<ul class="flex max-w-xs flex-wrap items-center gap-1" data-drug-classes="${classes.length}">${classes.slice(0, CLASSES_SHOWN).map(
    (c) => html`<li><a href="#/drugs?drug_class_id=${c.id}" class="inline-flex max-w-[14rem] items-center gap-1 rounded-md px-1 py-0.5 text-xs text-slate-700 hover:bg-brand-50 hover:text-brand-700"
        data-drug-class-id="${c.id}" title="${classTypeName(c.class_type)}: ${c.name} — show the drugs of this class">${classTypeBadge(c.class_type)}<span class="truncate">${c.name}</span></a></li>`,
  )}${more > 0 ? html`<li class="text-xs text-slate-500" title="${classes.slice(CLASSES_SHOWN).map((c) => c.name).join(", ")}">+${more} more</li>` : ""}</ul>`;
}

