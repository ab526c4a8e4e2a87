// The history drawer of one record (an authorization, a drug, a drug class): every change,
// newest first, in words ("Sync run 12 changed status from Pending to Approved", "eddie edited
// title from … to …"), with Revert on the changes that set a field. Driven by the dataset's
// description (record-fields.js).
//
// Hooks: #history-drawer (a side-sheet <dialog>), #history-list li[data-change-id][data-action],
// button[data-action=revert][data-change-id], #history-more.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatRelative, plural } from "../format.js";
import { confirmDialog, emptyState, openModal, toast, toastError, withBusy } from "../ui.js";
import { recordMarks } from "./record-archive.js";
import { recordBadges } from "./record-fields.js";

const PAGE_SIZE = 50;
// Changes that set a field's value, so setting it back makes sense.
const REVERTABLE = new Set(["sync_update", "manual_edit", "review_take_source", "revert"]);

const blank = (value) => value == null || value === "";
const same = (a, b) => (a ?? null) === (b ?? null) || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function actorName(change) {
  if (change.actor_type === "user") return change.username || (change.user_id ? `User ${change.user_id}` : "A person");
  if (change.actor_type === "sync") return change.run_id ? `Sync run ${change.run_id}` : "A sync";
  return "MedSync";
}

/** Who joined a record added by hand to what a source sends: "the sync of run #12". */
function joinedBy(change) {
  const run = change.run_id ? `the sync of run #${change.run_id}` : "a sync";
  return html`<span class="font-semibold text-slate-900">${run}</span>`;
}

function actorAvatar(change) {
  if (change.actor_type === "user") {
    return htmlEl`<span class="flex size-8 shrink-0 items-center justify-center rounded-full bg-brand-700 text-xs font-semibold text-white uppercase" aria-hidden="true">${(change.username || "?").slice(0, 1)}</span>`;
  }
  if (change.actor_type === "sync") {
    return htmlEl`<span class="flex size-8 shrink-0 items-center justify-center rounded-full bg-sky-100 text-sky-700" aria-hidden="true">${icon("refresh", "size-4")}</span>`;
  }
  return htmlEl`<span class="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-100 text-slate-600" aria-hidden="true">${icon("info", "size-4")}</span>`;
}

/** One change of a `dataset` record as a sentence (a DocumentFragment). */
export function describeChange(dataset, change) {
  const who = html`<span class="font-semibold text-slate-900">${actorName(change)}</span>`;
  const noun = dataset.fields.noun(change.field);
  const from = dataset.fields.node(change.field, change.old_value);
  const to = dataset.fields.node(change.field, change.new_value);
  // A sentence ending on a value that ends with a full stop ("ACME, INC.") takes no second one.
  const stop = dataset.fields.text(change.field, change.new_value).endsWith(".") ? "" : ".";
  switch (change.action) {
    case "sync_insert":
      return html`${who} added this record from the source.`;
    case "manual_create":
      return html`Added by hand by ${who}.`;
    case "manual_delete":
      return html`Deleted by ${who}.`;
    case "archive":
      return html`Archived by ${who}: hidden from the list, and later syncs leave it archived.`;
    case "restore":
      return html`Restored by ${who}: back in the list.`;
    case "sync_joined":
      return html`Joined by ${joinedBy(change)}: your values kept, differences to review.`;
    case "sync_update":
      return html`${who} changed ${noun} from ${from} to ${to}${stop}`;
    case "sync_source_changed":
      // No earlier source value (a record made by hand that a sync joined, or a field the source
      // left empty): the record had a person's value all along, so "from (empty)" would mislead.
      if (blank(change.old_value)) {
        return html`${who} found the source's ${noun} (${to}) differs from the corrected value, which was kept and needs review.`;
      }
      return html`${who} saw the source change ${noun} from ${from} to ${to}; the corrected value was kept and needs review.`;
    case "sync_caught_up":
      return html`${who} found the source now agrees on ${noun} (${to}); it is no longer a correction.`;
    case "sync_reappeared":
      return html`${who} found this record in the source again.`;
    case "marked_missing":
      return html`${who} didn't find this record in the source; it was kept and marked missing.`;
    case "manual_edit":
      return html`${who} edited ${noun} from ${from} to ${to}${stop}`;
    case "review_keep":
      return html`${who} reviewed ${noun} and kept the corrected value, ${to}${stop}`;
    case "review_take_source":
      return html`${who} reviewed ${noun} and took the source's value, changing it from ${from} to ${to}${stop}`;
    case "revert":
      return html`${who} reverted ${noun} from ${from} to ${to}${stop}`;
    default:
      return html`${who}: ${String(change.action || "change").replaceAll("_", " ")}${change.field ? ` of ${noun}` : ""}.`;
  }
}

