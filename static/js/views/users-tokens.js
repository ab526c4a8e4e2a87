// API tokens panel of the Users screen: list, create (the plaintext is shown once), revoke.
// Hooks for tests: #new-token-button, #token-form, #token-name, #token-user, #token-submit,
// #token-created-value (an <output>: its text and .value are the token), #token-copy,
// #token-done, #tokens-table tr[data-token-id], button[data-action="revoke"].
import { api } from "../api.js";
import { html, htmlEl, on } from "../dom.js";
import { icon } from "../icons.js";
import { formatDate, formatDateTime, formatRelative } from "../format.js";
import {
  checkRequired,
  clearFieldErrors,
  confirmDialog,
  copyText,
  createDataTable,
  field,
  formValues,
  openModal,
  selectField,
  showFormError,
  toast,
  toastError,
  withBusy,
} from "../ui.js";

/** Active users for the owner select; null when they can't be listed (the server then uses "me"). */
async function loadOwners() {
  try {
    const { data } = await api.get("/api/users", { page: 1, per_page: 100 });
    return data.filter((user) => user.is_active);
  } catch (error) {
    if (!error.redirecting) console.warn("Token owners unavailable:", error);
    return null;
  }
}

function revealToken(modal, form, token) {
  const output = htmlEl`<output id="token-created-value" class="block rounded-lg border border-slate-300 bg-slate-50 px-3 py-2.5 font-mono text-sm break-all text-slate-900 select-all" aria-label="New API token">${token.token}</output>`;
  const copy = htmlEl`<button type="button" id="token-copy" class="btn btn-secondary shrink-0">${icon("copy", "size-4")}<span>Copy</span></button>`;
  const done = htmlEl`<button type="button" id="token-done" class="btn btn-primary" data-modal-close>Done</button>`;
  const reveal = htmlEl`<div id="token-reveal">
    <div class="modal-body">
      <div class="flex gap-3 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="note">
        <span class="text-amber-600">${icon("warning", "size-5")}</span>
        <p><strong class="font-semibold">Copy this token now.</strong> It won't be shown again; if it's lost, revoke it and create a new one.</p>
      </div>
      <div>
        <p class="label">Token for “${token.name}”</p>
        <div class="mt-1.5 flex items-start gap-2">${output}${copy}</div>
        <p class="field-hint">Scripts send it as <code class="kbd-code">Authorization: Bearer &lt;token&gt;</code>.</p>
      </div>
    </div>
    <div class="modal-footer">${done}</div>
  </div>`;
  form.replaceWith(reveal);
  modal.dialog.querySelector("h2").textContent = "Token created";
  modal.dialog.removeAttribute("aria-describedby");
  modal.dialog.querySelector("#token-modal-description")?.remove();

  copy.addEventListener("click", async () => {
    try {
      await copyText(token.token, output);
      copy.querySelector("span").textContent = "Copied";
      toast("The token is on your clipboard.", { type: "success" });
    } catch (error) {
      toastError(error, "Couldn't copy");
    }
  });
  copy.focus();
}

async function openTokenModal(context, opener, onCreated) {
  const owners = await loadOwners();
  const me = owners?.find((u) => u.username === context.user.username);
  const form = htmlEl`<form id="token-form" novalidate>
    <div class="modal-body">
      ${field({
        id: "token-name",
        name: "name",
        label: "Name",
        required: true,
        hint: "What will use it, e.g. “nightly export”.",
        attrs: { autocomplete: "off", maxlength: "100" },
      })}
      ${
        owners && owners.length > 1
          ? selectField({
              id: "token-user",
              name: "user_id",
              label: "Acts as",
              value: me ? String(me.id) : String(owners[0].id),
              options: owners.map((u) => ({ value: String(u.id), label: `${u.username} (${u.role})` })),
              hint: "The token has this person's role and stops working if they're deactivated.",
            })
          : ""
      }
    </div>
    <div class="modal-footer">
      <button type="button" class="btn btn-secondary" data-modal-close>Cancel</button>
      <button type="submit" class="btn btn-primary" id="token-submit">Create token</button>
    </div>
  </form>`;
  const modal = openModal({
    id: "token-modal",
    title: "Create API token",
    description: "For scripts that call the MedSync API.",
    content: form,
    opener,
  });
  const submit = form.querySelector("#token-submit");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    if (!checkRequired(form)) return;
    const values = formValues(form);
    const body = { name: values.name.trim() };
    if (values.user_id) body.user_id = Number(values.user_id);
    modal.setDismissible(false);
    try {
      const { data } = await withBusy(submit, () => api.post("/api/tokens", body), "Creating");
      modal.setDismissible(true);
      revealToken(modal, form, data);
      onCreated(data);
    } catch (error) {
      modal.setDismissible(true);
      showFormError(form, error, "Couldn't create the token");
    }
  });
}

