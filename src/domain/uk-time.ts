// The one entry point for "UK wall-clock → instant" and back. Appointments are written in Europe/London local time
// (GMT in winter, BST in summer); Rebook stores instants in UTC.
import { DateTime } from "luxon";

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

/** Converts a wall-clock time in `zone` to a UTC instant; `issue` says when the conversion was not one-to-one. */
export function wallClockToInstant(w: WallClock, zone = UK_ZONE): { instant: Date; issue: WallClockIssue | null } {
  const dt = DateTime.fromObject(w, { zone });
  if (!dt.isValid) throw new RangeError(`Not a date: ${JSON.stringify(w)} (${dt.invalidExplanation ?? ""})`);
  const back = dt.toObject();
  if (back.hour !== w.hour || back.minute !== w.minute || back.day !== w.day) {
    return { instant: dt.toJSDate(), issue: "gap" };
  }
  // Repeated hour: the same dial time an hour away (on the other offset) is valid too. Take the earlier one.
  const same = (d: DateTime): boolean => d.hour === w.hour && d.minute === w.minute && d.day === w.day;
  const earlier = dt.minus({ hours: 1 });
  if (same(earlier)) return { instant: earlier.toJSDate(), issue: "repeated" };
  return { instant: dt.toJSDate(), issue: same(dt.plus({ hours: 1 })) ? "repeated" : null };
}

/** Every instant a wall-clock time can mean in `zone`: one normally, two in the repeated autumn hour. */
export function wallClockInstants(w: WallClock, zone = UK_ZONE): Date[] {
  const { instant, issue } = wallClockToInstant(w, zone);
  return issue === "repeated" ? [instant, new Date(instant.getTime() + 3_600_000)] : [instant];
}

/** The wall-clock time of an instant in `zone`. */
export function instantToWallClock(instant: Date, zone = UK_ZONE): WallClock {
  const dt = DateTime.fromJSDate(instant, { zone });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute };
}

/** The local calendar date (YYYY-MM-DD) of an instant in `zone`. */
export function localDate(instant: Date, zone = UK_ZONE): string {
  return DateTime.fromJSDate(instant, { zone }).toISODate()!;
}

/** Formats an instant for staff: "Sun 14 Sep 2025, 00:00 (BST)". */
export function formatUkDateTime(instant: Date, zone = UK_ZONE): string {
  const dt = DateTime.fromJSDate(instant, { zone }).setLocale("en-GB");
  return `${dt.toFormat("ccc d LLL yyyy, HH:mm")} (${dt.offsetNameShort ?? dt.toFormat("ZZ")})`;
}
