// The detail drawer of one drug (GET /api/drugs/<id>): its flags and version, the link to its
// label on DailyMed, its classes (each a way to the drugs of that class), its NDC codes as printed
// and normalised (packages 11-digit, products 5-4), its active ingredients, what its title names
// (brand, generic, dosage form and labeler: the last two ways to the drugs sharing them); Edit
// and History buttons.
//
// Hooks: #drug-drawer (a side-sheet <dialog>), a#drug-label-link, #drug-title-parts
// [data-part=brand_name|generic_name|dosage_form|labeler_name] (a[data-filter] on the last two),
// #drug-drawer-classes
// [data-drug-class-id], #drug-ndcs tr[data-ndc] (data-ndc11, data-kind, data-match when it is
// the NDC searched for), #drug-ingredients tr[data-ingredient], #drug-drawer-edit,
// #drug-drawer-history.
import { api } from "../api.js";
import { html, htmlEl, on, raw } from "../dom.js";
import { icon } from "../icons.js";
import { formatDateTime, formatDay, formatRelative, plural } from "../format.js";
import { emptyState, openModal } from "../ui.js";
import { classTypeBadge, classTypeName } from "./drug-fields.js";
import { recordMarks } from "./record-archive.js";
import { recordBadges } from "./record-fields.js";

const digits = (text) => String(text || "").replace(/\D/g, "");

/** Whether NDC `ndc` is the code `search` names, in whichever form it was typed. */
function matches(ndc, search) {
  const wanted = digits(search);
  if (wanted.length < 9) return false;
  return [digits(ndc.ndc), ndc.ndc11, digits(ndc.product_ndc)].includes(wanted) || ndc.ndc === search.trim();
}

function section(title, count, body, id) {
  return html`<section aria-labelledby="${id}-title">
    <h3 id="${id}-title" class="mb-2 flex items-baseline gap-2 text-sm font-semibold text-slate-900">${title}<span class="text-xs font-normal text-slate-500">${count}</span></h3>
    ${body}
  </section>`;
}

function classesSection(drug) {
  const items = drug.classes || [];
  const body = items.length
    ? html`<ul id="drug-drawer-classes" class="flex flex-wrap gap-2">${items.map(
        (c) => html`<li><a href="#/drugs?drug_class_id=${c.id}" data-drug-class-id="${c.id}" title="${classTypeName(c.class_type)} · ${c.code} — show the drugs of this class"
            class="inline-flex items-center gap-1.5 rounded-lg border border-slate-200 bg-white px-2 py-1 text-sm text-slate-800 hover:border-brand-600 hover:bg-brand-50">
            ${classTypeBadge(c.class_type)}<span>${c.name}</span></a></li>`,
      )}</ul>`
    : html`<p id="drug-drawer-classes" class="text-sm text-slate-500">In no class that was synced.</p>`;
  return section("Classes", items.length || "", body, "drug-drawer-classes-section");
}

function ndcSection(drug, search) {
  const items = drug.ndcs || [];
  if (!items.length) {
    return section("NDC codes", "", html`<p id="drug-ndcs" class="text-sm text-slate-500">No NDC codes yet: they come with the label's packaging.</p>`, "drug-ndcs-section");
  }
  const body = html`<div class="overflow-x-auto rounded-lg border border-slate-200">
    <table id="drug-ndcs" class="data-table data-table-dense">
      <caption class="sr-only">NDC codes, as printed and normalised (packages 11-digit 5-4-2, products 5-4)</caption>
      <thead><tr><th scope="col">As printed</th><th scope="col" title="Packages in the 11-digit 5-4-2 form, products in the 5-4 form">Normalised</th><th scope="col">Package</th></tr></thead>
      <tbody>${items.map((n) => {
        const hit = search && matches(n, search);
        const product = n.kind === "product";
        return html`<tr data-ndc="${n.ndc}" data-ndc11="${n.ndc11 || ""}" data-kind="${n.kind}" ${hit ? raw('data-match="true"') : ""} class="${hit ? "bg-amber-50" : ""}">
          <td class="align-top whitespace-nowrap">
            <span class="font-mono text-xs text-slate-900">${n.ndc}</span>
            <span class="ml-1 text-[11px] text-slate-500" title="How the code is laid out">${String(n.format || "").replace(/^product-/, "")}</span>
            ${product ? html`<span class="badge badge-gray ml-1 text-[11px]" title="A product code covers all its packages">Product</span>` : ""}
            ${hit ? html`<span class="badge badge-amber ml-1 text-[11px]">Your search</span>` : ""}
          </td>
          <td class="align-top font-mono text-xs whitespace-nowrap" data-normalized="${n.normalized || ""}" title="${n.ndc11 ? "The 11-digit (5-4-2) package code" : n.normalized ? "The product code: a 5-digit labeler and a 4-digit product" : "This code fits no NDC layout"}">${n.normalized || html`<span class="text-slate-400">—</span>`}</td>
          <td class="min-w-40 align-top text-xs text-slate-600">${n.package_description || (product ? "All packages of this product" : "")}</td>
        </tr>`;
      })}</tbody>
    </table>
  </div>`;
  return section("NDC codes", plural(items.length, "code"), body, "drug-ndcs-section");
}

