// A combobox to filter by one drug class: type part of a class's name, pick it from the
// suggestions (the classes with the most drugs first, narrowed to the chosen class type). DailyMed
// has thousands of classes, too many for a <select>. Keyboard: ↑/↓ to move, Enter to choose,
// Esc to close.
//
// Hooks: input#<id> (role=combobox; data-drug-class-id once a class is chosen),
// #<id>-options li[role=option][data-drug-class-id], #<id>-clear.
import { api } from "../api.js";
import { htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { formatNumber } from "../format.js";
import { classTypeBadge } from "./drug-fields.js";

const SUGGESTIONS = 12;
const DELAY_MS = 200;

/**
 * classPicker({id, classType: () => "EPC" | "", onChoose(drugClass | null)}) →
 * {el, set(id), clear()}. `set` shows a class chosen elsewhere (a link, the URL) without
 * calling onChoose.
 */
export function classPicker({ id, classType = () => "", onChoose }) {
  const listId = `${id}-options`;
  const input = htmlEl`<input id="${id}" type="text" class="input pr-8 pl-9" placeholder="Any drug class" autocomplete="off" spellcheck="false"
      role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="${listId}" aria-label="Filter by drug class">`;
  const clearButton = htmlEl`<button type="button" id="${id}-clear" class="absolute inset-y-0 right-1 my-auto flex size-7 items-center justify-center rounded-md text-slate-400 hover:bg-slate-100 hover:text-slate-700" aria-label="Any drug class" hidden>${icon("close", "size-4")}</button>`;
  const list = htmlEl`<ul id="${listId}" role="listbox" aria-label="Drug classes" class="absolute top-full right-0 left-0 z-20 mt-1 max-h-80 overflow-y-auto rounded-lg border border-slate-200 bg-white py-1 shadow-lg" hidden></ul>`;
  const el = htmlEl`<div class="relative w-full sm:w-64">
    <span class="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-400">${icon("drug-classes", "size-4")}</span>
    ${input}${clearButton}${list}
  </div>`;

  let chosen = null; // {id, name, class_type}
  let options = [];
  let active = -1;
  let timer = null;
  let controller = null;

  function show(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) {
      active = -1;
      input.removeAttribute("aria-activedescendant");
    }
  }

  function highlight(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((item, i) => {
      item.setAttribute("aria-selected", String(i === index));
      item.classList.toggle("bg-brand-50", i === index);
    });
    const item = list.children[index];
    if (item?.id) {
      input.setAttribute("aria-activedescendant", item.id);
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function render(items, query) {
    options = items;
    if (!items.length) {
      list.replaceChildren(htmlEl`<li class="px-3 py-2 text-sm text-slate-500">No class matches “${query}”</li>`);
    } else {
      list.replaceChildren(
        ...items.map(
          (c, i) => htmlEl`<li id="${listId}-${i}" role="option" aria-selected="false" data-drug-class-id="${c.id}"
              class="flex cursor-pointer items-center gap-2 px-3 py-1.5 text-sm text-slate-800 hover:bg-slate-50">
              ${classTypeBadge(c.class_type)}<span class="min-w-0 flex-1 truncate">${c.name}</span>
              <span class="shrink-0 text-xs text-slate-500 tabular-nums">${formatNumber(c.drug_count ?? 0)}</span></li>`,
        ),
      );
    }
    show(true);
  }

  async function suggest() {
    controller?.abort();
    controller = new AbortController();
    const query = input.value.trim();
    try {
      const { data } = await api.get(
        "/api/drug-classes",
        { name: query, class_type: classType(), sort: "-drug_count", per_page: SUGGESTIONS },
        { signal: controller.signal },
      );
      if (document.activeElement === input) render(data || [], query);
    } catch (error) {
      if (error.name !== "AbortError" && !error.redirecting) {
        list.replaceChildren(htmlEl`<li class="px-3 py-2 text-sm text-red-700">${error.message}</li>`);
        show(true);
      }
    }
  }

  function display(drugClass) {
    chosen = drugClass;
    input.value = drugClass?.name || "";
    if (drugClass) input.dataset.drugClassId = String(drugClass.id);
    else delete input.dataset.drugClassId;
    clearButton.hidden = !drugClass;
  }

  function choose(drugClass) {
    clearTimeout(timer);
    show(false);
    const changed = (drugClass?.id ?? null) !== (chosen?.id ?? null);
    display(drugClass);
    if (changed) onChoose(drugClass);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, DELAY_MS);
  });
  input.addEventListener("focus", () => {
    if (!chosen) suggest();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) {
        suggest();
        return;
      }
      if (!options.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (!list.hidden && active >= 0) choose(options[active]);
      else if (!list.hidden && options.length === 1) choose(options[0]);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      show(false);
      display(chosen);
    }
  });
  input.addEventListener("blur", () => {
    // A click on an option arrives first (mousedown keeps the focus); otherwise settle the text.
    setTimeout(() => {
      show(false);
      if (!input.value.trim() && chosen) choose(null);
      else display(chosen);
    }, 150);
  });
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const item = event.target.closest("[role=option]");
    if (item) choose(options.find((c) => String(c.id) === item.dataset.drugClassId));
  });
  clearButton.addEventListener("click", () => {
    choose(null);
    input.focus();
  });

  return {
    el,
    async set(classId) {
      if (!classId) {
        display(null);
        return;
      }
      if (String(chosen?.id) === String(classId)) return;
      display({ id: Number(classId), name: `Class ${classId}` });
      try {
        const { data } = await api.get(`/api/drug-classes/${classId}`);
        if (String(chosen?.id) === String(classId)) display(data);
      } catch (error) {
        if (!error.redirecting && String(chosen?.id) === String(classId)) input.value = `Class ${classId} (not found)`;
      }
    },
    clear: () => display(null),
  };
}
