// A row-density toggle for a list screen's table, as the screen's `extra` control
// (list-screen.js): "Compact rows" keeps each row to one line — a record's title and its class
// list cut to one line, the whole of each on hover — so 20 rows and more fit at 1,400 × 900.
// Comfortable rows (the default) still cut a title at two lines. Not remembered across visits:
// a density left over from last time would surprise as much as a left-over search mode.
//
//   extra: densityToggle("drugs"),   // in the screen's declaration
//
// Hooks: #<name>-compact (the checkbox); [data-density=compact|comfortable] on the table's box.
import { htmlEl } from "../dom.js";

export function densityToggle(name) {
  return () => {
    const box = htmlEl`<input type="checkbox" id="${name}-compact">`;
    const el = htmlEl`<label class="toggle-chip" title="One line per row: more rows on a screen">${box}Compact rows</label>`;
    const apply = () => {
      const table = document.querySelector(`[data-table="${name}-table"]`);
      if (table) table.dataset.density = box.checked ? "compact" : "comfortable";
    };
    box.addEventListener("change", apply);
    return { el, refresh: () => Promise.resolve(apply()) };
  };
}
