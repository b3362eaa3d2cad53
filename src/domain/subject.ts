// Parses PKB's appointment request subject, the only documented form being
//   "Request to change appointment: Sunday 14 September 2025 12:00am - Emergency"
// (and "cancel"): weekday, day, month name, year, 12-hour UK wall-clock time, " - ", the appointment's subject as it
// came from the trust's HL7 feed (which may itself contain " - ").
import { wallClockToInstant, type WallClock, type WallClockIssue } from "./uk-time.ts";

export type RequestType = "change" | "cancel";

/** A subject that parsed. `start` is the UTC instant of the UK wall-clock time; `warnings` are for a person. */
export interface ParsedSubject {
  ok: true;
  type: RequestType;
  wallClock: WallClock;
  start: Date;
  timeIssue: WallClockIssue | null;
  /** The appointment's subject text after " - " ("Emergency"); empty when PKB sent none. */
  appointmentSubject: string;
  warnings: string[];
}

/** Why a subject did not parse: `notRequest` = not an appointment request at all (an ordinary message). */
export interface UnparsedSubject {
  ok: false;
  notRequest: boolean;
  reason: string;
}

/** Index in `names` of a full name or an abbreviation of 3+ letters ("Sep", "Sept"), case-insensitive; -1 if none. */
const nameIndex = (names: string[], text: string): number => {
  const t = text.toLowerCase();
  return t.length < 3 ? -1 : names.findIndex((n) => n.startsWith(t));
};

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

// Tolerant of case, extra spaces, a missing weekday, "12.00am", "12:00 AM" and a missing " - subject".
const PREFIX = /^\s*(?:re:\s*|fw:\s*|fwd:\s*)*request\s+to\s+(change|cancel)\s+(?:an?\s+)?appointment\s*:?\s*(.*)$/i;
const WHEN =
  /^(?:([a-z]+),?\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\s+(\d{4}),?\s+(\d{1,2})[:.](\d{2})\s*([ap])\.?m\.?(?:\s*-\s*(.*))?\s*$/is;

/** True for a reply/forward subject ("Re: Request to change …"): a follow-up, not a new request. */
export function isReplySubject(subject: string): boolean {
  return /^\s*(re|fw|fwd)\s*:/i.test(subject);
}

/** Parses a PKB appointment-request subject. Never throws: anything it cannot read comes back as UnparsedSubject. */
export function parseRequestSubject(subject: string): ParsedSubject | UnparsedSubject {
  const prefix = PREFIX.exec(subject);
  if (!prefix) return { ok: false, notRequest: true, reason: "not an appointment change or cancel request" };
  const type = prefix[1]!.toLowerCase() as RequestType;
  const rest = prefix[2]!.trim();
  const m = WHEN.exec(rest);
  if (!m) return { ok: false, notRequest: false, reason: `could not read the appointment date and time in "${rest}"` };
  const [, weekdayText, dayText, monthText, yearText, hourText, minuteText, ampm, appointmentSubject] = m;
  const warnings: string[] = [];
  const month = nameIndex(MONTHS, monthText!);
  if (month < 0) return { ok: false, notRequest: false, reason: `unknown month "${monthText}"` };
  const day = Number(dayText);
  const year = Number(yearText);
  const hour12 = Number(hourText);
  const minute = Number(minuteText);
  if (hour12 < 1 || hour12 > 12 || minute > 59) {
    return { ok: false, notRequest: false, reason: `impossible time "${hourText}:${minuteText}${ampm}m"` };
  }
  // 12:00am is midnight, 12:00pm is noon.
  const hour = (hour12 % 12) + (ampm!.toLowerCase() === "p" ? 12 : 0);
  const wallClock: WallClock = { year, month: month + 1, day, hour, minute };
  let start: Date;
  let timeIssue: WallClockIssue | null;
  try {
    ({ instant: start, issue: timeIssue } = wallClockToInstant(wallClock));
  } catch {
    return { ok: false, notRequest: false, reason: `no such date "${dayText} ${monthText} ${yearText}"` };
  }
  if (weekdayText) {
    const given = nameIndex(WEEKDAYS, weekdayText);
    // Date.UTC on the wall-clock date gives that calendar date's weekday independent of zone.
    const actual = (new Date(Date.UTC(year, month, day)).getUTCDay() + 6) % 7;
    if (given < 0) warnings.push(`"${weekdayText}" is not a weekday`);
    else if (given !== actual)
      warnings.push(`the subject says ${weekdayText} but ${day} ${monthText} ${year} is a ${WEEKDAYS[actual]}`);
  }
  if (timeIssue === "gap") warnings.push("that time does not exist in the UK (the clocks went forward)");
  if (timeIssue === "repeated") warnings.push("that time happened twice in the UK (the clocks went back)");
  return {
    ok: true,
    type,
    wallClock,
    start,
    timeIssue,
    appointmentSubject: (appointmentSubject ?? "").trim(),
    warnings,
  };
}
