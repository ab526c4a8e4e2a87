// Audit log (admins): the one list of every change — to a record, by a person or a sync run, and
// to accounts (sign-ins and failed ones, sign-outs, users, roles, API tokens) — newest first, from
// GET /api/audit. Filters live in the URL (#/audit?user=…&dataset=drugs&field=title&run_id=12&
// action=…&from=…&to=…&page=…) and the CSV link downloads exactly what the table shows.
//
// Hooks: #audit-user, #audit-dataset, #audit-action, #audit-field, #audit-run, #audit-from,
// #audit-to, #audit-clear, #audit-export, #audit-table tr[data-kind][data-action], a[data-record].
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatRelative } from "../format.js";
import { createDataTable, pageHeader } from "../ui.js";
import { anyValue, listState, oneOf, setFilter, text, urlSync, wholeNumber } from "./record-list.js";

const DATASETS = [
  { value: "drugs", label: "Drugs", screen: "drugs" },
  { value: "drug_classes", label: "Drug classes", screen: "drug-classes" },
  { value: "authorizations", label: "Authorizations", screen: "authorizations" },
  { value: "users", label: "Users" },
  { value: "api_tokens", label: "API tokens" },
  { value: "accounts", label: "Sign-ins" },
];
const ACTIONS = [
  ["sign_in", "Signed in"],
  ["sign_in_failed", "Sign-in failed"],
  ["sign_in_throttled", "Sign-in throttled"],
  ["sign_out", "Signed out"],
  ["user_created", "User created"],
  ["role_changed", "Role changed"],
  ["user_activated", "User activated"],
  ["user_deactivated", "User deactivated"],
  ["password_changed", "Password changed"],
  ["token_created", "Token created"],
  ["token_revoked", "Token revoked"],
  ["manual_edit", "Edited"],
  ["manual_create", "Added by hand"],
  ["manual_delete", "Deleted"],
  ["archive", "Archived"],
  ["restore", "Restored"],
  ["revert", "Reverted"],
  ["review_keep", "Review: kept theirs"],
  ["review_take_source", "Review: took the source's"],
  ["sync_insert", "Added by a sync"],
  ["sync_update", "Updated by a sync"],
  ["sync_source_changed", "Source changed an edited value"],
  ["sync_caught_up", "Source caught up with an edit"],
  ["sync_reappeared", "Back in the source"],
  ["sync_joined", "Joined by a sync"],
  ["marked_missing", "Missing from the source"],
];
const ACTION_WORDS = Object.fromEntries(ACTIONS);
const date = (value) => (/^\d{4}-\d{2}-\d{2}$/.test(value.trim()) ? value.trim() : "");
const LIST = listState({
  filters: {
    user: text,
    dataset: oneOf(DATASETS.map((d) => d.value)),
    action: anyValue,
    field: text,
    run_id: wholeNumber,
    from: date,
    to: date,
  },
  sort: "",
  perPage: 50,
});

