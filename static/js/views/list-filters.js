// The filters a list screen declares, each built the same way: a search box (optionally with a
// "search by" mode select), a choice of one value (its choices are a field's rules on the
// server), the edited / needs-review / missing checkboxes, and custom controls (the class picker).
//
//   filters: [
//     search({ id: "drugs-search", placeholder: "…", label: "Search drugs", modes: [...] }),
//     choice({ key: "class_type", id: "drugs-class-type", label: "Filter by class type",
//              all: "All class types", from: [DRUG_CLASSES, "class_type"], optionLabel }),
//     ...flags("drugs", ["edited", "needs_review", "missing"], { edited: "Drugs a person corrected" }),
//   ]
//
// A filter is {keys: {urlKey: parser}, prepare?() → Promise, create(ctx) → {el, update(filters),
// cancel?(), reset?()}}; ctx is {setFilter(key, value), replaceFilters(filters), filters()}.
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { flag, oneOf, text } from "./record-list.js";
import { withFields } from "./record-fields.js";

/**
 * The search box. Without `modes` it sets `q`; with modes ([{key, value, label, placeholder}])
 * a select beside it chooses which filter the text goes to (q, name, ndc…).
 */
export function search({ id, placeholder, label, modes = null, delay = 300 }) {
  const keys = modes ? Object.fromEntries(modes.map((m) => [m.key, text])) : { q: text };
  return {
    keys,
    search: true,
    create({ filters, replaceFilters }) {
      const input = htmlEl`<input id="${id}" type="search" class="input pl-9" placeholder="${modes ? modes[0].placeholder : placeholder}"
          aria-label="${label}" autocomplete="off" spellcheck="false" maxlength="200">`;
      const modeSelect = modes
        ? htmlEl`<select id="${id}-mode" class="select -ml-px w-auto rounded-l-none bg-slate-50" aria-label="Search by">
            ${modes.map((m) => html`<option value="${m.value}">${m.label}</option>`)}</select>`
        : null;
      if (modes) input.classList.add("rounded-r-none"); // the mode select sits flush against it
      const box = html`<div class="relative ${modes ? "min-w-0 flex-1 sm:w-72" : "w-full sm:w-64 2xl:w-72"}">
          <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("search", "size-4")}</span>
          ${input}
        </div>`;
      const el = modes ? htmlEl`<div class="flex w-full sm:w-auto">${box}${modeSelect}</div>` : box.firstElementChild;

      const chosenMode = () => modes?.find((m) => m.value === modeSelect.value);
      const modeOf = (current) => modes.find((m) => current[m.key]) || chosenMode();

      /** Search `value` the way the mode says, replacing a search of another mode. */
      function apply(value) {
        const next = { ...filters() };
        for (const key of Object.keys(keys)) delete next[key];
        if (value) next[modes ? chosenMode().key : "q"] = value;
        replaceFilters(next);
      }

      let timer = null;
      const now = () => {
        clearTimeout(timer);
        apply(input.value.trim());
      };
      input.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(now, delay);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          now();
        }
      });
      modeSelect?.addEventListener("change", () => {
        input.placeholder = chosenMode().placeholder;
        apply(input.value.trim());
        input.focus();
      });

      return {
        el,
        update(current) {
          const mode = modes ? modeOf(current) : null;
          if (mode) {
            modeSelect.value = mode.value;
            input.placeholder = mode.placeholder;
          }
          if (document.activeElement !== input) input.value = current[mode ? mode.key : "q"] || "";
        },
        cancel() {
          clearTimeout(timer);
          // Leaving the screen: a mode chosen for a search never typed is not kept for the next
          // visit (it surprised); a search in the URL still brings its own mode back.
          if (modes && !input.value.trim()) {
            modeSelect.value = modes[0].value;
            input.placeholder = modes[0].placeholder;
          }
        },
        reset() {
          clearTimeout(timer);
          input.value = "";
          input.focus();
        },
      };
    },
  };
}

/**
 * A select of one value for filter `key`. Its choices are the rule of `from` = [dataset, field]
 * on the server (or `values`); `optionLabel(value)` words an option.
 */
