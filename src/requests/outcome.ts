// Pure rules for recording an outcome: the new appointment's instant from the UK wall clock (wall-clock-input.ts), and
// the details and warnings an outcome is stored with. `zone` is passed in (Europe/London by default).
import { formatUkDateTime, UK_ZONE } from "../domain/uk-time.ts";
import { AppError } from "../errors.ts";
import { statusAfterOutcome } from "./state.ts";
import type { Outcome, WorkStatus } from "./vocabulary.ts";
import { instantOfWallClock, repeatedHourWarning } from "./wall-clock-input.ts";

/**
 * What became of a request. `newStart` is the UK wall clock of the new appointment; `confirmPast` says a new start
 * already past is meant (the change was made in the past), which is then recorded as such.
 */
export type OutcomeInput =
  | { outcome: "rebooked"; newStart: { date: string; time: string }; confirmPast?: boolean }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; reason: string }
  | { outcome: "needs_patient_contact"; note: string };

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
    const { instant, repeated } = instantOfWallClock(o.newStart, zone);
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
    if (repeated) warnings.push(repeatedHourWarning(o.newStart, instant, zone));
  } else if (o.outcome === "rejected") {
    details = { reason: o.reason.trim() };
  } else if (o.outcome === "needs_patient_contact") {
    details = { note: o.note.trim() };
  } else {
    details = {};
  }
  return { outcome: o.outcome, details, status: statusAfterOutcome(o.outcome), warnings };
}
