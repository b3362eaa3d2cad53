// Where to go after signing in: only a path on this site (never another origin, never the sign-in page itself).

/** A safe in-app path from `raw`, else the worklist. */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/requests";
  if (raw.startsWith("/sign-in") || raw.startsWith("/api/")) return "/requests";
  return raw;
}
