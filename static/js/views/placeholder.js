// A screen that a later release fills: a page header and an empty state that says what
// will appear here. Used by analytics.js until it gets its real view.
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { emptyState, pageHeader } from "../widgets.js";

/**
 * placeholderView({title, description, icon, emptyTitle, emptyMessage, upcoming: [..]})
 * returns a mount(root, context) function.
 */
export function placeholderView({ title, description, icon: iconName, emptyTitle, emptyMessage, upcoming = [] }) {
  return function mount(root) {
    const list = upcoming.length
      ? htmlEl`<div class="mx-auto max-w-2xl border-t border-slate-100 pt-6">
        <h2 class="mb-3 text-center text-xs font-semibold tracking-wide text-slate-500 uppercase">What this screen will show</h2>
        <ul class="grid gap-3 text-left sm:grid-cols-2">
          ${upcoming.map(
            (item) => html`<li class="flex gap-3 rounded-lg border border-slate-200 bg-slate-50/60 px-4 py-3 text-sm text-slate-600">
              <span class="mt-0.5 text-brand-700">${icon("success", "size-4")}</span><span>${item}</span></li>`,
          )}
        </ul>
      </div>`
      : null;
    root.replaceChildren(
      pageHeader({ title, description }),
      htmlEl`<div class="card px-4 pb-8 sm:px-8" data-empty-state="${title}">
        ${emptyState({ icon: iconName, title: emptyTitle, message: emptyMessage })}
        ${list}
      </div>`,
    );
  };
}
