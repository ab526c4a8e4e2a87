// Form fields with labels, hints and inline errors wired for screen readers
// (aria-invalid + aria-describedby), and the mapping of API errors onto them.
import { html, htmlEl } from "./dom.js";
import { toastError } from "./feedback.js";

function describedBy(id, hint) {
  return [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" ");
}

function wrap({ id, name, label, hint, control }) {
  return htmlEl`
    <div data-field="${name}">
      <label for="${id}" class="label">${label}</label>
      <div class="mt-1.5">${control}</div>
      ${hint ? html`<p id="${id}-hint" class="field-hint">${hint}</p>` : ""}
      <p id="${id}-error" class="field-error" hidden></p>
    </div>`;
}

/** A labelled <input>. `attrs` adds attributes (e.g. {minlength: 8, autocomplete: "off"}). */
export function field({ id, name, label, type = "text", value = "", hint = "", required = false, attrs = {} }) {
  const input = htmlEl`<input id="${id}" name="${name}" type="${type}" class="input" value="${value}">`;
  input.setAttribute("aria-describedby", describedBy(id, hint));
  if (required) input.required = true;
  for (const [key, attrValue] of Object.entries(attrs)) input.setAttribute(key, attrValue);
  return wrap({ id, name, label, hint, control: input });
}

/** A labelled <select>; options are [{value, label}]. */
export function selectField({ id, name, label, options, value = "", hint = "" }) {
  const select = htmlEl`<select id="${id}" name="${name}" class="select">
    ${options.map((o) => html`<option value="${o.value}">${o.label}</option>`)}
  </select>`;
  select.value = value;
  select.setAttribute("aria-describedby", describedBy(id, hint));
  return wrap({ id, name, label, hint, control: select });
}

export function setFieldError(form, name, message) {
  const wrapper = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrapper) return false;
  const control = wrapper.querySelector("input, select, textarea");
  const error = wrapper.querySelector(".field-error");
  error.textContent = message;
  error.hidden = false;
  control?.setAttribute("aria-invalid", "true");
  return true;
}

export function clearFieldErrors(form) {
  for (const error of form.querySelectorAll(".field-error")) {
    error.textContent = "";
    error.hidden = true;
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/**
 * Report an API error for a form: always a toast; also inline under the field the server
 * named in `details.field` when the form has it (and focus moves there).
 */
export function showFormError(form, error, title = "Couldn't save") {
  toastError(error, title);
  const name = error?.details?.field;
  if (name && setFieldError(form, name, error.message)) {
    form.querySelector(`[data-field="${CSS.escape(name)}"] input, [data-field="${CSS.escape(name)}"] select`)?.focus();
    return true;
  }
  return false;
}

/** Check `required` fields; mark the empty ones inline. Returns true when all are filled. */
export function checkRequired(form, messages = {}) {
  let firstInvalid = null;
  for (const control of form.querySelectorAll("[required]")) {
    if (String(control.value).trim()) continue;
    const label = form.querySelector(`label[for="${control.id}"]`)?.textContent.trim() || control.name;
    setFieldError(form, control.name, messages[control.name] || `${label} is required.`);
    firstInvalid ??= control;
  }
  firstInvalid?.focus();
  return firstInvalid === null;
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form));
}
