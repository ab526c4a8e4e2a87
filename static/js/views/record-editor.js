// The edit modal of any tracked record (an authorization, a drug, a drug class), driven by its
// dataset description and the server's field rules (record-fields.js): the editable fields with inline validation, the review
// of fields the source changed after a person corrected them (record-review.js), and the two 409s
// explained — a value another record already holds (a unique field), and a record someone else
// saved meanwhile (record-conflict.js, with the offer to reload the form).
//
// Hooks (from dataset.ids): #<form>, #<prefix>-<field> inputs, #<prefix>-submit,
// #<prefix>-cancel, #<prefix>-history, #<review>, #<conflict>, #<prefix>-conflict-reload.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatDateTime, formatRelative } from "../format.js";
import { checkRequired, clearFieldErrors, openModal, setFieldError, toast, toastError, withBusy } from "../ui.js";
import { buildField, clearErrorsOnInput, fromInput, toInput } from "./record-form.js";
import { reviewPanel, reviewSettledMessage } from "./record-review.js";
import { conflictBanner, lastChangeBy, reloadedNotice } from "./record-conflict.js";

function metaLine(record) {
  return html`<span>Record ${record.id}</span><span aria-hidden="true">·</span>
    <span>version ${record.version}</span><span aria-hidden="true">·</span>
    <span title="${formatDateTime(record.updated_at)}">updated ${formatRelative(record.updated_at)}</span>
    ${record.last_seen_run_id ? html`<span aria-hidden="true">·</span><span>last seen by sync run ${record.last_seen_run_id}</span>` : ""}`;
}

function missingNotice(dataset, record) {
  if (!record.missing_from_source) return "";
  return htmlEl`<p class="flex gap-2 rounded-lg border border-orange-200 bg-orange-50 px-3 py-2.5 text-sm text-orange-900">
    <span class="text-orange-600">${icon("eye-slash", "size-5")}</span>
    <span>The last complete sync didn't find this record in ${dataset.source}${record.last_seen_run_id ? ` (last seen by sync run ${record.last_seen_run_id})` : ""}. It is kept, not deleted.</span></p>`;
}

/**
 * Open the editor for record `id` of `dataset` (fetched fresh so the version is current).
 * `onChanged(record)` runs after every saved change (edit or review). `onHistory(record, button)`
 * opens the history drawer. Returns {id, closed, externalChange(record)} or null when the record
 * can't be loaded.
 */
/**
 * The fields the form shows for `rec`: a field the source's profile never fills (the rule's
 * in_profile is false: the sandbox portal has no amount) stays out — an always-empty box only
 * confuses — unless the record holds a value there or a person made the record.
 */
export function shownFields(list, rec) {
  return list.filter((spec) => spec.in_profile !== false || !rec.source || (rec[spec.name] ?? "") !== "");
}

