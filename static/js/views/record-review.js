// The review panel of the edit modal: the fields the source changed after a person corrected
// them, both values side by side, and "Keep mine" / "Take source's" for editors; plus the
// message a settled review leaves.
//
// Hooks: #<ids.review> with [data-review-item=<field>] ([data-review-yours], [data-review-source])
// and button[data-review-field][data-decision=keep|source].
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";

/** The panel for `record`'s open reviews, or null when there are none. */
export function reviewPanel(dataset, record, canEdit) {
  const items = record.review || [];
  if (!items.length) return null;
  const { label, node } = dataset.fields;
  const titleId = `${dataset.ids.review}-title`;
  return htmlEl`<section id="${dataset.ids.review}" class="rounded-lg border border-amber-200 bg-amber-50/70 p-4" aria-labelledby="${titleId}">
    <h3 id="${titleId}" class="flex items-center gap-2 text-sm font-semibold text-amber-900">
      <span class="text-amber-600">${icon("warning", "size-5")}</span>
      The source changed ${items.length === 1 ? "a value" : `${items.length} values`} that a person corrected
    </h3>
    <p class="mt-1 text-xs text-amber-900/80">The corrected value is still in force. ${canEdit ? "Keep it, or take the source's value." : "An editor can settle this."}</p>
    <ul class="mt-3 space-y-2.5">
      ${items.map(
        (item) => html`<li class="rounded-lg bg-white p-3 ring-1 ring-amber-200" data-review-item="${item.field}">
          <p class="text-xs font-semibold tracking-wide text-slate-500 uppercase">${label(item.field)}</p>
          <dl class="mt-1.5 grid grid-cols-2 gap-3 text-sm">
            <div><dt class="text-xs text-slate-500">Yours (in force)</dt><dd class="mt-0.5" data-review-yours>${node(item.field, item.yours)}</dd></div>
            <div><dt class="text-xs text-slate-500">Source now says</dt><dd class="mt-0.5" data-review-source>${node(item.field, item.source)}</dd></div>
          </dl>
          ${
            canEdit
              ? html`<div class="mt-3 flex flex-wrap gap-2">
                  <button type="button" class="btn btn-secondary btn-sm" data-review-field="${item.field}" data-decision="keep">Keep mine</button>
                  <button type="button" class="btn btn-secondary btn-sm" data-review-field="${item.field}" data-decision="source">Take source's</button>
                </div>`
              : ""
          }
        </li>`,
      )}
    </ul>
  </section>`;
}

/** The toast after a review was settled: what the field holds now, and why. */
export function reviewSettledMessage(dataset, name, decision, record) {
  const { noun, text } = dataset.fields;
  return decision === "keep"
    ? `Kept ${text(name, record[name])} as the ${noun(name)}; later syncs keep it too.`
    : `The ${noun(name)} now follows the source: ${text(name, record[name])}.`;
}
