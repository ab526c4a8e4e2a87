// Drug classes: DailyMed's pharmacologic classes (EPC, MOA, PE, CI) with the number of drugs in
// each; search by name, filter by type, sort and paging kept in the URL
// (#/drug-classes?q=…&class_type=MOA&sort=-drug_count), CSV export of exactly that. A class's row
// leads to the Drugs screen filtered by that class; editors correct a class in the edit modal.
//
// Hooks: #drug-classes-search, #drug-classes-type, #drug-classes-edited, #drug-classes-clear,
// #drug-classes-export, #drug-classes-table tr[data-drug-class-id] (data-class-type,
// data-edited), a[data-action=drugs], button[data-action=edit|history].
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatNumber, formatRelative } from "../format.js";
import { createDataTable, pageHeader } from "../ui.js";
import { CLASS_TYPES, CLASS_TYPE_VALUES, DRUG_CLASSES, classTypeBadge, classTypeName } from "./drug-fields.js";
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

const DEFAULT_SORT = "name";
const DEFAULT_PER_PAGE = 25;
const LIST = listState({
  filters: { q: text, class_type: oneOf(CLASS_TYPE_VALUES), edited: flag, needs_review: flag },
  sort: DEFAULT_SORT,
  perPage: DEFAULT_PER_PAGE,
});

