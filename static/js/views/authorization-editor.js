// The authorization edit modal: the record's fields with inline validation, the review of
// fields the source changed after a person corrected them ("Keep mine" / "Take source's"), and
// the two 409s explained — an authorization number another record uses, and a record someone
// else saved meanwhile (with the offer to reload the form with the current values).
//
// Hooks: #authorization-form, #auth-<field> inputs (#auth-status is a select, the dates are
// type=date), #auth-submit, #auth-cancel, #auth-history, #authorization-review with
// button[data-review-field][data-decision=keep|source], #authorization-conflict,
// #auth-conflict-reload.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatRelative, formatTime } from "../format.js";
import {
  checkRequired,
  clearFieldErrors,
  field,
  openModal,
  selectField,
  setFieldError,
  toast,
  toastError,
  withBusy,
} from "../ui.js";
import {
  EDITABLE,
  FIELDS,
  FIELD_BY_NAME,
  STATUSES,
  fieldLabel,
  fieldNoun,
  valueNode,
  valueText,
} from "./authorization-fields.js";

const inputId = (name) => `auth-${name}`;

/** The value an input shows for a record's value, and back. */
const toInput = (value) => (value == null ? "" : String(value));
const fromInput = (value) => {
  const text = String(value ?? "").trim();
  return text === "" ? null : text;
};

function buildField(spec, record, readOnly) {
  const id = inputId(spec.name);
  const edited = record.edited_fields?.includes(spec.name);
  const wrapper =
    spec.type === "select"
      ? selectField({
          id,
          name: spec.name,
          label: spec.label,
          value: record[spec.name] || "",
          options: [
            ...(STATUSES.includes(record[spec.name]) ? [] : [{ value: "", label: "Choose a status" }]),
            ...STATUSES.map((s) => ({ value: s, label: s })),
          ],
        })
      : field({
          id,
          name: spec.name,
          label: spec.label,
          type: spec.type || "text",
          value: toInput(record[spec.name]),
          required: Boolean(spec.required) && !readOnly,
          attrs: {
            autocomplete: "off",
            spellcheck: "false",
            ...(spec.type === "date" ? {} : { maxlength: spec.name === "amount" ? "64" : "255" }),
            ...(spec.mono ? { class: "input font-mono" } : {}),
          },
        });
  if (spec.wide) wrapper.classList.add("sm:col-span-2");
  // A marker beside the label (not inside it, so the label stays the field's name).
  const label = wrapper.querySelector("label");
  const row = htmlEl`<div class="flex items-center justify-between gap-2"></div>`;
  label.replaceWith(row);
  row.append(label);
  if (edited) {
    row.append(
      htmlEl`<span class="badge badge-violet text-[11px]" data-edited-marker="${spec.name}" title="A person corrected this value; syncs keep it">${icon("pencil", "size-3")}Edited</span>`,
    );
  }
  return wrapper;
}

function reviewPanel(record, canEdit) {
  const items = record.review || [];
  if (!items.length) return null;
  return htmlEl`<section id="authorization-review" class="rounded-lg border border-amber-200 bg-amber-50/70 p-4" aria-labelledby="authorization-review-title">
    <h3 id="authorization-review-title" class="flex items-center gap-2 text-sm font-semibold text-amber-900">
      <span class="text-amber-600">${icon("warning", "size-5")}</span>
      The source changed ${items.length === 1 ? "a value" : `${items.length} values`} that a person corrected
    </h3>
    <p class="mt-1 text-xs text-amber-900/80">The corrected value is still in force. ${canEdit ? "Keep it, or take the source's value." : "An editor can settle this."}</p>
    <ul class="mt-3 space-y-2.5">
      ${items.map(
        (item) => html`<li class="rounded-lg bg-white p-3 ring-1 ring-amber-200" data-review-item="${item.field}">
          <p class="text-xs font-semibold tracking-wide text-slate-500 uppercase">${fieldLabel(item.field)}</p>
          <dl class="mt-1.5 grid grid-cols-2 gap-3 text-sm">
            <div><dt class="text-xs text-slate-500">Yours (in force)</dt><dd class="mt-0.5" data-review-yours>${valueNode(item.field, item.yours)}</dd></div>
            <div><dt class="text-xs text-slate-500">Source now says</dt><dd class="mt-0.5" data-review-source>${valueNode(item.field, item.source)}</dd></div>
          </dl>
          ${
            canEdit
              ? html`<div class="mt-3 flex flex-wrap gap-2">
                  <button type="button" class="btn btn-secondary btn-sm" data-review-field="${item.field}" data-decision="keep">Keep mine</button>
                  <button type="button" class="btn btn-secondary btn-sm" data-review-field="${item.field}" data-decision="source">Take source's</button>
                </div>`
              : ""
          }
        </li>`,
      )}
    </ul>
  </section>`;
}

