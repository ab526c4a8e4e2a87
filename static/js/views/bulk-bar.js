// Bulk actions on a list's selection (the table's checkboxes, table.js): the rows ticked on this
// page, or — through the banner "All 25 on this page are selected — select all 312 matching" —
// every row the list's filters match (at most BULK_LIMIT). The bar sets a field, keeps the
// person's values or takes the source's on records waiting for review, archives, restores or
// exports the selection. One call, POST <apiPath>/bulk, all or nothing: on a refusal (a stale
// version, a value a rule refuses) nothing changed, and the report lists each refused row.
//
// Hooks: #<name>-select-all-banner ([data-select-all-text], #<name>-select-all,
// #<name>-select-clear), #<name>-bulk-bar (data-mode=items|filter, [data-bulk-count]),
// #<name>-bulk-set, #<name>-bulk-keep, #<name>-bulk-take, #<name>-bulk-archive,
// #<name>-bulk-restore, #<name>-bulk-export, #<name>-bulk-clear; the set-a-field dialog
// #<name>-bulk-set-modal (#<name>-bulk-field, #<name>-bulk-value-<field>, #<name>-bulk-apply);
// the report #<name>-bulk-report (tr[data-refused-id]); refused rows tr[data-bulk-refused].
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatNumber, plural } from "../format.js";
import { checkRequired, clearFieldErrors, confirmDialog, openModal, selectField, setFieldError, toast, toastError, withBusy } from "../ui.js";
import { buildField, fromInput } from "./record-form.js";
import { isManual, nouns, removalWords } from "./record-archive.js";

/** The most records one bulk call may change (the server refuses more). */
export const BULK_LIMIT = 1000;

const RESULT_TITLES = { update: "Field set", keep_mine: "Reviews settled", take_source: "Reviews settled", archive: "Archived", restore: "Restored" };

/**
 * bulkBar({name, dataset, user, table, names(record), filters() → the list's filters,
 * exportHref() → the list's CSV link, onDone()}) → {banner, bar, report, selectionChanged(rows)}.
 * `dataset` has its fields (record-fields.js's withFields).
 */