export function mount(root, context) {
  const { user, router } = context;
  const canEdit = user.can("editor");
  const url = urlSync({ router, name: "drug-classes", state: LIST, table: () => table });

  const exportLink = htmlEl`<a id="drug-classes-export" class="btn btn-secondary" href="/api/drug-classes/export.csv" download
      title="Download the classes the table shows (all pages) as CSV">${icon("download", "size-4")}Export CSV</a>`;
  const search = htmlEl`<input id="drug-classes-search" type="search" class="input pl-9" placeholder="Search by class name"
      aria-label="Search drug classes by name" autocomplete="off" spellcheck="false" maxlength="200">`;
  const typeSelect = htmlEl`<select id="drug-classes-type" class="select w-full sm:w-56" aria-label="Filter by class type">
      <option value="">All class types</option>
      ${CLASS_TYPES.map((t) => html`<option value="${t.value}">${t.value} — ${t.label}</option>`)}</select>`;
  const toggles = [
    { key: "edited", id: "drug-classes-edited", label: "Edited only" },
    { key: "needs_review", id: "drug-classes-needs-review", label: "Needs review" },
  ].map((f) => htmlEl`<label class="toggle-chip"><input type="checkbox" id="${f.id}" data-flag="${f.key}"><span>${f.label}</span></label>`);
  const clearButton = htmlEl`<button type="button" id="drug-classes-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;
  const typeCounts = htmlEl`<p class="flex flex-wrap gap-1.5 text-xs text-slate-500" data-type-counts></p>`;

  const drugsLink = (c) => `#/drugs?drug_class_id=${c.id}`;

  const table = createDataTable({
    id: "drug-classes-table",
    caption: "Drug classes",
    itemLabel: ["class", "classes"],
    perPage: DEFAULT_PER_PAGE,
    perPageOptions: [10, 25, 50, 100],
    dense: true,
    sort: DEFAULT_SORT,
    columns: [
      {
        key: "name",
        label: "Class",
        sortable: true,
        render: (c) => titleCell(DRUG_CLASSES, c, "name"),
      },
      {
        key: "class_type",
        label: "Type",
        sortable: true,
        render: (c) => html`<span class="inline-flex items-center gap-2 whitespace-nowrap">${classTypeBadge(c.class_type)}<span class="text-xs text-slate-500 max-lg:hidden">${classTypeName(c.class_type)}</span>${editedMark(c, "class_type")}</span>`,
      },
      { key: "code", label: "Code", sortable: true, render: (c) => html`<span class="font-mono text-xs text-slate-600">${c.code}</span>` },
      {
        key: "drug_count",
        label: "Drugs",
        sortable: true,
        align: "right",
        render: (c) => html`<a href="${drugsLink(c)}" data-action="drugs" class="inline-flex items-center gap-1 font-medium text-brand-700 tabular-nums underline-offset-2 hover:underline"
            aria-label="Show the ${formatNumber(c.drug_count ?? 0)} drugs of ${c.name}">${formatNumber(c.drug_count ?? 0)}${icon("chevron-right", "size-3.5")}</a>`,
      },
      {
        key: "updated_at",
        label: "Updated",
        sortable: true,
        render: (c) => html`<span class="whitespace-nowrap text-slate-500" title="${formatDateTime(c.updated_at)}">${formatRelative(c.updated_at)}</span>`,
      },
      {
        key: "actions",
        label: "Actions",
        srOnlyLabel: true,
        align: "right",
        emptyText: "",
        render: (c) => html`<div class="flex justify-end gap-0.5">
            <button type="button" class="btn-icon size-8" data-action="edit" title="${canEdit ? "Edit" : "View"}" aria-label="${canEdit ? "Edit" : "View"} ${c.name}">${icon(canEdit ? "pencil" : "eye", "size-4")}</button>
            <button type="button" class="btn-icon size-8" data-action="history" title="History" aria-label="History of ${c.name}">${icon("history", "size-4")}</button>
          </div>`,
      },
    ],
    fetchPage: ({ page, perPage, sort, filters, signal }) => api.get("/api/drug-classes", { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (c) => ({
      "data-drug-class-id": c.id,
      "data-class-type": c.class_type,
      "data-edited": String(c.is_manually_edited),
      "data-needs-review": String(c.needs_review),
    }),
    empty: {
      icon: "drug-classes",
      title: "No drug classes yet",
      message: "Classes appear after a DailyMed sync (the Sync DailyMed button is on the Drugs screen).",
      filteredTitle: "No classes match",
      filteredMessage: "Try another name or type, or clear the filters.",
    },
    onStateChange: (state) => {
      updateControls(state);
      url.onStateChange(state);
    },
    onRowClick: (c) => router.navigate("drugs", { drug_class_id: c.id }),
  });

  root.replaceChildren(
    pageHeader({
      title: "Drug classes",
      description: "Pharmacologic classes from DailyMed and the drugs in each. Select a class to see its drugs.",
      actions: exportLink,
    }),
    htmlEl`<section class="card" aria-label="Drug classes">
      <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-3 sm:px-5" role="search" aria-label="Filter drug classes">
        <div class="relative w-full sm:w-72">
          <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("search", "size-4")}</span>
          ${search}
        </div>
        ${typeSelect}${toggles}${clearButton}
        <div class="w-full sm:ml-auto sm:w-auto">${typeCounts}</div>
      </div>
      ${table.el}
    </section>`,
  );

  function updateControls(state) {
    const { filters } = state;
    if (document.activeElement !== search) search.value = filters.q || "";
    typeSelect.value = filters.class_type || "";
    showFlagToggles(toggles, filters);
    clearButton.hidden = !LIST.filtered(state);
    exportLink.href = LIST.exportHref("/api/drug-classes/export.csv", state);
  }

  const setFilter = (key, value) => setListFilter(table, key, value);

  const searching = wireSearch(search, (q) => {
    if ((table.getState().filters.q || "") !== q) setFilter("q", q);
  });
  typeSelect.addEventListener("change", () => setFilter("class_type", typeSelect.value));
  wireFlagToggles(toggles, table);
  clearButton.addEventListener("click", () => {
    searching.cancel();
    search.value = "";
    table.setState({ filters: {} });
    search.focus();
  });

  /** How many classes of each type there are (one small request per type). */
  async function refreshTypeCounts() {
    try {
      const counts = await Promise.all(
        CLASS_TYPE_VALUES.map((type) => api.get("/api/drug-classes", { class_type: type, per_page: 1 }).then((r) => r.total || 0)),
      );
      typeCounts.replaceChildren(
        ...CLASS_TYPES.map(
          (t, i) => htmlEl`<span class="inline-flex items-center gap-1" title="${t.label}" data-type-count="${t.value}">${classTypeBadge(t.value)}<span class="tabular-nums">${formatNumber(counts[i])}</span></span>`,
        ),
      );
    } catch {
      typeCounts.replaceChildren();
    }
  }

  /* ------------------------------------------------------------ editor and history */

  let editor = null;
  let history = null;
  let opening = false;

  async function openEditor(id, opener) {
    if (opening || editor) return;
    opening = true;
    try {
      editor = await openRecordEditor(DRUG_CLASSES, {
        id,
        user,
        opener,
        onChanged: (record) => {
          table.updateRow(record);
          history?.externalChange(record);
        },
        onHistory: (record, button) => openHistory(record, button),
      });
      editor?.closed.then(() => (editor = null));
    } finally {
      opening = false;
    }
  }

  function openHistory(record, opener) {
    if (history) return;
    history = openHistoryDrawer(DRUG_CLASSES, {
      record,
      user,
      opener,
      onChanged: (updated) => {
        table.updateRow(updated);
        editor?.externalChange(updated);
      },
    });
    history.closed.then(() => (history = null));
  }

  const rowRecord = (button) => {
    const id = Number(button.closest("tr[data-drug-class-id]").dataset.drugClassId);
    return table.rows().find((c) => c.id === id);
  };
  on(table.el, "click", "button[data-action='edit']", (_event, button) => openEditor(rowRecord(button).id, button));
  on(table.el, "click", "button[data-action='history']", (_event, button) => openHistory(rowRecord(button), button));

  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source !== "dailymed") return;
    table.reload({ quiet: true });
    refreshTypeCounts();
  });

  return {
    show(params) {
      url.show(params);
      refreshTypeCounts();
    },
    hide() {
      searching.cancel();
    },
  };
}
