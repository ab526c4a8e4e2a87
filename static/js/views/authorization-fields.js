// What the authorization screens share: the editable fields (labels, input types), the status
// badge, and how a field's value reads in a sentence ("Pending", "Jun 4, 2026", "(empty)").
import { html, htmlEl } from "../dom.js";
import { formatDay } from "../format.js";
import { icon } from "../icons.js";

export const STATUSES = ["Pending", "Approved", "Denied", "Expired"];

/** The fields a person can edit, in form order. `label` is for headings, `noun` for sentences. */
export const FIELDS = [
  { name: "patient_name", label: "Patient name", noun: "patient name", required: true, wide: true },
  { name: "authorization_number", label: "Authorization number", noun: "authorization number", mono: true },
  { name: "status", label: "Status", noun: "status", type: "select" },
  { name: "payer", label: "Payer", noun: "payer" },
  { name: "amount", label: "Amount", noun: "amount" },
  { name: "service_start", label: "Service start", noun: "service start", type: "date" },
  { name: "service_end", label: "Service end", noun: "service end", type: "date" },
];
export const FIELD_BY_NAME = Object.fromEntries(FIELDS.map((f) => [f.name, f]));
export const EDITABLE = FIELDS.map((f) => f.name);

export function fieldNoun(name) {
  return FIELD_BY_NAME[name]?.noun || String(name || "").replaceAll("_", " ");
}

export function fieldLabel(name) {
  return FIELD_BY_NAME[name]?.label || fieldNoun(name);
}

/** A field's value as words: dates formatted, blanks as "(empty)". */
export function valueText(name, value) {
  if (value == null || value === "") return "(empty)";
  if (FIELD_BY_NAME[name]?.type === "date") return formatDay(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The value as an inline node (blanks greyed). */
export function valueNode(name, value) {
  const blank = value == null || value === "";
  return htmlEl`<span class="${blank ? "italic text-slate-400" : "font-medium text-slate-900"}">${valueText(name, value)}</span>`;
}

const STATUS_TONES = { Approved: "badge-green", Pending: "badge-blue", Denied: "badge-red", Expired: "badge-gray" };

export function authorizationStatusBadge(status) {
  return htmlEl`<span class="badge ${STATUS_TONES[status] || "badge-gray"}" data-auth-status="${status || ""}"><span class="dot"></span>${status || "Unknown"}</span>`;
}

/** The flags of a record as badges: edited, needs review, missing from source. */
export function recordBadges(record, { large = false } = {}) {
  const size = large ? "" : "text-[11px]";
  const edited = record.edited_fields?.map(fieldNoun).join(", ");
  return html`
    ${record.needs_review
      ? html`<span class="badge badge-amber ${size}" data-badge="needs-review" title="The portal changed a value someone corrected: ${record.review?.map((r) => fieldNoun(r.field)).join(", ")}">${icon("warning", "size-3")}Needs review</span>`
      : ""}
    ${record.is_manually_edited
      ? html`<span class="badge badge-violet ${size}" data-badge="edited" title="Corrected by a person (${edited}); syncs keep these values">${icon("pencil", "size-3")}Edited</span>`
      : ""}
    ${record.missing_from_source
      ? html`<span class="badge badge-orange ${size}" data-badge="missing" title="The last complete sync didn't find this record in the portal${record.last_seen_run_id ? `; last seen by run ${record.last_seen_run_id}` : ""}">${icon("eye-slash", "size-3")}Missing from source</span>`
      : ""}`;
}
