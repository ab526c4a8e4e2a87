// What every record screen (authorizations, drugs, drug classes) knows about its editable
// fields. The rules (label, type, required, max length, choices) are the server's, declared once
// in datasets/ and served by GET <apiPath>/fields; a dataset here adds only how they look (wide,
// mono, an option's label). Also: how a value reads in a sentence ("Jun 4, 2026", "(empty)"), and
// the badges of a record's flags (edited, needs review, missing).
//
// A dataset is described by a plain object that the list screen (list-screen.js), the editor
// (record-editor.js) and the history drawer (record-history.js) take:
//   {
//     apiPath: "/api/drugs",           // GET/PATCH <apiPath>/<id>, …/fields, …/review, …/history
//     noun: "drug",                    // "Edit drug"
//     source: "DailyMed",              // "…didn't find this record in DailyMed" ("the portal")
//     look: {field: {wide?, mono?, placeholder?, optionLabel?(value)}},  // presentation only
//     ids: {prefix, form, modal, review, conflict},  // element ids (the tests' hooks)
//     describe(record) → string,       // the modal's subtitle
//     name(record) → string,           // how a sentence names the record
//     unique: {field: hint},           // fields a 409 may name: what to do about it
//     validate?(form, input) → bool,   // checks across fields before saving
//     summary?(record) → Node,         // what the history drawer shows above the badges
//   }
// withFields(dataset) resolves to the same object plus `fields` (describeFields of the rules).
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { capitalize, formatDay } from "../format.js";
import { icon } from "../icons.js";

const INPUT_TYPES = { text: "text", date: "date", choice: "select", number: "number" };

/**
 * describeFields(rules, look) → helpers over the fields. `rules` is the server's list
 * [{name, label, type: text|choice|date|number, required, max_length?, choices?, in_profile?}]
 * (in_profile false: the source's profile never fills the field; the editor leaves it out of a
 * record that has no value there); `look` adds presentation per field.
 */
export function describeFields(rules, look = {}) {
  const list = rules.map((rule) => ({
    ...rule,
    ...look[rule.name],
    type: INPUT_TYPES[rule.type] || "text",
    noun: rule.label.toLowerCase(),
  }));
  const byName = Object.fromEntries(list.map((f) => [f.name, f]));
  const noun = (name) => byName[name]?.noun || String(name || "").replaceAll("_", " ");
  const label = (name) => byName[name]?.label || noun(name);
  /** A field's value as words: dates formatted, blanks as "(empty)". */
  const text = (name, value) => {
    if (value == null || value === "") return "(empty)";
    if (byName[name]?.type === "date") return formatDay(value);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  };
  /** The value as an inline node (blanks greyed). */
  const node = (name, value) => {
    const blank = value == null || value === "";
    return htmlEl`<span class="${blank ? "italic text-slate-400" : "font-medium text-slate-900"}">${text(name, value)}</span>`;
  };
  return { list, byName, editable: list.map((f) => f.name), noun, label, text, node };
}

const loaded = new Map(); // apiPath → Promise of the dataset with its fields

/** `dataset` with `fields` from the server's rules (fetched once per page). */
export function withFields(dataset) {
  if (!loaded.has(dataset.apiPath)) {
    const promise = api.get(`${dataset.apiPath}/fields`).then(({ data }) => ({
      ...dataset,
      fields: describeFields(data, dataset.look),
    }));
    promise.catch(() => loaded.delete(dataset.apiPath)); // let the next visit try again
    loaded.set(dataset.apiPath, promise);
  }
  return loaded.get(dataset.apiPath);
}

/** A small pencil after a value a person corrected. */
export function editedMark(record, name) {
  if (!record.edited_fields?.includes(name)) return "";
  return html`<span class="ml-1 inline-flex align-middle text-violet-600" title="Corrected by a person; syncs keep it">${icon("pencil", "size-3.5")}<span class="sr-only">(edited)</span></span>`;
}

/** Whether a record shows "Edited": corrected by a person. A record added by hand is not (every
 * value is the person's: it is marked "Added by hand", record-archive.js's recordMarks). */
const showsEdited = (record) => Boolean(record.is_manually_edited) && record.origin !== "manual";

/** The flags of a record as badges: needs review, edited, missing from source. */
export function recordBadges(dataset, record, { large = false } = {}) {
  const size = large ? "" : "text-[11px]";
  const { noun } = dataset.fields;
  const edited = record.edited_fields?.map(noun).join(", ");
  return html`
    ${record.needs_review
      ? html`<span class="badge badge-amber ${size}" data-badge="needs-review" title="${capitalize(dataset.source)} changed a value someone corrected: ${record.review?.map((r) => noun(r.field)).join(", ")}">${icon("warning", "size-3")}Needs review</span>`
      : ""}
    ${showsEdited(record)
      ? html`<span class="badge badge-violet ${size}" data-badge="edited" title="Corrected by a person (${edited}); syncs keep these values">${icon("pencil", "size-3")}Edited</span>`
      : ""}
    ${record.missing_from_source
      ? html`<span class="badge badge-orange ${size}" data-badge="missing" title="The last complete sync didn't find this record in ${dataset.source}${record.last_seen_run_id ? `; last seen by run ${record.last_seen_run_id}` : ""}">${icon("eye-slash", "size-3")}Missing from source</span>`
      : ""}`;
}

/** Whether a record has any flag worth a badge. */
export const hasFlags = (record) => Boolean(record.needs_review || showsEdited(record) || record.missing_from_source);

/** A list's main cell: the record's name (marked where a person edited it; cut at two lines, the
 * whole on hover — density.js) and its badges. */
export function titleCell(dataset, record, name, { textClass = "", boxClass = "" } = {}) {
  return html`<div class="${boxClass}">
      <p class="font-medium text-slate-900 ${textClass}" title="${record[name]}" data-record-title>${record[name]}${editedMark(record, name)}</p>
      ${hasFlags(record) ? html`<div class="mt-1 flex flex-wrap gap-1">${recordBadges(dataset, record)}</div>` : ""}
    </div>`;
}
