// The one way the dashboard talks to /api: cookie session, CSRF header on writes,
// JSON in and out, every failure turned into an ApiError.

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DEFAULT_TIMEOUT_MS = 30_000;
export const RETURN_HASH_KEY = "medsync:return-hash";

export class ApiError extends Error {
  /**
   * @param {{status: number, code: string, message: string, details?: object}} init
   */
  constructor({ status, code, message, details = {} }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
    /** True once the page is leaving for /login; callers need not report the error. */
    this.redirecting = false;
  }

  /** The form field this error is about (422 validation errors name one). */
  get field() {
    return this.details.field || null;
  }
}

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

function buildUrl(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value == null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
    else url.searchParams.set(key, value);
  }
  return url.pathname + url.search;
}

function redirectToLogin() {
  // The server only knows "/", so remember which screen we were on and restore it after login.
  try {
    if (window.location.hash) sessionStorage.setItem(RETURN_HASH_KEY, window.location.hash);
  } catch {
    /* storage disabled: the user lands on the overview instead */
  }
  window.location.assign("/login?next=/");
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON (a proxy error page, say)
  }
}

/**
 * request("GET", "/api/users", {params: {page: 2}}) → the JSON envelope
 * ({success, data, …}); throws ApiError on anything but a 2xx success.
 */
export async function request(method, path, { params, body, signal, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const upper = method.toUpperCase();
  const headers = { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE_METHODS.has(upper)) headers["X-CSRFToken"] = csrfToken();

  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;

  let response;
  try {
    response = await fetch(buildUrl(path, params), {
      method: upper,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: combined,
    });
  } catch (error) {
    if (signal?.aborted) throw error; // the caller cancelled; let it see the AbortError
    const timedOut = timeout.aborted;
    throw new ApiError({
      status: 0,
      code: timedOut ? "timeout" : "network_error",
      message: timedOut
        ? "The server took too long to answer. Try again in a moment."
        : "Can't reach the MedSync server. Check your connection and try again.",
    });
  }

  const payload = await readJson(response);

  if (response.status === 401) {
    const error = new ApiError({
      status: 401,
      code: "unauthorized",
      message: "Your session has ended. Please sign in again.",
    });
    error.redirecting = true;
    redirectToLogin();
    throw error;
  }

  if (!response.ok || payload?.success === false) {
    const info = payload?.error || {};
    throw new ApiError({
      status: response.status,
      code: info.code || (response.status >= 500 ? "internal_error" : "bad_request"),
      message: info.message || `The server answered ${response.status} ${response.statusText}.`.trim(),
      details: info.details,
    });
  }
  if (payload === undefined) {
    throw new ApiError({
      status: response.status,
      code: "internal_error",
      message: "The server sent a response the dashboard could not read.",
    });
  }
  return payload;
}

export const api = {
  get: (path, params, options = {}) => request("GET", path, { ...options, params }),
  post: (path, body = {}, options = {}) => request("POST", path, { ...options, body }),
  put: (path, body = {}, options = {}) => request("PUT", path, { ...options, body }),
  patch: (path, body = {}, options = {}) => request("PATCH", path, { ...options, body }),
  delete: (path, options = {}) => request("DELETE", path, options),
};
