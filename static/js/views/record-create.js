// The "Add" form of a record screen (an authorization, a drug, a drug class): a modal built from
// the server's field rules for a new record, GET <apiPath>/fields?for=create (record-fields.js;
// they add what is set once on creation, such as a drug's set id, and what a new record must
// have, such as an authorization's number), checked as the editor checks, sent as POST <apiPath>. The server's
// refusals show under the field they name (422: a rule; 409: a key another record holds).
// A created record has no source and is marked "Added by hand": a later sync that brings the
// same key joins it, keeping the person's values and asking for review where they differ.
//
// Hooks: #<name>-create-modal, #<name>-create-form, #<name>-create-<field> inputs,
// #<name>-create-submit, #<name>-create-cancel; the field errors [data-field=<field>] .field-error.
import { api } from "../api.js";
import { htmlEl } from "../dom.js";
import { capitalize, withArticle } from "../format.js";
import { checkRequired, clearFieldErrors, openModal, setFieldError, toast, toastError, withBusy } from "../ui.js";
import { buildField, clearErrorsOnInput, fromInput } from "./record-form.js";
import { describeFields } from "./record-fields.js";

const createRules = new Map(); // apiPath → Promise of the fields of a new record

/** The fields a new record of `dataset` takes (fetched once per page). */
function createFields(dataset) {
  if (!createRules.has(dataset.apiPath)) {
    const promise = api.get(`${dataset.apiPath}/fields`, { for: "create" }).then(({ data }) => describeFields(data, dataset.look));
    promise.catch(() => createRules.delete(dataset.apiPath));
    createRules.set(dataset.apiPath, promise);
  }
  return createRules.get(dataset.apiPath);
}

/** The value the API takes for what an input of `spec` holds (numbers as numbers). */
function typed(spec, text) {
  const value = fromInput(text);
  if (value == null || spec.type !== "number") return value;
  return /^\d+$/.test(value) ? Number(value) : value; // a non-number: the server words the error
}

/**
 * Open the Add form of `dataset`. `name` is the screen's name (the hooks' prefix);
 * `onCreated(record)` runs once the server made it. Resolves with the modal, or null when the
 * field rules can't be read.
 */
export async function openRecordCreate(dataset, { name, opener = document.activeElement, onCreated }) {
  const prefix = `${name}-create`;
  let specs;
  try {
    specs = (await createFields(dataset)).list;
  } catch (error) {
    toastError(error, `Couldn't open the form for a new ${dataset.noun}`);
    return null;
  }
  const grid = htmlEl`<div class="grid gap-4 sm:grid-cols-2"></div>`;
  grid.append(...specs.map((spec) => buildField(spec, {}, { prefix, readOnly: false })));
  const form = htmlEl`<form id="${prefix}-form" novalidate>
    <div class="modal-body max-h-[calc(100dvh-18rem)] overflow-y-auto sm:max-h-[calc(100dvh-12rem)]">
      <p class="text-sm text-slate-600">It is marked as added by hand. If ${dataset.source} later sends a record with the same key, the two become one: your values stay, and any difference waits for review.</p>
      <fieldset class="min-w-0"><legend class="sr-only">${capitalize(dataset.noun)} fields</legend>${grid}</fieldset>
    </div>
    <div class="modal-footer">
      <button type="button" class="btn btn-secondary" id="${prefix}-cancel" data-modal-close>Cancel</button>
      <button type="submit" class="btn btn-primary" id="${prefix}-submit">Add ${dataset.noun}</button>
    </div>
  </form>`;
  const submit = form.querySelector(`#${prefix}-submit`);
  const input = (field) => form.querySelector(`#${prefix}-${field}`);
  const modal = openModal({
    id: `${prefix}-modal`,
    title: `Add ${withArticle(dataset.noun)}`,
    content: form,
    size: "max-w-2xl",
    initialFocus: `#${prefix}-${specs[0]?.name}`,
    opener,
  });

  function values() {
    const body = {};
    for (const spec of specs) {
      const value = typed(spec, input(spec.name)?.value);
      if (value != null) body[spec.name] = value;
    }
    return body;
  }

  /** A refusal under the field it names, else a toast. */
  function showError(error) {
    const field = error.details?.field;
    if ((error.status === 422 || error.status === 400 || error.status === 409) && field && input(field)) {
      const hint = error.status === 409 ? dataset.unique?.[field] : "";
      setFieldError(form, field, hint ? `${error.message} ${hint}` : error.message);
      input(field).focus();
      return;
    }
    toastError(error, `Couldn't add the ${dataset.noun}`);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!checkRequired(form)) return;
    if (dataset.validate && !dataset.validate(form, input)) return;
    modal.setDismissible(false);
    try {
      const { data } = await withBusy(submit, () => api.post(dataset.apiPath, values()), "Adding");
      modal.setDismissible(true);
      modal.close("created");
      toast(`Added ${dataset.name(data) || `record ${data.id}`}. It is marked as added by hand.`, {
        type: "success",
        title: `${capitalize(dataset.noun)} added`,
      });
      onCreated?.(data);
    } catch (error) {
      modal.setDismissible(true);
      if (!error.redirecting) showError(error);
    }
  });
  clearErrorsOnInput(form);
  // A select reports its choice as "change": let it clear its error as typing does.
  form.addEventListener("change", (event) => {
    if (event.target.matches("select[aria-invalid]")) event.target.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return modal;
}

