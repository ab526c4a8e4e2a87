// Behaviour of the page frame: the phone navigation drawer (#nav-toggle), the user menu
// (#user-menu-button → #user-menu), nav icons and the skip link.
import { icon } from "./icons.js";

const DESKTOP = window.matchMedia("(min-width: 64rem)"); // Tailwind's lg breakpoint

function setupNavDrawer() {
  const toggle = document.getElementById("nav-toggle");
  const sidebar = document.getElementById("sidebar");
  const backdrop = document.getElementById("nav-backdrop");
  const closeButton = document.getElementById("nav-close");
  if (!toggle || !sidebar) return;

  const isOpen = () => sidebar.hasAttribute("data-open");
  const setOpen = (open, { restoreFocus = true } = {}) => {
    if (open === isOpen()) return;
    sidebar.toggleAttribute("data-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    backdrop.hidden = !open;
    document.documentElement.classList.toggle("max-lg:overflow-hidden", open);
    if (open) (sidebar.querySelector("[aria-current='page']") || sidebar.querySelector("a, button"))?.focus();
    else if (restoreFocus && sidebar.contains(document.activeElement)) toggle.focus();
  };

  toggle.addEventListener("click", () => setOpen(!isOpen()));
  closeButton?.addEventListener("click", () => setOpen(false));
  backdrop.addEventListener("click", () => setOpen(false));
  sidebar.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) setOpen(false);
  });
  window.addEventListener("medsync:route", () => setOpen(false, { restoreFocus: false }));
  DESKTOP.addEventListener("change", () => setOpen(false, { restoreFocus: false }));
}

function setupUserMenu() {
  const button = document.getElementById("user-menu-button");
  const menu = document.getElementById("user-menu");
  const wrap = document.getElementById("user-menu-wrap");
  if (!button || !menu) return;

  const setOpen = (open) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => {
    const open = menu.hidden;
    setOpen(open);
    if (open) menu.querySelector("button, a")?.focus();
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !wrap.contains(event.target)) setOpen(false);
  });
  wrap.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  wrap.addEventListener("focusout", (event) => {
    if (!menu.hidden && event.relatedTarget && !wrap.contains(event.relatedTarget)) setOpen(false);
  });
  // Signing out: show it's happening and prevent a double submit.
  document.getElementById("logout-form")?.addEventListener("submit", () => {
    const submit = document.getElementById("logout-button");
    if (submit) {
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
    }
  });
}

function setupNavIcons() {
  for (const slot of document.querySelectorAll("#sidebar [data-icon]")) {
    slot.outerHTML = icon(slot.dataset.icon, "size-5 shrink-0").value;
  }
}

function setupSkipLink() {
  // The skip link's #main would otherwise be read as a route.
  document.querySelector("[data-skip-link]")?.addEventListener("click", (event) => {
    event.preventDefault();
    document.getElementById("main")?.focus();
  });
}

export function setupShell() {
  setupNavIcons();
  setupNavDrawer();
  setupUserMenu();
  setupSkipLink();
}
