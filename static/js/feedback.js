// Feedback for the person at the keyboard: toasts (#toasts) and busy buttons.
import { html, htmlEl } from "./dom.js";
import { icon, spinner } from "./icons.js";

/* ---------------------------------------------------------------- toasts */

const TOAST_STYLES = {
  success: { icon: "success", color: "text-emerald-600", role: "status", timeout: 5000 },
  info: { icon: "info", color: "text-sky-600", role: "status", timeout: 5000 },
  warning: { icon: "warning", color: "text-amber-600", role: "alert", timeout: 8000 },
  error: { icon: "error", color: "text-red-600", role: "alert", timeout: 8000 },
};
const MAX_TOASTS = 4;

function toastRegion() {
  let region = document.getElementById("toasts");
  if (!region) region = htmlEl`<div id="toasts" class="toast-region" role="region" aria-label="Notifications"></div>`;
  // An open modal <dialog> sits in the top layer and makes the rest of the page inert; inside
  // it the toasts stay readable and dismissable. modal.js moves the region back on close.
  const host = [...document.querySelectorAll("dialog[open]")].at(-1) || document.body;
  if (region.parentElement !== host) host.append(region);
  return region;
}

/**
 * Toasts float over the page's bottom right, where a table ends: while any shows, <main> gets that
 * much room at its foot, and a page read to its end moves up, so no toast covers the last rows
 * or the pager.
 */
function makeRoom(region) {
  const main = document.getElementById("main");
  if (!main) return;
  const inPage = region.parentElement === document.body && region.children.length;
  const room = inPage ? Math.ceil(region.getBoundingClientRect().height) : 0;
  const before = Number.parseFloat(main.dataset.toastRoom || "0");
  if (room === before) return;
  const scroller = document.scrollingElement;
  const atEnd = scroller.scrollTop + window.innerHeight >= scroller.scrollHeight - 2;
  main.style.paddingBottom = room ? `calc(${room}px + 2rem)` : "";
  main.dataset.toastRoom = String(room);
  if (atEnd && room > before) window.scrollTo({ top: scroller.scrollHeight, behavior: "instant" });
}

/** toast("Saved.", {type: "success", title: "User created"}). Errors use role=alert. */
export function toast(message, { type = "info", title = "", timeout } = {}) {
  const style = TOAST_STYLES[type] || TOAST_STYLES.info;
  const el = htmlEl`
    <div class="toast" role="${style.role}" aria-atomic="true" data-toast="${type}">
      <span class="${style.color}">${icon(style.icon, "size-5 shrink-0")}</span>
      <div class="min-w-0 flex-1 pt-0.5">
        ${title ? html`<p class="text-sm font-semibold text-slate-900">${title}</p>` : ""}
        <p class="text-sm text-slate-600 break-words">${message}</p>
      </div>
      <button type="button" class="toast-close" aria-label="Dismiss notification">${icon("close", "size-4")}</button>
    </div>`;
  const region = toastRegion();
  while (region.children.length >= MAX_TOASTS) region.firstElementChild.remove();
  region.append(el);
  makeRoom(region);

  let timer = null;
  const dismiss = () => {
    clearTimeout(timer);
    el.remove();
    makeRoom(region);
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(dismiss, timeout ?? style.timeout);
  };
  el.querySelector(".toast-close").addEventListener("click", dismiss);
  // Reading takes time: pause while the pointer or keyboard focus is on the toast.
  el.addEventListener("mouseenter", () => clearTimeout(timer));
  el.addEventListener("mouseleave", arm);
  el.addEventListener("focusin", () => clearTimeout(timer));
  el.addEventListener("focusout", arm);
  arm();
  return dismiss;
}

/** Report a failed request. Silent for aborted requests and for the 401 redirect. */
export function toastError(error, title = "Something went wrong") {
  if (!error || error.name === "AbortError" || error.redirecting) return;
  if (error.name !== "ApiError") console.error(error); // a bug of ours, not a refusal by the server
  toast(error.message || String(error), { type: "error", title });
}

/* ---------------------------------------------------------------- busy buttons */

const busyState = new WeakMap();

/** Show a spinner in `button` and disable it (keeps its width so the layout doesn't jump). */
export function setBusy(button, busy, busyLabel) {
  if (!button) return;
  if (busy) {
    if (busyState.has(button)) return;
    busyState.set(button, { children: [...button.childNodes], minWidth: button.style.minWidth });
    button.style.minWidth = `${button.getBoundingClientRect().width}px`;
    const label = busyLabel ?? button.textContent.trim();
    button.replaceChildren(html`${spinner()}<span>${label}</span>`);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  } else {
    const saved = busyState.get(button);
    if (!saved) return;
    busyState.delete(button);
    button.replaceChildren(...saved.children);
    button.style.minWidth = saved.minWidth;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** Run `task` with `button` busy; always restores the button. Returns the task's result. */
export async function withBusy(button, task, busyLabel) {
  setBusy(button, true, busyLabel);
  try {
    return await task();
  } finally {
    setBusy(button, false);
  }
}
