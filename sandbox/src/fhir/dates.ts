// FHIR R4 `date` search parameter values and prefixes, matched against Appointment.start (an instant).
// A value is a range [lo, hi) at its precision: YYYY, YYYY-MM, YYYY-MM-DD (UTC days: values without an offset are
// read as UTC, the emulator's "server time zone"), or a dateTime to the minute, second or millisecond.

/** FHIR search prefixes for dates (ap is not supported). */
export type DatePrefix = "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb";

/** A parsed date criterion: the search value as the epoch-ms range [lo, hi). */
export interface DateCriterion {
  prefix: DatePrefix;
  lo: number;
  hi: number;
}

const PREFIXES: readonly DatePrefix[] = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"];
const VALUE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function num(s: string | undefined, fallback: number): number {
  return s === undefined ? fallback : Number(s);
}

/** Parses one `date` parameter value like "ge2025-10-25" or "2025-10-25T13:30:00+01:00"; an error message if bad. */
export function parseDateParam(raw: string): DateCriterion | { error: string } {
  let prefix: DatePrefix = "eq";
  let text = raw.trim();
  const head = text.slice(0, 2);
  const p = PREFIXES.find((x) => x === head);
  if (p) {
    prefix = p;
    text = text.slice(2);
  } else if (/^[a-z]{2}/.test(text)) {
    return { error: `unsupported date prefix "${head}" (use eq, ne, gt, lt, ge, le, sa or eb)` };
  }
  const m = VALUE.exec(text);
  if (!m) {
    const hint = / \d{2}:\d{2}$/.test(text) ? ' (a "+" in a query string must be sent as %2B)' : "";
    return { error: `invalid date "${text}"${hint}` };
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = num(mo, 1);
  const day = num(d, 1);
  const hour = num(h, 0);
  const minute = num(mi, 0);
  const second = num(s, 0);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let lo = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(lo);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { error: `invalid date "${text}"` };
  }
  if (zone && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    lo -= offsetMin * 60_000;
  }
  let hi: number;
  if (mo === undefined) hi = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) hi = Date.UTC(year, month, 1);
  else if (h === undefined) hi = lo + 86_400_000;
  else if (s === undefined) hi = lo + 60_000;
  else if (frac === undefined) hi = lo + 1000;
  else hi = lo + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  return { prefix, lo, hi };
}

/** Whether an instant (epoch ms) satisfies the criterion, per FHIR R4 range semantics. */
export function matchesDate(c: DateCriterion, t: number): boolean {
  switch (c.prefix) {
    case "eq":
      return t >= c.lo && t < c.hi;
    case "ne":
      return t < c.lo || t >= c.hi;
    case "gt":
    case "sa":
      return t >= c.hi;
    case "lt":
    case "eb":
      return t < c.lo;
    case "ge":
      return t >= c.lo;
    case "le":
      return t < c.hi;
  }
}
