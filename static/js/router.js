// Hash router: "#/name?key=value" → the screen `name`, whose module is views/NAME.js. The screens
// are the <section data-view> elements templates/index.html draws from its one list (`screens`),
// the same list that draws the navigation; routesFromPage() reads them.
// Views are loaded on first visit and kept mounted; switching screens calls hide() on the old
// one and show(params) on the new one, so the back button and bookmarks just work.
//
// A view module exports mount(root, context) (which may return a promise) and may return
// {show(params), hide()}.
// `params` is a URLSearchParams of the part after "?", for screens that keep filters in the URL.
import { htmlEl } from "./dom.js";
import { emptyState } from "./widgets.js";
import { toast } from "./feedback.js";
import { spinner } from "./icons.js";

/** The screens the page declares: [{name, title, roles, load}], in navigation order. */
export function routesFromPage(page = document) {
  return Array.from(page.querySelectorAll("section[data-view]"), (section) => ({
    name: section.dataset.view,
    title: section.dataset.title,
    roles: section.dataset.roles ? section.dataset.roles.split(" ") : null,
    load: () => import(`./views/${section.dataset.view}.js`),
  }));
}

export function parseHash(hash = window.location.hash) {
  if (!hash.startsWith("#/")) return null;
  const [path, query = ""] = hash.slice(2).split("?");
  return { name: decodeURIComponent(path.replace(/\/+$/, "")), params: new URLSearchParams(query) };
}

export function buildHash(name, params) {
  const query = params ? new URLSearchParams(params).toString() : "";
  return `#/${name}${query ? `?${query}` : ""}`;
}

export function createRouter({ routes, defaultRoute, context, appName = "MedSync" }) {
  const byName = new Map(routes.map((route) => [route.name, route]));
  const mounted = new Map(); // name → Promise<{show, hide}>
  let current = null;
  let firstRender = true;

  const allowed = (route) => !route.roles || route.roles.includes(context.user.role);
  const rootOf = (name) => document.getElementById(`view-${name}`);

  function mountView(route, root) {
    if (!mounted.has(route.name)) {
      root.replaceChildren(
        htmlEl`<div class="flex items-center gap-3 py-20 text-sm text-slate-500 justify-center">${spinner("spinner size-5 text-brand-700")}Loading ${route.title.toLowerCase()}…</div>`,
      );
      const promise = route
        .load()
        .then((module) => {
          root.replaceChildren();
          return module.mount(root, context) || {};
        })
        .catch((error) => {
          mounted.delete(route.name); // let the next visit try again
          console.error(error);
          const reload = htmlEl`<button type="button" class="btn btn-secondary">Reload the page</button>`;
          reload.addEventListener("click", () => window.location.reload());
          root.replaceChildren(
            emptyState({
              icon: "warning",
              title: `${route.title} couldn't be loaded`,
              message: "Part of the dashboard failed to load. Reloading usually fixes it.",
              action: reload,
            }),
          );
          return {};
        });
      mounted.set(route.name, promise);
    }
    return mounted.get(route.name);
  }

  function markNav(name) {
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  async function render() {
    const target = parseHash();
    if (!target) {
      // Empty hash: land on the default screen without adding a history entry. Other non-route
      // hashes (e.g. #main from the skip link) are left alone.
      if (!window.location.hash) navigate(defaultRoute, null, { replace: true });
      return;
    }
    const route = byName.get(target.name);
    if (!route || !rootOf(route.name) || !allowed(route)) {
      toast(route ? `Your role can't open ${route.title}.` : "That page doesn't exist; showing the overview.", {
        type: "warning",
      });
      navigate(defaultRoute, null, { replace: true });
      return;
    }

    const previous = current;
    current = { name: route.name, params: target.params };
    if (previous && previous.name !== route.name) {
      rootOf(previous.name).hidden = true;
      (await mounted.get(previous.name))?.hide?.();
    }
    const root = rootOf(route.name);
    root.hidden = false;
    markNav(route.name);
    document.title = `${route.title} · ${appName}`;
    window.dispatchEvent(new CustomEvent("medsync:route", { detail: { name: route.name } }));

    const view = await mountView(route, root);
    if (current.name !== route.name) return; // the person moved on while it loaded
    view.show?.(target.params);

    if (!firstRender && (!previous || previous.name !== route.name)) {
      window.scrollTo({ top: 0 });
      (root.querySelector("[data-view-heading]") || root).focus({ preventScroll: true });
    }
    firstRender = false;
  }

  /** Go to a screen. `replace` swaps the history entry instead of adding one. */
  function navigate(name, params = null, { replace = false } = {}) {
    const hash = buildHash(name, params);
    if (hash === window.location.hash) return;
    if (replace) {
      window.history.replaceState(window.history.state, "", hash);
      render();
    } else {
      window.location.hash = hash; // fires hashchange → render()
    }
  }

  /** Update the current screen's query (filters, page…) without adding a history entry. */
  function replaceParams(params) {
    if (!current) return;
    window.history.replaceState(window.history.state, "", buildHash(current.name, params));
    current.params = new URLSearchParams(params);
  }

  return {
    start() {
      window.addEventListener("hashchange", render);
      render();
    },
    navigate,
    replaceParams,
    current: () => current && { name: current.name, params: new URLSearchParams(current.params) },
  };
}
