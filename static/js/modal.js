// Modal dialogs on the native <dialog> element (top layer, inert background), plus a focus
// trap, Esc to close, focus restored to the opener, and a confirm dialog built on top.
import { html, htmlEl, uniqueId } from "./dom.js";
import { icon } from "./icons.js";
import { setBusy, toastError } from "./feedback.js";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
}

/** The open dialogs, topmost last (dialogs can stack: a confirm over a drawer, say). */
export function openDialogs() {
  return [...document.querySelectorAll("dialog[open]")];
}

/**
 * openModal({title, description?, content, id?, size?, variant?, initialFocus?, closeOnBackdrop?, onClose?, opener?})
 * `content` is a Node: usually a <form> holding a .modal-body and a .modal-footer.
 * `variant: "drawer"` slides the dialog in from the right edge at full height (a side sheet);
 * its content should scroll itself (class "drawer-body").
 * Focus returns to `opener` (default: the focused element) when the dialog closes.
 * Returns {dialog, close(result), setDismissible(bool)}; `closed` resolves with the result.
 */
export function openModal({
  title,
  description = "",
  content,
  id = uniqueId("modal"),
  size = "max-w-lg",
  variant = "modal",
  initialFocus = null,
  closeOnBackdrop = false,
  onClose = null,
  opener = document.activeElement,
}) {
  const titleId = `${id}-title`;
  const descriptionId = `${id}-description`;
  const dialog = htmlEl`
    <dialog id="${id}" class="${variant === "drawer" ? "drawer-panel" : "modal-panel"} ${size}" aria-labelledby="${titleId}">
      <div class="flex shrink-0 items-start justify-between gap-4 px-6 pt-5 ${variant === "drawer" ? "border-b border-slate-200 pb-4" : ""}">
        <div class="min-w-0">
          <h2 id="${titleId}" class="text-lg font-semibold text-slate-900">${title}</h2>
          ${description ? html`<p id="${descriptionId}" class="mt-1 text-sm text-slate-600">${description}</p>` : ""}
        </div>
        <button type="button" class="btn-icon -mt-1 -mr-2" data-modal-close aria-label="Close dialog">${icon("close", "size-5")}</button>
      </div>
      <div data-modal-content></div>
    </dialog>`;
  dialog.querySelector("[data-modal-content]").replaceWith(content);
  if (description) dialog.setAttribute("aria-describedby", descriptionId);

  let dismissible = true;
  let resolveClosed;
  const closed = new Promise((resolve) => {
    resolveClosed = resolve;
  });
  let result;

  const close = (value) => {
    result = value;
    if (dialog.open) dialog.close();
  };

  dialog.addEventListener("close", () => {
    const toasts = dialog.querySelector("#toasts");
    const below = openDialogs().filter((other) => other !== dialog);
    if (toasts) (below.at(-1) || document.body).append(toasts); // see toastRegion() in feedback.js
    dialog.remove();
    if (!below.length) document.documentElement.classList.remove("overflow-hidden");
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    onClose?.(result);
    resolveClosed(result);
  });
  // Esc: the browser fires "cancel"; refuse while a request is in flight.
  dialog.addEventListener("cancel", (event) => {
    if (!dismissible) event.preventDefault();
  });
  dialog.addEventListener("click", (event) => {
    if (event.target.closest("[data-modal-close]") && dismissible) {
      close();
      return;
    }
    if (closeOnBackdrop && dismissible && event.target === dialog) {
      const box = dialog.getBoundingClientRect();
      const inside =
        event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) close();
    }
  });
  // Focus trap: Tab and Shift+Tab cycle inside the dialog.
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const items = focusables(dialog);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  document.body.append(dialog);
  document.documentElement.classList.add("overflow-hidden");
  dialog.showModal();
  const target = initialFocus ? dialog.querySelector(initialFocus) : null;
  (target || focusables(dialog).find((el) => !el.hasAttribute("data-modal-close")) || dialog).focus();

  return {
    dialog,
    close,
    closed,
    /** While false, Esc, the close button and Cancel buttons do nothing (e.g. during a save). */
    setDismissible(value) {
      dismissible = value;
      dialog.querySelectorAll("[data-modal-close]").forEach((button) => {
        button.disabled = !value;
      });
    },
  };
}

/**
 * A confirm dialog (never window.confirm). With `onConfirm`, the dialog stays open and busy
 * until the promise settles; on failure it stays open so the person can retry or cancel.
 * Resolves true when confirmed (and onConfirm succeeded), false when dismissed.
 */
export function confirmDialog({
  title,
  message,
  confirmLabel = "Confirm",
  busyLabel,
  cancelLabel = "Cancel",
  tone = "danger",
  onConfirm = null,
  opener = document.activeElement,
}) {
  const content = htmlEl`
    <div>
      <div class="modal-body flex gap-4">
        <span class="flex size-10 shrink-0 items-center justify-center rounded-full ${tone === "danger" ? "bg-red-50 text-red-600" : "bg-brand-50 text-brand-700"}">
          ${icon(tone === "danger" ? "warning" : "info", "size-5")}
        </span>
        <p class="pt-2 text-sm text-slate-600" id="confirm-message">${message}</p>
      </div>
      <div class="modal-footer">
        <button type="button" class="btn btn-secondary" id="confirm-cancel" data-modal-close>${cancelLabel}</button>
        <button type="button" class="btn ${tone === "danger" ? "btn-danger" : "btn-primary"}" id="confirm-accept">${confirmLabel}</button>
      </div>
    </div>`;
  const modal = openModal({ id: "confirm-dialog", title, content, size: "max-w-md", initialFocus: "#confirm-cancel", closeOnBackdrop: true, opener });
  const accept = content.querySelector("#confirm-accept");
  accept.addEventListener("click", async () => {
    if (!onConfirm) {
      modal.close(true);
      return;
    }
    modal.setDismissible(false);
    setBusy(accept, true, busyLabel);
    try {
      await onConfirm();
      modal.setDismissible(true);
      modal.close(true);
    } catch (error) {
      setBusy(accept, false);
      modal.setDismissible(true);
      toastError(error);
    }
  });
  return modal.closed.then((value) => value === true);
}
