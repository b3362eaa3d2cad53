// The one entry point for "UK wall-clock → instant" and back. Appointments are written in Europe/London local time
// (GMT in winter, BST in summer); Rebook stores instants in UTC.

/** Rebook's zone for appointment times. */
export const UK_ZONE = "Europe/London";

/** A local date and time as written, with no zone attached. month 1–12, hour 0–23. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * Why a wall-clock time is not a plain single instant:
 * - "gap": it does not exist (the hour skipped when clocks go forward); the instant given is an hour later on the dial.
 * - "repeated": it happens twice (the hour repeated when clocks go back); the instant given is the first (BST) one.
 */
export type WallClockIssue = "gap" | "repeated";

// The zone's offset at an instant, from one cached Intl.DateTimeFormat per zone (the wall clock of the instant read as
// if it were UTC, minus the instant), memoised: zones change their offsets on the hour, the half or the quarter, so it
// is the same throughout a quarter hour, and on all but a day or two a year it is the same all day. The pipeline
// converts every candidate's start, and Luxon building a DateTime for each was 15% of its CPU; this is the same
// arithmetic without the objects.
const QUARTER_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const wallFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * A function of (instant, zone) memoised per zone and period: `of(periodStartMs, zone)` is computed once for each
 * period asked about (at most 50,000 a zone are kept; never undefined, which marks "not yet").
 */
function perPeriod<T extends NonNullable<unknown> | null>(
  periodMs: number,
  of: (periodStartMs: number, zone: string) => T,
): (instantMs: number, zone: string) => T {
  const byZone = new Map<string, Map<number, T>>();
  return (instantMs, zone) => {
    let byPeriod = byZone.get(zone);
    if (!byPeriod) {
      byPeriod = new Map();
      byZone.set(zone, byPeriod);
    }
    const period = Math.floor(instantMs / periodMs);
    const known = byPeriod.get(period);
    if (known !== undefined) return known;
    if (byPeriod.size >= 50_000) byPeriod.clear();
    const value = of(period * periodMs, zone);
    byPeriod.set(period, value);
    return value;
  };
}

/** A UTC day whose quarter hours do not all share one value: each is looked up on its own. */
const MIXED: unique symbol = Symbol("mixed");

/**
 * A function of (instant, zone) that changes only at a clock change, memoised per UTC day when its first and last
 * quarter hours agree, else per quarter hour. Right for every zone that never changes its offset and back again
 * within one UTC day (the UK's clocks change twice a year, months apart). A year of appointments
 * then costs a few hundred `of` calls, where one per quarter hour cost one for nearly every candidate's start.
 */
function perClockPeriod<T extends NonNullable<unknown> | null>(
  of: (quarterStartMs: number, zone: string) => T,
): (instantMs: number, zone: string) => T {
  const perQuarter = perPeriod(QUARTER_MS, of);
  const perDay = perPeriod(DAY_MS, (dayStart, zone): { value: T } | typeof MIXED => {
    const first = perQuarter(dayStart, zone);
    return first === perQuarter(dayStart + DAY_MS - QUARTER_MS, zone) ? { value: first } : MIXED;
  });
  return (instantMs, zone) => {
    const day = perDay(instantMs, zone);
    return day === MIXED ? perQuarter(instantMs, zone) : day.value;
  };
}

/** The wall clock of `instantMs` in `zone`, as milliseconds of the same dial time in UTC. */
function wallMs(instantMs: number, zone: string): number {
  return instantMs + offsetMs(instantMs, zone);
}

/** The offset of `zone` from UTC at an instant, ms (BST: +3,600,000). */
export const offsetMs: (instantMs: number, zone: string) => number = perClockPeriod(
  (start, zone) => dialMs(start, zone) - start,
);

function dialMs(instantMs: number, zone: string): number {
  let f = wallFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    wallFormatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(instantMs)) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The dial time of a wall clock as UTC milliseconds; RangeError when it is not a date (30 February, hour 24). */
