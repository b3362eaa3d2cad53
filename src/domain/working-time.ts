// Working time: a team's opening hours on each weekday, less the UK bank holidays of the configured nation, on the UK
// clock (Europe/London, so 09:00 is 09:00 GMT in winter and 09:00 BST in summer). Deadlines count it: a request
// received on Friday evening has used none of its working time by Monday 09:00. Pure: the zone and the holidays are
// arguments. The store keeps the same rules in SQL (working_add / working_between, migrations 0018 and 0023), and
// test/workflow/working-hours.test.ts checks that the two agree.
import { DateTime } from "luxon";
import { addDays, type LocalDate } from "./buckets.ts";
import { localDate, UK_ZONE } from "./uk-time.ts";

/** ISO weekdays, Monday = 1 … Sunday = 7. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Weekday names, Monday first. */
export const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** The hours a team works on one weekday, UK clock "HH:mm" (24-hour); `opens` before `closes`. */
export interface DayHours {
  weekday: Weekday;
  opens: string;
  closes: string;
}

/**
 * When a team works: its hours on the weekdays it works (a weekday not listed is not worked) and the bank holidays it
 * does not work (local dates). `hours` null = around the clock: working time is elapsed time, holidays included.
 */
export interface WorkingCalendar {
  hours: readonly DayHours[] | null;
  holidays: ReadonlySet<LocalDate>;
}

/** A calendar that counts every moment (no working hours set). */
export const AROUND_THE_CLOCK: WorkingCalendar = { hours: null, holidays: new Set() };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Why a set of hours is not usable (one message per problem); empty when it is. */
export function hoursProblems(hours: readonly DayHours[]): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  for (const h of hours) {
    const day = WEEKDAY_NAMES[h.weekday - 1] ?? `Weekday ${h.weekday}`;
    if (!WEEKDAYS.includes(h.weekday)) problems.push(`${day}: not a weekday (1 = Monday … 7 = Sunday)`);
    if (seen.has(h.weekday)) problems.push(`${day}: given twice`);
    seen.add(h.weekday);
    if (!HHMM.test(h.opens) || !HHMM.test(h.closes)) {
      problems.push(`${day}: give the times as HH:mm, 24-hour (for example 08:30 and 17:00)`);
    } else if (h.opens >= h.closes) {
      problems.push(`${day}: the team must open (${h.opens}) before it closes (${h.closes})`);
    }
  }
  if (hours.length === 0) problems.push("Choose at least one working day, or set no working hours (around the clock)");
  return problems;
}

/** The working period of local date `d` as instants, or null when the team does not work that day. */
function periodOf(d: LocalDate, cal: WorkingCalendar, zone: string): { start: number; end: number } | null {
  if (cal.holidays.has(d)) return null;
  const weekday = DateTime.fromISO(d, { zone: "UTC" }).weekday;
  const h = cal.hours!.find((x) => x.weekday === weekday);
  if (!h) return null;
  const at = (hhmm: string): number => {
    const [hour, minute] = hhmm.split(":").map(Number);
    return DateTime.fromISO(d, { zone }).set({ hour, minute }).toMillis();
  };
  return { start: at(h.opens), end: at(h.closes) };
}

// A team that works a day a year still reaches any deadline within this many days; past it, elapsed time is used.
const MAX_DAYS = 3_700;

/**
 * The instant `ms` of working time after `start` (ms ≥ 0). Outside working hours the count starts at the next
 * opening; a deadline that uses up a day's last minute is that day's closing time, not the next opening.
 */
export function addWorkingTime(start: Date, ms: number, cal: WorkingCalendar, zone = UK_ZONE): Date {
  if (!cal.hours) return new Date(start.getTime() + ms);
  let remaining = ms;
  let d = localDate(start, zone);
  for (let i = 0; i < MAX_DAYS; i++, d = addDays(d, 1)) {
    const p = periodOf(d, cal, zone);
    if (!p) continue;
    const from = Math.max(start.getTime(), p.start);
    if (from >= p.end) continue;
    if (remaining <= p.end - from) return new Date(from + remaining);
    remaining -= p.end - from;
  }
  return new Date(start.getTime() + ms);
}

/** The working time between instants `a` and `b`, in ms (0 when `b` is not after `a`). */
export function workingTimeBetween(a: Date, b: Date, cal: WorkingCalendar, zone = UK_ZONE): number {
  if (b.getTime() <= a.getTime()) return 0;
  if (!cal.hours) return b.getTime() - a.getTime();
  let total = 0;
  const last = localDate(b, zone);
  for (let d = localDate(a, zone), i = 0; d <= last && i < MAX_DAYS; d = addDays(d, 1), i++) {
    const p = periodOf(d, cal, zone);
    if (!p) continue;
    const from = Math.max(a.getTime(), p.start);
    const to = Math.min(b.getTime(), p.end);
    if (to > from) total += to - from;
  }
  return total;
}

/** Whether `at` is inside a working period (opening instant included, closing excluded). */
export function isWorkingTime(at: Date, cal: WorkingCalendar, zone = UK_ZONE): boolean {
  if (!cal.hours) return true;
  const p = periodOf(localDate(at, zone), cal, zone);
  return p !== null && at.getTime() >= p.start && at.getTime() < p.end;
}

/** "Mon–Fri 09:00–17:00" style summary of a team's hours, for lists; "Around the clock" when none are set. */
export function describeHours(hours: readonly DayHours[] | null): string {
  if (!hours) return "Around the clock";
  const sorted = [...hours].sort((a, b) => a.weekday - b.weekday);
  const groups: { from: Weekday; to: Weekday; opens: string; closes: string }[] = [];
  for (const h of sorted) {
    const g = groups.at(-1);
    if (g && g.to === h.weekday - 1 && g.opens === h.opens && g.closes === h.closes) g.to = h.weekday;
    else groups.push({ from: h.weekday, to: h.weekday, opens: h.opens, closes: h.closes });
  }
  const short = (w: Weekday): string => WEEKDAY_NAMES[w - 1]!.slice(0, 3);
  return groups
    .map((g) => `${g.from === g.to ? short(g.from) : `${short(g.from)}–${short(g.to)}`} ${g.opens}–${g.closes}`)
    .join(", ");
}
