// PKB's appointment request subject: "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency".
// The date and time are the appointment start's Europe/London wall-clock; the part after " - " is its subject
// (FHIR appointmentType display, HL7 SCH-7.2), which may itself contain " - ".

import { DateTime } from "luxon";

/** The time zone PKB renders request subjects in (assumed; see shared/pkb-api.md). */
export const UK_ZONE = "Europe/London";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

/** A wall-clock moment: month 1-12, day 1-31, weekday 1 (Monday) - 7 (Sunday), hour 0-23, minute 0-59. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

/** English full weekday name for ISO weekday 1 (Monday) - 7 (Sunday). */
export function weekdayName(weekday: number): string {
  const name = WEEKDAYS[weekday - 1];
  if (name === undefined) throw new Error(`weekdayName: bad weekday ${weekday}`);
  return name;
}

/** English full month name for month 1-12. */
export function monthName(month: number): string {
  const name = MONTHS[month - 1];
  if (name === undefined) throw new Error(`monthName: bad month ${month}`);
  return name;
}

/** "Sunday 14 September 2025 12:00am": the wall-clock as PKB renders it (day unpadded, 12-hour h:mm, am/pm). */
export function formatWallClock(w: WallClock): string {
  const h12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  const mm = String(w.minute).padStart(2, "0");
  const ampm = w.hour < 12 ? "am" : "pm";
  return `${weekdayName(w.weekday)} ${w.day} ${monthName(w.month)} ${w.year} ${h12}:${mm}${ampm}`;
}

/** Subject for a request given the appointment start's UK wall-clock and its appointmentType. */
export function formatSubjectFromWallClock(kind: "change" | "cancel", w: WallClock, appointmentType: string): string {
  const subject = `Request to ${kind} appointment: ${formatWallClock(w)} - ${appointmentType}`;
  subject.charCodeAt(0); // flatten: the generator keeps 100k of these
  return subject;
}

/**
 * PKB's request subject for an appointment starting at `startUtcIso` (ISO 8601 instant; UTC when it has no
 * offset; rendered as the Europe/London wall-clock, minutes precision) with subject `appointmentType`. Throws on an invalid instant.
 */
export function formatRequestSubject(kind: "change" | "cancel", startUtcIso: string, appointmentType: string): string {
  const dt = DateTime.fromISO(startUtcIso, { zone: "utc" }).setZone(UK_ZONE);
  if (!dt.isValid) throw new Error(`formatRequestSubject: invalid instant "${startUtcIso}"`);
  const w: WallClock = {
    year: dt.year,
    month: dt.month,
    day: dt.day,
    weekday: dt.weekday,
    hour: dt.hour,
    minute: dt.minute,
  };
  return formatSubjectFromWallClock(kind, w, appointmentType);
}
