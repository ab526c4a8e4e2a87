// What every list screen (Authorizations, Drugs, Drug classes, Runs) does the same way, declared
// once: its filters, sort and page kept in the URL (#/drugs?q=…&class_type=EPC&sort=…&page=2),
// so the back button and bookmarks work; the CSV link of exactly what the table shows. The record
// screens get all of it from the list-screen builder (list-screen.js).
//
//   const state = listState({ filters: { q: text, status: oneOf(STATUSES) }, sort: "title", perPage: 25 });
//   const url = urlSync({ router, name: "drugs", state, table: () => table });
//   createDataTable({ …, onStateChange: (s) => { url.onStateChange(s); … } });
//   return { show: (params) => url.show(params) };

/* Filter parsers: a value from the URL → the filter's value, or "" when blank or invalid. */
export const text = (value) => value.trim();
export const anyValue = (value) => value;
export const flag = (value) => (value === "true" ? "true" : "");
export const wholeNumber = (value) => (/^\d+$/.test(value.trim()) ? value.trim() : "");
export const oneOf = (choices) => (value) => (choices.includes(value) ? value : "");

/**
 * A list's state ↔ the hash's query string. `filters` maps each filter's URL key (the same as
 * the API's) to its parser; `sort` and `perPage` are the defaults, left out of the URL.
 */
export function listState({ filters, sort: defaultSort, perPage: defaultPerPage }) {
  const keys = Object.keys(filters);

  function fromParams(params) {
    const chosen = {};
    for (const key of keys) {
      const value = filters[key](params.get(key) ?? "");
      if (value) chosen[key] = value;
    }
    return {
      filters: chosen,
      sort: params.get("sort") || defaultSort,
      page: Math.max(1, Number.parseInt(params.get("page"), 10) || 1),
      perPage: Math.min(200, Math.max(1, Number.parseInt(params.get("per_page"), 10) || defaultPerPage)),
    };
  }

  function toParams(state) {
    const params = new URLSearchParams();
    for (const key of keys) if (state.filters[key]) params.set(key, state.filters[key]);
    if (state.sort && state.sort !== defaultSort) params.set("sort", state.sort);
    if (state.page > 1) params.set("page", String(state.page));
    if (state.perPage !== defaultPerPage) params.set("per_page", String(state.perPage));
    return params;
  }

  /** The API's query for the same rows, every page (for the CSV export). */
  function exportQuery(state) {
    const query = new URLSearchParams();
    for (const key of keys) if (state.filters[key]) query.set(key, state.filters[key]);
    if (state.sort) query.set("sort", state.sort);
    return query;
  }

  return {
    keys,
    fromParams,
    toParams,
    same: (a, b) => toParams(a).toString() === toParams(b).toString(),
    filtered: (state) => keys.some((key) => state.filters[key]),
    exportHref: (path, state) => {
      const qs = exportQuery(state).toString();
      return `${path}${qs ? `?${qs}` : ""}`;
    },
  };
}

/**
 * Keep a screen's table and its URL in step. `table()` returns the data table (created after
 * this, since its onStateChange calls `onStateChange` here).
 */
export function urlSync({ router, name, state, table }) {
  let shownOnce = false;
  return {
    /** The table's state changed: write it to the URL (when this screen is the one shown). */
    onStateChange(tableState) {
      if (router.current()?.name === name) router.replaceParams(state.toParams(tableState));
    },
    /** The screen is shown with `params`: load what they ask for. */
    show(params) {
      const current = table().getState();
      if (shownOnce && ![...params.keys()].length) {
        // Back through the navigation link: keep the filters the person left here.
        router.replaceParams(state.toParams(current));
        params = state.toParams(current);
      }
      const wanted = state.fromParams(params);
      if (!shownOnce || !state.same(wanted, current)) table().setState(wanted);
      else table().reload({ quiet: true });
      shownOnce = true;
    },
  };
}

/** Set one list filter, or drop it when `value` is empty. */
export function setFilter(table, key, value) {
  const filters = { ...table.getState().filters };
  if (value) filters[key] = value;
  else delete filters[key];
  table.setState({ filters });
}
