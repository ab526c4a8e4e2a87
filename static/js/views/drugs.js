// Drugs: DailyMed's labels, declared for the list-screen builder (list-screen.js): search by
// name, by NDC in any printed form, or either; filters by drug class (class-picker.js), class
// type and bookkeeping; the "Sync DailyMed" button with a bar per phase, rows arriving while it
// lists; a row opens the detail drawer (drug-drawer.js).
//
// Hooks: #drugs-search, #drugs-search-mode (any | name | ndc), #drugs-class (class-picker.js),
// #drugs-class-type, #drugs-labeler, #drugs-dosage-form, #drugs-ingredient,
// #drugs-published-from and #drugs-published-to (chips a link sets: the drawer's labeler and
// dosage form, an analytics bar), #drugs-edited, #drugs-needs-review, #drugs-missing, #drugs-clear,
// #drugs-export, #drugs-table tr[data-drug-id][data-set-id] (data-edited / data-needs-review /
// data-missing, badges [data-badge]), button[data-action=details|edit|history];
// #sync-dailymed-button, #sync-dailymed-progress, #sync-dailymed-cancel, #sync-dailymed-phases.
import { html } from "../dom.js";
import { classTypeBadge, classTypeName, classTypeOption, DRUG_CLASSES, DRUGS } from "./drug-fields.js";
import { classPicker } from "./class-picker.js";
import { openDrugDrawer } from "./drug-drawer.js";
import { titleCell } from "./record-fields.js";
import { wholeNumber } from "./record-list.js";
import { dayCell, updatedColumn } from "./list-columns.js";
import { choice, custom, flags, pinned, search } from "./list-filters.js";
import { mountListScreen } from "./list-screen.js";
import { densityToggle } from "./density.js";
import { copyableId } from "./copy-id.js";

// What the search box searches: the API's `q` (a name, or an NDC when the text looks like one),
// `name` or `ndc`.
const SEARCH_MODES = [
  { key: "q", value: "any", label: "Name or NDC", placeholder: "Search by name or NDC" },
  { key: "name", value: "name", label: "Name", placeholder: "Search by name" },
  { key: "ndc", value: "ndc", label: "NDC", placeholder: "NDC in any form: 0002-3227-30, 00002322730…" },
];
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

/** The class picker as a filter: drug_class_id, narrowed to the chosen class type. */
const classFilter = custom({
  key: "drug_class_id",
  parse: wholeNumber,
  create({ setFilter, filters }) {
    const picker = classPicker({
      id: "drugs-class",
      classType: () => filters().class_type || "",
      onChoose: (drugClass) => setFilter("drug_class_id", drugClass ? String(drugClass.id) : ""),
    });
    return { el: picker.el, update: (current) => picker.set(current.drug_class_id || "") };
  },
});

const SCREEN = {
  name: "drugs",
  title: "Drugs",
  description: "Drug labels from DailyMed with their NDC codes, ingredients and classes. Corrections made here are kept through later syncs.",
  dataset: DRUGS,
  caption: "Drugs",
  itemLabel: ["drug", "drugs"],
  sort: "title",
  rowId: "data-drug-id",
  rowAttributes: (d) => ({ "data-set-id": d.set_id }),
  columns: ({ dataset }) => [
    { key: "title", label: "Title", sortable: true, render: (d) => titleCell(dataset, d, "title", { textClass: "text-pretty", boxClass: "max-w-xl" }) },
    { key: "classes", label: "Classes", headerClassName: "max-lg:hidden", className: "max-lg:hidden", render: classesCell },
    { key: "published_date", label: "Published", sortable: true, render: (d) => dayCell(d, "published_date") },
    { key: "spl_version", label: "Version", sortable: true, align: "right", title: "The label's version on DailyMed", render: (d) => d.spl_version },
    {
      key: "set_id",
      label: "Set id",
      sortable: true,
      headerClassName: "max-xl:hidden",
      className: "max-xl:hidden",
      render: (d) => copyableId(d.set_id, { label: "set id" }),
    },
    updatedColumn(),
  ],
  actions: ["details", "edit", "history"],
  editorsOnly: true,
  names: (d) => d.title,
  filters: [
    search({ id: "drugs-search", label: "Search drugs", modes: SEARCH_MODES }),
    classFilter,
    choice({
      key: "class_type",
      id: "drugs-class-type",
      label: "Filter by class type",
      all: "All class types",
      from: [DRUG_CLASSES, "class_type"],
      optionLabel: classTypeOption,
      className: "w-full sm:w-56",
    }),
    pinned({ key: "labeler", id: "drugs-labeler", label: "Labeler" }),
    pinned({ key: "dosage_form", id: "drugs-dosage-form", label: "Dosage form" }),
    pinned({ key: "ingredient", id: "drugs-ingredient", label: "Ingredient" }),
    pinned({ key: "published_from", id: "drugs-published-from", label: "Published from" }),
    pinned({ key: "published_to", id: "drugs-published-to", label: "Published to" }),
    pinned({ key: "changed_by_run", id: "drugs-changed-by-run", label: "Changed by run" }),
    pinned({ key: "id", id: "drugs-record", label: "Record #" }),
    ...flags("drugs", ["edited", "needs_review", "missing"], {
      edited: "Drugs a person corrected",
      needs_review: "DailyMed changed a value a person corrected",
    }),
  ],
  empty: (canEdit) => ({
    icon: "drugs",
    title: "No drugs yet",
    message: canEdit
      ? "Sync DailyMed to read its drug classes, the labels in each, and their NDC codes and ingredients."
      : "They appear after an editor syncs DailyMed.",
    filteredTitle: "No drugs match",
    filteredMessage: "Try another name or NDC, another class, or clear the filters.",
  }),
  exportForms: [{ form: "ndcs", label: "NDCs CSV", title: "Download one row per NDC of the drugs the table shows, with each drug's fields (for pharmacy systems)" }],
  sync: { source: "dailymed", label: "Sync DailyMed", live: true },
  rowClick: "details",
  detail: (options) => openDrugDrawer({ ...options, onFilter: (filters) => options.router.navigate("drugs", filters) }),
  searchedFor: (filters) => filters.ndc || filters.q || "",
  extra: densityToggle("drugs"),
};

export const mount = (root, context) => mountListScreen(root, context, SCREEN);
