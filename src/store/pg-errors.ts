// Recognising PostgreSQL errors by SQLSTATE (never by message text). Both engines put the code and the constraint on
// the error object.

/** The constraint or index a unique violation (SQLSTATE 23505) hit, or null when `err` is not one. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  if (!e || e.code !== "23505") return null;
  return typeof e.constraint === "string" ? e.constraint : "";
}

// SQLSTATE classes that say nothing about the data being written: connection trouble (08), a rolled-back transaction
// (40: serialization failure, deadlock), resources (53), object state such as a lock timeout (55), an operator or
// cancel (57), system (58), internal (XX).
const NOT_ABOUT_THE_DATA = /^(08|40|53|55|57|58|XX)/;

/**
 * True when `err` is about the store or the moment (it would succeed on a retry) rather than about the data written:
 * such an error must fail the work, never set the data aside as bad. Node's system errors (ECONNRESET, …) count.
 */
export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  if (/^E[A-Z]+$/.test(code)) return true;
  return /^[0-9A-Z]{5}$/.test(code) && NOT_ABOUT_THE_DATA.test(code);
}

/** The first line of what an error says (its message, or what was thrown), at most `max` characters: never a stack. */
export function errorFirstLine(err: unknown, max: number): string {
  const message = (err as { message?: unknown } | null | undefined)?.message;
  const text = typeof message === "string" && message ? message : String(err);
  return text.split("\n")[0]!.slice(0, max);
}
