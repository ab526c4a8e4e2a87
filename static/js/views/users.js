// Users (admins only): accounts — create, change role, set password, deactivate — and the
// API tokens panel (users-tokens.js). Hooks for tests: #new-user-button, #user-form,
// #users-table tr[data-user-id], select[data-action="change-role"],
// button[data-action="toggle-active"], button[data-action="set-password"].
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { capitalize, formatDate, formatDateTime, formatRelative, withArticle } from "../format.js";
import {
  checkRequired,
  clearFieldErrors,
  confirmDialog,
  createDataTable,
  field,
  formValues,
  openModal,
  pageHeader,
  selectField,
  showFormError,
  toast,
  toastError,
  withBusy,
} from "../ui.js";
import { tokensPanel } from "./users-tokens.js";

export const ROLES = [
  { value: "viewer", label: "Viewer", help: "reads everything" },
  { value: "editor", label: "Editor", help: "also corrects records and starts syncs" },
  { value: "admin", label: "Admin", help: "also manages users and tokens" },
];

/** A strong random password for the "Generate" button (no look-alike characters). */
function generatePassword(length = 16) {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_!@#%";
  const bytes = crypto.getRandomValues(new Uint32Array(length));
  return Array.from(bytes, (n) => alphabet[n % alphabet.length]).join("");
}

function passwordField({ id, label, hint }) {
  const wrapper = field({
    id,
    name: "password",
    label,
    type: "password",
    hint,
    required: true,
    attrs: { autocomplete: "new-password", spellcheck: "false" },
  });
  const generate = htmlEl`<button type="button" class="rounded text-xs font-medium text-brand-700 hover:text-brand-900" data-action="generate-password">Generate</button>`;
  const label_ = wrapper.querySelector("label");
  const row = htmlEl`<div class="flex items-center justify-between"></div>`;
  label_.replaceWith(row);
  row.append(label_, generate);
  generate.addEventListener("click", () => {
    const input = wrapper.querySelector("input");
    input.type = "text"; // the admin has to pass it on, so let them see it
    input.value = generatePassword();
    input.focus();
    input.select();
  });
  return wrapper;
}

function userCell(user, isSelf) {
  return html`<div class="flex items-center gap-3">
    <span class="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-100 text-sm font-semibold text-slate-600 uppercase" aria-hidden="true">${user.username.slice(0, 1)}</span>
    <span class="font-medium text-slate-900">${user.username}</span>
    ${isSelf ? html`<span class="badge badge-brand">You</span>` : ""}
  </div>`;
}

function roleCell(user, isSelf) {
  if (isSelf) {
    return html`<span class="text-sm text-slate-700" title="You can't change your own role">${capitalize(user.role)}</span>`;
  }
  const select = htmlEl`<select class="select select-sm w-32" data-action="change-role" name="role" aria-label="Role for ${user.username}">
    ${ROLES.map((r) => html`<option value="${r.value}">${r.label}</option>`)}
  </select>`;
  select.value = user.role;
  return select;
}

function actionsCell(user, isSelf) {
  return html`<div class="flex justify-end gap-2">
    <button type="button" class="btn btn-ghost btn-sm" data-action="set-password">Set password</button>
    ${
      isSelf
        ? ""
        : html`<button type="button" class="btn btn-secondary btn-sm w-24" data-action="toggle-active">${user.is_active ? "Deactivate" : "Activate"}</button>`
    }
  </div>`;
}

function openUserModal(onCreated) {
  const form = htmlEl`<form id="user-form" novalidate>
    <div class="modal-body">
      ${field({
        id: "user-username",
        name: "username",
        label: "Username",
        required: true,
        attrs: { autocomplete: "off", autocapitalize: "none", spellcheck: "false" },
      })}
      ${passwordField({ id: "user-password", label: "Password", hint: "Give it to them over a secure channel." })}
      ${selectField({
        id: "user-role",
        name: "role",
        label: "Role",
        value: "viewer",
        options: ROLES.map((r) => ({ value: r.value, label: `${r.label} — ${r.help}` })),
      })}
    </div>
    <div class="modal-footer">
      <button type="button" class="btn btn-secondary" data-modal-close>Cancel</button>
      <button type="submit" class="btn btn-primary" id="user-submit">Create user</button>
    </div>
  </form>`;
  const modal = openModal({ id: "user-modal", title: "New user", description: "They can sign in as soon as you create the account.", content: form });
  const submit = form.querySelector("#user-submit");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!checkRequired(form)) return;
    const values = formValues(form);
    modal.setDismissible(false);
    try {
      const { data } = await withBusy(submit, () =>
        api.post("/api/users", { username: values.username.trim(), password: values.password, role: values.role }),
      "Creating");
      modal.setDismissible(true);
      modal.close();
      toast(`${data.username} can now sign in as ${withArticle(data.role)}.`, {
        type: "success",
        title: "User created",
      });
      onCreated(data);
    } catch (error) {
      modal.setDismissible(true);
      showFormError(form, error, "Couldn't create the user");
    }
  });
}

