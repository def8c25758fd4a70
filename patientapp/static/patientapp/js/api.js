// The API client: JWT kept in sessionStorage (this tab only, gone when it closes).
// Access tokens live 5 minutes; a refresh token works once, so refreshes are serialised.

const KEY = "bt.tokens";
let refreshing = null;

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The server answered ${status}.`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.details = error.details || {};
  }
}

export function tokens() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch { return null; }
}

export function setTokens(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
}

export function signedIn() { return Boolean(tokens()); }

// The signed-in user's id, from the access token's payload (for what this browser keeps).
export function currentUser() {
  const current = tokens();
  if (!current) return null;
  try {
    const payload = current.access.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return String(JSON.parse(atob(payload)).user_id);
  } catch { return null; }
}

// What this browser keeps of one patient (answers so far, the assessment in progress, the
// programme) must not show up for the next one who signs in on it.
function keepOnlyFor(user) {
  if (localStorage.getItem("bt.owner") === user) return;
  for (const key of Object.keys(localStorage)) if (key.startsWith("bt.")) localStorage.removeItem(key);
  localStorage.setItem("bt.owner", user);
}

export async function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const current = tokens();
      if (!current) throw new ApiError(401, null);
      const response = await fetch("/api/v1/auth/token/refresh", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({refresh: current.refresh}),
      });
      if (!response.ok) { setTokens(null); throw new ApiError(401, null); }
      const body = await response.json();
      setTokens({access: body.access, refresh: body.refresh || current.refresh});
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

// fetch() with the bearer token; one refresh and retry on 401. Returns the Response.
export async function authFetch(path, options = {}, retry = true) {
  if (refreshing) await refreshing.catch(() => {});
  const current = tokens();
  const headers = new Headers(options.headers || {});
  if (current) headers.set("Authorization", "Bearer " + current.access);
  const response = await fetch(path, {...options, headers});
  if (response.status === 401 && retry && current) {
    try { await refresh(); } catch { return response; }
    return authFetch(path, options, false);
  }
  if (response.status === 401) { setTokens(null); }
  return response;
}

// JSON call: returns the parsed body, or throws ApiError with the API's error shape.
export async function api(method, path, body) {
  const options = {method, headers: {}};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await authFetch("/api/v1/" + path, options);
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  if (response.status === 401 && !signedIn()) {
    // The session ended (signed out elsewhere, or the refresh token expired): sign in again.
    location.assign("/app/signin/?next=" + encodeURIComponent(location.pathname + location.search));
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export async function signIn(email, password, otp) {
  const body = {email, password};
  if (otp) body.otp = otp;
  const response = await fetch("/api/v1/auth/token", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  const parsed = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, parsed);
  setTokens({access: parsed.access, refresh: parsed.refresh});
  keepOnlyFor(currentUser());
}

export async function signOut() {
  const current = tokens();
  if (current) {
    try { await api("POST", "auth/logout", {refresh: current.refresh}); } catch { /* gone */ }
  }
  setTokens(null);
  localStorage.removeItem("bt.programme");
}

// Everything in pages of a list endpoint (the lists a patient sees are short).
export async function all(path) {
  const items = [];
  let page = 1;
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const body = await api("GET", `${path}${sep}page=${page}&page_size=200`);
    items.push(...body.results);
    if (!body.next) return items;
    page += 1;
  }
}

// A message for a failed call, in plain words, with the field errors if any.
export function explain(error) {
  if (!(error instanceof ApiError)) {
    return navigator.onLine === false
      ? "You are offline. Try again when you have a connection."
      : "Something went wrong. Please try again.";
  }
  const flat = (value) => (Array.isArray(value) ? value.map(flat).join(" ")
    : value && typeof value === "object" ? Object.values(value).map(flat).join(" ")
      : String(value));
  return [error.message, flat(error.details || {})].filter(Boolean).join(" ");
}