function metaLine(record) {
  return html`<span>Record ${record.id}</span><span aria-hidden="true">·</span>
    <span>version ${record.version}</span><span aria-hidden="true">·</span>
    <span title="${formatDateTime(record.updated_at)}">updated ${formatRelative(record.updated_at)}</span>
    ${record.last_seen_run_id ? html`<span aria-hidden="true">·</span><span>last seen by sync run ${record.last_seen_run_id}</span>` : ""}`;
}

/** Who saved the record last, in words ("eddie at 3:04 PM"), from its history; "" if unknown. */
async function lastChangeBy(id) {
  try {
    const { data } = await api.get(`/api/authorizations/${id}/history`, { per_page: 1 });
    const change = data?.[0];
    if (!change) return "";
    const who =
      change.actor_type === "user"
        ? change.username || "another person"
        : change.actor_type === "sync"
          ? `Sync run ${change.run_id}`
          : "MedSync";
    return `${who} at ${formatTime(change.changed_at)}`;
  } catch {
    return "";
  }
}

/**
 * Open the editor for authorization `id` (fetched fresh so the version is current).
 * `onChanged(record)` runs after every saved change (edit or review). `onHistory(record)` opens
 * the history drawer. Returns {externalChange(record)} or null when the record can't be loaded.
 */