function openPasswordModal(user) {
  const form = htmlEl`<form id="password-form" novalidate>
    <div class="modal-body">
      ${passwordField({ id: "password-new", label: "New password", hint: "Their current password stops working at once." })}
    </div>
    <div class="modal-footer">
      <button type="button" class="btn btn-secondary" data-modal-close>Cancel</button>
      <button type="submit" class="btn btn-primary" id="password-submit">Set password</button>
    </div>
  </form>`;
  const modal = openModal({ id: "password-modal", title: `Set a password for ${user.username}`, content: form, size: "max-w-md" });
  const submit = form.querySelector("#password-submit");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!checkRequired(form)) return;
    modal.setDismissible(false);
    try {
      await withBusy(submit, () => api.patch(`/api/users/${user.id}`, { password: formValues(form).password }), "Saving");
      modal.setDismissible(true);
      modal.close();
      toast(`${user.username}'s password was changed.`, { type: "success", title: "Password set" });
    } catch (error) {
      modal.setDismissible(true);
      showFormError(form, error, "Couldn't set the password");
    }
  });
}

function accountsPanel(context) {
  const me = context.user.username;
  const isSelf = (user) => user.username === me;

  const table = createDataTable({
    id: "users-table",
    caption: "User accounts",
    itemLabel: ["user", "users"],
    perPage: 20,
    columns: [
      { key: "username", label: "User", render: (u) => userCell(u, isSelf(u)) },
      { key: "role", label: "Role", render: (u) => roleCell(u, isSelf(u)) },
      {
        key: "is_active",
        label: "Status",
        render: (u) =>
          u.is_active
            ? html`<span class="badge badge-green"><span class="dot"></span>Active</span>`
            : html`<span class="badge badge-gray"><span class="dot"></span>Deactivated</span>`,
      },
      {
        key: "created_at",
        label: "Created",
        render: (u) => html`<span title="${formatDateTime(u.created_at)}">${formatDate(u.created_at)}</span>`,
      },
      {
        key: "last_login_at",
        label: "Last sign-in",
        render: (u) =>
          u.last_login_at
            ? html`<span title="${formatDateTime(u.last_login_at)}">${formatRelative(u.last_login_at)}</span>`
            : html`<span class="text-slate-400">Never</span>`,
      },
      {
        key: "actions",
        label: "Actions",
        srOnlyLabel: true,
        align: "right",
        emptyText: "",
        render: (u) => actionsCell(u, isSelf(u)),
      },
    ],
    fetchPage: ({ page, perPage, signal }) => api.get("/api/users", { page, per_page: perPage }, { signal }),
    rowAttributes: (u) => ({ "data-user-id": u.id, "data-username": u.username, "data-active": String(u.is_active) }),
    empty: { icon: "users", title: "No users yet", message: "Create an account for each person who needs the dashboard." },
  });

  const rowUser = (element) => {
    const id = Number(element.closest("tr[data-user-id]").dataset.userId);
    return table.rows().find((u) => u.id === id);
  };

  async function patchUser(user, changes) {
    const { data } = await api.patch(`/api/users/${user.id}`, changes);
    table.updateRow(data);
    return data;
  }

  on(table.el, "change", "select[data-action='change-role']", async (_event, select) => {
    const user = rowUser(select);
    const previous = user.role;
    select.disabled = true;
    try {
      const updated = await patchUser(user, { role: select.value });
      toast(`${updated.username} is now ${withArticle(updated.role)}.`, {
        type: "success",
        title: "Role changed",
      });
    } catch (error) {
      select.value = previous;
      select.disabled = false;
      toastError(error, "Couldn't change the role");
    }
  });

  on(table.el, "click", "button[data-action='toggle-active']", async (_event, button) => {
    const user = rowUser(button);
    if (!user.is_active) {
      try {
        await withBusy(button, () => patchUser(user, { is_active: true }), "");
        toast(`${user.username} can sign in again.`, { type: "success", title: "Account activated" });
      } catch (error) {
        toastError(error, "Couldn't activate the account");
      }
      return;
    }
    await confirmDialog({
      title: `Deactivate ${user.username}?`,
      message: "They won't be able to sign in or use their API tokens until you activate the account again. Nothing they changed is lost.",
      confirmLabel: "Deactivate",
      busyLabel: "Deactivating",
      onConfirm: async () => {
        await patchUser(user, { is_active: false });
        toast(`${user.username} can no longer sign in.`, { type: "success", title: "Account deactivated" });
      },
    });
  });

  on(table.el, "click", "button[data-action='set-password']", (_event, button) => openPasswordModal(rowUser(button)));

  const newUserButton = htmlEl`<button type="button" id="new-user-button" class="btn btn-primary">${icon("user-plus", "size-4")}New user</button>`;
  newUserButton.addEventListener("click", () => openUserModal(() => table.reload({ quiet: true })));

  const panel = htmlEl`<section class="card" aria-labelledby="users-accounts-title">
    <div class="card-header">
      <div>
        <h2 id="users-accounts-title" class="card-title">Accounts</h2>
        <p class="mt-0.5 text-sm text-slate-500">Viewers read; editors also correct records and start syncs; admins also manage users.</p>
      </div>
      ${newUserButton}
    </div>
    ${table.el}
  </section>`;
  return { el: panel, table };
}

export function mount(root, context) {
  const accounts = accountsPanel(context);
  const tokens = tokensPanel(context);
  root.replaceChildren(
    pageHeader({ title: "Users", description: "People who can sign in, and API tokens for scripts." }),
    htmlEl`<div class="space-y-8">${accounts.el}${tokens.el}</div>`,
  );
  let shownOnce = false;
  return {
    show() {
      // First visit loads; coming back refreshes quietly so the tables stay in place.
      accounts.table.reload({ quiet: shownOnce });
      tokens.table.reload({ quiet: shownOnce });
      shownOnce = true;
    },
  };
}
