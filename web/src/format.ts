// Text for people: UK dates and times (Europe/London whatever the browser's zone), NHS numbers 3-3-4, ages, labels.
import type { MatchState, Outcome, Priority, Proposal, RequestStatus, RequestType, Role } from "./api/types.ts";

const ZONE = "Europe/London";

const parts = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  weekday: "short",
  day: "numeric",
  month: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

// Fixed English names: some ICU versions write "Sept", and the server writes "Sep".
export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
export const LONG_MONTHS = [
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

interface UkParts {
  weekday: string;
  day: number;
  month: number;
  year: number;
  time: string;
}

/** The UK wall-clock parts of an instant. */
function ukParts(d: Date): UkParts {
  const p: Record<string, string> = {};
  for (const x of parts.formatToParts(d)) p[x.type] = x.value;
  return {
    weekday: p.weekday ?? "",
    day: Number(p.day),
    month: Number(p.month),
    year: Number(p.year),
    time: `${p.hour}:${p.minute}`,
  };
}

/** "Sun 14 Sep 2025, 09:30" on the UK clock; "" for null. */
export function ukDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const p = ukParts(new Date(iso));
  return `${p.weekday} ${p.day} ${MONTHS[p.month - 1]} ${p.year}, ${p.time}`;
}

/** "14 September 2025" on the UK clock. */
export function ukDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const p = ukParts(new Date(iso));
  return `${p.day} ${LONG_MONTHS[p.month - 1]} ${p.year}`;
}

/** "14 Sep, 09:30" (compact, for tables); the year is added when it is not this year. */
export function ukShort(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return "";
  const p = ukParts(new Date(iso));
  const year = p.year === ukParts(now).year ? "" : ` ${p.year}`;
  return `${p.day} ${MONTHS[p.month - 1]}${year}, ${p.time}`;
}

/** A YYYY-MM-DD date of birth as "3 March 1961". */
export function dobText(ymd: string | null): string {
  if (!ymd) return "";
  const [y, m, d] = ymd.split("-").map(Number);
  if (!y || !m || !d) return ymd;
  return `${d} ${LONG_MONTHS[m - 1]} ${y}`;
}

/** "943 476 5919" from ten digits; other text unchanged. */
export function nhsNumber(n: string | null | undefined): string {
  if (!n) return "";
  const d = n.replace(/\s+/g, "");
  return /^\d{10}$/.test(d) ? `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}` : n;
}

/** How long ago, in words: "just now", "25 mins ago", "3 hours ago", "2 days ago". */
export function age(iso: string, now = Date.now()): string {
  const mins = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (mins < 1) return "just now";
  if (mins < 60) return `${mins} min${mins === 1 ? "" : "s"} ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

/** A UK calendar date (YYYY-MM-DD) as "Fri 16 Oct", with the year when it is not this year's. */
export function dayText(ymd: string, now = new Date()): string {
  const [y, m, d] = ymd.split("-").map(Number) as [number, number, number];
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
  const thisYear = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", year: "numeric" }).format(now));
  return `${weekday} ${d} ${MONTHS[m - 1]}${y === thisYear ? "" : ` ${y}`}`;
}

/** What the patient proposes, in words: "Fri 16 Oct", "Fri 16 Oct, 14:00", "week of Mon 19 Oct", "afternoons". */
export function proposalText(p: Proposal, now = new Date()): string {
  const when = p.time ?? (p.partOfDay ? (p.date ? p.partOfDay : `${p.partOfDay}s`) : null);
  if (!p.date) return when ?? p.text;
  const day = p.week ? `week of ${dayText(p.date, now)}` : dayText(p.date, now);
  return when ? `${day}, ${when}` : day;
}

/** Today's date on the UK clock, YYYY-MM-DD, whatever the browser's zone. */
export function ukToday(now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(now);
}

/** `days` after (or before, when negative) a calendar date, YYYY-MM-DD. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Whether a proposed day has gone by on the UK clock: a day once it has ended, a week once its last day has. What the
 * patient proposes is read from when they wrote; a clerk may act weeks later. A part of the day alone never passes.
 */
export function proposalPassed(p: Proposal, now = new Date()): boolean {
  if (!p.date) return false;
  return addDays(p.date, p.week ? 6 : 0) < ukToday(now);
}

/**
 * What the worklist row says of the patient's proposals: the first still to come ("Patient suggests Fri 16 Oct"); when
 * every one has gone by, the first, said to have passed ("Patient suggested Wed 7 Oct, now passed", shown quieter);
 * null for none.
 */
export function proposalSummary(
  proposals: readonly Proposal[] | undefined,
  now = new Date(),
): { text: string; passed: boolean } | null {
  if (!proposals?.length) return null;
  const coming = proposals.find((p) => !proposalPassed(p, now));
  return coming
    ? { text: `Patient suggests ${proposalText(coming, now)}`, passed: false }
    : { text: `Patient suggested ${proposalText(proposals[0]!, now)}, now passed`, passed: true };
}

/** How sure the match is, the one way Rebook writes it: "95% (high)". 0..1 in, null when there is none. */
export function confidenceText(c: number | null): string | null {
  if (c === null) return null;
  const pct = Math.round(c * 100);
  return `${pct}% (${pct >= 80 ? "high" : pct >= 50 ? "medium" : "low"})`;
}

export const statusText: Record<RequestStatus, string> = {
  processing: "Processing",
  open: "Open",
  in_progress: "In progress",
  done: "Done",
  error: "Error",
};

export const typeText: Record<RequestType, string> = { change: "Change", cancel: "Cancel" };

export const matchText: Record<MatchState, string> = {
  pending: "Matching",
  auto_linked: "Matched",
  review: "Appointment to choose",
  manual: "Matched by hand",
  no_candidates: "No appointment found",
  not_applicable: "Patient not identified",
};

export const outcomeText: Record<Outcome, string> = {
  rebooked: "Rebooked",
  cancelled: "Cancelled",
  rejected: "Rejected",
  needs_patient_contact: "Needs patient contact",
  already_done_in_pkb: "Already done in PKB",
};

export const roleText: Record<Role, string> = {
  admin: "Admin",
  team_lead: "Team lead",
  clerk: "Clerk",
  viewer: "Viewer",
};

export const priorityText: Record<Priority, string> = {
  low: "Low",
  normal: "Normal",
  high: "High",
  urgent: "Urgent",
};

/** "1 request" / "3 requests". */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The request type as a filter's choices: either, change or cancel. */
export const TYPE_CHOICES: readonly (readonly ["" | RequestType, string])[] = [
  ["", "Change or cancel"],
  ["change", "Change"],
  ["cancel", "Cancel"],
];

/** A date as typed in the NHS date input (day, month and year fields). */
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/** The fields of a YYYY-MM-DD date ("2026-08-07" → 7, 8, 2026); empty fields for anything else. */
export function partsOf(date: string): DateParts {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return { day: "", month: "", year: "" };
  const [y, m, d] = date.split("-");
  return { day: String(Number(d)), month: String(Number(m)), year: y! };
}

/**
 * The first day the patient proposes (not a week) that has not gone by, as the rebook form's starting value (the date
 * input's parts, and its time when named). A day already gone is never filled in: it would lead to a rebooking in the
 * past.
 */
export function suggestedStart(
  proposals: readonly Proposal[] | undefined,
  now = new Date(),
): { value: DateParts & { time: string }; text: string } | null {
  const p = proposals?.find((x) => x.date && !x.week && !proposalPassed(x, now));
  if (!p?.date) return null;
  return { value: { ...partsOf(p.date), time: p.time ?? "" }, text: p.text };
}
