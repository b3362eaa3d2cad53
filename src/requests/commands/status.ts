// Where a request stands: move its status (reopening included) and record its outcome.
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import {
  howMade,
  runCommand,
  UNCHANGED,
  type ActionContext,
  type CommandResult,
  type RequestWriter,
  type WriteOptions,
} from "../command.ts";
import { decideOutcome, type OutcomeInput } from "../outcome.ts";
import { endWait } from "./snooze.ts";
import { isReopen, requireHolderOrOverride, requireMove, requireWorkable } from "../state.ts";
import type { WorkStatus } from "../vocabulary.ts";

/** Takes an unassigned request for the actor as they start working on it (history says why). */
async function takeIfUnassigned(w: RequestWriter, via: string): Promise<void> {
  if (!w.request.assignedUserId && w.who) await w.setAssignee(w.who.actor.id, { via });
}

/**
 * Moves the status: open → in progress → done, back from in progress to open, and reopening a done request (needs a
 * reason; clears its outcome, which stays in the history). Starting an unassigned request assigns it to the actor.
 * 409 `outcome_required` for a move to done (record an outcome instead), `invalid_transition` for any other move;
 * `held_by_other` when someone else holds it (a team lead or admin may go ahead with override).
 */
export async function changeStatus(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; status: WorkStatus; reason?: string | null },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    if (r.status === props.status) return UNCHANGED;
    requireMove(r.status, props.status);
    const held = requireHolderOrOverride(props.actor, r, props.override);
    const how = howMade(held, props);
    const reason = props.reason?.trim() || null;
    const from = r.status;
    if (isReopen(from, props.status)) {
      if (!reason) throw new AppError("reason_required", "Say why the request is being reopened", 400);
      const previousOutcome = r.outcome;
      await w.update({ outcome: null, outcome_details: null });
      // The next outcome needs its own answer to the patient (the earlier one stays in the history).
      await w.tx.query(
        "UPDATE appointment_requests SET patient_answered_at = NULL, patient_answered_by = NULL WHERE id = $1",
        [r.id],
      );
      await w.event("reopened", { reason, previousOutcome, ...how });
    }
    if (props.status === "in_progress") await takeIfUnassigned(w, "started");
    await w.moveStatus(props.status, { ...(reason ? { reason } : {}), ...how });
    await w.audit("request.status_changed", { from, to: props.status, ...(reason ? { reason } : {}), ...how });
  });
}

/**
 * Records the outcome of an open or in-progress request: rebooked (new start), cancelled, rejected (reason) or needs
 * patient contact (note). Sets the outcome and its details; the request is done, except "needs patient contact",
 * which stays in progress. An unassigned request is assigned to the actor. Record again after reopening. A rebooking to
 * a time already past needs confirmPast (400 new_start_in_past); a request someone else holds needs override.
 */
export async function recordOutcome(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; outcome: OutcomeInput; now?: Date },
): Promise<CommandResult> {
  // Decided before the request is loaded: a time that does not exist is a 400 whoever asks.
  const decision = decideOutcome(props.outcome, undefined, props.now);
  return runCommand(db, props, async (w) => {
    requireWorkable(w.request);
    const held = requireHolderOrOverride(props.actor, w.request, props.override);
    const how = howMade(held, props);
    await takeIfUnassigned(w, "outcome");
    // A final outcome ends any wait for the patient (the deadline no longer matters once done).
    if (decision.outcome !== "needs_patient_contact") await endWait(w, props.now ?? new Date(), "outcome");
    await w.update({ outcome: decision.outcome, outcome_details: decision.details });
    await w.event("outcome_recorded", { outcome: decision.outcome, ...decision.details, ...how });
    await w.moveStatus(decision.status, { outcome: decision.outcome });
    const inPast = decision.details.inPast === true ? { inPast: true as const } : {};
    await w.audit("request.outcome_recorded", { outcome: decision.outcome, ...inPast, ...how });
    for (const warning of decision.warnings) w.warn(warning);
  });
}
