// The panels a list screen opens on one record — its detail drawer (when the screen declares
// one), the edit modal and the history drawer — kept in step: a change saved in one redraws the
// table's row and shows in the others.
import { openRecordEditor } from "./record-editor.js";
import { openHistoryDrawer } from "./record-history.js";

/**
 * recordPanels({dataset, user, router, table, detail?, onChanged?}) → {openDetail(id, opener),
 * openEditor(id, opener), openHistory(record, opener)}. `detail(options)` opens the screen's
 * drawer (drug-drawer.js's openDrugDrawer) and returns {closed, externalChange(record)}.
 */
export function recordPanels({ dataset, user, router, table, detail = null, search = () => "", onChanged }) {
  let drawer = null;
  let editor = null;
  let history = null;
  let opening = false;

  function changed(record, from) {
    table.updateRow(record);
    for (const panel of [drawer, editor, history]) if (panel && panel !== from) panel.externalChange(record);
    onChanged?.(record);
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
