// A generic server-side data table: columns config, sortable headers, pagination,
// and loading / empty / error states. The server does the sorting, filtering and paging;
// this component keeps the state and asks `fetchPage` for one page at a time.
//
//   const table = createDataTable({
//     id: "runs-table",
//     caption: "Sync runs",
//     columns: [
//       { key: "source", label: "Source", sortable: true },
//       { key: "status", label: "Status", render: (run) => statusBadge(run.status) },
//       { key: "duration_seconds", label: "Duration", align: "right", sortable: true,
//         render: (run) => formatDuration(run.duration_seconds) },
//       { key: "actions", label: "Actions", srOnlyLabel: true, emptyText: "", render: (run) => … },
//     ],
//     fetchPage: ({ page, perPage, sort, filters, signal }) =>
//       api.get("/api/scrape-runs", { page, per_page: perPage, sort, ...filters }, { signal }),
//     sort: "-started_at",
//     rowAttributes: (run) => ({ "data-run-id": run.id }),
//     empty: { title: "No runs yet", message: "Runs appear after the first sync." },
//   });
//   container.append(table.el);
//   table.setFilters({ status: "failed" });   // back to page 1, reloads
//
// `fetchPage` resolves with the API's list envelope ({data, total, page, pages, per_page}, and
// total_exact: false when a search stopped counting — the footer then says "1,000+").
// Sort strings are "field" (ascending) or "-field" (descending). Column options: key, label,
// render(row) → string | Node, sortable, sortKey (when it differs from key), align,
// className, headerClassName, title (the header's tooltip), srOnlyLabel, emptyText (shown for
// null/"" — default "—").
// `onLoad(promise)` hears of every page load as it starts (it settles when the rows are drawn), so
// a screen can tell when it is redrawing.
// `onRowClick(row, event)` makes a click on a row (outside its buttons and links) do something,
// e.g. open the row's editor; keyboard users reach the same action through a button in the row.
// `selectable: {label(row) → "Select Ada's authorization", onChange(selected rows)}` adds a first
// column of checkboxes (table-selection.js); table.selection: {rows(), set(ids), clear()}.
import { html, htmlEl, on, raw } from "./dom.js";
import { icon } from "./icons.js";
import { formatNumber } from "./format.js";
import { emptyState } from "./widgets.js";
import { toastError } from "./feedback.js";
import { rowSelection } from "./table-selection.js";

const ALIGN = { left: "text-left", right: "text-right", center: "text-center" };

function parseSort(sort) {
  if (!sort) return { key: null, desc: false };
  return sort.startsWith("-") ? { key: sort.slice(1), desc: true } : { key: sort, desc: false };
}

/** Page numbers to show: always first and last, a window around the current page, gaps as null. */
function pageWindow(current, pages) {
  const wanted = new Set([1, pages, current - 1, current, current + 1]);
  if (current <= 3) [2, 3, 4].forEach((p) => wanted.add(p));
  if (current >= pages - 2) [pages - 1, pages - 2, pages - 3].forEach((p) => wanted.add(p));
  const sorted = [...wanted].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  const result = [];
  sorted.forEach((page, i) => {
    if (i > 0 && page - sorted[i - 1] > 1) result.push(null);
    result.push(page);
  });
  return result;
}

