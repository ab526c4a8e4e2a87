// The Analytics screen's filter bar: the filters every analysis accepts — a drug class (the
// searchable class picker), a class type, a labeler (its name or NDC labeler code), a published
// date range and a name search. Filters live in the URL (#/analytics?labeler=0002&q=…), so a
// filtered view is linkable; the server validates them, and a 422 is shown next to the field it
// names (showError).
//
//   const bar = filterBar({ classTypes: ["EPC", …], onChange: (filters) => … });
//   bar.set(filtersFromParams(params));  bar.showError("labeler", "labeler must be …");
//
// Hooks: #analytics-filters, #analytics-class (class-picker.js), #analytics-class-type,
// #analytics-labeler, #analytics-published-from, #analytics-published-to, #analytics-q,
// #analytics-clear, #analytics-<field>-error (a field's message; the control gets aria-invalid),
// #analytics-filters-error (a message naming no field).
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { classPicker } from "./class-picker.js";
import { classTypeOption } from "./drug-fields.js";

export const FILTER_KEYS = ["class_id", "class_type", "labeler", "published_from", "published_to", "q"];
const TYPING_DELAY_MS = 400;

/** The filters a URL's query asks for (the server judges their values). */
export function filtersFromParams(params) {
  const filters = {};
  for (const key of FILTER_KEYS) {
    const value = (params.get(key) || "").trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export const sameFilters = (a, b) => FILTER_KEYS.every((key) => (a[key] || "") === (b[key] || ""));

const slug = (key) => key.replaceAll("_", "-");

function labelled(key, label, control, forId = `analytics-${slug(key)}`) {
  return htmlEl`<div class="min-w-0" data-filter="${key}">
    <label class="mb-1 block text-xs font-medium text-slate-600" for="${forId}">${label}</label>
    ${control}
    <p class="field-error" id="analytics-${slug(key)}-error" hidden></p>
  </div>`;
}

export function filterBar({ classTypes, onChange }) {
  let current = {};
  const timers = {};

  function change(key, value) {
    const next = { ...current };
    if (value) next[key] = value;
    else delete next[key];
    if (sameFilters(next, current)) return;
    current = next;
    clearButton.hidden = !Object.keys(current).length;
    show();
    onChange({ ...current });
  }

  const picker = classPicker({
    id: "analytics-class",
    classType: () => current.class_type || "",
    onChoose: (drugClass) => change("class_id", drugClass ? String(drugClass.id) : ""),
  });
  picker.el.classList.remove("sm:w-64");
  const typeSelect = htmlEl`<select id="analytics-class-type" class="select">
    <option value="">All class types</option>${classTypes.map((t) => html`<option value="${t}">${classTypeOption(t)}</option>`)}</select>`;
  const labeler = htmlEl`<input id="analytics-labeler" type="text" class="input" placeholder="Name or code (0002)" autocomplete="off" spellcheck="false" maxlength="200">`;
  const from = htmlEl`<input id="analytics-published-from" type="date" class="input">`;
  const to = htmlEl`<input id="analytics-published-to" type="date" class="input">`;
  const search = htmlEl`<input id="analytics-q" type="search" class="input pl-9" placeholder="Part of a title" autocomplete="off" spellcheck="false" maxlength="200">`;
  const clearButton = htmlEl`<button type="button" id="analytics-clear" class="btn btn-ghost btn-sm" hidden>${icon("close", "size-4")}Clear filters</button>`;
  const general = htmlEl`<p class="field-error basis-full" id="analytics-filters-error" role="alert" hidden></p>`;

  const controls = { class_id: picker.el.querySelector("input"), class_type: typeSelect, labeler, published_from: from, published_to: to, q: search };
  const el = htmlEl`<section id="analytics-filters" class="card mb-6 px-4 py-4 sm:px-5" role="search" aria-label="Filter the analyses">
    <div class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 2xl:grid-cols-[minmax(0,1.4fr)_minmax(0,1fr)_minmax(0,1fr)_auto_minmax(0,1.2fr)]">
      ${labelled("class_id", "Drug class", picker.el, "analytics-class")}
      ${labelled("class_type", "Class type", typeSelect)}
      ${labelled("labeler", "Labeler", labeler)}
      <div class="grid grid-cols-2 gap-3">${labelled("published_from", "Published from", from)}${labelled("published_to", "Published to", to)}</div>
      ${labelled(
        "q",
        "Name",
        html`<div class="relative"><span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("search", "size-4")}</span>${search}</div>`,
      )}
    </div>
    <div class="mt-3 flex flex-wrap items-center justify-between gap-2">
      <p class="text-xs text-slate-500" data-filters-note>Every section below is recomputed live under these filters.</p>
      ${clearButton}${general}
    </div>
  </section>`;

  /** A text box applies what was typed after a pause, on Enter, or when it loses focus. */
  function typed(input, key) {
    const apply = () => {
      clearTimeout(timers[key]);
      change(key, input.value.trim());
    };
    input.addEventListener("input", () => {
      clearTimeout(timers[key]);
      timers[key] = setTimeout(apply, TYPING_DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        apply();
      }
    });
    input.addEventListener("change", apply);
  }
  typed(labeler, "labeler");
  typed(search, "q");
  typeSelect.addEventListener("change", () => change("class_type", typeSelect.value));
  from.addEventListener("change", () => change("published_from", from.value));
  to.addEventListener("change", () => change("published_to", to.value));
  clearButton.addEventListener("click", () => {
    Object.values(timers).forEach(clearTimeout);
    current = {};
    show();
    clearButton.hidden = true;
    onChange({});
    typeSelect.focus();
  });

  const note = el.querySelector("[data-filters-note]");
  function show() {
    note.textContent = "Every section below is recomputed live under these filters.";
    typeSelect.value = current.class_type || "";
    picker.set(current.class_id || "");
    for (const [key, input] of [["labeler", labeler], ["published_from", from], ["published_to", to], ["q", search]]) {
      if (document.activeElement !== input) input.value = current[key] || "";
    }
  }

  function clearErrors() {
    general.hidden = true;
    for (const [key, control] of Object.entries(controls)) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
      el.querySelector(`#analytics-${slug(key)}-error`).hidden = true;
    }
  }

  return {
    el,
    /** Show `filters` (from the URL) without reporting a change. */
    set(filters) {
      current = { ...filters };
      clearButton.hidden = !Object.keys(current).length;
      show();
    },
    get: () => ({ ...current }),
    clearErrors,
    /** The server's message next to the control of `field` (or under the bar). */
    showError(field, message) {
      clearErrors();
      const control = controls[field];
      if (!control) {
        general.textContent = message;
        general.hidden = false;
        return;
      }
      const box = el.querySelector(`#analytics-${slug(field)}-error`);
      box.textContent = message;
      box.hidden = false;
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", box.id);
    },
  };
}