function statusCell(token) {
  return token.revoked_at
    ? html`<span class="badge badge-gray" title="Revoked ${formatDateTime(token.revoked_at)}">Revoked ${formatDate(token.revoked_at)}</span>`
    : html`<span class="badge badge-green"><span class="dot"></span>Active</span>`;
}

export function tokensPanel(context) {
  const table = createDataTable({
    id: "tokens-table",
    caption: "API tokens",
    itemLabel: ["token", "tokens"],
    perPage: 20,
    columns: [
      { key: "name", label: "Name", render: (t) => html`<span class="font-medium text-slate-900">${t.name}</span>` },
      { key: "username", label: "Owner" },
      { key: "prefix", label: "Token", render: (t) => html`<code class="kbd-code">${t.prefix}…</code>` },
      {
        key: "created_at",
        label: "Created",
        render: (t) => html`<span title="${formatDateTime(t.created_at)}">${formatDate(t.created_at)}</span>`,
      },
      {
        key: "last_used_at",
        label: "Last used",
        render: (t) =>
          t.last_used_at
            ? html`<span title="${formatDateTime(t.last_used_at)}">${formatRelative(t.last_used_at)}</span>`
            : html`<span class="text-slate-400">Never</span>`,
      },
      { key: "revoked_at", label: "Status", render: statusCell },
      {
        key: "actions",
        label: "Actions",
        srOnlyLabel: true,
        align: "right",
        emptyText: "",
        render: (t) =>
          t.revoked_at
            ? ""
            : html`<button type="button" class="btn btn-ghost btn-sm text-red-700 hover:bg-red-50 hover:text-red-800" data-action="revoke">Revoke</button>`,
      },
    ],
    fetchPage: ({ page, perPage, signal }) => api.get("/api/tokens", { page, per_page: perPage }, { signal }),
    rowAttributes: (t) => ({ "data-token-id": t.id, "data-revoked": String(Boolean(t.revoked_at)) }),
    empty: {
      icon: "key",
      title: "No API tokens",
      message: "Create one for each script or integration, so you can revoke it on its own.",
    },
  });

  on(table.el, "click", "button[data-action='revoke']", (_event, button) => {
    const id = Number(button.closest("tr[data-token-id]").dataset.tokenId);
    const token = table.rows().find((t) => t.id === id);
    confirmDialog({
      title: `Revoke “${token.name}”?`,
      message: "Scripts using this token are refused from now on. This can't be undone.",
      confirmLabel: "Revoke token",
      busyLabel: "Revoking",
      onConfirm: async () => {
        const { data } = await api.post(`/api/tokens/${token.id}/revoke`);
        table.updateRow(data);
        toast(`“${data.name}” no longer works.`, { type: "success", title: "Token revoked" });
      },
    });
  });

  const newTokenButton = htmlEl`<button type="button" id="new-token-button" class="btn btn-secondary">${icon("key", "size-4")}Create token</button>`;
  newTokenButton.addEventListener("click", () =>
    withBusy(newTokenButton, () => openTokenModal(context, newTokenButton, () => table.reload({ quiet: true }))),
  );

  const el = htmlEl`<section class="card" aria-labelledby="users-tokens-title">
    <div class="card-header">
      <div>
        <h2 id="users-tokens-title" class="card-title">API tokens</h2>
        <p class="mt-0.5 text-sm text-slate-500">Scripts authenticate with <code class="kbd-code">Authorization: Bearer …</code>; each token acts with its owner's role.</p>
      </div>
      ${newTokenButton}
    </div>
    ${table.el}
  </section>`;
  return { el, table };
}
