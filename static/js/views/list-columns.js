// Columns every record list has the same way: a day, "Updated" (relative, exact on hover), and
// the row's actions (details, edit — or view, for viewers — and history).
import { html } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatDay, formatRelative } from "../format.js";
import { editedMark } from "./record-fields.js";

/** A date field's cell, marked where a person corrected it. */
export function dayCell(record, name) {
  const value = record[name];
  if (!value) return null;
  return html`<span class="whitespace-nowrap tabular-nums">${formatDay(value)}</span>${editedMark(record, name)}`;
}

export function updatedColumn() {
  return {
    key: "updated_at",
    label: "Updated",
    sortable: true,
    render: (r) => html`<span class="whitespace-nowrap text-slate-500" title="${formatDateTime(r.updated_at)}">${formatRelative(r.updated_at)}</span>`,
  };
}

/**
 * The buttons of a row: button[data-action=details|edit|history]. `names(record)` words the
 * record for screen readers ("Ada Byron's authorization"); viewers get "View" instead of "Edit"
 * unless `editorsOnly` hides it.
 */
export function actionsColumn({ actions, canEdit, names, editorsOnly = false }) {
  const button = (action, title, iconName, what) =>
    html`<button type="button" class="btn-icon size-8" data-action="${action}" title="${title}" aria-label="${what}">${icon(iconName, "size-4")}</button>`;
  const render = (r) => {
    const name = names(r);
    const buttons = actions.map((action) => {
      if (action === "details") return button("details", "Details", "eye", `Details of ${name}`);
      if (action === "history") return button("history", "History", "history", `History of ${name}`);
      if (!canEdit) return editorsOnly ? "" : button("edit", "View", "eye", `View ${name}`);
      return button("edit", "Edit", "pencil", `Edit ${name}`);
    });
    return html`<div class="flex justify-end gap-0.5">${buttons}</div>`;
  };
  return { key: "actions", label: "Actions", srOnlyLabel: true, align: "right", emptyText: "", render };
}