function insertedValues(dataset, change) {
  const values = change.new_value && typeof change.new_value === "object" ? change.new_value : null;
  if (!values) return "";
  const { editable, label: fieldLabel, text: valueText } = dataset.fields;
  const names = editable.filter((name) => name in values);
  return html`<details class="mt-1.5 text-xs text-slate-600">
    <summary class="cursor-pointer font-medium text-slate-500 hover:text-slate-800">Values it had</summary>
    <dl class="mt-1.5 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
      ${names.map((name) => html`<dt class="text-slate-500">${fieldLabel(name)}</dt><dd>${valueText(name, values[name])}</dd>`)}
    </dl>
  </details>`;
}

function canRevert(dataset, change, current) {
  return (
    REVERTABLE.has(change.action) &&
    dataset.fields.editable.includes(change.field) &&
    !same(change.old_value, change.new_value) &&
    !same(current?.[change.field], change.old_value)
  );
}

function entry(dataset, change, current, canEdit) {
  const { noun, text } = dataset.fields;
  const revert =
    canEdit && canRevert(dataset, change, current)
      ? htmlEl`<button type="button" class="btn btn-ghost btn-sm shrink-0" data-action="revert" data-change-id="${change.id}"
          aria-label="Revert: set the ${noun(change.field)} back to ${text(change.field, change.old_value)}">${icon("revert", "size-4")}Revert</button>`
      : "";
  return htmlEl`<li class="relative flex gap-3 pb-5 last:pb-0" data-change-id="${change.id}" data-action="${change.action}" data-field="${change.field || ""}">
    <span class="absolute top-9 bottom-1 left-4 -ml-px w-px bg-slate-200" aria-hidden="true" data-timeline-line></span>
    ${actorAvatar(change)}
    <div class="min-w-0 flex-1 pt-1">
      <div class="flex items-start justify-between gap-2">
        <p class="text-sm text-slate-700 text-pretty" data-change-text>${describeChange(dataset, change)}</p>
        ${revert}
      </div>
      <p class="mt-0.5 text-xs text-slate-500"><time datetime="${change.changed_at}" title="${formatDateTime(change.changed_at)}">${formatRelative(change.changed_at)}</time> · ${formatDateTime(change.changed_at)}</p>
      ${change.action === "sync_insert" || change.action === "manual_create" ? insertedValues(dataset, change) : ""}
    </div>
  </li>`;
}

/**
 * Open the drawer for `record` of `dataset`. `onChanged(record)` runs after a revert with the
 * updated record.
 */
