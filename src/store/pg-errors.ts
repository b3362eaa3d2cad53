// Recognising PostgreSQL errors by SQLSTATE (never by message text). Both engines put the code and the constraint on
// the error object.

/** The constraint or index a unique violation (SQLSTATE 23505) hit, or null when `err` is not one. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (!e || e.code !== "23505") return null;
  return typeof e.constraint === "string" ? e.constraint : "";
}
