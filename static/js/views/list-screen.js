// The one list-screen builder, the dashboard's twin of the server's add_record_routes: a screen
// (Authorizations, Drugs, Drug classes) is a short declaration, and this builds its filters
// (list-filters.js, with "Show archived" on every list), table, paging, sort, CSV export, editor
// and history (list-records.js, with Archive / Restore), the Add form (record-create.js), row
// selection and bulk actions (bulk-bar.js), review banner, sync button and the refresh when a
// sync of its source ends. Filters, sort and page live in the URL
// (#/drugs?q=…&class_type=EPC&sort=-title&page=2).
//
//   export const mount = (root, context) => mountListScreen(root, context, {
//     name: "drugs", title: "Drugs", description: "…", dataset: DRUGS,
//     caption: "Drugs", itemLabel: ["drug", "drugs"], sort: "title", rowId: "data-drug-id",
//     columns: ({ canEdit }) => [...], actions: ["details", "edit", "history"], names: (d) => d.title,
//     filters: [search(…), choice(…), ...flags(…)], empty: (canEdit) => ({ title, message, … }),
//     sync: { source: "dailymed", label: "Sync DailyMed", live: true }, rowClick: "details",
//     detail: (options) => openDrugDrawer(options), reviewBanner: false, extra: (ctx) => …,
//     exportForms: [{ form: "ndcs", label: "NDCs CSV", title: "…" }],
//   });
//
// Hooks: #<name>-table, #<name>-export, #<name>-export-<form>, #<name>-clear, #<name>-empty-sync,
// #<name>-review-banner, #<name>-add (editors), #<name>-archived, the rows' checkboxes
// input[data-select-row] and input[data-select-page], data-archived / data-origin on each row
// (bulk-bar.js and record-create.js name theirs), and on the screen's <section>: data-redraws, the number of redraws
// done (rows loaded or updated, banner and counts refreshed), and aria-busy while one is under
// way — what a test waits on before it clicks a row.
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { withArticle } from "../format.js";
import { createDataTable, pageHeader } from "../ui.js";
import { syncControl, syncWatcher } from "../sync.js";
import { withFields } from "./record-fields.js";
import { listState, urlSync } from "./record-list.js";
import { recordPanels } from "./list-records.js";
import { reviewBanner } from "./review-banner.js";
import { actionsColumn } from "./list-columns.js";
import { archived } from "./list-filters.js";
import { openRecordCreate } from "./record-create.js";
import { recordMarks } from "./record-archive.js";
import { bulkBar } from "./bulk-bar.js";

const PER_PAGE = 25;
const LIVE_RELOAD_MS = 3000;

/** Counts the screen's redraws on `root` (data-redraws) and marks it aria-busy during one. */
function redrawMarker(root) {
  let pending = 0;
  let done = 0;
  root.dataset.redraws = "0";
  const finish = () => {
    done += 1;
    root.dataset.redraws = String(done);
    if (!pending) root.removeAttribute("aria-busy");
  };
  return {
    track(promise) {
      pending += 1;
      root.setAttribute("aria-busy", "true");
      const end = () => {
        pending -= 1;
        finish();
      };
      promise.then(end, end);
      return promise;
    },
    mark: finish,
  };
}

/** A row's first cell with its marks (archived, added by hand) beside the flags it shows. */
function withMarks(column, dataset) {
  return {
    ...column,
    render(record) {
      const content = html`${column.render ? column.render(record) : record[column.key]}`;
      const marks = recordMarks(dataset, record);
      if (!marks.childNodes.length) return content;
      const badges = content.querySelector("[data-badge]")?.parentElement;
      if (badges) badges.prepend(marks);
      else content.append(htmlEl`<div class="mt-1 flex flex-wrap gap-1">${marks}</div>`);
      return content;
    },
  };
}