export function openHistoryDrawer(dataset, { record, user, opener = document.activeElement, onChanged }) {
  const { noun: fieldNoun, text: valueText } = dataset.fields;
  const canEdit = user.can("editor");
  let current = record;
  let changes = [];
  let page = 0;
  let pages = 1;
  let total = 0;

  const summary = htmlEl`<div class="flex flex-wrap items-center gap-1.5" data-history-summary></div>`;
  const list = htmlEl`<ol id="history-list" class="mt-5 focus:outline-none" tabindex="-1" aria-label="Changes, newest first"></ol>`;
  const status = htmlEl`<p class="mt-1 text-xs text-slate-500" data-history-count aria-live="polite"></p>`;
  const more = htmlEl`<button type="button" id="history-more" class="btn btn-secondary btn-sm mt-4 w-full" hidden>Show older changes</button>`;
  const body = htmlEl`<div class="drawer-body">${summary}${status}${list}${more}</div>`;

  const describe = dataset.describe;
  const modal = openModal({
    id: "history-drawer",
    variant: "drawer",
    size: "max-w-lg",
    title: "History",
    description: describe(record),
    content: body,
    closeOnBackdrop: true,
    initialFocus: "#history-list",
    opener,
  });

  function renderSummary() {
    summary.replaceChildren(dataset.summary?.(current) || "", recordMarks(dataset, current), recordBadges(dataset, current, { large: true }));
    const description = modal.dialog.querySelector("#history-drawer-description");
    if (description) description.textContent = describe(current);
  }

  function renderList() {
    if (!changes.length) {
      list.replaceChildren(
        htmlEl`<li>${emptyState({ icon: "history", title: "No changes recorded", message: "Changes appear here once a sync or a person changes this record.", compact: true })}</li>`,
      );
    } else {
      list.replaceChildren(...changes.map((change) => entry(dataset, change, current, canEdit)));
      list.lastElementChild.querySelector("[data-timeline-line]")?.remove();
    }
    status.textContent = total ? `${plural(total, "change")}, newest first` : "";
    more.hidden = page >= pages;
  }

  function renderLoading() {
    list.replaceChildren(
      ...Array.from({ length: 4 }, () => htmlEl`<li class="flex gap-3 pb-5" aria-hidden="true">
        <span class="skeleton size-8 shrink-0 rounded-full"></span>
        <div class="flex-1 space-y-2 pt-1"><div class="skeleton h-4 w-4/5"></div><div class="skeleton h-3 w-1/3"></div></div>
      </li>`),
    );
  }

  async function load({ append = false } = {}) {
    const next = append ? page + 1 : 1;
    if (!append) renderLoading();
    try {
      const envelope = await api.get(`${dataset.apiPath}/${current.id}/history`, { page: next, per_page: PAGE_SIZE });
      changes = append ? [...changes, ...envelope.data] : envelope.data;
      page = envelope.page || next;
      pages = envelope.pages || 1;
      total = envelope.total ?? changes.length;
      renderList();
    } catch (error) {
      if (error.redirecting) return;
      if (append) {
        toastError(error, "Couldn't load older changes");
        return;
      }
      const retry = htmlEl`<button type="button" class="btn btn-secondary btn-sm">${icon("refresh", "size-4")}Try again</button>`;
      retry.addEventListener("click", () => load());
      list.replaceChildren(htmlEl`<li>${emptyState({ icon: "warning", title: "Couldn't load the history", message: error.message, action: retry, compact: true })}</li>`);
    }
  }

  more.addEventListener("click", () => withBusy(more, () => load({ append: true }), "Loading"));

  on(list, "click", "button[data-action='revert']", async (_event, button) => {
    const change = changes.find((c) => c.id === Number(button.dataset.changeId));
    if (!change) return;
    const noun = fieldNoun(change.field);
    const target = valueText(change.field, change.old_value);
    await confirmDialog({
      title: `Set the ${noun} back to ${target}?`,
      message: `It is ${valueText(change.field, current[change.field])} now. The revert is saved as your edit, so later syncs keep it, and it can be reverted too.`,
      confirmLabel: "Revert",
      busyLabel: "Reverting",
      tone: "brand",
      opener: list, // the button goes away with the redrawn list
      onConfirm: async () => {
        const { data } = await api.post(`${dataset.apiPath}/${current.id}/revert`, { change_id: change.id, version: current.version });
        current = data;
        renderSummary();
        onChanged?.(data);
        toast(`The ${noun} of ${dataset.name(data)} is ${valueText(change.field, data[change.field])} again.`, {
          type: "success",
          title: "Change reverted",
        });
        await load();
      },
    });
  });

  renderSummary();
  load();

  return {
    closed: modal.closed,
    /** The record changed elsewhere (the editor saved): refresh the summary and the list. */
    externalChange(updated) {
      if (updated.id !== current.id || !modal.dialog.isConnected) return;
      current = updated;
      renderSummary();
      load();
    },
  };
}
