// The banner above a list that counts the records needing review (the source changed a value a
// person corrected) and offers to show them. Hidden while the list already shows only those.
//
// Hook: #<id> ([data-review-text], button[data-action=show-review]).
import { api } from "../api.js";
import { htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { plural } from "../format.js";

/** reviewBanner({id, apiPath, onShow(), filtering() → bool}) → {el, refresh() → Promise, update()}. */
export function reviewBanner({ id, apiPath, onShow, filtering }) {
  const el = htmlEl`<div id="${id}" class="mb-4 flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status" hidden>
      <span class="text-amber-600">${icon("warning", "size-5")}</span>
      <p class="min-w-0 flex-1" data-review-text></p>
      <button type="button" class="btn btn-secondary btn-sm" data-action="show-review">Show them</button>
    </div>`;
  el.querySelector("[data-action='show-review']").addEventListener("click", () => onShow());
  let count = 0;

  function update() {
    el.hidden = !count || filtering();
    el.querySelector("[data-review-text]").textContent =
      `${plural(count, "record needs", "records need")} review: the source changed a value that a person corrected.`;
  }

  async function refresh() {
    try {
      const { total } = await api.get(apiPath, { needs_review: "true", per_page: 1 });
      count = total || 0;
    } catch {
      count = 0;
    }
    update();
  }

  return { el, refresh, update };
}
