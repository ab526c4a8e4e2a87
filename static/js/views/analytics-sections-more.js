// The Analytics screen's later sections — source links, time, connections, forms and
// ingredients — declared as analytics-sections.js explains, with the column helpers both share.
import { htmlEl } from "../dom.js";
import { formatDay, formatPercent } from "../format.js";

export const count = (key, label) => ({ key, label, numeric: true });
export const share = { key: "share", label: "Share", numeric: true, render: (row) => formatPercent(row.share) };
export const classColumns = [
  { key: "name", label: "Class" },
  { key: "class_type", label: "Type" },
  { key: "code", label: "Code" },
  count("labels", "Labels"),
];
// A record listed for its source link opens at its own screen. Results stored before the
// server named every record may lack a name: the record's kind and id stand in.
const RECORD_SCREENS = { drugs: ["drugs", "Label"], authorizations: ["authorizations", "Authorization"] };
const recordName = (row) => row.name || `${RECORD_SCREENS[row.dataset]?.[1] || "Record"} #${row.id}`;
function recordLink(row) {
  const [screen] = RECORD_SCREENS[row.dataset] || [];
  if (!screen) return recordName(row);
  return htmlEl`<a class="font-medium text-brand-700 underline-offset-2 hover:underline" data-record="${row.dataset}:${row.id}" href="#/${screen}?id=${row.id}" title="Open this record">${recordName(row)}</a>`;
}
const recordColumns = [
  { key: "dataset", label: "Dataset" },
  { key: "id", label: "Id", numeric: true },
  { key: "name", label: "Name", value: recordName, render: recordLink },
  { key: "link", label: "Link" },
];
const pairName = (c) => `${c.name} (${c.class_type})`;

/** Chronological counts with the empty months (or years) between them put back as zeros, so
 * the time axis is even: [{month: "2024-01", labels: 2}, {month: "2024-03", …}] gains 2024-02. */
