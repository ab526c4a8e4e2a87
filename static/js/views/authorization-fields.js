// Authorizations as a dataset for the record screens: how its fields look (their rules come from
// the server, GET /api/authorizations/fields), the status badge, and the description the edit
// modal and history drawer take (record-fields.js explains its keys).
import { htmlEl } from "../dom.js";
import { setFieldError } from "../ui.js";

const STATUS_TONES = { Approved: "badge-green", Pending: "badge-blue", Denied: "badge-red", Expired: "badge-gray" };

export function authorizationStatusBadge(status) {
  return htmlEl`<span class="badge ${STATUS_TONES[status] || "badge-gray"}" data-auth-status="${status || ""}"><span class="dot"></span>${status || "Unknown"}</span>`;
}

/** Service end can't come before service start. */
function checkDates(form, input) {
  const start = input("service_start")?.value;
  const end = input("service_end")?.value;
  if (start && end && end < start) {
    setFieldError(form, "service_end", "Service end can't be before service start.");
    input("service_end").focus();
    return false;
  }
  return true;
}

export const AUTHORIZATIONS = {
  apiPath: "/api/authorizations",
  noun: "authorization",
  source: "the portal",
  look: {
    patient_name: { wide: true },
    authorization_number: { mono: true },
    status: { placeholder: "Choose a status" },
  },
  // The tests' hooks: #authorization-form, #auth-<field>, #auth-submit, #auth-cancel, #auth-history,
  // #authorization-review, #authorization-conflict, #auth-conflict-reload.
  ids: {
    prefix: "auth",
    form: "authorization-form",
    modal: "authorization-modal",
    review: "authorization-review",
    conflict: "authorization-conflict",
  },
  describe: (rec) => `${rec.patient_name || "Unnamed patient"} · ${rec.authorization_number || "no authorization number"}`,
  name: (rec) => rec.patient_name,
  unique: { authorization_number: "Choose another number, or correct the other record first." },
  validate: checkDates,
  summary: (rec) => authorizationStatusBadge(rec.status),
};
