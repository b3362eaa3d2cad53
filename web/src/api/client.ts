// The one way the web app talks to Rebook's API: same-origin fetch with the session cookie, the session's CSRF token and
// this tab's id on every state-changing call, errors as ApiError (stable `code`, a message safe to show), and a
// session-ended signal on 401 so the app can send the person to sign in and bring them back.

/** An API failure: HTTP status, the server's stable code and its message (safe to show). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: { path: string; message: string }[] = [],
    readonly retryAfterSeconds: number | null = null,
    /** More about some errors, e.g. `holder` ({id, displayName}) for held_by_other. */
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken: string | null = null;
const sessionEndedListeners = new Set<() => void>();

/** Remembers the session's CSRF token (from sign-in or /api/auth/me). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called whenever the API says the session has ended (401 on anything but sign-in). */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

const SAFE = new Set(["GET", "HEAD"]);

/**
 * This browser tab's id (random, new each time the app is opened), sent with every write as x-rebook-tab: the live
 * event of a change names the tab it was made from, and that tab, which loaded the change after its answer, does not
 * load it again. (getRandomValues, not randomUUID: it works on a page served over plain http too.)
 */
export const TAB_ID: string = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
  b.toString(16).padStart(2, "0"),
).join("");

async function toError(res: Response): Promise<ApiError> {
  const retryAfter = Number(res.headers.get("retry-after"));
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const e = (
    body as {
      error?: {
        code?: string;
        message?: string;
        problems?: { path: string; message: string }[];
        details?: Record<string, unknown>;
      };
    }
  )?.error;
  const fallback =
    res.status >= 500
      ? "Rebook could not do that just now. Try again in a moment."
      : res.status === 404
        ? "That could not be found."
        : "That could not be done.";
  return new ApiError(
    res.status,
    e?.code ?? (res.status === 404 ? "not_found" : "http_" + String(res.status)),
    e?.message ?? fallback,
    e?.problems ?? [],
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    e?.details ?? null,
  );
}

export interface CallOptions {
  /** Do not treat a 401 as the end of the session (sign-in, the first /me). */
  quiet401?: boolean;
  signal?: AbortSignal;
}

/** Calls the API; resolves with the JSON body (undefined for 204), rejects with ApiError. */
export async function api<T>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  try {
    return await call<T>(method, path, body, opts);
  } catch (err) {
    // The session's CSRF token changed (signed in again in another tab): fetch the current one and try once more.
    if (!(err instanceof ApiError) || err.code !== "csrf_failed") throw err;
    const me = await call<{ csrfToken: string }>("GET", "/api/auth/me", undefined, opts);
    setCsrfToken(me.csrfToken);
    return call<T>(method, path, body, opts);
  }
}

async function call<T>(method: string, path: string, body: unknown, opts: CallOptions): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (!SAFE.has(method) && csrfToken) headers["x-csrf-token"] = csrfToken;
  if (!SAFE.has(method)) headers["x-rebook-tab"] = TAB_ID;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", "Rebook cannot be reached. Check your connection and try again.");
  }
  if (res.status === 401 && !opts.quiet401) {
    for (const l of sessionEndedListeners) l();
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("json")) return (await res.text()) as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, opts?: CallOptions): Promise<T> => api<T>("GET", path, undefined, opts);
export const post = <T>(path: string, body?: unknown, opts?: CallOptions): Promise<T> =>
  api<T>("POST", path, body ?? {}, opts);
export const put = <T>(path: string, body?: unknown): Promise<T> => api<T>("PUT", path, body ?? {});
export const patch = <T>(path: string, body?: unknown): Promise<T> => api<T>("PATCH", path, body ?? {});
export const del = <T>(path: string): Promise<T> => api<T>("DELETE", path);

/** A query string from a record, skipping empty values; arrays repeat the key. */
export function qs(params: Record<string, string | string[] | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, x);
    else u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : "";
}
