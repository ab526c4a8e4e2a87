// Drugs and drug classes as datasets for the record screens: how their fields look (the rules
// come from the server, GET /api/drugs/fields and /api/drug-classes/fields), the class types'
// names and badge, and the descriptions the edit modal and history drawer take
// (record-fields.js explains the keys).
import { htmlEl } from "../dom.js";

/** How DailyMed's class types read and look. Which types exist is the server's rule (the
 * class_type field's choices); a type missing here still shows, with its code. */
export const CLASS_TYPES = [
  { value: "EPC", label: "Established pharmacologic class", tone: "badge-brand" },
  { value: "MOA", label: "Mechanism of action", tone: "badge-violet" },
  { value: "PE", label: "Physiologic effect", tone: "badge-blue" },
  { value: "CI", label: "Chemical ingredient", tone: "badge-amber" },
];
const CLASS_TYPE_BY_VALUE = Object.fromEntries(CLASS_TYPES.map((t) => [t.value, t]));

export const classTypeName = (value) => CLASS_TYPE_BY_VALUE[value]?.label || value || "Unknown type";
/** "EPC — Established pharmacologic class", for a select's options. */
export const classTypeOption = (value) => `${value} — ${classTypeName(value)}`;

export function classTypeBadge(value) {
  const type = CLASS_TYPE_BY_VALUE[value];
  return htmlEl`<span class="badge ${type?.tone || "badge-gray"} font-mono text-[11px]" data-class-type="${value || ""}" title="${classTypeName(value)}">${value || "?"}</span>`;
}

const shorten = (text, length) => (text && text.length > length ? `${text.slice(0, length - 1)}…` : text || "Untitled");

export const DRUGS = {
  apiPath: "/api/drugs",
  noun: "drug",
  source: "DailyMed",
  look: { title: { wide: true }, generic_name: { wide: true } },
  // Hooks: #drug-form, #drug-title, #drug-brand_name, #drug-generic_name, #drug-dosage_form,
  // #drug-labeler_name, #drug-published_date, #drug-submit, #drug-cancel,
  // #drug-history, #drug-review, #drug-conflict, #drug-conflict-reload.
  ids: { prefix: "drug", form: "drug-form", modal: "drug-modal", review: "drug-review", conflict: "drug-conflict" },
  describe: (rec) => `${shorten(rec.title, 90)} · label version ${rec.spl_version ?? "?"}`,
  name: (rec) => rec.title,
  unique: {},
  summary: (rec) => htmlEl`<span class="badge badge-gray" title="The label's version on DailyMed">Label version ${rec.spl_version ?? "?"}</span>`,
};

export const DRUG_CLASSES = {
  apiPath: "/api/drug-classes",
  noun: "drug class",
  source: "DailyMed",
  look: {
    name: { wide: true },
    class_type: { optionLabel: classTypeOption, placeholder: "Choose a class type", wide: true },
  },
  // Hooks: #drug-class-form, #drug-class-name, #drug-class-class_type, #drug-class-submit, …
  ids: {
    prefix: "drug-class",
    form: "drug-class-form",
    modal: "drug-class-modal",
    review: "drug-class-review",
    conflict: "drug-class-conflict",
  },
  describe: (rec) => `${rec.code} · ${classTypeName(rec.class_type)}`,
  name: (rec) => rec.name,
  unique: {},
  summary: (rec) => classTypeBadge(rec.class_type),
};
