// Authorizations — placeholder until the portal sync lands (issue 3): the table with search,
// filters, edit modal, review and history will replace this module.
import { placeholderView } from "./placeholder.js";

export const mount = placeholderView({
  title: "Authorizations",
  description: "Patient authorizations read from the payer portal.",
  icon: "authorizations",
  emptyTitle: "No authorizations yet",
  emptyMessage: "This table fills after the first portal sync. Records you correct here are kept through later syncs.",
  upcoming: [
    "Search by patient, authorization number, status or payer",
    "Edit a record; your correction survives the next sync",
    "Review records where the portal changed a value you fixed",
    "Export what the table shows as CSV",
  ],
});
