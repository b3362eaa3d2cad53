// Whether PKB shows a recorded outcome, and when to look again. Pure: what PKB showed and `now` are passed in.
// A cancel is confirmed when PKB shows the linked appointment cancelled or no longer has it; a rebooking when the
// linked appointment (same id or external identifier) starts at the recorded time, or a new appointment of the patient
// does and the old start no longer stands. The checks start CONFIRM_CHECK_SECONDS after the outcome and back off
// (doubling up to CONFIRM_MAX_INTERVAL_SECONDS); past CONFIRM_WITHIN_HOURS the request is not confirmed, and checks go
// on at the longest interval until CONFIRM_CHECK_FOR_HOURS so that a late confirmation still moves it on.
import type { Candidate } from "./match.ts";
import { formatShortUk, UK_ZONE } from "./uk-time.ts";

/** The confirmation schedule, in milliseconds. */
export interface ConfirmationPolicy {
  /** From the outcome to the first check (CONFIRM_CHECK_SECONDS). */
  firstCheckMs: number;
  /** The longest wait between two checks (CONFIRM_MAX_INTERVAL_SECONDS). */
  maxIntervalMs: number;
  /** PKB should show the outcome within this long of it (CONFIRM_WITHIN_HOURS). */
  withinMs: number;
  /** No check is scheduled later than this long after the outcome (CONFIRM_CHECK_FOR_HOURS). */
  checkForMs: number;
}

/** 5 minutes to the first check, doubling up to an hour; confirmed within 24 hours; checks for 7 days. */
export const DEFAULT_CONFIRMATION_POLICY: ConfirmationPolicy = {
  firstCheckMs: 300_000,
  maxIntervalMs: 3_600_000,
  withinMs: 24 * 3_600_000,
  checkForMs: 7 * 24 * 3_600_000,
};

/** An outcome PKB can show: a rebooking (new start, UTC instant) or a cancellation. */
export type ConfirmableOutcome = { outcome: "rebooked"; newStart: Date } | { outcome: "cancelled" };

/** Any recorded outcome; rejected and needs-patient-contact change nothing in PKB. */
export type RecordedOutcome = ConfirmableOutcome | { outcome: "rejected" } | { outcome: "needs_patient_contact" };

/** Whether PKB must be checked for this outcome (rebooked or cancelled). */
export function needsConfirmation(o: RecordedOutcome): o is ConfirmableOutcome {
  return o.outcome === "rebooked" || o.outcome === "cancelled";
}

/** The appointment the request was about, as Rebook recorded it when it linked it (any part may be unknown). */
export interface LinkedAppointment {
  fhirId: string | null;
  externalId: string | null;
  /** Its start when linked (or the start the patient's message gave). */
  start: Date | null;
}

/** What PKB showed at one check. */
export interface PkbView {
  /**
   * The linked appointment read by its FHIR id: the appointment; null when PKB no longer has it (404/410);
   * undefined when it was not read (no id).
   */
  linked: Candidate | null | undefined;
  /** The patient's appointments around the old and new starts (a search). */
  appointments: readonly Candidate[];
}

/** The result of one check: confirmed or not, and what PKB shows in words a clerk can act on. */
export interface ConfirmationCheck {
  confirmed: boolean;
  /** "PKB still shows Mon 12 Oct 16:00", "PKB shows the appointment cancelled", … */
  shows: string;
}

/** Statuses under which an appointment no longer stands. */
const GONE_STATUSES = new Set(["cancelled", "entered-in-error"]);
const stands = (c: Candidate): boolean => !GONE_STATUSES.has(c.status);
const sameMinute = (a: Date | null, b: Date | null): boolean =>
  a !== null && b !== null && Math.floor(a.getTime() / 60_000) === Math.floor(b.getTime() / 60_000);

/**
 * The linked appointment as PKB holds it now: the one read by id; else the one with the same external identifier (or
 * id) among the patient's appointments; else, when only its start is known, the one at that start (standing ones
 * first). "gone" when PKB no longer has it; null when that cannot be told (not in the search and not read by id).
 */
function currentLinked(linked: LinkedAppointment, pkb: PkbView): Candidate | "gone" | null {
  if (pkb.linked) return pkb.linked;
  // An id shown made storable is not PKB's or the PAS's: never the linked appointment's by id.
  const byExternal = linked.externalId
    ? pkb.appointments.find((a) => !a.externalIdNotExact && a.externalId === linked.externalId)
    : undefined;
  if (pkb.linked === null) return byExternal ?? "gone";
  const byId = linked.fhirId
    ? pkb.appointments.find((a) => !a.fhirIdNotExact && a.fhirId === linked.fhirId)
    : undefined;
  if (byId ?? byExternal) return (byId ?? byExternal)!;
  if (linked.fhirId || linked.externalId || !linked.start) return null;
  const atStart = pkb.appointments.filter((a) => sameMinute(a.start, linked.start));
  return atStart.find(stands) ?? atStart[0] ?? "gone";
}

