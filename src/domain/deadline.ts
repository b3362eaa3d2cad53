// When a request must be dealt with, and how urgent it is now. A request is due by the earlier of "its age reached the
// SLA" and "its appointment is about to happen": an appointment tomorrow is more urgent than an old request for next
// month. Durations are elapsed time (an SLA of 72 hours across a clock change is still 72 hours); text is UK time.
import { DateTime } from "luxon";
import { UK_ZONE } from "./uk-time.ts";
import { addWorkingTime, workingTimeBetween, type WorkingCalendar } from "./working-time.ts";

/** The deadline rules, in milliseconds. */
export interface DeadlinePolicy {
  /** A request is due this long after it was received (REQUEST_SLA_HOURS), for a team with no working hours set. */
  requestSlaMs: number;
  /** …or this much of its team's working time after (REQUEST_SLA_WORKING_HOURS), for a team with working hours. */
  workingSlaMs: number;
  /** …or this long before its linked appointment starts, whichever is earlier (APPOINTMENT_LEAD_HOURS). */
  appointmentLeadMs: number;
  /** Within this long of its deadline a request is due soon (DUE_SOON_HOURS). */
  dueSoonMs: number;
}

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = {
  requestSlaMs: 72 * 3_600_000,
  workingSlaMs: 16 * 3_600_000,
  appointmentLeadMs: 48 * 3_600_000,
  dueSoonMs: 24 * 3_600_000,
};

export type DeadlineState = "overdue" | "due_soon" | "on_track" | "passed" | "done" | "waiting";

/** A deadline as people see it: the instant, its state at `now`, and words that say both (never colour alone). */
export interface DeadlineView {
  at: Date;
  state: DeadlineState;
  /** "Overdue by 3 hours", "Due in 5 hours", "Due Tue 2 Dec, 14:00", "Done". */
  text: string;
}

/**
 * The instant a request is due: received + SLA, or appointment start − lead when the appointment is known and that is
 * earlier. The store keeps the same value in appointment_requests.deadline_at (kept by a trigger, see 0005).
 */
export function deadlineAt(
  r: { receivedAt: Date; appointmentStart: Date | null },
  policy: Pick<DeadlinePolicy, "requestSlaMs" | "appointmentLeadMs">,
): Date {
  const bySla = r.receivedAt.getTime() + policy.requestSlaMs;
  if (!r.appointmentStart) return new Date(bySla);
  return new Date(Math.min(bySla, r.appointmentStart.getTime() - policy.appointmentLeadMs));
}

/** The SLA clock's pauses: working time already paused, and the wait for the patient now running (if any). */
export interface SlaPause {
  /** Working time (ms) the clock stood still in waits that have ended. */
  pausedMs: number;
  /** The wait running now: from `since` until the snooze ends (`until`), when the clock restarts. */
  waiting: { since: Date; until: Date } | null;
}

/**
 * The instant a request is due, counting its team's working time (`cal`, UK clock): received + the SLA in working time
 * (REQUEST_SLA_WORKING_HOURS; REQUEST_SLA_HOURS of elapsed time for a team around the clock), moved on by the working
 * time the clock was paused while the team waited on the patient (a running wait counts to its end); or appointment
 * start − lead when that is earlier (the appointment does not wait for office hours). The store keeps the same value
 * in appointment_requests.deadline_at (request_deadline in SQL, migrations 0018 and 0023).
 */
export function workingDeadlineAt(
  r: { receivedAt: Date; appointmentStart: Date | null } & SlaPause,
  policy: Pick<DeadlinePolicy, "requestSlaMs" | "workingSlaMs" | "appointmentLeadMs">,
  cal: WorkingCalendar,
  zone = UK_ZONE,
): Date {
  const sla = cal.hours ? policy.workingSlaMs : policy.requestSlaMs;
  const waiting = r.waiting
    ? workingTimeBetween(
        new Date(Math.max(r.waiting.since.getTime(), r.receivedAt.getTime())),
        r.waiting.until,
        cal,
        zone,
      )
    : 0;
  const bySla = addWorkingTime(r.receivedAt, sla + r.pausedMs + waiting, cal, zone);
  if (!r.appointmentStart) return bySla;
  return new Date(Math.min(bySla.getTime(), r.appointmentStart.getTime() - policy.appointmentLeadMs));
}

/**
 * The state of a deadline at `now`: done when the request is closed; overdue strictly after the deadline; due soon
 * from `dueSoonMs` before it up to and including the deadline itself; on track before that.
 */
export function deadlineState(deadline: Date, closed: boolean, now: Date, dueSoonMs: number): DeadlineState {
  if (closed) return "done";
  const remaining = deadline.getTime() - now.getTime();
  if (remaining < 0) return "overdue";
  return remaining <= dueSoonMs ? "due_soon" : "on_track";
}

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** A duration in words, rounded down: minutes under an hour, hours under two days, days after that. */
function span(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, "hour");
  return plural(Math.floor(hours / 24), "day");
}

/**
 * "Tue 2 Dec, 14:00" on the clock of `zone`; the year is added when it is not `now`'s year, and the zone's abbreviation
 * when the same clock time happens twice that night (the repeated autumn hour), so the text is never ambiguous.
 * Names are fixed English abbreviations, not the host's locale data (which writes "Sept" in some versions).
 */
export function formatDue(at: Date, now: Date, zone = UK_ZONE): string {
  const dt = DateTime.fromJSDate(at, { zone });
  const year = dt.year === DateTime.fromJSDate(now, { zone }).year ? "" : ` ${dt.year}`;
  const repeated =
    dt.minus({ hours: 1 }).toFormat("HH:mm") === dt.toFormat("HH:mm") ||
    dt.plus({ hours: 1 }).toFormat("HH:mm") === dt.toFormat("HH:mm");
  const zoneName = repeated ? ` (${dt.setLocale("en-GB").offsetNameShort ?? dt.toFormat("ZZ")})` : "";
  return `${DAYS[dt.weekday - 1]} ${dt.day} ${MONTHS[dt.month - 1]}${year}, ${dt.toFormat("HH:mm")}${zoneName}`;
}

/**
 * The deadline at `now` for people: state and text. `closed` = the request is done; `passed` = its appointment passed
 * before anyone acted (docs/settling.md): no longer deadline work, so never "overdue". While the team waits for the
 * patient (`waitingUntil` after `now`) the clock is paused: "Waiting for patient until Tue 2 Dec, 09:00".
 */
export function describeDeadline(
  deadline: Date,
  p: { closed: boolean; now: Date; dueSoonMs: number; zone?: string; passed?: boolean; waitingUntil?: Date | null },
): DeadlineView {
  // A wait a person chose shows first: it says what the team is doing about the request.
  if (!p.closed && p.waitingUntil && p.waitingUntil.getTime() > p.now.getTime()) {
    return {
      at: deadline,
      state: "waiting",
      text: `Waiting for patient until ${formatDue(p.waitingUntil, p.now, p.zone ?? UK_ZONE)}`,
    };
  }
  if (!p.closed && p.passed) return { at: deadline, state: "passed", text: "Appointment passed" };
  const state = deadlineState(deadline, p.closed, p.now, p.dueSoonMs);
  const remaining = deadline.getTime() - p.now.getTime();
  const text =
    state === "done"
      ? "Done"
      : state === "overdue"
        ? `Overdue by ${span(-remaining)}`
        : state === "due_soon"
          ? remaining < 60_000
            ? "Due now"
            : `Due in ${span(remaining)}`
          : `Due ${formatDue(deadline, p.now, p.zone ?? UK_ZONE)}`;
  return { at: deadline, state, text };
}
