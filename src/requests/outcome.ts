// Pure rules for recording an outcome: the new appointment's instant from the UK wall clock, and the details and
// warnings an outcome is stored with. `zone` is passed in (Europe/London by default).
import { formatUkDateTime, UK_ZONE, wallClockToInstant } from "../domain/uk-time.ts";
import { AppError } from "../errors.ts";
import { statusAfterOutcome } from "./state.ts";
import type { Outcome, WorkStatus } from "./vocabulary.ts";

/**
 * What became of a request. `newStart` is the UK wall clock of the new appointment; `confirmPast` says a new start
 * already past is meant (the change was made in the past), which is then recorded as such.
 */
export type OutcomeInput =
  | { outcome: "rebooked"; newStart: { date: string; time: string }; confirmPast?: boolean }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; reason: string }
  | { outcome: "needs_patient_contact"; note: string };

/**
 * The new appointment's instant from its UK wall-clock date ("YYYY-MM-DD") and time ("HH:mm"): 400 `invalid_date` for
 * a date that does not exist, 400 `nonexistent_time` for a time skipped when the clocks go forward; a time in the
 * repeated autumn hour is taken as the first (BST) one and flagged.
 */
function newStartInstant(
  newStart: { date: string; time: string },
  zone = UK_ZONE,
): { instant: Date; repeated: boolean } {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(newStart.date);
  const t = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(newStart.time);
  if (!d || !t) throw new AppError("invalid_date", "Give the date as YYYY-MM-DD and the time as HH:mm (24-hour)", 400);
  const w = { year: Number(d[1]), month: Number(d[2]), day: Number(d[3]), hour: Number(t[1]), minute: Number(t[2]) };
  let converted: ReturnType<typeof wallClockToInstant>;
  try {
    converted = wallClockToInstant(w, zone);
  } catch {
    throw new AppError("invalid_date", `${newStart.date} is not a date`, 400);
  }
  if (converted.issue === "gap") {
    throw new AppError(
      "nonexistent_time",
      `${newStart.time} on ${newStart.date} does not exist in the UK: the clocks go forward that night. Choose another time.`,
      400,
    );
  }
  return { instant: converted.instant, repeated: converted.issue === "repeated" };
}

/** An outcome as it is stored: the outcome, its details, the status it leaves the request in, and warnings. */
export interface OutcomeDecision {
  outcome: Outcome;
  /**
   * {newStart, newStartUk, repeatedHour?, inPast?} for rebooked, {reason} for rejected, {note} for
   * needs_patient_contact.
   */
  details: Record<string, unknown>;
  status: WorkStatus;
  warnings: string[];
}

/**
 * Decides how an outcome is stored at `now`: 400 for a new start that does not exist on the UK clock, and 400
 * `new_start_in_past` for one before `now` unless `confirmPast` (then recorded with inPast: true).
 */
export function decideOutcome(o: OutcomeInput, zone = UK_ZONE, now = new Date()): OutcomeDecision {
  const warnings: string[] = [];
  let details: Record<string, unknown>;
  if (o.outcome === "rebooked") {
    const { instant, repeated } = newStartInstant(o.newStart, zone);
    const inPast = instant.getTime() < now.getTime();
    if (inPast && !o.confirmPast) {
      throw new AppError(
        "new_start_in_past",
        `The new appointment, ${formatUkDateTime(instant)}, is in the past. Check the date; if the change really was made in the past, confirm it and it will be recorded as such.`,
        400,
      );
    }
    details = {
      newStart: instant.toISOString(),
      newStartUk: formatUkDateTime(instant),
      ...(repeated ? { repeatedHour: true } : {}),
      ...(inPast ? { inPast: true } : {}),
    };
    if (repeated) {
      warnings.push(
        `${o.newStart.time} on ${o.newStart.date} happens twice in the UK (the clocks go back that night); recorded as the first, ${formatUkDateTime(instant)}`,
      );
    }
  } else if (o.outcome === "rejected") {
    details = { reason: o.reason.trim() };
  } else if (o.outcome === "needs_patient_contact") {
    details = { note: o.note.trim() };
  } else {
    details = {};
  }
  return { outcome: o.outcome, details, status: statusAfterOutcome(o.outcome), warnings };
}
