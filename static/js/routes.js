// Every screen of the dashboard: #/NAME shows <section id="view-NAME"> filled by the module.
// `roles` limits a screen to those roles (the server refuses the API calls anyway).
// To add a screen: a module in views/ exporting mount(root, context), a line here, and an
// entry in templates/index.html's nav_groups.
export const routes = [
  { name: "overview", title: "Overview", load: () => import("./views/overview.js") },
  { name: "authorizations", title: "Authorizations", load: () => import("./views/authorizations.js") },
  { name: "drugs", title: "Drugs", load: () => import("./views/drugs.js") },
  { name: "drug-classes", title: "Drug classes", load: () => import("./views/drug-classes.js") },
  { name: "analytics", title: "Analytics", load: () => import("./views/analytics.js") },
  { name: "runs", title: "Runs", load: () => import("./views/runs.js") },
  { name: "users", title: "Users", load: () => import("./views/users.js"), roles: ["admin"] },
];

export const DEFAULT_ROUTE = "overview";
