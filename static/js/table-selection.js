// Row selection for the data table (table.js's `selectable` option): a first column of labelled
// checkboxes (input[data-select-row]), one in its header that selects the page
// (input[data-select-page], indeterminate when some rows are), and data-selected on each
// selected <tr>. A selection is of the rows on screen: the table clears it on a new page, sort
// or filter, and keeps the rows still shown through a quiet reload.
import { htmlEl, on, raw } from "./dom.js";

/**
 * rowSelection({el, tbody, itemLabel, label(row), onChange(rows), rows() → the rows shown,
 * recordOf(tr)}) → {headCell(), rowCell(row), has(id), draw({quiet}), keep(rows), set(ids),
 * clear(), rows()}.
 */
export function rowSelection({ el, tbody, itemLabel, label, onChange, rows, recordOf }) {
  const selected = new Set(); // ids of the selected rows on this page
  let pageBox = null;
  const selectedRows = () => rows().filter((row) => selected.has(row.id));

  /** Checkboxes and row marks follow the selection; the screen hears of it unless `quiet`. */
  function draw({ quiet = false } = {}) {
    for (const tr of tbody.querySelectorAll("tr")) {
      const row = recordOf(tr);
      if (!row) continue;
      const chosen = selected.has(row.id);
      tr.toggleAttribute("data-selected", chosen);
      const box = tr.querySelector("input[data-select-row]");
      if (box) box.checked = chosen;
    }
    if (pageBox) {
      const shown = rows().length;
      const count = selectedRows().length;
      pageBox.checked = shown > 0 && count === shown;
      pageBox.indeterminate = count > 0 && count < shown;
      pageBox.disabled = !shown;
    }
    if (!quiet) onChange?.(selectedRows());
  }

  function set(ids) {
    selected.clear();
    for (const id of ids) selected.add(id);
    draw();
  }

  function clear() {
    if (!selected.size) return;
    selected.clear();
    draw();
  }

  el.addEventListener("change", (event) => {
    const box = event.target;
    if (box.matches?.("input[data-select-page]")) {
      set(box.checked ? rows().map((row) => row.id) : []);
    } else if (box.matches?.("input[data-select-row]")) {
      const row = recordOf(box.closest("tr"));
      if (!row) return;
      if (box.checked) selected.add(row.id);
      else selected.delete(row.id);
      draw();
    }
  });
  // A click anywhere in the checkbox's cell toggles it (a bigger target than the box).
  on(el, "click", "tbody td:first-child", (event, td) => {
    const box = td.querySelector("input[data-select-row]");
    if (box && event.target !== box) box.click();
  });

  return {
    headCell() {
      pageBox = htmlEl`<input type="checkbox" class="row-check" data-select-page aria-label="Select all ${itemLabel[1]} on this page">`;
      return htmlEl`<th scope="col" class="w-px pr-0">${pageBox}</th>`;
    },
    rowCell(row) {
      const checked = selected.has(row.id);
      return htmlEl`<td class="w-px pr-0" data-no-row-click><input type="checkbox" class="row-check" data-select-row="${row.id}"
          aria-label="${label(row)}" ${checked ? raw("checked") : ""}></td>`;
    },
    has: (id) => selected.has(id),
    draw,
    /** After a load: forget the selected rows no longer shown. */
    keep(shownRows) {
      const shown = new Set(shownRows.map((row) => row.id));
      for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
    },
    set,
    clear,
    rows: selectedRows,
  };
}
