// Report bucketing in local calendar time: a request belongs to the local day, ISO week (Monday first) or month of
// `zone` (Europe/London) it was received in. Local dates are 'YYYY-MM-DD' text; instants are Dates (UTC). A local day
// is 23 hours on the spring clock change and 25 on the autumn one, so bucket ends are computed from local midnights,
// never by adding 24 hours. Pure: the zone is an argument, nothing reads the host's zone or clock.
import { DateTime } from "luxon";
import { localDate, wallClockToInstant } from "./uk-time.ts";

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

// Calendar arithmetic on dates alone: done in UTC, where every day has 24 hours and no zone can shift a date.
const asDate = (d: LocalDate): DateTime => {
  const dt = DateTime.fromISO(d, { zone: "utc" });
  if (!dt.isValid || dt.toISODate() !== d) throw new RangeError(`Not a local date (YYYY-MM-DD): ${d}`);
  return dt;
};
const text = (dt: DateTime): LocalDate => dt.toISODate()!;

/** True for a real calendar date written 'YYYY-MM-DD'. */
export function isLocalDate(d: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return false;
  const dt = DateTime.fromISO(d, { zone: "utc" });
  return dt.isValid && dt.toISODate() === d;
}

/** `d` plus `n` calendar days. */
export function addDays(d: LocalDate, n: number): LocalDate {
  return text(asDate(d).plus({ days: n }));
}

/** `d` plus `n` calendar years (29 February becomes 28 February in a common year). */
export function addYears(d: LocalDate, n: number): LocalDate {
  return text(asDate(d).plus({ years: n }));
}

/** The key of the bucket holding local date `d`: `d` itself, the Monday of its ISO week, or the 1st of its month. */
export function bucketStartDate(d: LocalDate, unit: BucketUnit): LocalDate {
  const dt = asDate(d);
  if (unit === "day") return d;
  if (unit === "week") return text(dt.minus({ days: dt.weekday - 1 }));
  return text(dt.startOf("month"));
}

/** The first local date after the bucket that starts on `key`. */
function nextBucketStart(key: LocalDate, unit: BucketUnit): LocalDate {
  const dt = asDate(key);
  return text(unit === "day" ? dt.plus({ days: 1 }) : unit === "week" ? dt.plus({ weeks: 1 }) : dt.plus({ months: 1 }));
}

/** The key (local start date) of the `unit` bucket that `instant` falls in, in `zone`. */
export function bucketKey(instant: Date, unit: BucketUnit, zone: string): LocalDate {
  return bucketStartDate(localDate(instant, zone), unit);
}

/** The instant local date `d` begins in `zone` (its first moment, even when a clock change falls at midnight). */
export function localDayStart(d: LocalDate, zone: string): Date {
  const dt = asDate(d);
  return wallClockToInstant({ year: dt.year, month: dt.month, day: dt.day, hour: 0, minute: 0 }, zone).instant;
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