export async function openRecordEditor(dataset, { id, user, opener = document.activeElement, onChanged, onHistory }) {
  const { apiPath, ids, fields } = dataset;
  let record;
  try {
    record = (await api.get(`${apiPath}/${id}`)).data;
  } catch (error) {
    toastError(error, "Couldn't open the record");
    return null;
  }
  const canEdit = user.can("editor");
  const editable = fields.editable;
  const firstField = editable[0];
  let original = record; // what the form started from: its version goes with the save

  const grid = htmlEl`<div class="grid gap-4 sm:grid-cols-2"></div>`;
  const fieldset = htmlEl`<fieldset class="min-w-0 space-y-4"><legend class="sr-only">${capitalize(dataset.noun)} fields</legend></fieldset>`;
  fieldset.append(grid);
  fieldset.disabled = !canEdit;
  const reviewSlot = htmlEl`<div data-review-slot></div>`;
  const conflictSlot = htmlEl`<div data-conflict-slot></div>`;
  const noticeSlot = htmlEl`<div data-notice-slot></div>`;
  const meta = htmlEl`<p class="flex flex-wrap gap-x-1.5 gap-y-0.5 text-xs text-slate-500" data-record-meta></p>`;
  const historyButton = htmlEl`<button type="button" id="${ids.prefix}-history" class="btn btn-ghost sm:mr-auto">${icon("history", "size-4")}History</button>`;

  const form = htmlEl`<form id="${ids.form}" novalidate data-record-id="${record.id}">
    <div class="modal-body max-h-[calc(100dvh-18rem)] overflow-y-auto sm:max-h-[calc(100dvh-12rem)]">
      ${conflictSlot}${reviewSlot}${noticeSlot}${fieldset}${meta}
    </div>
    <div class="modal-footer">
      ${historyButton}
      <button type="button" class="btn btn-secondary" id="${ids.prefix}-cancel" data-modal-close>${canEdit ? "Cancel" : "Close"}</button>
      ${canEdit ? html`<button type="submit" class="btn btn-primary" id="${ids.prefix}-submit">Save changes</button>` : ""}
    </div>
  </form>`;
  const submit = form.querySelector(`#${ids.prefix}-submit`);
  const input = (name) => form.querySelector(`#${ids.prefix}-${name}`);

  function renderFields(rec) {
    grid.replaceChildren(...shownFields(fields.list, rec).map((spec) => buildField(spec, rec, { prefix: ids.prefix, readOnly: !canEdit })));
  }

  function renderAround(rec) {
    reviewSlot.replaceChildren(reviewPanel(dataset, rec, canEdit) || "");
    noticeSlot.replaceChildren(missingNotice(dataset, rec));
    meta.replaceChildren(metaLine(rec));
    // The header's description names the record.
    const description = modal?.dialog.querySelector(`#${ids.modal}-description`);
    if (description) description.textContent = dataset.describe(rec);
  }

  /** Fields whose input differs from what the form started from, typed for the API. */
  function changes() {
    const result = {};
    for (const name of editable) {
      const control = input(name);
      if (!control) continue;
      const value = fromInput(control.value);
      if (value !== (original[name] ?? null)) result[name] = value;
    }
    return result;
  }

  /** Load `rec` into the form (every field, or only `names`). */
  function fill(rec, names = editable) {
    for (const name of names) {
      const control = input(name);
      if (control) control.value = toInput(rec[name]);
    }
  }

  renderFields(record);
  const modal = openModal({
    id: ids.modal,
    title: canEdit ? `Edit ${dataset.noun}` : capitalize(dataset.noun),
    description: dataset.describe(record),
    content: form,
    size: "max-w-2xl",
    initialFocus: canEdit ? `#${ids.prefix}-${firstField}` : `#${ids.prefix}-cancel`,
    opener,
  });
  renderAround(record);

  historyButton.addEventListener("click", () => onHistory?.(original, historyButton));

  /* ------------------------------------------------------------ review */

  on(reviewSlot, "click", "button[data-review-field]", async (_event, button) => {
    const name = button.dataset.reviewField;
    const decision = button.dataset.decision;
    const item = button.closest("[data-review-item]");
    item.querySelectorAll("button").forEach((b) => (b.disabled = true));
    try {
      const { data } = await withBusy(
        button,
        () => api.post(`${apiPath}/${record.id}/review`, { field: name, decision, version: original.version }),
        decision === "keep" ? "Keeping" : "Taking",
      );
      const typed = changes();
      original = data;
      if (decision === "source" || !(name in typed)) fill(data, [name]);
      renderAround(data);
      onChanged?.(data);
      toast(reviewSettledMessage(dataset, name, decision, data), { type: "success", title: "Review settled" });
      const next = reviewSlot.querySelector("button[data-review-field]");
      (next || input(name))?.focus();
    } catch (error) {
      item.querySelectorAll("button").forEach((b) => (b.disabled = false));
      if (error.status === 422 || error.status === 409) {
        // Someone settled it already: show the record as it is now.
        toast(`${error.message} The record was reloaded.`, { type: "warning", title: "Already settled" });
        reload({ keepTyped: true });
      } else {
        toastError(error, "Couldn't settle the review");
      }
    }
  });

  /** Fetch the record again and show it; `keepTyped` keeps what the person typed in other fields. */
  async function reload({ keepTyped = false } = {}) {
    try {
      const { data } = await api.get(`${apiPath}/${record.id}`);
      const typed = keepTyped ? changes() : {};
      original = data;
      fill(data, editable.filter((name) => !(name in typed)));
      renderAround(data);
      onChanged?.(data);
    } catch (error) {
      toastError(error, "Couldn't reload the record");
    }
  }

  /* ------------------------------------------------------------ the version conflict */

  async function showConflict(current, typed) {
    const by = await lastChangeBy(dataset, record.id);
    const banner = conflictBanner(dataset, {
      original,
      current,
      typed,
      by,
      onReload: () => {
        original = current;
        renderFields(current);
        renderAround(current);
        onChanged?.(current);
        conflictSlot.replaceChildren(reloadedNotice(dataset, current, typed));
        input(Object.keys(typed)[0] || firstField)?.focus();
      },
    });
    conflictSlot.replaceChildren(banner);
    banner.scrollIntoView({ block: "nearest" });
    banner.querySelector("button").focus();
  }

  /* ------------------------------------------------------------ save */

  function showError(error, typed) {
    const name = error.details?.field;
    if (error.status === 409 && name === "version") {
      showConflict(error.details.current || original, typed);
      return;
    }
    if (error.status === 409 && dataset.unique?.[name] && input(name)) {
      setFieldError(form, name, `${error.message} ${dataset.unique[name]}`);
      input(name).focus();
      return;
    }
    if ((error.status === 422 || error.status === 400) && fields.byName[name]) {
      setFieldError(form, name, error.message);
      input(name).focus();
      return;
    }
    if (error.status === 404) {
      toastError(error, "This record no longer exists");
      modal.close();
      return;
    }
    toastError(error, "Couldn't save the changes");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!canEdit) return;
    clearFieldErrors(form);
    if (!checkRequired(form)) return; // "<Label> is required.", as the server says it
    if (dataset.validate && !dataset.validate(form, input)) return;
    const typed = changes();
    if (!Object.keys(typed).length) {
      toast("Nothing to save: no field was changed.", { type: "info" });
      modal.close("unchanged");
      return;
    }
    modal.setDismissible(false);
    try {
      const { data } = await withBusy(
        submit,
        () => api.patch(`${apiPath}/${record.id}`, { ...typed, version: original.version }),
        "Saving",
      );
      modal.setDismissible(true);
      original = data;
      onChanged?.(data);
      const names = Object.keys(typed).map(fields.noun);
      toast(`Saved the ${names.join(", ")} of ${dataset.name(data)}. Later syncs keep your values.`, {
        type: "success",
        title: "Changes saved",
      });
      modal.close("saved");
    } catch (error) {
      modal.setDismissible(true);
      if (!error.redirecting) showError(error, typed);
    }
  });
  clearErrorsOnInput(form);

  return {
    id: record.id,
    closed: modal.closed,
    /** The record changed elsewhere (a revert in the history drawer): show it if untouched. */
    externalChange(updated) {
      if (updated.id !== record.id || !form.isConnected) return;
      if (Object.keys(changes()).length) return; // the person is typing; a save will explain
      original = updated;
      renderFields(updated);
      renderAround(updated);
    },
  };
}
