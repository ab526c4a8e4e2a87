// Dashboard entry point: reads who is signed in from <body>, wires the page frame and starts
// the router. Everything else lives in the view modules (views/*.js).
import { RETURN_HASH_KEY } from "./api.js";
import { createRouter, routesFromPage } from "./router.js";
import { setupShell } from "./shell.js";

const ROLE_RANK = { viewer: 1, editor: 2, admin: 3 };

function currentUser() {
  const { username = "", role = "viewer" } = document.body.dataset;
  return {
    username,
    role,
    /** user.can("editor") → true for editors and admins. */
    can: (minimumRole) => (ROLE_RANK[role] || 0) >= (ROLE_RANK[minimumRole] || Infinity),
  };
}

function restoreReturnHash() {
  // api.js remembers the screen when a 401 sends us to /login; come back to it.
  try {
    const saved = sessionStorage.getItem(RETURN_HASH_KEY);
    sessionStorage.removeItem(RETURN_HASH_KEY);
    if (saved && !window.location.hash) window.history.replaceState(null, "", saved);
  } catch {
    /* storage disabled */
  }
}

const context = { user: currentUser() };
restoreReturnHash();
setupShell();
const routes = routesFromPage();
context.router = createRouter({ routes, defaultRoute: routes[0].name, context });
context.router.start();
