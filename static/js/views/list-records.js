// The panels a list screen opens on one record — its detail drawer (when the screen declares
// one), the edit modal and the history drawer — kept in step: a change saved in one redraws the
// table's row and shows in the others. The drawer's and the editor's footers get the record's
// Archive / Delete / Restore button (record-archive.js).
import { api } from "../api.js";
import { openRecordEditor } from "./record-editor.js";
import { openHistoryDrawer } from "./record-history.js";
import { recordActionButton } from "./record-archive.js";

/**
 * recordPanels({dataset, user, router, table, detail?, onChanged?, onRemoved?}) →
 * {openDetail(id, opener), openEditor(id, opener), openHistory(record, opener)}.
 * `detail(options)` opens the screen's drawer (drug-drawer.js's openDrugDrawer) and returns
 * {closed, externalChange(record)}. `onRemoved()` follows an archive, delete or restore.
 */
export function recordPanels({ dataset, user, router, table, detail = null, search = () => "", onChanged, onRemoved }) {
  let drawer = null;
  let editor = null;
  let history = null;
  let opening = false;
  const actionButtons = new Set(); // the Archive / Restore buttons of the open drawer and editor

  function changed(record, from) {
    table.updateRow(record);
    for (const panel of [drawer, editor, history]) if (panel && panel !== from) panel.externalChange(record);
    for (const button of actionButtons) if (button.record().id === record.id) button.update({ ...button.record(), ...record });
    onChanged?.(record);
  }

  /**
   * The record's Archive / Restore button in `dialog`'s footer, before `before` (its History
   * button), once the record's origin and archived state are known (the row has them).
   */
  async function addActionButton(dialog, before, id, { className = "", idPrefix } = {}) {
    if (!dialog || !before || !user.can("editor")) return;
    let record = table.rows().find((row) => row.id === id);
    if (!record) {
      try {
        record = (await api.get(`${dataset.apiPath}/${id}`)).data;
      } catch {
        return; // the panel itself says why it can't show the record
      }
    }
    const button = recordActionButton(dataset, {
      user,
      record,
      className,
      idPrefix,
      onRemoved: () => {
        if (dialog.open) dialog.close();
        onRemoved?.();
      },
      onRestored: (restored) => {
        changed(restored, null);
        onRemoved?.();
      },
    });
    if (!button || !dialog.isConnected) return;
    actionButtons.add(button);
    dialog.addEventListener("close", () => actionButtons.delete(button), { once: true });
    before.before(button.el);
  }

  function openDetail(id, opener) {
    if (!detail || drawer || document.querySelector("dialog[open]")) return;
    drawer = detail({
      id,
      user,
      dataset,
      router,
      search: search(),
      opener: opener || document.activeElement,
      onEdit: (record, button) => openEditor(record.id, button),
      onHistory: (record, button) => openHistory(record, button),
    });
    drawer.closed.then(() => (drawer = null));
    const dialog = [...document.querySelectorAll("dialog[open]")].at(-1);
    addActionButton(dialog, dialog?.querySelector(".modal-footer > :first-child"), id, {
      className: "sm:mr-auto",
      idPrefix: `${dataset.ids.prefix}-drawer`,
    });
  }

  async function openEditor(id, opener) {
    if (opening || editor) return;
    opening = true;
    try {
      editor = await openRecordEditor(dataset, {
        id,
        user,
        opener: opener || document.activeElement,
        onChanged: (record) => changed(record, editor),
        onHistory: (record, button) => openHistory(record, button),
      });
      editor?.closed.then(() => (editor = null));
      if (editor) {
        const dialog = document.getElementById(dataset.ids.modal);
        await addActionButton(dialog, dialog?.querySelector(`#${dataset.ids.prefix}-history`), id);
      }
    } finally {
      opening = false;
    }
  }

  function openHistory(record, opener) {
    if (history) return;
    history = openHistoryDrawer(dataset, { record, user, opener, onChanged: (updated) => changed(updated, history) });
    history.closed.then(() => (history = null));
  }

  return { openDetail, openEditor, openHistory };
}
