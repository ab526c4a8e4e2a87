// Sign-in page: show/hide password, Caps Lock hint, and a busy button that prevents a
// double submit. The form works without this script.
import { spinner } from "./icons.js";

const form = document.getElementById("login-form");
const password = document.getElementById("password");
const toggle = document.getElementById("password-toggle");
const capsHint = document.getElementById("password-caps");
const submit = document.getElementById("login-submit");

if (toggle && password) {
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const show = password.type === "password";
    password.type = show ? "text" : "password";
    toggle.textContent = show ? "Hide" : "Show";
    toggle.setAttribute("aria-pressed", String(show));
    toggle.setAttribute("aria-label", show ? "Hide password" : "Show password");
    password.focus();
  });
  toggle.setAttribute("aria-label", "Show password");
}

if (password && capsHint) {
  const update = (event) => {
    if (typeof event.getModifierState === "function") capsHint.hidden = !event.getModifierState("CapsLock");
  };
  password.addEventListener("keydown", update);
  password.addEventListener("keyup", update);
  password.addEventListener("blur", () => {
    capsHint.hidden = true;
  });
}

if (form && submit) {
  form.addEventListener("submit", (event) => {
    if (submit.disabled) {
      event.preventDefault();
      return;
    }
    if (password && password.type === "text") password.type = "password"; // don't let the browser keep it visible
    // Disable after the submit has been dispatched so the button's value still goes with the form.
    setTimeout(() => {
      submit.disabled = true;
      submit.setAttribute("aria-busy", "true");
      submit.innerHTML = `${spinner().value}<span>Signing in…</span>`;
    });
  });
  // Coming back with the browser's back button restores the page from cache: re-enable.
  window.addEventListener("pageshow", () => {
    submit.disabled = false;
    submit.removeAttribute("aria-busy");
    submit.textContent = "Sign in";
  });
}
