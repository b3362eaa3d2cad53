// Report bucketing in local calendar time: a request belongs to the local day, ISO week (Monday first) or month of
// `zone` (Europe/London) it was received in. Local dates are 'YYYY-MM-DD' text; instants are Dates (UTC). A local day
// is 23 hours on the spring clock change and 25 on the autumn one, so bucket ends are computed from local midnights,
// never by adding 24 hours. Pure: the zone is an argument, nothing reads the host's zone or clock.
import { DateTime } from "luxon";
import { localDate, offsetMs, wallClockToInstant } from "./uk-time.ts";

/** Report bucket sizes. */
export const BUCKET_UNITS = ["day", "week", "month"] as const;
export type BucketUnit = (typeof BUCKET_UNITS)[number];

/** A local calendar date, 'YYYY-MM-DD'. */
export type LocalDate = string;

/** One bucket of a report range: a local calendar period, clipped to the range. */
export interface Bucket {
  /** The local date the whole calendar period starts on (the day, the ISO week's Monday, the month's 1st). */
  key: LocalDate;
  /** First local date of the bucket inside the range (inclusive). */
  from: LocalDate;
  /** Last local date of the bucket inside the range (inclusive). */
  to: LocalDate;
  /** Instant `from` starts at in the zone (inclusive). */
  start: Date;
  /** Instant the day after `to` starts at in the zone (exclusive). */
  end: Date;
}

// Calendar arithmetic on dates alone: done on UTC milliseconds, where every day has 24 hours and no zone can shift a
// date (plain integer arithmetic: a year of day buckets costs microseconds, not a date library's parsing).
const DAY_MS = 86_400_000;
const parse = (d: LocalDate): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return text(ms) === d ? ms : null;
};
const asDate = (d: LocalDate): number => {
  const ms = parse(d);
  if (ms === null) throw new RangeError(`Not a local date (YYYY-MM-DD): ${d}`);
  return ms;
};
const text = (ms: number): LocalDate => new Date(ms).toISOString().slice(0, 10);

/** True for a real calendar date written 'YYYY-MM-DD'. */
export function isLocalDate(d: string): boolean {
  return parse(d) !== null;
}

/** `d` plus `n` calendar days. */
export function addDays(d: LocalDate, n: number): LocalDate {
  return text(asDate(d) + n * DAY_MS);
}

/** `d` plus `n` calendar years (29 February becomes 28 February in a common year). */
export function addYears(d: LocalDate, n: number): LocalDate {
  const dt = new Date(asDate(d));
  const year = dt.getUTCFullYear() + n;
  const month = dt.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return text(Date.UTC(year, month, Math.min(dt.getUTCDate(), lastDay)));
}

/** The key of the bucket holding local date `d`: `d` itself, the Monday of its ISO week, or the 1st of its month. */
export function bucketStartDate(d: LocalDate, unit: BucketUnit): LocalDate {
  const ms = asDate(d);
  if (unit === "day") return d;
  if (unit === "week") return text(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
  return `${d.slice(0, 7)}-01`;
}

/** The first local date after the bucket that starts on `key`. */
function nextBucketStart(key: LocalDate, unit: BucketUnit): LocalDate {
  const ms = asDate(key);
  if (unit === "day") return text(ms + DAY_MS);
  if (unit === "week") return text(ms + 7 * DAY_MS);
  const dt = new Date(ms);
  return text(Date.UTC(dt.getUTCFullYear(), dt.getUTCMonth() + 1, 1));
}

/** The key (local start date) of the `unit` bucket that `instant` falls in, in `zone`. */
export function bucketKey(instant: Date, unit: BucketUnit, zone: string): LocalDate {
  return bucketStartDate(localDate(instant, zone), unit);
}

/** The wall clock of an instant in `zone`, read as if it were UTC (so wall − instant is the offset). */
const wallClockMs = (instantMs: number, zone: string): number => instantMs + offsetMs(instantMs, zone);

// Local midnights already worked out, by zone and date (a year of day buckets asks for each twice).
const dayStarts = new Map<string, number>();

/** The instant local date `d` begins in `zone` (its first moment, even when a clock change falls at midnight). */
export function localDayStart(d: LocalDate, zone: string): Date {
  const key = `${zone} ${d}`;
  let ms = dayStarts.get(key);
  if (ms === undefined) {
    if (dayStarts.size >= 100_000) dayStarts.clear();
    ms = computeDayStart(d, zone);
    dayStarts.set(key, ms);
  }
  return new Date(ms);
}

function computeDayStart(d: LocalDate, zone: string): number {
  const wall = asDate(d);
  // Midnight at the offset in force then: two readings of the offset settle it, unless midnight is in a gap or is
  // repeated (zones that change their clocks at midnight; never the UK's), which the general conversion handles.
  const guess = wall - (wallClockMs(wall, zone) - wall);
  const t = wall - (wallClockMs(guess, zone) - guess);
  if (wallClockMs(t, zone) === wall && wallClockMs(t - 3_600_000, zone) < wall) return t;
  const dt = new Date(wall);
  return wallClockToInstant(
    { year: dt.getUTCFullYear(), month: dt.getUTCMonth() + 1, day: dt.getUTCDate(), hour: 0, minute: 0 },
    zone,
  ).instant.getTime();
}

/** The instants bounding local dates `from`..`to` (inclusive) in `zone`: [start, end). */
export function localRange(from: LocalDate, to: LocalDate, zone: string): { start: Date; end: Date } {
  if (from > to) throw new RangeError(`The range starts (${from}) after it ends (${to})`);
  return { start: localDayStart(from, zone), end: localDayStart(addDays(to, 1), zone) };
}

/**
 * Every bucket of local dates `from`..`to` (inclusive) in `zone`, oldest first, empty ones included: the first and
 * last are clipped to the range (a week or month may start before `from` or end after `to`).
 */
export function enumerateBuckets(from: LocalDate, to: LocalDate, unit: BucketUnit, zone: string): Bucket[] {
  if (from > to) throw new RangeError(`The range starts (${from}) after it ends (${to})`);
  const buckets: Bucket[] = [];
  for (let key = bucketStartDate(from, unit); key <= to; key = nextBucketStart(key, unit)) {
    const bFrom = key < from ? from : key;
    const next = nextBucketStart(key, unit);
    const bTo = next > to ? to : addDays(next, -1);
    buckets.push({
      key,
      from: bFrom,
      to: bTo,
      start: localDayStart(bFrom, zone),
      end: localDayStart(addDays(bTo, 1), zone),
    });
  }
  return buckets;
}

/** An instant as ISO 8601 local time in `zone` with its offset, to the second: "2025-10-26T01:30:00+01:00". */
export function localIso(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true })!;
}
