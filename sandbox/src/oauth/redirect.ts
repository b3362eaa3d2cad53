// redirect_uri rules of PKB's authorize endpoint: it must be one of the client's registered URIs, to which extra
// query parameters may be added; it may be omitted only when a single URI is registered.

/** The redirect URI to use, or an error message for the error page (never redirect to an unchecked URI). */
export type RedirectChoice = { ok: true; sent: string | null; use: string } | { ok: false; message: string };

/** True when `candidate` is `registered` with, at most, extra query parameters added (no fragment). */
export function matchesRegistered(candidate: string, registered: string): boolean {
  if (!URL.canParse(candidate) || candidate.includes("#")) return false;
  const c = new URL(candidate);
  const r = new URL(registered);
  if (c.protocol !== r.protocol || c.host !== r.host || c.pathname !== r.pathname) return false;
  if (c.username !== r.username || c.password !== r.password) return false;
  for (const [k, v] of r.searchParams) if (!c.searchParams.getAll(k).includes(v)) return false;
  return true;
}

/** Chooses the redirect URI for an authorization request. */
export function chooseRedirect(sent: string | undefined, registered: readonly string[]): RedirectChoice {
  if (sent === undefined || sent === "") {
    const only = registered.length === 1 ? registered[0] : undefined;
    if (only === undefined)
      return { ok: false, message: "redirect_uri is required: this client has several registered" };
    return { ok: true, sent: null, use: only };
  }
  if (!registered.some((r) => matchesRegistered(sent, r))) {
    return { ok: false, message: "redirect_uri is not registered for this client" };
  }
  return { ok: true, sent, use: sent };
}

/** `uri` with the given query parameters set (undefined values skipped). */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}