export async function mountListScreen(root, context, screen) {
  const { user, router } = context;
  const canEdit = user.can("editor");
  const { name } = screen;
  const filters = [...screen.filters, archived(name)];
  const [dataset] = await Promise.all([withFields(screen.dataset), ...filters.map((f) => f.prepare?.())]);
  const redraws = redrawMarker(root);
  const list = listState({ filters: Object.assign({}, ...filters.map((f) => f.keys)), sort: screen.sort, perPage: PER_PAGE });
  const url = urlSync({ router, name, state: list, table: () => table });
  const refreshSource = screen.sync?.source || screen.refreshOn;
  const watcher = refreshSource ? syncWatcher(refreshSource) : null;
  const sync = screen.sync ? syncControl({ source: screen.sync.source, user, idPrefix: `sync-${screen.sync.source}`, label: screen.sync.label }) : null;
  const ctx = { dataset, user, canEdit, router };

  /* ------------------------------------------------------------ filters */

  const filterState = () => table.getState().filters;
  function replaceFilters(filters) {
    if (!list.same({ ...table.getState(), filters }, table.getState())) table.setState({ filters });
  }
  function setFilter(key, value) {
    const filters = { ...filterState() };
    if (value) filters[key] = value;
    else delete filters[key];
    replaceFilters(filters);
  }
  const controls = filters.map((filter) => filter.create({ setFilter, replaceFilters, filters: filterState }));
  const clearButton = htmlEl`<button type="button" id="${name}-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;
  clearButton.addEventListener("click", () => {
    controls.forEach((c) => c.cancel?.());
    table.setState({ filters: {} });
    controls.forEach((c) => c.reset?.());
  });
  const exportPath = `${dataset.apiPath}/export.csv`;
  const exportLink = htmlEl`<a id="${name}-export" class="btn btn-secondary" href="${exportPath}" download
      title="Download the ${screen.itemLabel[1]} the table shows (all pages) as CSV">${icon("download", "size-4")}Export CSV</a>`;
  // Other forms of the export the dataset offers (the drugs' one row per NDC): #<name>-export-<form>.
  const formLinks = (screen.exportForms || []).map((f) => ({
    form: f.form,
    el: htmlEl`<a id="${name}-export-${f.form}" class="btn btn-secondary" href="${exportPath}?form=${f.form}" download title="${f.title}">${icon("download", "size-4")}${f.label}</a>`,
  }));
  const addButton = canEdit
    ? htmlEl`<button type="button" id="${name}-add" class="btn btn-primary" title="Add ${withArticle(dataset.noun)} by hand">${icon("plus", "size-4")}Add<span class="sr-only"> ${dataset.noun}</span></button>`
    : null;
  const extra = screen.extra?.(ctx) || null;
  const banner = screen.reviewBanner
    ? reviewBanner({
        id: `${name}-review-banner`,
        apiPath: dataset.apiPath,
        onShow: () => setFilter("needs_review", "true"),
        filtering: () => filterState().needs_review === "true",
      })
    : null;

  function updateControls(state) {
    controls.forEach((c) => c.update(state.filters));
    clearButton.hidden = !list.filtered(state);
    exportLink.href = list.exportHref(exportPath, state);
    for (const { form, el } of formLinks) {
      const href = list.exportHref(exportPath, state);
      el.href = `${href}${href.includes("?") ? "&" : "?"}form=${form}`;
    }
    banner?.update();
  }

  /* ------------------------------------------------------------ the table */

  let emptyAction = null;
  if (sync && canEdit) {
    emptyAction = htmlEl`<button type="button" class="btn btn-primary" id="${name}-empty-sync">${icon("refresh", "size-4")}${screen.sync.label} now</button>`;
    emptyAction.addEventListener("click", () => watcher.start());
    watcher.subscribe((state) => (emptyAction.disabled = state.active));
  }

  const [firstColumn, ...otherColumns] = screen.columns(ctx);
  const table = createDataTable({
    id: `${name}-table`,
    caption: screen.caption,
    itemLabel: screen.itemLabel,
    perPage: PER_PAGE,
    perPageOptions: [10, 25, 50, 100],
    dense: true,
    sort: screen.sort,
    columns: [
      withMarks(firstColumn, dataset),
      ...otherColumns,
      actionsColumn({ actions: screen.actions, canEdit, names: screen.names, editorsOnly: screen.editorsOnly }),
    ],
    selectable: { label: (r) => `Select ${screen.names(r)}`, onChange: (rows) => bulk.selectionChanged(rows) },
    fetchPage: ({ page, perPage, sort, filters, signal }) =>
      api.get(dataset.apiPath, { page, per_page: perPage, sort, ...filters }, { signal }),
    rowAttributes: (r) => ({
      [screen.rowId]: r.id,
      ...screen.rowAttributes?.(r),
      "data-edited": String(r.is_manually_edited),
      "data-needs-review": String(r.needs_review),
      "data-missing": String(r.missing_from_source),
      "data-archived": String(Boolean(r.archived)),
      "data-origin": r.origin || "",
    }),
    empty: { ...screen.empty(canEdit), action: emptyAction },
    onStateChange: (state) => {
      updateControls(state);
      url.onStateChange(state);
    },
    onLoad: (loading) => redraws.track(loading),
    onRowClick: (row, event) => rowClick(row, event.target.closest("tr")),
  });

  /* ------------------------------------------------------------ selection and bulk actions */

  // Made after the table (it reads the table's rows); the table's first call comes with rows.
  const afterChange = ({ keepSelection = false } = {}) => {
    if (!keepSelection) table.selection.clear();
    redraws.track(table.reload({ quiet: true }));
    refreshAround();
  };
  const bulk = bulkBar({
    name,
    dataset,
    user,
    table,
    names: screen.names,
    filters: filterState,
    exportHref: () => list.exportHref(exportPath, table.getState()),
    onDone: afterChange,
  });

  /* ------------------------------------------------------------ adding a record */

  /** Show the record just made: on this page when it is there, else the list pinned to it. */
  async function showCreated(record) {
    await redraws.track(table.reload({ quiet: true }));
    refreshAround();
    const tr = table.el.querySelector(`tr[${screen.rowId}="${record.id}"]`);
    if (tr) {
      tr.setAttribute("data-just-added", "");
      tr.scrollIntoView({ block: "nearest" });
    } else {
      replaceFilters({ id: String(record.id) });
    }
  }
  addButton?.addEventListener("click", () => openRecordCreate(dataset, { name, opener: addButton, onCreated: showCreated }));

  /* ------------------------------------------------------------ layout */

  root.replaceChildren(
    pageHeader({
      title: screen.title,
      description: screen.description,
      actions: html`${exportLink}${formLinks.map((f) => f.el)}${sync?.button || ""}${addButton || ""}`,
    }),
    sync?.panel || "",
    banner?.el || "",
    htmlEl`<section class="card" aria-label="${screen.caption}">
      <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-4 py-3 sm:px-5" role="search" aria-label="Filter ${screen.itemLabel[1]}">
        ${controls.map((c) => c.el)}${clearButton}
        ${extra ? html`<div class="w-full sm:ml-auto sm:w-auto">${extra.el}</div>` : ""}
      </div>
      ${bulk.bar}${bulk.banner}${bulk.report}
      ${table.el}
    </section>`,
  );

  /* ------------------------------------------------------------ records: editor, history, detail */

  const refreshAround = () => {
    if (banner) redraws.track(banner.refresh());
    if (extra) redraws.track(extra.refresh());
  };
  const panels = recordPanels({
    dataset,
    user,
    router,
    table,
    detail: screen.detail,
    search: () => screen.searchedFor?.(filterState()) || "",
    onChanged: () => {
      redraws.mark();
      refreshAround();
    },
    onRemoved: () => afterChange({ keepSelection: true }),
  });

  const actionOf = (tr, action) => tr?.querySelector(`[data-action='${action}']`);
  function rowClick(record, tr) {
    if (typeof screen.rowClick === "function") screen.rowClick(record, ctx);
    else if (screen.rowClick === "details") panels.openDetail(record.id, actionOf(tr, "details"));
    else panels.openEditor(record.id, actionOf(tr, "edit"));
  }
  const recordOf = (button) => table.recordOf(button.closest("tr"));
  on(table.el, "click", "button[data-action='details']", (_e, button) => panels.openDetail(recordOf(button).id, button));
  on(table.el, "click", "button[data-action='edit']", (_e, button) => panels.openEditor(recordOf(button).id, button));
  on(table.el, "click", "button[data-action='history']", (_e, button) => panels.openHistory(recordOf(button), button));

  /* ------------------------------------------------------------ syncs */

  let visible = false;
  if (screen.sync?.live) liveReload(watcher, table, () => visible);
  window.addEventListener("medsync:sync-finished", (event) => {
    if (event.detail.source !== refreshSource) return;
    table.reload({ quiet: true });
    refreshAround();
  });

  return {
    show(params) {
      visible = true;
      url.show(params);
      refreshAround();
      watcher?.discover();
    },
    hide() {
      visible = false;
      controls.forEach((c) => c.cancel?.());
    },
  };
}

/** Rows that arrive while a sync runs show as they are listed (every few seconds at most). */
function liveReload(watcher, table, isVisible) {
  let shownListing = null;
  let lastReload = 0;
  watcher.subscribe((state) => {
    const details = state.run?.progress?.details;
    if (!isVisible() || !state.active || !details) return;
    const listing = `${details.phase}:${details.labels_listed}`;
    if (listing === shownListing || Date.now() - lastReload < LIVE_RELOAD_MS) return;
    shownListing = listing;
    lastReload = Date.now();
    table.reload({ quiet: true });
  });
}