function ingredientsSection(drug) {
  const items = drug.ingredients || [];
  const body = items.length
    ? html`<div class="overflow-x-auto rounded-lg border border-slate-200"><table id="drug-ingredients" class="data-table data-table-dense">
        <caption class="sr-only">Active ingredients with their strength</caption>
        <thead><tr><th scope="col">Ingredient</th><th scope="col">Strength</th><th scope="col">Product</th></tr></thead>
        <tbody>${items.map(
          (i) => html`<tr data-ingredient="${i.name}"><td class="font-medium text-slate-900">${i.name}</td><td class="whitespace-nowrap">${i.strength || "—"}</td><td>${i.product_name || "—"}</td></tr>`,
        )}</tbody></table></div>`
    : html`<p id="drug-ingredients" class="text-sm text-slate-500">No active ingredients yet: they come with the label's packaging.</p>`;
  return section("Active ingredients", items.length || "", body, "drug-ingredients-section");
}

const TITLE_PARTS = [
  ["brand_name", "Brand", null],
  ["generic_name", "Generic name", null],
  ["dosage_form", "Dosage form", "dosage_form"],
  ["labeler_name", "Labeler", "labeler"],
];

/** What the title names, read by each sync (people may correct it in the editor). */
function titlePartsList(drug) {
  const value = (name, filter) => {
    const text = drug[name];
    if (!text) return html`<span class="text-slate-400">—</span>`;
    if (!filter) return text;
    return html`<a href="#/drugs" data-filter="${filter}" data-value="${text}" class="text-brand-700 underline-offset-2 hover:underline"
      title="Show the drugs with this ${filter === "labeler" ? "labeler" : "dosage form"}">${text}</a>`;
  };
  return html`<dl id="drug-title-parts" class="grid grid-cols-2 gap-x-6 gap-y-2 text-sm">${TITLE_PARTS.map(
    ([name, label, filter]) => html`<div data-part="${name}"><dt class="text-xs text-slate-500">${label}</dt><dd class="text-slate-900">${value(name, filter)}</dd></div>`,
  )}</dl>`;
}

function metaList(drug) {
  const rows = [
    ["Set id", html`<span class="font-mono text-xs break-all">${drug.set_id}</span>`],
    ["Label version", drug.spl_version ?? "—"],
    ["Published", formatDay(drug.published_date)],
    ["Record", `${drug.id}, version ${drug.version}`],
    ["Updated", html`<span title="${formatDateTime(drug.updated_at)}">${formatRelative(drug.updated_at)}</span>`],
    ["Last seen by", drug.last_seen_run_id ? `sync run ${drug.last_seen_run_id}` : "—"],
  ];
  return html`<dl class="grid grid-cols-2 gap-x-6 gap-y-2 border-t border-slate-100 pt-4 text-sm">${rows.map(
    ([label, value]) => html`<div><dt class="text-xs text-slate-500">${label}</dt><dd class="text-slate-900">${value}</dd></div>`,
  )}</dl>`;
}

