// Recognising PostgreSQL errors by SQLSTATE (never by message text), and an error's text made fit to keep. Both engines
// put the code and the constraint on the error object.

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

// Words after which PostgreSQL quotes a name from the schema (a constraint, relation, column, …), never a value: such a
// quoted name is kept when it is one identifier, as it says which rule a message broke.
const NAMED =
  /\b((?:constraint|relation|column|table|index|encoding|type|enum|function|schema|sequence|trigger|view|domain|policy|statement|parameter|role|database|extension|collation|operator|savepoint|cursor) "[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*")/;
const NAMED_SPLIT = new RegExp(NAMED.source, "g");

/** One line with its quoted values replaced (see withoutQuotedValues). */
function lineWithoutValues(line: string): string {
  const text = line
    // A unique violation's detail: "Key (note)=(<the values>) already exists."
    .replace(/\)=\(.*\)/, ")=(…)")
    .replace(/\)=\([^)]*$/, ")=(…)")
    // A failing row's detail: "Failing row contains (<the row>)."
    .replace(/(Failing row contains )\(.*\)/, "$1(…)")
    .replace(/(Failing row contains )\([^)]*$/, "$1(…)");
  // Quoted names stay (odd parts of the split); everything from the first other double quote to the last one is a
  // value, or several: PostgreSQL does not escape a double quote inside a value, so nothing between them is kept.
  const parts = text.split(NAMED_SPLIT);
  const free = (i: number) => i % 2 === 0;
  const first = parts.findIndex((p, i) => free(i) && p.includes('"'));
  if (first >= 0) {
    const last = parts.findLastIndex((p, i) => free(i) && p.includes('"'));
    const head = parts[first]!.slice(0, parts[first]!.indexOf('"'));
    const tailFrom = parts[last]!.lastIndexOf('"');
    const closed = first !== last || parts[first]!.indexOf('"') !== tailFrom;
    const tail = closed ? parts[last]!.slice(tailFrom + 1) : "";
    parts.splice(first, last - first + 1, `${head}"…"${tail}`);
  }
  // The bytes of an invalid byte sequence ("0xe2 0x80") are bytes of the text.
  return parts.join("").replace(/\b0x[0-9a-fA-F]{2}(?: 0x[0-9a-fA-F]{2})*/g, "…");
}

/**
 * `text` (an error's message or detail) without the values PostgreSQL quotes from the data it refused, which may be a
 * piece of a patient's message: each double-quoted value becomes "…" (`invalid input syntax for type uuid: "…"`,
 * `value "…" is out of range for type integer`), as do a unique violation's key values (`Key (note)=(…) already
 * exists.`), a failing row (`Failing row contains (…).`) and the bytes of an invalid byte sequence. The quoted names
 * of constraints, relations, columns and the like stay (`violates check constraint "held_c_check"`). Text a trigger
 * raises is kept as it is worded: only what it quotes goes.
 */
export function withoutQuotedValues(text: string): string {
  return text.split("\n").map(lineWithoutValues).join("\n");
}
