// Drugs and drug classes as datasets for the record screens: their editable fields, the class
// types and their badge, and the descriptions the edit modal and history drawer take
// (record-fields.js explains the keys).
import { htmlEl } from "../dom.js";
import { describeFields } from "./record-fields.js";

/** DailyMed's class types, as the API names them (DAILYMED_CLASS_TYPE_CHOICES). */
export const CLASS_TYPES = [
  { value: "EPC", label: "Established pharmacologic class", tone: "badge-brand" },
  { value: "MOA", label: "Mechanism of action", tone: "badge-violet" },
  { value: "PE", label: "Physiologic effect", tone: "badge-blue" },
  { value: "CI", label: "Chemical ingredient", tone: "badge-amber" },
];
const CLASS_TYPE_BY_VALUE = Object.fromEntries(CLASS_TYPES.map((t) => [t.value, t]));
export const CLASS_TYPE_VALUES = CLASS_TYPES.map((t) => t.value);

export const classTypeName = (value) => CLASS_TYPE_BY_VALUE[value]?.label || value || "Unknown type";

export function classTypeBadge(value) {
  const type = CLASS_TYPE_BY_VALUE[value];
  return htmlEl`<span class="badge ${type?.tone || "badge-gray"} font-mono text-[11px]" data-class-type="${value || ""}" title="${classTypeName(value)}">${value || "?"}</span>`;
}

const shorten = (text, length) => (text && text.length > length ? `${text.slice(0, length - 1)}…` : text || "Untitled");

export const DRUGS = {
  apiPath: "/api/drugs",
  noun: "drug",
  source: "DailyMed",
  fields: describeFields([
    { name: "title", label: "Title", noun: "title", required: true, wide: true, maxlength: 2000 },
    { name: "published_date", label: "Published", noun: "published date", type: "date" },
  ]),
  // Hooks: #drug-form, #drug-title, #drug-published_date, #drug-submit, #drug-cancel,
  // #drug-history, #drug-review, #drug-conflict, #drug-conflict-reload.
  ids: { prefix: "drug", form: "drug-form", modal: "drug-modal", review: "drug-review", conflict: "drug-conflict" },
  describe: (rec) => `${shorten(rec.title, 90)} · label version ${rec.spl_version ?? "?"}`,
  name: (rec) => rec.title,
  required: { title: "Title is required." },
  unique: {},
  summary: (rec) => htmlEl`<span class="badge badge-gray" title="The label's version on DailyMed">Label version ${rec.spl_version ?? "?"}</span>`,
};

export const DRUG_CLASSES = {
  apiPath: "/api/drug-classes",
  noun: "drug class",
  source: "DailyMed",
  fields: describeFields([
    { name: "name", label: "Name", noun: "name", required: true, wide: true, maxlength: 500 },
    {
      name: "class_type",
      label: "Class type",
      noun: "class type",
      type: "select",
      options: CLASS_TYPE_VALUES,
      optionLabel: (value) => `${value} — ${classTypeName(value)}`,
      placeholder: "Choose a class type",
      wide: true,
    },
  ]),
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
  required: { name: "Name is required." },
  unique: {},
  summary: (rec) => classTypeBadge(rec.class_type),
};