/**
 * Open the drawer for drug `id`. `search` (the Drugs screen's search text) marks the NDC it
 * names. `onEdit(drug, button)` and `onHistory(drug, button)` open the editor and the history;
 * `onFilter(filters)` goes to the drugs of a class, labeler or dosage form. `dataset` is DRUGS with its fields
 * (record-fields.js's withFields). Returns {closed, externalChange(drug)}.
 */
export function openDrugDrawer({ id, user, dataset, search = "", opener = document.activeElement, onEdit, onHistory, onFilter }) {
  let drug = null;
  const body = htmlEl`<div class="drawer-body space-y-6" aria-live="polite">
    <div class="space-y-3" aria-hidden="true">${[1, 2, 3].map(() => html`<div class="skeleton h-5 w-full"></div>`)}</div>
  </div>`;
  const editButton = htmlEl`<button type="button" id="drug-drawer-edit" class="btn btn-primary" disabled>${icon(user.can("editor") ? "pencil" : "eye", "size-4")}${user.can("editor") ? "Edit" : "Fields"}</button>`;
  const historyButton = htmlEl`<button type="button" id="drug-drawer-history" class="btn btn-secondary" disabled>${icon("history", "size-4")}History</button>`;
  const content = htmlEl`<div class="flex min-h-0 flex-1 flex-col">${body}
    <div class="modal-footer rounded-none">${historyButton}${editButton}</div></div>`;
  const modal = openModal({
    id: "drug-drawer",
    variant: "drawer",
    size: "max-w-2xl",
    title: "Drug",
    description: "Loading…",
    content,
    closeOnBackdrop: true,
    opener,
  });
  const heading = modal.dialog.querySelector("#drug-drawer-title");
  const subtitle = modal.dialog.querySelector("#drug-drawer-description");

  function render() {
    heading.textContent = drug.title;
    subtitle.textContent = `Set id ${drug.set_id}`;
    modal.dialog.dataset.drugId = String(drug.id);
    body.replaceChildren(
      htmlEl`<div class="flex flex-wrap items-center gap-x-3 gap-y-2">
        <div class="flex flex-wrap items-center gap-1.5">${dataset.summary(drug)}${recordMarks(dataset, drug)}${recordBadges(dataset, drug, { large: true })}</div>
        <a id="drug-label-link" class="ml-auto inline-flex items-center gap-1 text-sm font-medium text-brand-700 underline-offset-2 hover:underline"
          href="${drug.label_url}" target="_blank" rel="noopener noreferrer">The label on DailyMed${icon("external", "size-4")}<span class="sr-only">(opens in a new tab)</span></a>
      </div>`,
      titlePartsList(drug),
      classesSection(drug),
      ndcSection(drug, search),
      ingredientsSection(drug),
      metaList(drug),
    );
    editButton.disabled = false;
    historyButton.disabled = false;
  }

  async function load() {
    try {
      drug = (await api.get(`/api/drugs/${id}`)).data;
      render();
    } catch (error) {
      if (error.redirecting) return;
      subtitle.textContent = "";
      const retry = htmlEl`<button type="button" class="btn btn-secondary btn-sm">${icon("refresh", "size-4")}Try again</button>`;
      retry.addEventListener("click", () => load());
      body.replaceChildren(emptyState({ icon: "warning", title: error.status === 404 ? "This drug no longer exists" : "Couldn't load the drug", message: error.message, action: error.status === 404 ? null : retry, compact: true }));
    }
  }

  editButton.addEventListener("click", () => drug && onEdit?.(drug, editButton));
  historyButton.addEventListener("click", () => drug && onHistory?.(drug, historyButton));
  on(body, "click", "a[data-drug-class-id], a[data-filter]", (event, link) => {
    if (!onFilter) return;
    event.preventDefault();
    modal.close();
    const { drugClassId, filter, value } = link.dataset;
    onFilter(drugClassId ? { drug_class_id: Number(drugClassId) } : { [filter]: value });
  });
  load();

  return {
    closed: modal.closed,
    id,
    /** The drug changed elsewhere (the editor saved, a revert): show the new values. */
    externalChange(updated) {
      if (updated.id !== id || !modal.dialog.isConnected) return;
      if (updated.ndcs) {
        drug = updated;
        render();
      } else {
        load();
      }
    },
  };
}
