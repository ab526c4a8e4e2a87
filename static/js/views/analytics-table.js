// The table view of an analytics chart, and its CSV: a real <table> (caption, column headers
// with scope, sortable by clicking a header — aria-sort says how) of exactly the rows the chart
// draws, and a client-side CSV of exactly the rows the table shows, in its order. Cells that
// start like a spreadsheet formula are quoted as the server's CSV export does (api/export.py).
//
//   const view = tableView({ id: "analytics-ndc-top_labelers-table", caption: "Top labelers",
//     columns: [{ key: "labeler", label: "Labeler" }, { key: "products", label: "Products", numeric: true }],
//     drill: (row) => ({ href: "#/drugs?labeler=00002", label: "Show the drugs of 00002" }) });
//   view.setRows(rows);  view.el;  view.csv() → "labeler,products\r\n…";  view.rows() → sorted rows
//
// A column is {key, label, numeric?, value?(row) (what it sorts and exports; default row[key]),
// render?(row) → text | Node (what it shows; default the value, numbers formatted)}.
// Hooks: table#<id> (data-rows), th[data-column=<key>] button[data-sort], a[data-drill].
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { EMPTY, formatNumber } from "../format.js";

const FORMULA_START = ["=", "+", "-", "@", "\t", "\r"];

const valueOf = (column, row) => (column.value ? column.value(row) : row[column.key]);

/** One CSV cell: quoted when it holds a separator, a quote or a line break; a formula defused. */
export function csvCell(value) {
  if (value == null) return "";
  let text = Array.isArray(value) ? value.join("; ") : String(value);
  if (typeof value === "string" && FORMULA_START.some((start) => text.startsWith(start))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text (RFC 4180, CRLF line ends) of `rows` under `columns`' labels. */
export function toCsv(columns, rows) {
  const lines = [columns.map((c) => csvCell(c.label)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(valueOf(c, row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function compare(a, b) {
  if (a == null && b == null) return 0;
  if (a == null) return 1; // blanks last whichever way
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

function display(column, row) {
  if (column.render) return column.render(row);
  const value = valueOf(column, row);
  if (value == null || value === "") return EMPTY;
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "number" && column.numeric ? formatNumber(value) : String(value);
}

export function tableView({ id, caption, columns, drill = null }) {
  let rows = [];
  let order = null; // {key, desc} or null: the analysis' own order
  const el = htmlEl`<div class="max-h-96 overflow-auto rounded-lg border border-slate-200">
    <table id="${id}" class="data-table data-table-dense">
      <caption class="sr-only">${caption}</caption>
      <thead class="sticky top-0 z-10"><tr></tr></thead>
      <tbody></tbody>
    </table>
  </div>`;
  const table = el.querySelector("table");
  const headRow = el.querySelector("thead tr");
  const tbody = el.querySelector("tbody");

  function sorted() {
    if (!order) return rows.slice();
    const column = columns.find((c) => c.key === order.key);
    const result = rows.slice().sort((a, b) => compare(valueOf(column, a), valueOf(column, b)));
    return order.desc ? result.reverse() : result;
  }

  // The header is drawn once and updated in place, so the sort button keeps the keyboard focus.
  headRow.append(
    ...columns.map(
      (column) => html`<th scope="col" class="${column.numeric ? "text-right" : "text-left"}" data-column="${column.key}" aria-sort="none">
        <button type="button" class="sort-button" data-sort="${column.key}">${column.label}<span data-sort-icon></span></button></th>`,
    ),
  );
  if (drill) headRow.append(html`<th scope="col" class="text-right"><span class="sr-only">Drugs</span></th>`);

  function renderHead() {
    for (const th of headRow.querySelectorAll("th[data-column]")) {
      const active = order?.key === th.dataset.column;
      th.setAttribute("aria-sort", active ? (order.desc ? "descending" : "ascending") : "none");
      th.querySelector("button").classList.toggle("text-slate-900", active);
      const iconName = active ? (order.desc ? "sort-desc" : "sort-asc") : "sort-none";
      th.querySelector("[data-sort-icon]").replaceChildren(html`${icon(iconName, `size-3.5 ${active ? "text-brand-700" : "text-slate-400"}`)}`);
    }
  }

  function renderBody() {
    const shown = sorted();
    table.dataset.rows = String(shown.length);
    if (!shown.length) {
      tbody.replaceChildren(
        htmlEl`<tr><td colspan="${columns.length + (drill ? 1 : 0)}" class="py-6 text-center text-slate-500">Nothing to show.</td></tr>`,
      );
      return;
    }
    tbody.replaceChildren(
      ...shown.map((row) => {
        const tr = htmlEl`<tr></tr>`;
        columns.forEach((column, i) => {
          const content = display(column, row);
          const cell = i === 0 ? htmlEl`<th scope="row"></th>` : htmlEl`<td></td>`;
          if (column.numeric) cell.classList.add("text-right", "tabular-nums");
          cell.append(content instanceof Node ? content : document.createTextNode(content));
          tr.append(cell);
        });
        const link = drill?.(row);
        if (drill) {
          tr.append(
            link
              ? htmlEl`<td class="text-right"><a class="inline-flex items-center gap-0.5 text-xs font-medium whitespace-nowrap text-brand-700 hover:underline" href="${link.href}" data-drill title="${link.label}">Drugs${icon("chevron-right", "size-3.5")}<span class="sr-only">: ${link.label}</span></a></td>`
              : htmlEl`<td></td>`,
          );
        }
        return tr;
      }),
    );
  }

  on(headRow, "click", "button[data-sort]", (_event, button) => {
    const key = button.dataset.sort;
    const numeric = columns.find((c) => c.key === key)?.numeric;
    // First click: numbers biggest first, words A→Z; the next click turns it round.
    if (order?.key === key) order = { key, desc: !order.desc };
    else order = { key, desc: Boolean(numeric) };
    renderHead();
    renderBody();
  });

  renderHead();
  return {
    el,
    table,
    setRows(next) {
      rows = next || [];
      renderBody();
    },
    /** The rows as the table shows them (its sort order). */
    rows: sorted,
    csv: () => toCsv(columns, sorted()),
  };
}

/** Download `text` as `filename` (a Blob, no server round trip). Returns the object URL, which
 * stays valid until the next download from the same `link` (so a test can read it back). */
export function downloadCsv(link, text, filename) {
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  link.href = url;
  link.download = filename;
  link.click();
  return url;
}