function valueText(value) {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function who(entry) {
  if (entry.actor_type === "sync") return html`<span class="text-slate-600">${icon("runs", "size-4 inline")} Run #${entry.run_id}</span>`;
  return entry.username ? html`<span class="font-medium text-slate-900">${entry.username}</span>` : html`<span class="text-slate-500">Command line</span>`;
}

function record(entry) {
  const dataset = DATASETS.find((d) => d.value === entry.dataset);
  const label = `${dataset?.label || entry.dataset}${entry.record_id ? ` #${entry.record_id}` : ""}`;
  if (dataset?.screen && entry.record_id) {
    return html`<a class="font-medium text-brand-700 underline-offset-2 hover:underline" data-record="${entry.dataset}:${entry.record_id}" href="#/${dataset.screen}?id=${entry.record_id}&archived=all" title="Open the ${dataset.label.toLowerCase()} list at this record">${label}</a>`;
  }
  return html`<span class="text-slate-700">${label}</span>`;
}

function change(entry) {
  if (entry.kind === "account") {
    const details = entry.new_value || {};
    const parts = Object.entries(details).map(([key, value]) => `${key}: ${valueText(value)}`);
    return html`<span class="text-slate-600">${parts.join(", ") || "—"}${entry.remote_addr ? html` <span class="text-slate-400">from ${entry.remote_addr}</span>` : ""}</span>`;
  }
  const from = valueText(entry.old_value);
  const to = valueText(entry.new_value);
  return html`<span class="block max-w-md truncate" title="${from} → ${to}"><span class="text-slate-500 line-through decoration-slate-300">${from}</span> → <span class="text-slate-900">${to}</span></span>`;
}

export function mount(root, context) {
  const { router } = context;
  const url = urlSync({ router, name: "audit", state: LIST, table: () => table });
  const inputs = {
    user: htmlEl`<input id="audit-user" type="search" class="input w-40" placeholder="User" aria-label="Filter by user" maxlength="80">`,
    dataset: htmlEl`<select id="audit-dataset" class="select w-auto" aria-label="Filter by dataset"><option value="">All datasets</option>${DATASETS.map((d) => html`<option value="${d.value}">${d.label}</option>`)}</select>`,
    action: htmlEl`<select id="audit-action" class="select w-auto" aria-label="Filter by action"><option value="">All actions</option>${ACTIONS.map(([value, label]) => html`<option value="${value}">${label}</option>`)}</select>`,
    field: htmlEl`<input id="audit-field" type="search" class="input w-32" placeholder="Field" aria-label="Filter by field" maxlength="64">`,
    run_id: htmlEl`<input id="audit-run" type="search" inputmode="numeric" class="input w-24" placeholder="Run #" aria-label="Filter by run" maxlength="9">`,
    from: htmlEl`<input id="audit-from" type="date" class="input w-auto" aria-label="From day">`,
    to: htmlEl`<input id="audit-to" type="date" class="input w-auto" aria-label="To day">`,
  };
  const clearButton = htmlEl`<button type="button" id="audit-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;
  const exportLink = htmlEl`<a id="audit-export" class="btn btn-secondary" href="/api/audit?format=csv" download title="Download the entries the table shows (all pages) as CSV">${icon("download", "size-4")}Export CSV</a>`;

  const table = createDataTable({
    id: "audit-table",
    caption: "Audit log",
    itemLabel: ["entry", "entries"],
    perPage: 50,
    dense: true,
    columns: [
      { key: "at", label: "When", render: (e) => html`<span class="whitespace-nowrap" title="${formatDateTime(e.at)}">${formatRelative(e.at)}</span>` },
      { key: "who", label: "Who", render: who },
      { key: "action", label: "Action", render: (e) => html`<span class="whitespace-nowrap">${ACTION_WORDS[e.action] || e.action}</span>` },
      { key: "record", label: "Record", render: record },
      { key: "field", label: "Field", emptyText: "", render: (e) => (e.field ? html`<code class="text-xs">${e.field}</code>` : null) },
      { key: "change", label: "Change", render: change },
    ],
    fetchPage: ({ page, perPage, filters, signal }) => api.get("/api/audit", { page, per_page: perPage, ...filters }, { signal }),
    rowAttributes: (e) => ({ "data-kind": e.kind, "data-action": e.action }),
    empty: {
      icon: "history",
      title: "Nothing recorded yet",
      message: "Every change to a record, every sign-in and every change to an account appears here.",
      filteredTitle: "No entries match",
      filteredMessage: "Try another user, dataset, action or day, or clear the filters.",
    },
    onStateChange: (state) => {
      for (const [key, input] of Object.entries(inputs)) input.value = state.filters[key] || "";
      clearButton.hidden = !LIST.filtered(state);
      const query = new URLSearchParams({ ...state.filters, format: "csv" });
      exportLink.href = `/api/audit?${query}`;
      url.onStateChange(state);
    },
  });

  for (const [key, input] of Object.entries(inputs)) {
    const apply = () => setFilter(table, key, input.value.trim());
    input.addEventListener("change", apply);
    if (input.type === "search") input.addEventListener("keydown", (event) => event.key === "Enter" && apply());
  }
  clearButton.addEventListener("click", () => table.setState({ filters: {} }));

  root.replaceChildren(
    pageHeader({
      title: "Audit log",
      description: "Every change, by a person or a run, across datasets and accounts — newest first.",
      actions: exportLink,
    }),
    htmlEl`<div class="mb-4 flex flex-wrap items-center gap-2" role="search" aria-label="Filter the audit log">${Object.values(inputs)}${clearButton}</div>`,
    htmlEl`<section class="card" aria-label="Entries">${table.el}</section>`,
  );
  return { show: (params) => url.show(params), hide() {} };
}
