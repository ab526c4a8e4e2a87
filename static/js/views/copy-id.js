// An identifier too long for its column (a DailyMed set id): its start in the cell, the whole of
// it on hover, and a button that copies the whole id (never the shortened text on screen).
//
// Hooks: [data-copy-id] (the button; data-copied="true" once copied).
import { html, htmlEl } from "../dom.js";
import { icon } from "../icons.js";
import { copyText, toastError } from "../ui.js";

export function copyableId(value, { shown = 8, label = "id" } = {}) {
  const text = htmlEl`<span class="font-mono text-[11px] whitespace-nowrap text-slate-500" title="${value}">${value.slice(0, shown)}…</span>`;
  const button = htmlEl`<button type="button" class="btn-icon size-6 text-slate-400" data-copy-id="${value}"
      title="Copy the whole ${label}: ${value}" aria-label="Copy ${label} ${value}">${icon("copy", "size-3.5")}</button>`;
  button.addEventListener("click", async () => {
    // The whole id, from a box of its own: a fallback copy selects it, never the cut text above.
    const whole = htmlEl`<textarea class="sr-only" readonly tabindex="-1" aria-hidden="true"></textarea>`;
    whole.value = value;
    button.after(whole);
    try {
      await copyText(value, whole).catch(() => copyText(value, whole, { fallback: true }));
      button.dataset.copied = "true";
      button.title = `Copied ${value}`;
    } catch (error) {
      toastError(error, `Couldn't copy the ${label}`);
    } finally {
      whole.remove();
      button.focus();
    }
  });
  return html`<span class="inline-flex items-center gap-0.5">${text}${button}</span>`;
}
