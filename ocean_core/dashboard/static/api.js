// The JSON API, called with the token of the tab's session like any other client.

export const ROOT = document.body.dataset.root || "";
const TOKEN_KEY = "ocean_core.token";

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  onRefused: () => {}, // set by the page: a 401 with the session's token logs out
  keep(token) { this.token = token; sessionStorage.setItem(TOKEN_KEY, token); },
  forget() { this.token = null; sessionStorage.removeItem(TOKEN_KEY); },
};

export async function api(method, path, token = session.token) {
  let response;
  try {
    response = await fetch(ROOT + path, {
      method, cache: "no-store", headers: { Authorization: `Bearer ${token}` },
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
    if (response.status === 401 && token === session.token && session.token) {
      session.onRefused("The server refused the token: log in again.");
    }
    throw new ApiError(response.status, `${response.status}: ${detail}`);
  }
  return body;
}

// "/api/x?a=1&b=2" without the parameters that are empty.
export function query(path, params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