function dialOf(w: WallClock): number {
  const ms = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const d = new Date(ms);
  const valid =
    Number.isInteger(w.year) &&
    Number.isInteger(w.minute) &&
    d.getUTCFullYear() === w.year &&
    d.getUTCMonth() === w.month - 1 &&
    d.getUTCDate() === w.day &&
    d.getUTCHours() === w.hour &&
    d.getUTCMinutes() === w.minute;
  if (!valid) throw new RangeError(`Not a date: ${JSON.stringify(w)}`);
  return ms;
}

/** Converts a wall-clock time in `zone` to a UTC instant; `issue` says when the conversion was not one-to-one. */
export function wallClockToInstant(w: WallClock, zone = UK_ZONE): { instant: Date; issue: WallClockIssue | null } {
  const dial = dialOf(w);
  // The offsets in force a day either side cover any clock change near this time.
  const before = offsetMs(dial - DAY_MS, zone);
  const after = offsetMs(dial + DAY_MS, zone);
  // Nearly always one offset all round: the time exists once (as below, without the arrays).
  const only = offsetMs(dial, zone);
  if (before === after && after === only && wallMs(dial - only, zone) === dial) {
    return { instant: new Date(dial - only), issue: null };
  }
  const fits = [...new Set([before, after, only])]
    .map((o) => dial - o)
    .filter((t) => wallMs(t, zone) === dial)
    .sort((a, b) => a - b);
  // Repeated (clocks go back): the earlier instant, on the summer offset.
  if (fits.length > 1) return { instant: new Date(fits[0]!), issue: "repeated" };
  if (fits.length === 1) return { instant: new Date(fits[0]!), issue: null };
  // Skipped (clocks go forward): read with the offset before the change, which is later on the dial.
  return { instant: new Date(dial - before), issue: "gap" };
}

/** Every instant a wall-clock time can mean in `zone`: one normally, two in the repeated autumn hour. */
export function wallClockInstants(w: WallClock, zone = UK_ZONE): Date[] {
  const { instant, issue } = wallClockToInstant(w, zone);
  return issue === "repeated" ? [instant, new Date(instant.getTime() + 3_600_000)] : [instant];
}

/** The wall-clock time of an instant in `zone`. */
export function instantToWallClock(instant: Date, zone = UK_ZONE): WallClock {
  const d = new Date(wallMs(instant.getTime(), zone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** The local calendar date (YYYY-MM-DD) of an instant in `zone`. */
export function localDate(instant: Date, zone = UK_ZONE): string {
  return isoDate(wallMs(instant.getTime(), zone));
}

/** YYYY-MM-DD of a UTC millisecond time (a dial time read as UTC, or an instant's UTC date). */
export function isoDate(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const year =
    y >= 0 && y <= 9999 ? String(y).padStart(4, "0") : (y < 0 ? "-" : "+") + String(Math.abs(y)).padStart(6, "0");
  return `${year}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")}`;
}

/** The same UK wall-clock time `days` calendar days later (earlier when negative), as an instant. */
export function plusLocalDays(instant: Date, days: number, zone = UK_ZONE): Date {
  const w = instantToWallClock(instant, zone);
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  const { instant: first, issue } = wallClockToInstant(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: w.hour, minute: w.minute },
    zone,
  );
  // In a repeated hour, the reading on the offset the instant had (as Luxon does), else the first.
  const second = first.getTime() + 3_600_000;
  const keep = issue === "repeated" && offsetMs(second, zone) === offsetMs(instant.getTime(), zone);
  const moved = keep ? second : first.getTime();
  const seconds = ((instant.getTime() % 60_000) + 60_000) % 60_000; // the wall clock holds minutes
  return new Date(moved + seconds);
}

const labelFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's short name at an instant ("GMT", "BST"), memoised as the offsets are (it changes with them): reading it
 * through `formatToParts` was most of a label's cost, and the pipeline labels every candidate's start.
 */
const zoneName = perClockPeriod((start, zone): string | null => {
  let f = labelFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "short" });
    labelFormatters.set(zone, f);
  }
  return f.formatToParts(start).find((p) => p.type === "timeZoneName")?.value ?? null;
});