function withGaps(rows, key, step) {
  if (!rows?.length) return rows || [];
  const byKey = new Map(rows.map((row) => [String(row[key]), row]));
  const filled = [];
  for (let at = String(rows[0][key]), end = String(rows.at(-1)[key]); ; at = step(at)) {
    filled.push(byKey.get(at) || { [key]: typeof rows[0][key] === "number" ? Number(at) : at, labels: 0 });
    if (at >= end || filled.length > 5000) break;
  }
  return filled;
}
const nextMonth = (month) => {
  const [year, number] = month.split("-").map(Number);
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, "0")}`;
};
const nextYear = (year) => String(Number(year) + 1);

export const LATER_SECTIONS = [
  {
    analysis: "urls",
    title: "Source links",
    description: "Each record's links to its source, by host and path pattern, and the ones missing or malformed.",
    figures: [
      { key: "records", label: "Records" },
      { key: "links", label: "Links" },
      { key: "missing", label: "Missing" },
      { key: "malformed", label: "Malformed" },
    ],
    panels: [
      {
        key: "hosts",
        title: "Links by host and pattern",
        chart: "hbar",
        wide: true,
        rows: (r) => r.data.hosts,
        label: (row) => `${row.host}${row.pattern}`,
        note: "Set ids and numbers in paths are shown as {set_id} and {n}.",
        value: (row) => row.links,
        unit: "links",
        columns: [{ key: "host", label: "Host" }, { key: "pattern", label: "Pattern" }, count("links", "Links")],
      },
      { key: "missing", title: "Missing links", chart: "table", rows: (r) => r.data.missing, columns: recordColumns },
      { key: "malformed", title: "Malformed links", chart: "table", rows: (r) => r.data.malformed, columns: recordColumns },
    ],
  },
  {
    analysis: "time",
    title: "Over time",
    description: "Labels published per month and year, how often labels are revised, and what syncs and people changed.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "undated", label: "Undated" },
      { key: "first_published", label: "First published", format: formatDay },
      { key: "last_published", label: "Last published", format: formatDay },
      { key: "revised_labels", label: "Revised labels" },
    ],
    panels: [
      {
        key: "published_per_month",
        title: "Labels published per month",
        note: "Months without a label count as zero.",
        chart: "line",
        wide: true,
        rows: (r) => withGaps(r.data.published_per_month, "month", nextMonth),
        label: (row) => row.month,
        value: (row) => row.labels,
        unit: "labels",
        axisTitle: "labels",
        columns: [{ key: "month", label: "Month" }, count("labels", "Labels")],
      },
      {
        key: "published_per_year",
        title: "Labels published per year",
        chart: "bar",
        rows: (r) => withGaps(r.data.published_per_year, "year", nextYear),
        label: (row) => row.year,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "year", label: "Year" }, count("labels", "Labels")],
      },
      {
        key: "versions",
        title: "Versions per label",
        note: "How many labels are at version 1, 2, 3…",
        chart: "bar",
        rows: (r) => r.data.versions,
        label: (row) => row.versions,
        value: (row) => row.labels,
        unit: "labels",
        axisTitle: "labels",
        columns: [count("versions", "Version"), count("labels", "Labels"), share],
      },
      {
        key: "changes_per_day",
        title: "Changes per day",
        note: "Field changes recorded in the history, by syncs and by people.",
        chart: "bar",
        wide: true,
        rows: (r) => r.data.changes_per_day,
        label: (row) => row.day,
        series: [
          { label: "by syncs", value: (row) => row.by_sync },
          { label: "by people", value: (row) => row.by_people },
        ],
        columns: [{ key: "day", label: "Day" }, count("changes", "Changes"), count("by_sync", "By syncs"), count("by_people", "By people")],
      },
    ],
  },
  {
    analysis: "network",
    title: "Connections",
    description: "Classes that share labels, labels linked by a shared NDC, and look-alike names — a medication-safety concern.",
    figures: [
      { key: "class_pairs", label: "Class pairs" },
      { key: "linked_labels", label: "Linked labels" },
      { key: "look_alike_pairs", label: "Look-alike pairs" },
    ],
    panels: [
      {
        key: "look_alike_names",
        title: "Look-alike names",
        note: "Distinct names that read alike (trigram similarity), most similar first.",
        chart: "table",
        wide: true,
        rows: (r) => r.data.look_alike_names,
        columns: [
          { key: "name", label: "Name" },
          { key: "other", label: "Looks like" },
          { key: "kind", label: "Kind" },
          { key: "similarity", label: "Similarity", numeric: true, render: (row) => formatPercent(row.similarity) },
          count("labels", "Labels"),
          count("other_labels", "Its labels"),
        ],
      },
      {
        key: "class_pairs",
        title: "Classes sharing labels",
        note: "Pairs of classes by the labels in both.",
        chart: "hbar",
        wide: true,
        rows: (r) => r.data.class_pairs,
        label: (row) => `${row.a.name} + ${row.b.name}`,
        value: (row) => row.labels,
        unit: "labels in both",
        columns: [
          { key: "a", label: "Class", value: (row) => pairName(row.a) },
          { key: "b", label: "And class", value: (row) => pairName(row.b) },
          count("labels", "Labels in both"),
        ],
      },
      {
        key: "linked_labels",
        title: "Labels linked by an NDC",
        chart: "table",
        wide: true,
        rows: (r) => r.data.linked_labels,
        columns: [{ key: "ndc", label: "NDC" }, count("labels", "Labels"), { key: "titles", label: "Titles" }],
      },
    ],
  },
  {
    analysis: "text",
    title: "Forms, routes and ingredients",
    description: "Dosage forms and routes, the most common active ingredients, combination products and common title terms.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "dosage_forms", label: "Dosage forms" },
      { key: "ingredients", label: "Ingredients" },
      { key: "single", label: "Single ingredient" },
      { key: "combination", label: "Combination" },
      { key: "without_ingredients", label: "No ingredients" },
    ],
    panels: [
      {
        key: "dosage_forms",
        title: "Dosage forms",
        chart: "hbar",
        rows: (r) => r.data.dosage_forms,
        label: (row) => row.dosage_form,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "dosage_form", label: "Dosage form" }, count("labels", "Labels")],
        drill: (row) => ({ dosage_form: row.dosage_form }),
        drillLabel: (row) => `the drugs whose dosage form is ${row.dosage_form}`,
      },
      {
        key: "top_ingredients",
        title: "Top active ingredients",
        chart: "hbar",
        rows: (r) => r.data.top_ingredients,
        label: (row) => row.ingredient,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "ingredient", label: "Ingredient" }, count("labels", "Labels")],
        drill: (row) => ({ ingredient: row.ingredient }),
        drillLabel: (row) => `the drugs with the active ingredient ${row.ingredient}`,
      },
      {
        key: "ingredient_mix",
        title: "Single vs combination",
        chart: "donut",
        rows: (r) => r.data.ingredient_mix.filter((row) => row.labels > 0),
        label: (row) => row.kind,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "kind", label: "Kind" }, count("labels", "Labels")],
      },
      {
        key: "routes",
        title: "Routes",
        chart: "hbar",
        rows: (r) => r.data.routes,
        label: (row) => row.route,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "route", label: "Route" }, count("labels", "Labels")],
      },
      {
        key: "top_terms",
        title: "Common title terms",
        chart: "table",
        rows: (r) => r.data.top_terms,
        columns: [{ key: "term", label: "Term" }, count("labels", "Labels")],
      },
    ],
  },
];