/** Decides whether PKB shows `outcome` for the request linked to `linked`, from what PKB showed at `now`. */
export function checkConfirmation(
  outcome: ConfirmableOutcome,
  linked: LinkedAppointment,
  pkb: PkbView,
  now: Date,
  zone = UK_ZONE,
): ConfirmationCheck {
  const when = (d: Date) => formatShortUk(d, now, zone);
  const old = currentLinked(linked, pkb);
  const stillShows = (c: Candidate): string => {
    if (!c.start) return "PKB still shows the appointment (no start time)";
    const status = c.status === "booked" ? "" : `, status ${c.status}`;
    return sameMinute(c.start, linked.start) || !linked.start
      ? `PKB still shows ${when(c.start)}${status}`
      : `PKB shows ${when(c.start)}${status}`;
  };
  if (outcome.outcome === "cancelled") {
    if (old === "gone") return { confirmed: true, shows: "PKB no longer shows the appointment" };
    if (old === null) return { confirmed: false, shows: "PKB's copy of the appointment could not be found" };
    if (!stands(old)) {
      const was = old.start ? ` (${when(old.start)})` : "";
      return { confirmed: true, shows: `PKB shows the appointment cancelled${was}` };
    }
    return { confirmed: false, shows: stillShows(old) };
  }

  const target = outcome.newStart;
  const at = when(target);
  const oldCandidate = old === "gone" || old === null ? null : old;
  if (oldCandidate && stands(oldCandidate) && sameMinute(oldCandidate.start, target)) {
    return { confirmed: true, shows: `PKB shows ${at}` };
  }
  const standingOld = oldCandidate && stands(oldCandidate) ? oldCandidate : null;
  const fresh = pkb.appointments.find(
    (a) => a.fhirId !== oldCandidate?.fhirId && stands(a) && sameMinute(a.start, target),
  );
  if (fresh && !standingOld) return { confirmed: true, shows: `PKB shows ${at} (a new appointment)` };
  if (fresh && standingOld) {
    return { confirmed: false, shows: `PKB shows ${at} but ${stillShows(standingOld).replace(/^PKB /, "")}` };
  }
  if (standingOld) {
    const base = stillShows(standingOld);
    return { confirmed: false, shows: base.startsWith("PKB still") ? base : `${base}, not ${at}` };
  }
  const before =
    old === "gone"
      ? "PKB no longer shows the appointment"
      : oldCandidate
        ? "PKB shows the appointment cancelled"
        : "PKB shows no appointment";
  return { confirmed: false, shows: `${before} and nothing at ${at}` };
}

/** The instant by which PKB should show the outcome. */
export function confirmationDue(outcomeAt: Date, policy: ConfirmationPolicy): Date {
  return new Date(outcomeAt.getTime() + policy.withinMs);
}

/** When the first check of an outcome recorded at `outcomeAt` is due. */
export function firstCheckAt(outcomeAt: Date, policy: ConfirmationPolicy): Date {
  return new Date(outcomeAt.getTime() + policy.firstCheckMs);
}

/**
 * When to check again after check number `checksDone` (1 = the first) at `checkedAt` found no confirmation: the first
 * interval doubled per check up to the longest one; a check is made at the limit itself (so "not confirmed" starts
 * exactly then); past the limit, the longest interval. null once that would be more than `checkForMs` after the
 * outcome.
 */
export function nextCheckAt(
  outcomeAt: Date,
  checksDone: number,
  checkedAt: Date,
  policy: ConfirmationPolicy,
): Date | null {
  const due = confirmationDue(outcomeAt, policy).getTime();
  const t = checkedAt.getTime();
  const interval =
    t >= due
      ? policy.maxIntervalMs
      : Math.min(policy.maxIntervalMs, policy.firstCheckMs * 2 ** Math.max(0, Math.min(checksDone, 40)));
  let next = t + Math.max(1_000, interval);
  if (t < due && next > due) next = due;
  return next > outcomeAt.getTime() + policy.checkForMs ? null : new Date(next);
}

/** The confirmation state after a check, and what to do next. */
export interface AfterCheck {
  state: "confirmed" | "awaiting" | "not_confirmed";
  /** null: no more checks. */
  nextCheckAt: Date | null;
}

/** Where a check at `checkedAt` (number `checksDone`, 1 = the first) leaves the request. */
export function afterCheck(
  input: { outcomeAt: Date; checksDone: number; checkedAt: Date; confirmed: boolean },
  policy: ConfirmationPolicy,
): AfterCheck {
  if (input.confirmed) return { state: "confirmed", nextCheckAt: null };
  const late = input.checkedAt.getTime() >= confirmationDue(input.outcomeAt, policy).getTime();
  return {
    state: late ? "not_confirmed" : "awaiting",
    nextCheckAt: nextCheckAt(input.outcomeAt, input.checksDone, input.checkedAt, policy),
  };
}