/** The date of a dial time (a wall clock read as UTC) as staff read it: "Sun 14 Sep 2025". */
const dayOfDial = (dial: Date): string =>
  `${WEEKDAYS[dial.getUTCDay()]} ${dial.getUTCDate()} ${MONTHS[dial.getUTCMonth()]} ${dial.getUTCFullYear()}`;

/** Formats an instant for staff: "Sun 14 Sep 2025, 00:00 (BST)". */
export function formatUkDateTime(instant: Date, zone = UK_ZONE): string {
  const dial = new Date(wallMs(instant.getTime(), zone));
  const name = zoneName(instant.getTime(), zone);
  const pad = (n: number) => String(n).padStart(2, "0");
  const when = `${dayOfDial(dial)}, ${pad(dial.getUTCHours())}:${pad(dial.getUTCMinutes())}`;
  return `${when} (${name ?? offsetLabel(offsetMs(instant.getTime(), zone))})`;
}

/** A calendar date (month 1–12) for staff, as formatUkDateTime writes its date: "Sun 28 Mar 2027". */
export function formatUkDate(date: Pick<WallClock, "year" | "month" | "day">): string {
  return dayOfDial(new Date(Date.UTC(date.year, date.month - 1, date.day)));
}

/**
 * A short form for history rows and checks: "Mon 12 Oct 16:00" in `zone`, with the year ("Fri 1 Jan 2027 00:30") when
 * it is not `now`'s year there, and the zone's name ("Sun 25 Oct 01:30 BST") when the time is in the hour the clocks
 * repeat (01:30 on the last Sunday of October happens twice). Luxon did this for every "appointment passed" mark the
 * pipeline writes, 1.5% of its thread (issue 11); the same arithmetic as formatUkDateTime.
 */
export function formatShortUk(instant: Date, now: Date, zone = UK_ZONE): string {
  const ms = instant.getTime();
  const dial = new Date(wallMs(ms, zone));
  const year = dial.getUTCFullYear();
  const thisYear = new Date(wallMs(now.getTime(), zone)).getUTCFullYear();
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${WEEKDAYS[dial.getUTCDay()]} ${dial.getUTCDate()} ${MONTHS[dial.getUTCMonth()]}`;
  const text = `${date}${year === thisYear ? "" : ` ${yearText(year)}`} ${pad(dial.getUTCHours())}:${pad(dial.getUTCMinutes())}`;
  // Repeated: an hour earlier or later reads the same minute on the dial.
  const minute = (t: number) => Math.floor(wallMs(t, zone) / 60_000);
  const repeated = minute(ms - 3_600_000) === minute(ms) || minute(ms + 3_600_000) === minute(ms);
  return repeated ? `${text} ${zoneName(ms, zone) ?? offsetLabel(offsetMs(ms, zone))}` : text;
}

/** A year as Luxon's "yyyy" writes it: at least four digits. */
const yearText = (y: number): string => (y < 0 ? "-" : "") + String(Math.abs(y)).padStart(4, "0");

// The en-GB names as this runtime's Intl gives them ("Sept" with recent ICU), as Luxon's "ccc" and "LLL" gave them.
const names = (options: Intl.DateTimeFormatOptions, dates: number[]): string[] => {
  const f = new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" });
  return dates.map((ms) => f.format(ms));
};
const WEEKDAYS = names(
  { weekday: "short" },
  [0, 1, 2, 3, 4, 5, 6].map((d) => Date.UTC(2023, 0, 1 + d)),
); // from a Sunday
const MONTHS = names(
  { month: "short" },
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((m) => Date.UTC(2023, m, 15)),
);

/** "+01:00" for an offset in ms. */
function offsetLabel(ms: number): string {
  const m = Math.abs(ms) / 60_000;
  return `${ms < 0 ? "-" : "+"}${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
