// The inputs of a record's edit form, built from the server's field rules (record-fields.js): labelled
// text, date and select inputs with an "Edited" marker beside the label of a corrected value,
// and the conversion between a record's values and what an input holds.
import { htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { field, selectField } from "../ui.js";

/** The value an input shows for a record's value, and back. */
export const toInput = (value) => (value == null ? "" : String(value));
export const fromInput = (value) => {
  const text = String(value ?? "").trim();
  return text === "" ? null : text;
};

/** One field of `record` as a labelled control with id `<prefix>-<name>`, by the field's rules. */
export function buildField(spec, record, { prefix, readOnly }) {
  const id = `${prefix}-${spec.name}`;
  const edited = record.edited_fields?.includes(spec.name);
  const required = Boolean(spec.required) && !readOnly;
  const wrapper =
    spec.type === "select"
      ? selectField({
          id,
          name: spec.name,
          label: spec.label,
          value: record[spec.name] || "",
          options: [
            ...(spec.choices.includes(record[spec.name]) ? [] : [{ value: "", label: spec.placeholder || `Choose a ${spec.noun}` }]),
            ...spec.choices.map((value) => ({ value, label: spec.optionLabel?.(value) || value })),
          ],
        })
      : field({
          id,
          name: spec.name,
          label: spec.label,
          type: spec.type,
          value: toInput(record[spec.name]),
          required,
          attrs: {
            autocomplete: "off",
            spellcheck: "false",
            ...(spec.max_length ? { maxlength: String(spec.max_length) } : {}),
            ...(spec.mono ? { class: "input font-mono" } : {}),
          },
        });
  if (spec.type === "select") wrapper.querySelector("select").required = required;
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

/** Fields with an error clear it as soon as the person edits them. */
export function clearErrorsOnInput(form) {
  form.addEventListener("input", (event) => {
    const wrapper = event.target.closest("[data-field]");
    if (!wrapper || !event.target.hasAttribute("aria-invalid")) return;
    event.target.removeAttribute("aria-invalid");
    const error = wrapper.querySelector(".field-error");
    error.hidden = true;
    error.textContent = "";
  });
}
