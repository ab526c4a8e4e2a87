// Authorizations: the portal's records, declared for the list-screen builder (list-screen.js):
// search by patient, number or payer; status and bookkeeping filters; the "Sync portal" button;
// a row opens the edit modal; the review banner counts the records needing review.
//
// Hooks: #authorizations-search, #authorizations-status, #authorizations-edited,
// #authorizations-needs-review, #authorizations-missing, #authorizations-clear,
// #authorizations-export, #authorizations-review-banner, #authorizations-table
// tr[data-authorization-id] (data-authorization-number, data-status, data-edited,
// data-needs-review, data-missing; badges [data-badge]), button[data-action=edit|history];
// #sync-portal-button, #sync-portal-progress, #sync-portal-cancel (sync.js).
import { html } from "../dom.js";
import { AUTHORIZATIONS, authorizationStatusBadge } from "./authorization-fields.js";
import { editedMark, titleCell } from "./record-fields.js";
import { dayCell, updatedColumn } from "./list-columns.js";
import { choice, flags, pinned, search } from "./list-filters.js";
import { mountListScreen } from "./list-screen.js";

// A long payer ("Blue Cross Blue Shield") wraps, so the table fits 1,400 px with its checkboxes.
const payerCell = (r) => (r.payer ? html`<span class="inline-block max-w-40">${r.payer}${editedMark(r, "payer")}</span>` : null);

const SCREEN = {
  name: "authorizations",
  title: "Authorizations",
  description: "Patient authorizations read from the payer portal. Corrections made here are kept through later syncs.",
  dataset: AUTHORIZATIONS,
  caption: "Patient authorizations",
  itemLabel: ["authorization", "authorizations"],
  sort: "patient_name",
  rowId: "data-authorization-id",
  rowAttributes: (r) => ({ "data-authorization-number": r.authorization_number || "", "data-status": r.status || "" }),
  columns: ({ dataset }) => [
    { key: "patient_name", label: "Patient", sortable: true, render: (r) => titleCell(dataset, r, "patient_name", { textClass: "whitespace-nowrap" }) },
    {
      key: "authorization_number",
      label: "Authorization no.",
      sortable: true,
      render: (r) =>
        r.authorization_number
          ? html`<span class="font-mono text-xs whitespace-nowrap text-slate-800">${r.authorization_number}</span>${editedMark(r, "authorization_number")}`
          : null,
    },
    { key: "status", label: "Status", sortable: true, render: (r) => html`<span class="whitespace-nowrap">${authorizationStatusBadge(r.status)}${editedMark(r, "status")}</span>` },
    { key: "payer", label: "Payer", sortable: true, render: payerCell },
    { key: "service_start", label: "Service start", sortable: true, render: (r) => dayCell(r, "service_start") },
    { key: "service_end", label: "Service end", sortable: true, render: (r) => dayCell(r, "service_end") },
    updatedColumn(),
  ],
  actions: ["edit", "history"],
  names: (r) => `${r.patient_name}'s authorization`,
  filters: [
    search({ id: "authorizations-search", placeholder: "Search patient, number or payer", label: "Search authorizations by patient, authorization number or payer" }),
    choice({ key: "status", id: "authorizations-status", label: "Filter by status", all: "All statuses", from: [AUTHORIZATIONS, "status"] }),
    pinned({ key: "changed_by_run", id: "authorizations-changed-by-run", label: "Changed by run" }),
    pinned({ key: "id", id: "authorizations-record", label: "Record #" }),
    ...flags("authorizations", ["edited", "needs_review", "missing"]),
  ],
  empty: (canEdit) => ({
    icon: "authorizations",
    title: "No authorizations yet",
    message: canEdit
      ? "Sync the payer portal to read its authorization table. Corrections you make here are kept through later syncs."
      : "They appear after an editor syncs the payer portal.",
    filteredTitle: "No authorizations match",
    filteredMessage: "Try another search, or clear the filters.",
  }),
  sync: { source: "portal", label: "Sync portal" },
  reviewBanner: true,
  rowClick: "edit",
};

export const mount = (root, context) => mountListScreen(root, context, SCREEN);
