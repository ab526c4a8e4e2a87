// Drug classes: DailyMed's pharmacologic classes (EPC, MOA, PE, CI) with the number of drugs in
// each, declared for the list-screen builder (list-screen.js): search by name, filter by type,
// how many classes of each type there are. A class's row leads to the Drugs screen filtered by
// that class; editors correct a class in the edit modal. Reloaded when a DailyMed sync ends.
//
// Hooks: #drug-classes-search, #drug-classes-type, #drug-classes-edited,
// #drug-classes-needs-review, #drug-classes-clear, #drug-classes-export, #drug-classes-table
// tr[data-drug-class-id] (data-class-type, data-edited), a[data-action=drugs],
// button[data-action=edit|history], [data-type-count=<type>]; admins: #dailymed-check.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { formatNumber, plural } from "../format.js";
import { classTypeBadge, classTypeName, classTypeOption, DRUG_CLASSES } from "./drug-fields.js";
import { editedMark, titleCell } from "./record-fields.js";
import { updatedColumn } from "./list-columns.js";
import { choice, flags, pinned, search } from "./list-filters.js";
import { mountListScreen } from "./list-screen.js";
import { mountDailymedCheck } from "./dailymed-check.js";

/** How many classes of each type there are (one small request per type). */
function typeCounts({ dataset }) {
  const el = htmlEl`<p class="flex flex-wrap items-center gap-1.5 text-xs text-slate-500" data-type-counts></p>`;
  const types = dataset.fields.byName.class_type.choices;
  async function refresh() {
    try {
      const counts = await Promise.all(
        types.map((type) => api.get(dataset.apiPath, { class_type: type, per_page: 1 }).then((r) => r.total || 0)),
      );
      el.replaceChildren(
        htmlEl`<span class="font-medium text-slate-600" data-type-counts-label>Classes by type:</span>`,
        ...types.map(
          (type, i) => htmlEl`<span class="inline-flex items-center gap-1" title="${plural(counts[i], "class", "classes")} of type ${classTypeName(type)}" data-type-count="${type}">${classTypeBadge(type)}<span class="tabular-nums">${formatNumber(counts[i])}</span></span>`,
        ),
      );
    } catch {
      el.replaceChildren();
    }
  }
  return { el, refresh };
}

const drugsLink = (c) => html`<a href="#/drugs?drug_class_id=${c.id}" data-action="drugs" class="inline-flex items-center gap-1 font-medium text-brand-700 tabular-nums underline-offset-2 hover:underline"
    aria-label="Show the ${formatNumber(c.drug_count ?? 0)} drugs of ${c.name}">${formatNumber(c.drug_count ?? 0)}${icon("chevron-right", "size-3.5")}</a>`;

const SCREEN = {
  name: "drug-classes",
  title: "Drug classes",
  description: "Pharmacologic classes from DailyMed and the drugs in each. Select a class to see its drugs.",
  dataset: DRUG_CLASSES,
  caption: "Drug classes",
  itemLabel: ["class", "classes"],
  sort: "name",
  rowId: "data-drug-class-id",
  rowAttributes: (c) => ({ "data-class-type": c.class_type }),
  columns: ({ dataset }) => [
    { key: "name", label: "Class", sortable: true, render: (c) => titleCell(dataset, c, "name") },
    {
      key: "class_type",
      label: "Type",
      sortable: true,
      render: (c) => html`<span class="inline-flex items-center gap-2 whitespace-nowrap">${classTypeBadge(c.class_type)}<span class="text-xs text-slate-500 max-lg:hidden">${classTypeName(c.class_type)}</span>${editedMark(c, "class_type")}</span>`,
    },
    { key: "code", label: "Code", sortable: true, render: (c) => html`<span class="font-mono text-xs text-slate-600">${c.code}</span>` },
    { key: "drug_count", label: "Drugs", sortable: true, align: "right", render: drugsLink },
    updatedColumn(),
  ],
  actions: ["edit", "history"],
  names: (c) => c.name,
  filters: [
    search({ id: "drug-classes-search", placeholder: "Search by class name", label: "Search drug classes by name" }),
    choice({
      key: "class_type",
      id: "drug-classes-type",
      label: "Filter by class type",
      all: "All class types",
      from: [DRUG_CLASSES, "class_type"],
      optionLabel: classTypeOption,
      className: "w-full sm:w-56",
    }),
    pinned({ key: "changed_by_run", id: "drug-classes-changed-by-run", label: "Changed by run" }),
    pinned({ key: "id", id: "drug-classes-record", label: "Record #" }),
    ...flags("drug-classes", ["edited", "needs_review"]),
  ],
  empty: () => ({
    icon: "drug-classes",
    title: "No drug classes yet",
    message: "Classes appear after a DailyMed sync (the Sync DailyMed button is on the Drugs screen).",
    filteredTitle: "No classes match",
    filteredMessage: "Try another name or type, or clear the filters.",
  }),
  refreshOn: "dailymed",
  extra: typeCounts,
  rowClick: (c, { router }) => router.navigate("drugs", { drug_class_id: c.id }),
};

export async function mount(root, context) {
  const screen = await mountListScreen(root, context, SCREEN);
  mountDailymedCheck(root, context); // admins: the DailyMed contract check under the list
  return screen;
}