export async function openAuthorizationEditor({ id, user, opener = document.activeElement, onChanged, onHistory }) {
  let record;
  try {
    record = (await api.get(`/api/authorizations/${id}`)).data;
  } catch (error) {
    toastError(error, "Couldn't open the record");
    return null;
  }
  const canEdit = user.can("editor");
  let original = record; // what the form started from: its version goes with the save

  const grid = htmlEl`<div class="grid gap-4 sm:grid-cols-2"></div>`;
  const fieldset = htmlEl`<fieldset class="min-w-0 space-y-4"><legend class="sr-only">Authorization fields</legend></fieldset>`;
  fieldset.append(grid);
  fieldset.disabled = !canEdit;
  const reviewSlot = htmlEl`<div data-review-slot></div>`;
  const conflictSlot = htmlEl`<div data-conflict-slot></div>`;
  const noticeSlot = htmlEl`<div data-notice-slot></div>`;
  const meta = htmlEl`<p class="flex flex-wrap gap-x-1.5 gap-y-0.5 text-xs text-slate-500" data-record-meta></p>`;
  const historyButton = htmlEl`<button type="button" id="auth-history" class="btn btn-ghost sm:mr-auto">${icon("history", "size-4")}History</button>`;

  const form = htmlEl`<form id="authorization-form" novalidate data-record-id="${record.id}">
    <div class="modal-body max-h-[calc(100dvh-18rem)] overflow-y-auto sm:max-h-[calc(100dvh-12rem)]">
      ${conflictSlot}${reviewSlot}${noticeSlot}${fieldset}${meta}
    </div>
    <div class="modal-footer">
      ${historyButton}
      <button type="button" class="btn btn-secondary" id="auth-cancel" data-modal-close>${canEdit ? "Cancel" : "Close"}</button>
      ${canEdit ? html`<button type="submit" class="btn btn-primary" id="auth-submit">Save changes</button>` : ""}
    </div>
  </form>`;
  const submit = form.querySelector("#auth-submit");
  const input = (name) => form.querySelector(`#${inputId(name)}`);

  function renderFields(rec) {
    grid.replaceChildren(...FIELDS.map((spec) => buildField(spec, rec, !canEdit)));
  }

  function renderAround(rec) {
    reviewSlot.replaceChildren(reviewPanel(rec, canEdit) || "");
    noticeSlot.replaceChildren(
      rec.missing_from_source
        ? htmlEl`<p class="flex gap-2 rounded-lg border border-orange-200 bg-orange-50 px-3 py-2.5 text-sm text-orange-900">
            <span class="text-orange-600">${icon("eye-slash", "size-5")}</span>
            <span>The last complete sync didn't find this record in the portal${rec.last_seen_run_id ? ` (last seen by sync run ${rec.last_seen_run_id})` : ""}. It is kept, not deleted.</span></p>`
        : "",
    );
    meta.replaceChildren(metaLine(rec));
    // The header's description names the record.
    const description = modal?.dialog.querySelector(`#authorization-modal-description`);
    if (description) description.textContent = describe(rec);
  }

  const describe = (rec) => `${rec.patient_name || "Unnamed patient"} · ${rec.authorization_number || "no authorization number"}`;

  /** Fields whose input differs from what the form started from, typed for the API. */
  function changes() {
    const result = {};
    for (const name of EDITABLE) {
      const control = input(name);
      if (!control) continue;
      const value = fromInput(control.value);
      if (value !== (original[name] ?? null)) result[name] = value;
    }
    return result;
  }

  /** Load `rec` into the form (every field, or only `names`). */
  function fill(rec, names = EDITABLE) {
    for (const name of names) {
      const control = input(name);
      if (control) control.value = toInput(rec[name]);
    }
  }

  renderFields(record);
  const modal = openModal({
    id: "authorization-modal",
    title: canEdit ? "Edit authorization" : "Authorization",
    description: describe(record),
    content: form,
    size: "max-w-2xl",
    initialFocus: canEdit ? `#${inputId("patient_name")}` : "#auth-cancel",
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
        () => api.post(`/api/authorizations/${record.id}/review`, { field: name, decision }),
        decision === "keep" ? "Keeping" : "Taking",
      );
      const typed = changes();
      original = data;
      if (decision === "source") fill(data, [name]);
      else if (!(name in typed)) fill(data, [name]);
      renderAround(data);
      onChanged?.(data);
      toast(
        decision === "keep"
          ? `Kept ${valueText(name, data[name])} as the ${fieldNoun(name)}; later syncs keep it too.`
          : `The ${fieldNoun(name)} now follows the source: ${valueText(name, data[name])}.`,
        { type: "success", title: "Review settled" },
      );
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
      const { data } = await api.get(`/api/authorizations/${record.id}`);
      const typed = keepTyped ? changes() : {};
      original = data;
      fill(data, EDITABLE.filter((name) => !(name in typed)));
      renderAround(data);
      onChanged?.(data);
    } catch (error) {
      toastError(error, "Couldn't reload the record");
    }
  }

  /* ------------------------------------------------------------ the version conflict */

  async function showConflict(current, typed) {
    const theirs = EDITABLE.filter((name) => (current[name] ?? null) !== (original[name] ?? null));
    const mine = Object.keys(typed);
    const by = await lastChangeBy(record.id);
    const banner = htmlEl`<div id="authorization-conflict" class="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" role="alert" data-conflict="version">
      <p class="flex items-center gap-2 font-semibold"><span class="text-amber-600">${icon("warning", "size-5")}</span>Someone else changed this record while you were editing it</p>
      <p class="mt-1">${by ? `${by} saved` : "It was saved"} as version ${current.version} after you opened version ${original.version}. Your changes are not saved yet.</p>
      ${
        theirs.length
          ? html`<ul class="mt-2 list-disc space-y-0.5 pl-5">${theirs.map(
              (name) => html`<li><span class="font-medium">${fieldLabel(name)}</span> is now ${valueNode(name, current[name])} (was ${valueText(name, original[name])} when you opened it)${
                name in typed ? html`; you entered ${valueText(name, typed[name])}` : ""
              }</li>`,
            )}</ul>`
          : html`<p class="mt-1">The visible values are the same; only its bookkeeping changed.</p>`
      }
      <div class="mt-3 flex flex-wrap gap-2">
        <button type="button" id="auth-conflict-reload" class="btn btn-primary btn-sm">${icon("refresh", "size-4")}Reload with the current values</button>
      </div>
    </div>`;
    conflictSlot.replaceChildren(banner);
    banner.scrollIntoView({ block: "nearest" });
    banner.querySelector("#auth-conflict-reload").addEventListener("click", () => {
      original = current;
      renderFields(current);
      renderAround(current);
      onChanged?.(current);
      conflictSlot.replaceChildren(
        htmlEl`<div id="authorization-conflict" class="rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm text-sky-900" role="status" data-conflict="reloaded">
          <p class="font-semibold">The form now shows the current values (version ${current.version}).</p>
          ${
            mine.length
              ? html`<p class="mt-1">You had entered: ${mine.map(
                  (name, i) => html`${i ? "; " : ""}<span class="font-medium">${fieldNoun(name)}</span> → ${valueText(name, typed[name])}`,
                )}. Make those changes again if they still apply, then save.</p>`
              : ""
          }
        </div>`,
      );
      input(mine[0] || "patient_name")?.focus();
    });
    banner.querySelector("#auth-conflict-reload").focus();
  }

  /* ------------------------------------------------------------ save */

  function checkDates() {
    const start = input("service_start")?.value;
    const end = input("service_end")?.value;
    if (start && end && end < start) {
      setFieldError(form, "service_end", "Service end can't be before service start.");
      input("service_end").focus();
      return false;
    }
    return true;
  }

  function showError(error, typed) {
    const name = error.details?.field;
    if (error.status === 409 && name === "version") {
      showConflict(error.details.current || original, typed);
      return;
    }
    if (error.status === 409 && name === "authorization_number") {
      setFieldError(form, name, `${error.message} Choose another number, or correct the other record first.`);
      input(name).focus();
      return;
    }
    if ((error.status === 422 || error.status === 400) && FIELD_BY_NAME[name]) {
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
    if (!checkRequired(form, { patient_name: "Patient name is required." })) return;
    if (!checkDates()) return;
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
        () => api.patch(`/api/authorizations/${record.id}`, { ...typed, version: original.version }),
        "Saving",
      );
      modal.setDismissible(true);
      original = data;
      onChanged?.(data);
      const names = Object.keys(typed).map(fieldNoun);
      toast(`Saved the ${names.join(", ")} of ${data.patient_name}. Later syncs keep your values.`, {
        type: "success",
        title: "Changes saved",
      });
      modal.close("saved");
    } catch (error) {
      modal.setDismissible(true);
      if (!error.redirecting) showError(error, typed);
    }
  });

  // Fields with an error clear it as soon as the person edits them.
  form.addEventListener("input", (event) => {
    const wrapper = event.target.closest("[data-field]");
    if (!wrapper || !event.target.hasAttribute("aria-invalid")) return;
    event.target.removeAttribute("aria-invalid");
    const error = wrapper.querySelector(".field-error");
    error.hidden = true;
    error.textContent = "";
  });

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