export function choice({ key, id, label, all, from = null, values = [], optionLabel = (v) => v, className = "w-auto min-w-36" }) {
  let choices = values;
  const filter = {
    keys: { [key]: oneOf(choices) },
    async prepare() {
      if (!from) return;
      const [dataset, field] = from;
      choices = (await withFields(dataset)).fields.byName[field].choices;
      filter.keys[key] = oneOf(choices);
    },
    create({ setFilter }) {
      const el = htmlEl`<select id="${id}" class="select ${className}" aria-label="${label}">
          <option value="">${all}</option>
          ${choices.map((value) => html`<option value="${value}">${optionLabel(value)}</option>`)}</select>`;
      el.addEventListener("change", () => setFilter(key, el.value));
      return { el, update: (current) => (el.value = current[key] || "") };
    },
  };
  return filter;
}

const FLAG_WORDS = {
  edited: { label: "Edited only", title: "Records a person corrected" },
  needs_review: { label: "Needs review", title: "The source changed a value a person corrected" },
  missing: { label: "Missing from source", title: "The last complete sync didn't find them" },
};

/** The bookkeeping checkboxes #<name>-edited, #<name>-needs-review, #<name>-missing. */
export function flags(name, keys, titles = {}) {
  return keys.map((key) => ({
    keys: { [key]: flag },
    create({ setFilter }) {
      const { label, title } = FLAG_WORDS[key];
      const el = htmlEl`<label class="toggle-chip" title="${titles[key] || title}">
          <input type="checkbox" id="${name}-${key.replaceAll("_", "-")}" data-flag="${key}"><span>${label}</span></label>`;
      const box = el.querySelector("input");
      box.addEventListener("change", () => setFilter(key, box.checked ? "true" : ""));
      return { el, update: (current) => (box.checked = current[key] === "true") };
    },
  }));
}

/**
 * A filter a link sets rather than a control (a labeler, a dosage form, from the detail drawer
 * or a chart): while the URL holds a value it shows as a chip "label: value" whose button
 * removes it; hidden otherwise. The chip is #<id>, its value [data-value].
 */
export function pinned({ key, id, label }) {
  return {
    keys: { [key]: text },
    create({ setFilter }) {
      const el = htmlEl`<span class="toggle-chip" id="${id}" data-pinned-filter="${key}" hidden>
          <span>${label}: <strong data-value></strong></span>
          <button type="button" class="rounded p-0.5 text-slate-500 hover:bg-slate-200 hover:text-slate-900" aria-label="Remove the ${label.toLowerCase()} filter">${icon("close", "size-3.5")}</button></span>`;
      el.querySelector("button").addEventListener("click", () => setFilter(key, ""));
      return {
        el,
        update(current) {
          el.hidden = !current[key];
          el.querySelector("[data-value]").textContent = current[key] || "";
        },
      };
    },
  };
}

/** A control of the screen's own: `create(ctx)` as above; `key` parsed by `parse`. */
export function custom({ key, parse, create }) {
  return { keys: { [key]: parse }, create };
}

/**
 * "Show archived": archived records (deleted while their source still sends them) are hidden
 * unless this is on. Checked it asks for archived=all; a URL's archived=true (only the
 * archived ones) shows the chip checked as "Archived only". #<name>-archived.
 */
export function archived(name) {
  return {
    keys: { archived: oneOf(["all", "true"]) },
    create({ setFilter }) {
      const el = htmlEl`<label class="toggle-chip" title="Archived records are hidden from the list; a sync never brings them back">
          <input type="checkbox" id="${name}-archived" data-flag="archived"><span data-archived-label>Show archived</span></label>`;
      const box = el.querySelector("input");
      const label = el.querySelector("[data-archived-label]");
      box.addEventListener("change", () => setFilter("archived", box.checked ? "all" : ""));
      return {
        el,
        update(current) {
          box.checked = Boolean(current.archived);
          label.textContent = current.archived === "true" ? "Archived only" : "Show archived";
        },
      };
    },
  };
}
