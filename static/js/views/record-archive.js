// Archive, delete and restore one record, and the words for what happens. Deleting a record its
// source still sends archives it (hidden from lists, kept out by later syncs, restorable); a
// record added by hand is deleted for good. Both go to the history. Admins archive and delete;
// editors restore. The marks a list shows: "Archived", "Added by hand".
//
// Hooks: button[data-record-action=archive|delete|restore] in the record's editor footer
// (#<prefix>-archive | #<prefix>-restore, e.g. #auth-archive) and drawer footer
// (#<prefix>-drawer-archive | -restore, e.g. #drug-drawer-restore), the confirm dialog (#confirm-dialog,
// #confirm-message, #confirm-accept), badges [data-badge=archived|manual].
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatDateTime, plural } from "../format.js";
import { confirmDialog, toast, toastError } from "../ui.js";

export const isManual = (record) => record.origin === "manual";
/** "authorizations", "drug classes". */
export const nouns = (dataset) => `${dataset.noun}${dataset.noun.endsWith("s") ? "es" : "s"}`;

/** The list's marks of a record: archived, added by hand. */
export function recordMarks(dataset, record) {
  return html`${record.archived
    ? html`<span class="badge badge-gray text-[11px]" data-badge="archived" title="Archived${record.archived_at ? ` ${formatDateTime(record.archived_at)}` : ""}: hidden from the list, and later syncs of ${dataset.source} leave it archived">${icon("inbox", "size-3")}Archived</span>`
    : ""}${isManual(record)
    ? html`<span class="badge badge-brand text-[11px]" data-badge="manual" title="Added by hand in MedSync, not read from ${dataset.source}">${icon("user", "size-3")}Added by hand</span>`
    : ""}`;
}

/** What removing `records` does, in words: archive the synced ones, delete the hand-made ones. */
export function removalWords(dataset, records) {
  const manual = records.filter(isManual).length;
  const synced = records.length - manual;
  const parts = [];
  if (synced) {
    parts.push(
      `${records.length === 1 ? "It comes" : `${plural(synced, `${dataset.noun} comes`, `${nouns(dataset)} come`)}`} from ${dataset.source}, so ${synced === 1 ? "it is" : "they are"} archived: hidden from the list, left archived by later syncs, and restorable under "Show archived".`,
    );
  }
  if (manual) {
    parts.push(
      `${records.length === 1 ? "It was" : `${plural(manual, `${dataset.noun} was`, `${nouns(dataset)} were`)}`} added by hand, so ${manual === 1 ? "it is" : "they are"} deleted for good (the history keeps what ${manual === 1 ? "it" : "they"} held).`,
    );
  }
  return parts.join(" ");
}

/** The verb of removing `record`: delete a hand-made one, archive a synced one. */
const removalVerb = (record) => (isManual(record) ? "delete" : "archive");

/**
 * Ask, then remove `record` (DELETE <apiPath>/<id>). Resolves with the outcome ("archived" |
 * "deleted") or null when the person cancelled.
 */
export async function removeRecord(dataset, record, { opener } = {}) {
  const verb = removalVerb(record);
  let outcome = null;
  const confirmed = await confirmDialog({
    title: `${capitalize(verb)} ${dataset.noun}?`,
    message: `${capitalize(verb)} ${dataset.name(record) || `record ${record.id}`}? ${removalWords(dataset, [record])}`,
    confirmLabel: capitalize(verb),
    busyLabel: verb === "delete" ? "Deleting" : "Archiving",
    opener,
    onConfirm: async () => {
      const { data } = await api.delete(`${dataset.apiPath}/${record.id}`, { params: { version: record.version } });
      outcome = data?.outcome || (verb === "delete" ? "deleted" : "archived");
    },
  });
  if (!confirmed) return null;
  toast(
    outcome === "deleted"
      ? `Deleted ${dataset.name(record)}. Its history stays in the audit log.`
      : `Archived ${dataset.name(record)}. Later syncs leave it archived; "Show archived" lists it.`,
    { type: "success", title: outcome === "deleted" ? `${capitalize(dataset.noun)} deleted` : `${capitalize(dataset.noun)} archived` },
  );
  return outcome;
}

/** Restore archived `record` (POST <apiPath>/<id>/restore); resolves with the record, or null. */
export async function restoreRecord(dataset, record) {
  try {
    const { data } = await api.post(`${dataset.apiPath}/${record.id}/restore`, { version: record.version });
    toast(`Restored ${dataset.name(record)}: it is back in the list.`, { type: "success", title: `${capitalize(dataset.noun)} restored` });
    return data;
  } catch (error) {
    toastError(error, `Couldn't restore the ${dataset.noun}`);
    return null;
  }
}

/**
 * The Archive (or Delete) / Restore button for a record's editor or drawer footer, by role:
 * admins remove, editors restore, viewers get nothing (null). `onRemoved(outcome)` and
 * `onRestored(record)` follow a success; `className` places it in its footer; its id is
 * #<idPrefix>-archive or #<idPrefix>-restore (idPrefix: the dataset's, e.g. "auth"). Returns
 * {el, update(record), record()}.
 */
export function recordActionButton(dataset, { user, record, onRemoved, onRestored, className = "", idPrefix = dataset.ids.prefix }) {
  if (!user.can("editor")) return null;
  let current = record;
  const el = htmlEl`<button type="button" class="btn btn-ghost"></button>`;

  function update(next) {
    current = next;
    const restoring = Boolean(current.archived);
    const verb = restoring ? "restore" : removalVerb(current);
    el.hidden = !restoring && !user.can("admin");
    el.id = `${idPrefix}-${restoring ? "restore" : "archive"}`;
    el.dataset.recordAction = verb;
    el.className = `btn btn-ghost ${className} ${restoring ? "" : "text-red-700 hover:bg-red-50"}`;
    el.replaceChildren(html`${icon(restoring ? "revert" : "inbox", "size-4")}${capitalize(verb)}`);
  }

  el.addEventListener("click", async () => {
    el.disabled = true;
    try {
      if (current.archived) {
        const restored = await restoreRecord(dataset, current);
        if (restored) onRestored?.(restored);
      } else {
        const outcome = await removeRecord(dataset, current, { opener: el });
        if (outcome) onRemoved?.(outcome);
      }
    } finally {
      el.disabled = false;
    }
  });
  update(record);
  return { el, update, record: () => current };
}