export function createDataTable({
  id,
  caption,
  columns,
  fetchPage,
  sort = null,
  filters = {},
  perPage = 20,
  perPageOptions = [10, 20, 50, 100],
  rowAttributes = null,
  itemLabel = ["record", "records"],
  empty = {},
  skeletonRows = 5,
  onStateChange = null,
  onRender = null,
  onLoad = null,
  onRowClick = null,
  dense = false,
  selectable = null,
}) {
  const state = { page: 1, perPage, sort, filters: { ...filters } };
  const rowData = new WeakMap(); // <tr> → its row object
  let rows = [];
  let meta = null; // last envelope: total, pages, …
  let loadedOnce = false;
  let controller = null;
  let sequence = 0;

  const el = htmlEl`
    <div class="data-table-container" data-table="${id}">
      <div class="relative overflow-x-auto">
        <table id="${id}" class="data-table ${dense ? "data-table-dense" : ""}">
          <caption class="sr-only">${caption}</caption>
          <thead><tr></tr></thead>
          <tbody></tbody>
        </table>
      </div>
      <nav class="table-footer" aria-label="${caption} pagination" hidden>
        <p class="text-sm text-slate-600" data-table-summary aria-live="polite"></p>
        <div class="flex flex-wrap items-center gap-3">
          <label class="flex items-center gap-2 text-xs text-slate-600" data-per-page-wrap>
            <span>Rows</span>
            <select class="select select-sm w-auto" data-per-page aria-label="Rows per page">
              ${perPageOptions.map((n) => html`<option value="${n}">${n}</option>`)}
            </select>
          </label>
          <div class="flex items-center gap-1" data-pages></div>
        </div>
      </nav>
    </div>`;
  const table = el.querySelector("table");
  const headRow = el.querySelector("thead tr");
  const tbody = el.querySelector("tbody");
  const footer = el.querySelector(".table-footer");
  const summary = el.querySelector("[data-table-summary]");
  const pagesBox = el.querySelector("[data-pages]");
  const perPageSelect = el.querySelector("[data-per-page]");
  /** The rows-per-page select shows the page size, one a URL chose among them. */
  function showPerPage() {
    const value = String(state.perPage);
    if (![...perPageSelect.options].some((o) => o.value === value)) {
      const option = htmlEl`<option value="${value}">${value}</option>`;
      const after = [...perPageSelect.options].find((o) => Number(o.value) > state.perPage);
      perPageSelect.insertBefore(option, after || null);
    }
    perPageSelect.value = value;
  }
  showPerPage();

  const selection = selectable
    ? rowSelection({ el, tbody, itemLabel, label: selectable.label, onChange: selectable.onChange, rows: () => rows, recordOf: (tr) => rowData.get(tr) })
    : null;

  function renderHead() {
    const current = parseSort(state.sort);
    headRow.replaceChildren(
      ...(selection ? [selection.headCell()] : []),
      ...columns.map((column) => {
        const sortKey = column.sortKey || column.key;
        const th = htmlEl`<th scope="col" class="${ALIGN[column.align || "left"]} ${column.headerClassName || ""}"></th>`;
        if (column.title) th.title = column.title;
        if (!column.sortable) {
          th.append(column.srOnlyLabel ? htmlEl`<span class="sr-only">${column.label}</span>` : column.label);
          return th;
        }
        const active = current.key === sortKey;
        th.setAttribute("aria-sort", active ? (current.desc ? "descending" : "ascending") : "none");
        const iconName = active ? (current.desc ? "sort-desc" : "sort-asc") : "sort-none";
        th.append(html`<button type="button" class="sort-button ${active ? "text-slate-900" : ""}" data-sort="${sortKey}">
          ${column.label}${icon(iconName, `size-3.5 ${active ? "text-brand-700" : "text-slate-400"}`)}
        </button>`);
        return th;
      }),
    );
    selection?.draw({ quiet: true });
  }

  function cell(column, row) {
    const value = column.render ? column.render(row) : row[column.key];
    const blank = column.emptyText ?? "—";
    const content = value == null || value === "" ? html`<span class="text-slate-400">${blank}</span>` : html`${value}`;
    return html`<td class="${ALIGN[column.align || "left"]} ${column.className || ""}">${content}</td>`;
  }

  function renderRow(row) {
    const tr = htmlEl`<tr class="${onRowClick ? "cursor-pointer" : ""}"></tr>`;
    rowData.set(tr, row);
    for (const [name, value] of Object.entries(rowAttributes?.(row) || {})) tr.setAttribute(name, value);
    if (selection) {
      tr.toggleAttribute("data-selected", selection.has(row.id));
      tr.append(selection.rowCell(row));
    }
    tr.append(...columns.map((column) => cell(column, row)));
    return tr;
  }

  const columnCount = columns.length + (selection ? 1 : 0);
  function fullWidthRow(content) {
    return htmlEl`<tr class="hover:bg-transparent"><td colspan="${columnCount}" class="p-0">${content}</td></tr>`;
  }

  function renderSkeleton() {
    const widths = ["w-24", "w-32", "w-20", "w-28", "w-16"];
    tbody.replaceChildren(
      ...Array.from({ length: skeletonRows }, (_, r) =>
        htmlEl`<tr aria-hidden="true">${selection ? html`<td class="w-px"></td>` : ""}${columns.map(
          (_, c) => html`<td><div class="skeleton h-4 ${widths[(r + c) % widths.length]}"></div></td>`,
        )}</tr>`,
      ),
    );
  }

  function renderEmpty() {
    const filtered = Object.values(state.filters).some((v) => v !== "" && v != null);
    const block = filtered
      ? emptyState({
          icon: "inbox",
          title: empty.filteredTitle || `No ${itemLabel[1]} match`,
          message: empty.filteredMessage || "Try a different search or clear the filters.",
          compact: true,
        })
      : emptyState({ compact: true, ...empty, title: empty.title || `No ${itemLabel[1]} yet` });
    tbody.replaceChildren(fullWidthRow(block));
  }

  function renderError(error) {
    const retry = htmlEl`<button type="button" class="btn btn-secondary btn-sm" data-action="table-retry">${icon("refresh", "size-4")}Try again</button>`;
    tbody.replaceChildren(
      fullWidthRow(
        emptyState({
          icon: "warning",
          title: `Couldn't load ${itemLabel[1]}`,
          message: error.message,
          action: retry,
          compact: true,
        }),
      ),
    );
  }

  function renderFooter() {
    if (!meta || !meta.total) {
      footer.hidden = true;
      return;
    }
    footer.hidden = false;
    const page = meta.page || state.page;
    const pages = meta.pages || 1;
    const size = meta.per_page || state.perPage;
    const first = (page - 1) * size + 1;
    const last = first + rows.length - 1;
    const noun = meta.total === 1 ? itemLabel[0] : itemLabel[1];
    // A text search stops counting at a limit (total_exact false): "1,000+".
    const approximate = meta.total_exact === false;
    const total = `${formatNumber(meta.total)}${approximate ? "+" : ""}`;
    summary.title = approximate ? `More than ${formatNumber(meta.total)} match: refine the search to reach them all.` : "";
    // A rows-per-page choice only matters when there is more than the smallest page of rows.
    el.querySelector("[data-per-page-wrap]").hidden = !perPageOptions?.length || meta.total <= perPageOptions[0];
    summary.textContent =
      pages > 1
        ? `Showing ${formatNumber(first)}–${formatNumber(last)} of ${total} ${noun}`
        : `${total} ${noun}`;
    if (pages <= 1) {
      pagesBox.replaceChildren();
      return;
    }
    pagesBox.replaceChildren(
      html`<button type="button" class="page-button" data-page="${page - 1}" ${page <= 1 ? "disabled" : ""} aria-label="Previous page">${icon("chevron-left", "size-4")}</button>`,
      ...pageWindow(page, pages).map((p) =>
        p === null
          ? html`<span class="px-1 text-xs text-slate-400" aria-hidden="true">…</span>`
          : html`<button type="button" class="page-button" data-page="${p}" aria-label="Page ${p}" ${p === page ? raw('aria-current="page"') : ""}>${p}</button>`,
      ),
      html`<button type="button" class="page-button" data-page="${page + 1}" ${page >= pages ? "disabled" : ""} aria-label="Next page">${icon("chevron-right", "size-4")}</button>`,
    );
  }

  function notify() {
    onStateChange?.(getState());
  }

  function load(options) {
    const loading = loadPage(options);
    onLoad?.(loading);
    return loading;
  }

  async function loadPage({ quiet = false } = {}) {
    controller?.abort();
    controller = new AbortController();
    const mine = ++sequence;
    table.setAttribute("aria-busy", "true");
    if (!loadedOnce && !quiet) renderSkeleton();
    else tbody.classList.add("opacity-60");
    try {
      const envelope = await fetchPage({
        page: state.page,
        perPage: state.perPage,
        sort: state.sort,
        filters: { ...state.filters },
        signal: controller.signal,
      });
      if (mine !== sequence) return;
      rows = envelope.data || [];
      meta = envelope;
      // Deleted rows can leave us past the last page: step back instead of showing nothing.
      if (!rows.length && envelope.pages && state.page > envelope.pages) {
        state.page = envelope.pages;
        notify();
        load({ quiet: true });
        return;
      }
      loadedOnce = true;
      selection?.keep(rows);
      if (rows.length) tbody.replaceChildren(...rows.map(renderRow));
      else renderEmpty();
      renderFooter();
      selection?.draw();
      onRender?.(rows, tbody);
    } catch (error) {
      if (mine !== sequence || error.name === "AbortError") return;
      if (error.redirecting) return;
      if (loadedOnce && quiet) toastError(error, `Couldn't refresh ${itemLabel[1]}`);
      else {
        rows = [];
        meta = null;
        renderError(error);
        renderFooter();
        selection?.draw();
      }
    } finally {
      if (mine === sequence) {
        table.removeAttribute("aria-busy");
        tbody.classList.remove("opacity-60");
      }
    }
  }

  function getState() {
    return { page: state.page, perPage: state.perPage, sort: state.sort, filters: { ...state.filters } };
  }

  /** Set any of page, perPage, sort, filters and reload once. */
  function setState(next, { reload = true } = {}) {
    if ("filters" in next || "sort" in next || "perPage" in next) state.page = 1;
    selection?.clear(); // a selection is of the rows on screen
    Object.assign(state, next);
    if (next.filters) state.filters = { ...next.filters };
    showPerPage();
    renderHead();
    notify();
    if (reload) return load();
    return Promise.resolve();
  }

  on(el, "click", "button[data-sort]", (_event, button) => {
    const key = button.dataset.sort;
    const current = parseSort(state.sort);
    setState({ sort: current.key === key && !current.desc ? `-${key}` : key });
  });
  on(el, "click", "button[data-page]", (_event, button) => {
    const page = Number(button.dataset.page);
    if (!button.disabled && page !== state.page) {
      state.page = page;
      selection?.clear();
      notify();
      load().then(() => table.scrollIntoView({ block: "nearest", behavior: "smooth" }));
    }
  });
  on(el, "click", "button[data-action='table-retry']", () => load());
  if (onRowClick) {
    on(el, "click", "tbody tr", (event, tr) => {
      if (!rowData.has(tr)) return;
      if (event.target.closest("a, button, input, select, textarea, label, summary, [data-no-row-click]")) return;
      if (window.getSelection()?.toString()) return; // selecting text to copy is not a click
      onRowClick(rowData.get(tr), event);
    });
  }
  perPageSelect.addEventListener("change", () => setState({ perPage: Number(perPageSelect.value) }));
  renderHead();

  return {
    el,
    /** Fetch the current page again; `quiet` keeps the rows on screen while loading. */
    reload: (options) => load(options),
    setState,
    setFilters: (nextFilters) => setState({ filters: { ...state.filters, ...nextFilters } }),
    setSort: (nextSort) => setState({ sort: nextSort }),
    setPage: (page) => setState({ page }),
    getState,
    /** The rows on screen. */
    rows: () => rows.slice(),
    /** The selected rows of this page (with `selectable`; null otherwise). */
    selection: selection && { rows: selection.rows, set: selection.set, clear: () => selection.set([]) },
    /** The list envelope of the last page loaded (total, pages…), or null. */
    meta: () => meta,
    /** The row object a <tr> of this table shows (undefined for others). */
    recordOf: (tr) => rowData.get(tr),
    /** Redraw one row in place after an edit (matched by `id`). */
    updateRow(updated) {
      const index = rows.findIndex((row) => row.id === updated.id);
      if (index < 0) return;
      rows[index] = updated;
      const old = tbody.children[index];
      if (old) old.replaceWith(renderRow(updated));
      onRender?.(rows, tbody);
    },
    destroy() {
      controller?.abort();
      el.remove();
    },
  };
}