export function bulkBar({ name, dataset, user, table, names, filters, exportHref, onDone }) {
  const canEdit = user.can("editor");
  const isAdmin = user.can("admin");
  const many = nouns(dataset);
  let mode = "none"; // none | items (the ticked rows) | filter (every row matching)
  let rows = [];

  /* ------------------------------------------------------------ the select-all banner */

  const banner = htmlEl`<div id="${name}-select-all-banner" class="flex flex-wrap items-center justify-center gap-x-3 gap-y-1 border-b border-brand-100 bg-brand-50 px-4 py-2 text-sm text-brand-900" role="status" hidden>
      <span data-select-all-text></span>
      <button type="button" id="${name}-select-all" class="font-semibold text-brand-700 underline underline-offset-2 hover:text-brand-900 disabled:cursor-not-allowed disabled:text-slate-500 disabled:no-underline"></button>
      <button type="button" id="${name}-select-clear" class="font-semibold text-brand-700 underline underline-offset-2 hover:text-brand-900">Clear selection</button>
    </div>`;
  const bannerText = banner.querySelector("[data-select-all-text]");
  const selectAll = banner.querySelector(`#${name}-select-all`);
  const selectClear = banner.querySelector(`#${name}-select-clear`);

  /* ------------------------------------------------------------ the bar */

  const button = (action, label, iconName, title, extra = "") =>
    htmlEl`<button type="button" id="${name}-bulk-${action}" class="btn btn-secondary btn-sm ${extra}" data-bulk-action="${action}" title="${title}">${icon(iconName, "size-4")}${label}</button>`;
  const setButton = button("set", "Set a field…", "pencil", `Give one field the same value on every selected ${dataset.noun}`);
  const keepButton = button("keep", "Keep mine", "user", "On the selected records waiting for review: keep the corrected values");
  const takeButton = button("take", "Take source's", "refresh", `On the selected records waiting for review: take ${dataset.source}'s values`);
  const archiveButton = button("archive", "Archive", "inbox", "Archive the selected records (records added by hand are deleted)", "text-red-700");
  const restoreButton = button("restore", "Restore", "revert", "Bring the selected archived records back into the list");
  const exportLink = htmlEl`<a id="${name}-bulk-export" class="btn btn-secondary btn-sm" download title="Download the selected ${many} as CSV">${icon("download", "size-4")}Export selection</a>`;
  const clearButton = htmlEl`<button type="button" id="${name}-bulk-clear" class="btn btn-ghost btn-sm" aria-label="Clear the selection">${icon("close", "size-4")}Clear</button>`;
  const count = htmlEl`<p class="text-sm font-semibold text-slate-900" data-bulk-count aria-live="polite"></p>`;
  const bar = htmlEl`<div id="${name}-bulk-bar" class="bulk-bar" role="toolbar" aria-label="Actions on the selected ${many}" hidden>
      ${count}
      <div class="flex flex-wrap items-center gap-1.5">
        ${canEdit ? html`${setButton}${keepButton}${takeButton}` : ""}${isAdmin ? archiveButton : ""}${canEdit ? restoreButton : ""}${exportLink}${clearButton}
      </div>
    </div>`;

  /* ------------------------------------------------------------ the refusal report */

  const report = htmlEl`<div id="${name}-bulk-report" class="border-b border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 sm:px-5" role="alert" hidden></div>`;

  function hideReport() {
    report.hidden = true;
    report.replaceChildren();
    for (const tr of table.el.querySelectorAll("tr[data-bulk-refused]")) tr.removeAttribute("data-bulk-refused");
  }

  function markRefused(ids) {
    for (const tr of table.el.querySelectorAll("tbody tr")) {
      const record = table.recordOf(tr);
      tr.toggleAttribute("data-bulk-refused", Boolean(record && ids.has(record.id)));
    }
  }

  /** What the server refused, row by row; nothing changed. */
  function showReport(error) {
    const items = error.details?.items || [];
    const byId = new Map(table.rows().map((r) => [r.id, r]));
    const fieldName = (field) => (field && field !== "version" ? dataset.fields.label(field) : "");
    const close = htmlEl`<button type="button" class="btn-icon -m-1 size-7 text-red-700" aria-label="Close the report">${icon("close", "size-4")}</button>`;
    close.addEventListener("click", () => {
      hideReport();
      focusTable();
    });
    const reload = htmlEl`<button type="button" class="btn btn-secondary btn-sm" data-action="bulk-reload">${icon("refresh", "size-4")}Reload the rows</button>`;
    reload.addEventListener("click", () => {
      hideReport();
      onDone({ keepSelection: true });
    });
    const stale = items.some((item) => item.code === "stale" || item.field === "version") || error.status === 409;
    report.replaceChildren(
      htmlEl`<div class="flex items-start gap-3">
        <span class="text-red-600">${icon("error", "size-5")}</span>
        <div class="min-w-0 flex-1 space-y-2">
          <p class="font-semibold" data-report-title>Nothing was changed: ${items.length ? `${plural(items.length, dataset.noun)} of the selection ${items.length === 1 ? "was" : "were"} refused` : "the request was refused"}.</p>
          <p>${items.length ? "" : `${error.message} `}${stale ? "Reload the rows to see what changed, then try again." : "Correct or unselect them, then try again."}</p>
          ${items.length
            ? html`<div class="max-h-60 overflow-auto rounded-lg border border-red-200 bg-white">
              <table class="data-table data-table-dense" data-bulk-report-table>
                <caption class="sr-only">The refused ${many}</caption>
                <thead><tr><th scope="col">Record</th><th scope="col">Field</th><th scope="col">Why</th></tr></thead>
                <tbody>${items.map((item) => {
                  const record = byId.get(item.id);
                  return html`<tr data-refused-id="${item.id}" data-code="${item.code || ""}">
                    <td class="text-slate-900"><span class="font-medium">${record ? names(record) : `Record ${item.id}`}</span> <span class="text-xs text-slate-500">#${item.id}</span></td>
                    <td>${fieldName(item.field) || html`<span class="text-slate-400">—</span>`}</td>
                    <td class="text-slate-700">${item.message}</td></tr>`;
                })}</tbody>
              </table></div>`
            : ""}
          ${stale ? html`<div>${reload}</div>` : ""}
        </div>
        ${close}
      </div>`,
    );
    report.hidden = false;
    markRefused(new Set(items.map((item) => item.id)));
    report.querySelector("[data-report-title]").scrollIntoView({ block: "nearest" });
  }

  /* ------------------------------------------------------------ state */

  const total = () => table.meta()?.total || 0;
  const exact = () => table.meta()?.total_exact !== false;
  const selectedCount = () => (mode === "filter" ? total() : rows.length);
  const reviewRows = () => rows.filter((r) => r.needs_review);
  const archivedRows = () => rows.filter((r) => r.archived);

  function draw() {
    const pageRows = table.rows();
    const wholePage = mode === "items" && rows.length === pageRows.length && pageRows.length > 0;
    const more = total() > pageRows.length;
    banner.hidden = !(mode === "filter" || (wholePage && more));
    if (mode === "filter") {
      bannerText.textContent = `All ${formatNumber(total())} ${total() === 1 ? dataset.noun : many} matching the filters are selected.`;
      selectAll.hidden = true;
    } else if (!banner.hidden) {
      bannerText.textContent = `All ${formatNumber(pageRows.length)} on this page are selected.`;
      selectAll.hidden = false;
      const tooMany = !exact() || total() > BULK_LIMIT;
      selectAll.disabled = tooMany;
      selectAll.textContent = tooMany
        ? `More than ${formatNumber(BULK_LIMIT)} match: narrow the filters to select them all`
        : `Select all ${formatNumber(total())} matching`;
    }
    bar.hidden = mode === "none";
    bar.dataset.mode = mode;
    count.textContent = mode === "filter" ? `All ${formatNumber(total())} matching selected` : `${formatNumber(rows.length)} selected`;
    const some = (list) => mode === "filter" || list.length > 0;
    keepButton.disabled = takeButton.disabled = !some(reviewRows());
    keepButton.title = keepButton.disabled ? "None of the selected records is waiting for review" : "On the selected records waiting for review: keep the corrected values";
    restoreButton.disabled = !some(archivedRows());
    archiveButton.disabled = mode === "items" && rows.every((r) => r.archived);
    exportLink.href = mode === "filter" ? exportHref() : `${dataset.apiPath}/export.csv?ids=${rows.map((r) => r.id).join(",")}&archived=all`;
  }

  function selectionChanged(selected) {
    // A quiet reload (a sync ended) keeps "every row matching" while the whole page stays ticked.
    const wholePage = selected.length > 0 && selected.length === table.rows().length;
    rows = selected;
    if (!(mode === "filter" && wholePage)) mode = selected.length ? "items" : "none";
    draw();
  }

  selectAll.addEventListener("click", () => {
    mode = "filter";
    draw();
    selectClear.focus();
  });
  /** Focus the page's checkbox: where the keyboard was before the bar it used went away. */
  const focusTable = () => table.el.querySelector("input[data-select-page]")?.focus();
  const clear = () => {
    table.selection.clear(); // → selectionChanged([])
    focusTable();
  };
  selectClear.addEventListener("click", clear);
  clearButton.addEventListener("click", clear);

  /* ------------------------------------------------------------ sending */

  /** The selection as the API takes it: the ticked rows with their versions, or the filters. */
  function target(only = null) {
    if (mode === "filter") return { filter: { ...filters(), ...(only?.filter || {}) } };
    const chosen = only?.rows ? only.rows(rows) : rows;
    return { items: chosen.map((r) => ({ id: r.id, version: r.version })) };
  }

  const whatSelected = (list) =>
    mode === "filter" ? `all ${formatNumber(total())} ${many} matching the filters` : `the ${plural(list.length, "selected " + dataset.noun, "selected " + many)}`;

  async function send(action, body, trigger) {
    hideReport();
    try {
      const { data } = await withBusy(trigger, () => api.post(`${dataset.apiPath}/bulk`, { action, ...body }), "Working");
      const unchanged = data.unchanged ? `, ${formatNumber(data.unchanged)} unchanged` : "";
      toast(`${formatNumber(data.changed)} changed${unchanged} (${formatNumber(data.matched)} selected).`, {
        type: "success",
        title: RESULT_TITLES[action],
      });
      table.selection.clear();
      onDone({ keepSelection: false });
      return true;
    } catch (error) {
      if (error.redirecting) return false;
      if ((error.status === 409 || error.status === 422) && (error.details?.items || error.status === 409)) showReport(error);
      else toastError(error, "The bulk action was refused; nothing changed");
      return false;
    }
  }

  async function confirmThen(action, { title, message, confirmLabel, tone = "danger", only = null }, trigger) {
    let sent = false;
    const confirmed = await confirmDialog({
      title,
      message,
      confirmLabel,
      tone,
      opener: trigger,
      onConfirm: async () => {
        sent = await send(action, target(only), trigger);
      },
    });
    if (confirmed && sent) focusTable(); // the bar is gone with the selection
    return confirmed && sent;
  }

  keepButton.addEventListener("click", () => {
    const list = reviewRows();
    confirmThen(
      "keep_mine",
      {
        title: "Keep the corrected values?",
        message: `On ${whatSelected(list)} waiting for review, the values people corrected stay and the review ends. Later syncs still keep them.`,
        confirmLabel: "Keep mine",
        tone: "info",
        only: { rows: reviewRows, filter: { needs_review: "true" } },
      },
      keepButton,
    );
  });
  takeButton.addEventListener("click", () => {
    const list = reviewRows();
    confirmThen(
      "take_source",
      {
        title: `Take ${dataset.source}'s values?`,
        message: `On ${whatSelected(list)} waiting for review, the corrected values are replaced by what ${dataset.source} now says. The history keeps the old values.`,
        confirmLabel: "Take source's",
        only: { rows: reviewRows, filter: { needs_review: "true" } },
      },
      takeButton,
    );
  });
  archiveButton.addEventListener("click", () => {
    const list = rows.filter((r) => !r.archived);
    const manual = list.some(isManual);
    confirmThen(
      "archive",
      {
        title: manual ? `Archive or delete ${many}?` : `Archive ${many}?`,
        message:
          mode === "filter"
            ? `Remove all ${formatNumber(total())} ${many} matching the filters? Those ${dataset.source} sends are archived (hidden, left archived by later syncs, restorable under "Show archived"); those added by hand are deleted for good.`
            : `Remove ${whatSelected(list)}? ${removalWords(dataset, list)}`,
        confirmLabel: manual ? "Archive and delete" : "Archive",
        only: { rows: (all) => all.filter((r) => !r.archived) },
      },
      archiveButton,
    );
  });
  restoreButton.addEventListener("click", () => {
    const list = archivedRows();
    confirmThen(
      "restore",
      {
        title: `Restore ${many}?`,
        message:
          mode === "filter"
            ? `Bring the archived ${many} among all ${formatNumber(total())} matching the filters back into the list?`
            : `Bring the ${plural(list.length, `archived ${dataset.noun}`, `archived ${many}`)} of the selection back into the list?`,
        confirmLabel: "Restore",
        tone: "info",
        only: { rows: archivedRows, filter: { archived: "true" } },
      },
      restoreButton,
    );
  });
  setButton.addEventListener("click", () => openSetField());

  /* ------------------------------------------------------------ set a field */

  function openSetField() {
    const prefix = `${name}-bulk`;
    const specs = dataset.fields.list.filter((spec) => spec.bulk !== false); // the server's rules say which
    const picker = selectField({
      id: `${prefix}-field`,
      name: "field",
      label: "Field",
      options: specs.map((spec) => ({ value: spec.name, label: spec.label })),
      value: (specs.find((s) => s.name === "status") || specs[0]).name,
    });
    const valueSlot = htmlEl`<div data-bulk-value></div>`;
    const form = htmlEl`<form id="${prefix}-set-form" novalidate>
        <div class="modal-body">
          <p class="text-sm text-slate-600" data-bulk-set-what></p>
          <div class="grid gap-4 sm:grid-cols-2">${picker}${valueSlot}</div>
          <p class="text-xs text-slate-500">It counts as a correction: later syncs keep it, and a source that disagrees asks for review. All or nothing: if one record is refused, none changes.</p>
        </div>
        <div class="modal-footer">
          <button type="button" class="btn btn-secondary" data-modal-close>Cancel</button>
          <button type="submit" class="btn btn-primary" id="${prefix}-apply">Apply</button>
        </div>
      </form>`;
    const select = picker.querySelector("select");
    const spec = () => specs.find((s) => s.name === select.value);
    form.querySelector("[data-bulk-set-what]").textContent = `Set one field on ${whatSelected(rows)}.`;
    const drawValue = () => {
      const field = buildField({ ...spec(), wide: false }, {}, { prefix: `${prefix}-value`, readOnly: false });
      field.querySelector("label").textContent = `New ${spec().noun}`;
      valueSlot.replaceChildren(field);
    };
    select.addEventListener("change", drawValue);
    drawValue();
    const modal = openModal({
      id: `${prefix}-set-modal`,
      title: `Set a field on ${mode === "filter" ? formatNumber(total()) : formatNumber(rows.length)} ${selectedCount() === 1 ? dataset.noun : many}`,
      content: form,
      size: "max-w-lg",
      initialFocus: `#${prefix}-field`,
      opener: setButton,
    });
    const apply = form.querySelector(`#${prefix}-apply`);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      if (!checkRequired(form)) return;
      const field = spec();
      const control = form.querySelector(`#${prefix}-value-${field.name}`);
      let value = fromInput(control.value);
      if (value != null && field.type === "number" && /^\d+$/.test(value)) value = Number(value);
      modal.setDismissible(false);
      try {
        const { data } = await withBusy(apply, () => api.post(`${dataset.apiPath}/bulk`, { action: "update", ...target(), values: { [field.name]: value } }), "Applying");
        modal.setDismissible(true);
        modal.close("applied");
        modal.closed.then(focusTable);
        const unchanged = data.unchanged ? `, ${formatNumber(data.unchanged)} unchanged` : "";
        toast(`${capitalize(field.noun)} set to ${dataset.fields.text(field.name, value)}: ${formatNumber(data.changed)} changed${unchanged}.`, { type: "success", title: "Field set" });
        table.selection.clear();
        onDone({ keepSelection: false });
      } catch (error) {
        modal.setDismissible(true);
        if (error.redirecting) return;
        const items = error.details?.items || [];
        // A rule every row breaks the same way (a required field left empty): under the field.
        if (error.status === 422 && !items.length && error.details?.field === field.name) {
          setFieldError(form, field.name, error.message);
          control.focus();
          return;
        }
        modal.close("refused");
        if (error.status === 409 || error.status === 422) showReport(error);
        else toastError(error, "The bulk change was refused; nothing changed");
      }
    });
  }

  return { banner, bar, report, selectionChanged, hideReport, redraw: draw };
}
