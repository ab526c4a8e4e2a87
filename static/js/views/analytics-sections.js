// What the Analytics screen shows of each analysis, declared once: its headline figures (keys
// of the answer's `summary`) and its panels (a list of the answer's `data`, drawn as a chart with
// a table view, or as a table; analytics-charts.js reads these). The shapes are the analyses'
// JSON contract (analytics/*.py); lists arrive biggest first unless said otherwise.
//
// A panel's `drill(row)` names the Drugs list's filters that show the drugs behind a bar: a class
// (drug_class_id), a labeler (labeler: its 5-digit NDC code), a dosage form (dosage_form, exact).
import { formatDay, formatPercent } from "../format.js";

const count = (key, label) => ({ key, label, numeric: true });
const share = { key: "share", label: "Share", numeric: true, render: (row) => formatPercent(row.share) };
const classColumns = [
  { key: "name", label: "Class" },
  { key: "class_type", label: "Type" },
  { key: "code", label: "Code" },
  count("labels", "Labels"),
];
const recordColumns = [
  { key: "dataset", label: "Dataset" },
  { key: "id", label: "Id", numeric: true },
  { key: "name", label: "Name" },
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

export const SECTIONS = [
  {
    analysis: "ndc",
    title: "NDC codes",
    description: "Labelers by products and packages, codes shared by several labels, codes per label and the mix of formats.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "ndcs", label: "NDCs" },
      { key: "packages", label: "Packages" },
      { key: "products", label: "Products" },
      { key: "labelers", label: "Labelers" },
      { key: "shared_ndcs", label: "Shared NDCs" },
      { key: "unrecognised_ndcs", label: "Unrecognised" },
    ],
    panels: [
      {
        key: "top_labelers",
        title: "Top labelers",
        note: "By distinct products (5-4 codes); a labeler's 4- and 5-digit codes count as one.",
        chart: "hbar",
        tall: true,
        rows: (r) => r.data.top_labelers,
        label: (row) => row.labeler,
        value: (row) => row.products,
        unit: "products",
        columns: [
          { key: "labeler", label: "Labeler" },
          count("products", "Products"),
          count("packages", "Packages"),
          count("labels", "Labels"),
          { key: "printed_as", label: "Printed as" },
        ],
        drill: (row) => ({ labeler: row.labeler }),
        drillLabel: (row) => `the drugs of labeler ${row.labeler}`,
      },
      {
        key: "formats",
        title: "NDC formats",
        note: "Codes by the form DailyMed prints them in.",
        chart: "donut",
        rows: (r) => r.data.formats.filter((row) => row.ndcs > 0),
        label: (row) => row.format,
        value: (row) => row.ndcs,
        unit: "NDCs",
        columns: [{ key: "format", label: "Format" }, count("ndcs", "NDCs")],
      },
      {
        key: "ndcs_per_label",
        title: "NDCs per label",
        note: "How many labels carry 0, 1, 2… codes.",
        chart: "bar",
        rows: (r) => r.data.ndcs_per_label,
        label: (row) => row.ndcs,
        value: (row) => row.labels,
        unit: "labels",
        axisTitle: "labels",
        columns: [count("ndcs", "NDCs"), count("labels", "Labels"), share],
      },
      {
        key: "shared",
        title: "NDCs on several labels",
        note: "Package codes printed on more than one label (repackagers).",
        chart: "table",
        rows: (r) => r.data.shared,
        columns: [{ key: "ndc", label: "NDC" }, count("labels", "Labels"), { key: "set_ids", label: "Set ids" }],
      },
      {
        key: "unrecognised",
        title: "Unrecognised codes",
        note: "Codes that fit no NDC form, as printed.",
        chart: "table",
        rows: (r) => r.data.unrecognised,
        columns: [{ key: "ndc", label: "Code" }, count("labels", "Labels"), { key: "set_ids", label: "Set ids" }],
      },
    ],
  },
  {
    analysis: "drug-classes",
    title: "Drug classes",
    description: "Labels per class, labels in several classes, and classes no label belongs to.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "classes", label: "Classes" },
      { key: "classes_with_labels", label: "With labels" },
      { key: "empty_classes", label: "Empty classes" },
      { key: "labels_in_several_classes", label: "In several classes" },
      { key: "labels_without_class", label: "Without a class" },
    ],
    panels: [
      {
        key: "top_classes",
        title: "Top classes",
        note: "Labels per class, all class types.",
        chart: "hbar",
        wide: true,
        rows: (r) => r.data.top_classes,
        label: (row) => `${row.name} (${row.class_type})`,
        value: (row) => row.labels,
        unit: "labels",
        columns: classColumns,
        drill: (row) => ({ drug_class_id: String(row.id) }),
        drillLabel: (row) => `the drugs of ${row.name}`,
      },
      {
        key: "classes_per_label",
        title: "Classes per label",
        note: "How many labels belong to 0, 1, 2… classes.",
        chart: "bar",
        rows: (r) => r.data.classes_per_label,
        label: (row) => row.classes,
        value: (row) => row.labels,
        unit: "labels",
        axisTitle: "labels",
        columns: [count("classes", "Classes"), count("labels", "Labels"), share],
      },
      {
        key: "empty_classes",
        title: "Empty classes",
        note: "Classes none of these labels belongs to.",
        chart: "table",
        rows: (r) => r.data.empty_classes,
        columns: classColumns.slice(0, 3),
      },
    ],
  },
  {
    analysis: "names",
    title: "Names",
    description: "Brand and generic names, the most common generics, shared stems and name lengths.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "brand", label: "Brand" },
      { key: "generic", label: "Generic only" },
      { key: "unnamed", label: "Unnamed" },
      { key: "prefixes", label: "Shared prefixes" },
      { key: "suffixes", label: "Shared suffixes" },
    ],
    panels: [
      {
        key: "top_generic_names",
        title: "Most common generic names",
        chart: "hbar",
        tall: true,
        rows: (r) => r.data.top_generic_names,
        label: (row) => row.name,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "name", label: "Generic name" }, count("labels", "Labels")],
      },
      {
        key: "brand_vs_generic",
        title: "Brand vs generic",
        note: "A label is brand when its title names a brand before the generic.",
        chart: "donut",
        rows: (r) => r.data.brand_vs_generic.filter((row) => row.labels > 0),
        label: (row) => row.kind,
        value: (row) => row.labels,
        unit: "labels",
        columns: [{ key: "kind", label: "Kind" }, count("labels", "Labels")],
      },
      {
        key: "name_lengths",
        title: "Name lengths",
        note: "In characters.",
        chart: "table",
        rows: (r) => Object.entries(r.data.name_lengths || {}).map(([field, stats]) => ({ field: field.replace("_", " "), ...stats })),
        columns: [{ key: "field", label: "Field" }, count("count", "Names"), count("min", "Min"), count("median", "Median"), count("mean", "Mean"), count("max", "Max")],
      },
      {
        key: "prefixes",
        title: "Common prefixes",
        chart: "table",
        rows: (r) => r.data.prefixes,
        columns: [{ key: "stem", label: "Stem" }, count("names", "Names"), count("labels", "Labels"), { key: "examples", label: "Examples" }],
      },
      {
        key: "suffixes",
        title: "Common suffixes",
        note: "Stems such as -pril, -olol, -statin.",
        chart: "table",
        rows: (r) => r.data.suffixes,
        columns: [{ key: "stem", label: "Stem" }, count("names", "Names"), count("labels", "Labels"), { key: "examples", label: "Examples" }],
      },
    ],
  },
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
  {
    analysis: "quality",
    title: "Data quality",
    description: "Labels without codes, codes that fit no form, and records people corrected, that wait for review or that the source no longer lists.",
    figures: [
      { key: "labels", label: "Labels" },
      { key: "labels_without_ndcs", label: "Without NDCs" },
      { key: "unrecognised_ndcs", label: "Unrecognised NDCs" },
      { key: "edited", label: "Edited" },
      { key: "needs_review", label: "Need review" },
      { key: "missing_from_source", label: "Missing from source" },
    ],
    panels: [
      {
        key: "records",
        title: "Records by dataset",
        note: "Filters narrow drugs only; classes and authorizations are counted whole.",
        chart: "table",
        rows: (r) => Object.entries(r.data.records || {}).map(([dataset, figures]) => ({ dataset: dataset.replace("_", " "), ...figures })),
        columns: [
          { key: "dataset", label: "Dataset" },
          count("records", "Records"),
          count("edited", "Edited"),
          count("needs_review", "Review"),
          count("missing_from_source", "Missing"),
        ],
      },
      {
        key: "labels_without_ndcs",
        title: "Labels without NDCs",
        chart: "table",
        rows: (r) => r.data.labels_without_ndcs,
        columns: [{ key: "title", label: "Title" }, { key: "set_id", label: "Set id" }],
      },
    ],
  },
];
