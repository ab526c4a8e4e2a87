// Small building blocks shared by the views: status and role badges, empty states, page
// headers, copy to clipboard.
import { html, htmlEl } from "./dom.js";
import { icon } from "./icons.js";
import { capitalize } from "./format.js";

/* ---------------------------------------------------------------- badges */

const RUN_STATUS = {
  queued: { tone: "badge-gray", label: "Queued" },
  running: { tone: "badge-blue", label: "Running" },
  completed: { tone: "badge-green", label: "Completed" },
  failed: { tone: "badge-red", label: "Failed" },
  cancelled: { tone: "badge-amber", label: "Cancelled" },
  interrupted: { tone: "badge-orange", label: "Interrupted" },
};

/** Badge for a sync / job run status. */
export function statusBadge(status) {
  const style = RUN_STATUS[status] || { tone: "badge-gray", label: capitalize(status || "unknown") };
  const pulse = status === "running" ? "animate-pulse" : "";
  return htmlEl`<span class="badge ${style.tone}" data-status="${status || ""}"><span class="dot ${pulse}"></span>${style.label}</span>`;
}

const ROLE_TONES = { admin: "badge-violet", editor: "badge-brand", viewer: "badge-gray" };

export function roleBadge(role) {
  return htmlEl`<span class="badge ${ROLE_TONES[role] || "badge-gray"}">${capitalize(role)}</span>`;
}

/** A centred "nothing here yet" block: icon, title, message and an optional action node. */
export function emptyState({ icon: iconName = "inbox", title, message, action = null, compact = false }) {
  return htmlEl`
    <div class="empty-state ${compact ? "py-8" : "py-14"}">
      <span class="empty-state-icon">${icon(iconName, "size-6")}</span>
      <h3 class="mt-4 text-sm font-semibold text-slate-900">${title}</h3>
      ${message ? html`<p class="mx-auto mt-1 max-w-md text-sm text-slate-500 text-pretty">${message}</p>` : ""}
      ${action ? html`<div class="mt-5">${action}</div>` : ""}
    </div>`;
}

/**
 * A screen's header: title, description and optional actions, the actions top-right beside them on
 * every screen however long the description (on large screens it wraps; the actions never do).
 */
export function pageHeader({ title, description, actions = null }) {
  return htmlEl`
    <header class="mb-6 flex flex-wrap items-end justify-between gap-4 lg:flex-nowrap">
      <div class="min-w-0 lg:flex-1">
        <h1 tabindex="-1" data-view-heading class="text-2xl font-semibold tracking-tight text-slate-900">${title}</h1>
        ${description ? html`<p class="mt-1 text-sm text-slate-600">${description}</p>` : ""}
      </div>
      ${actions ? html`<div class="flex shrink-0 flex-wrap items-center gap-2">${actions}</div>` : ""}
    </header>`;
}

/**
 * Copy text. Falls back to selecting `source` (an input or any element) and execCommand on
 * plain-http deployments, where navigator.clipboard does not exist (or when asked: `fallback`,
 * after the clipboard API refused, as it does in a page without focus).
 */
export async function copyText(text, source, { fallback = false } = {}) {
  if (!fallback && navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  if (source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement) {
    source.focus();
    source.select();
  } else if (source) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  if (!document.execCommand("copy")) throw new Error("Copying isn't available here. Select the text and copy it yourself.");
}
