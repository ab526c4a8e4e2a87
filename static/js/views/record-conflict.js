// The edit modal's account of a stale save (409 on `version`): who saved the record meanwhile,
// which values changed under the person, what they had typed, and the offer to reload the form
// with the current values — then a note of what they had entered, to make again.
//
// Hooks: #<ids.conflict> (data-conflict="version", then "reloaded"), #<ids.prefix>-conflict-reload.
import { api } from "../api.js";
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { formatTime } from "../format.js";

/** Who saved the record last, in words ("eddie at 3:04 PM"), from its history; "" if unknown. */
export async function lastChangeBy(dataset, id) {
  try {
    const { data } = await api.get(`${dataset.apiPath}/${id}/history`, { per_page: 1 });
    const change = data?.[0];
    if (!change) return "";
    const who =
      change.actor_type === "user"
        ? change.username || "another person"
        : change.actor_type === "sync"
          ? `Sync run ${change.run_id}`
          : "MedSync";
    return `${who} at ${formatTime(change.changed_at)}`;
  } catch {
    return "";
  }
}

/**
 * The banner for a stale save: `original` is what the form started from, `current` what the
 * server holds now, `typed` the person's unsaved changes, `by` lastChangeBy's answer.
 * `onReload()` runs when the person takes the current values.
 */
export function conflictBanner(dataset, { original, current, typed, by, onReload }) {
  const { editable, label, node, text } = dataset.fields;
  const theirs = editable.filter((name) => (current[name] ?? null) !== (original[name] ?? null));
  const banner = htmlEl`<div id="${dataset.ids.conflict}" class="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" role="alert" data-conflict="version">
    <p class="flex items-center gap-2 font-semibold"><span class="text-amber-600">${icon("warning", "size-5")}</span>Someone else changed this record while you were editing it</p>
    <p class="mt-1">${by ? `${by} saved` : "It was saved"} as version ${current.version} after you opened version ${original.version}. Your changes are not saved yet.</p>
    ${
      theirs.length
        ? html`<ul class="mt-2 list-disc space-y-0.5 pl-5">${theirs.map(
            (name) => html`<li><span class="font-medium">${label(name)}</span> is now ${node(name, current[name])} (was ${text(name, original[name])} when you opened it)${
              name in typed ? html`; you entered ${text(name, typed[name])}` : ""
            }</li>`,
          )}</ul>`
        : html`<p class="mt-1">The visible values are the same; only its bookkeeping changed.</p>`
    }
    <div class="mt-3 flex flex-wrap gap-2">
      <button type="button" id="${dataset.ids.prefix}-conflict-reload" class="btn btn-primary btn-sm">${icon("refresh", "size-4")}Reload with the current values</button>
    </div>
  </div>`;
  banner.querySelector("button").addEventListener("click", () => onReload());
  return banner;
}

/** What replaces the banner once the form shows the current values. */
export function reloadedNotice(dataset, current, typed) {
  const { noun, text } = dataset.fields;
  const mine = Object.keys(typed);
  return htmlEl`<div id="${dataset.ids.conflict}" class="rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm text-sky-900" role="status" data-conflict="reloaded">
    <p class="font-semibold">The form now shows the current values (version ${current.version}).</p>
    ${
      mine.length
        ? html`<p class="mt-1">You had entered: ${mine.map(
            (name, i) => html`${i ? "; " : ""}<span class="font-medium">${noun(name)}</span> → ${text(name, typed[name])}`,
          )}. Make those changes again if they still apply, then save.</p>`
        : ""
    }
  </div>`;
}
