// Where a request stands: move its status (reopening included) and record its outcome.
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import { runCommand, UNCHANGED, type ActionContext, type CommandResult, type RequestWriter } from "../command.ts";
import { decideOutcome, type OutcomeInput } from "../outcome.ts";
import { isReopen, requireHolderOrLead, requireMove, requireWorkable } from "../state.ts";
import type { WorkStatus } from "../vocabulary.ts";

/** Takes an unassigned request for the actor as they start working on it (history says why). */
async function takeIfUnassigned(w: RequestWriter, via: string): Promise<void> {
  if (!w.request.assignedUserId && w.who) await w.setAssignee(w.who.actor.id, { via });
}

/**
 * Moves the status: open → in progress → done, back from in progress to open, and reopening a done request (needs a
 * reason; clears its outcome, which stays in the history). Starting an unassigned request assigns it to the actor.
 * 409 `invalid_transition` for any other move; `already_assigned` when someone else holds it (leads may).
 */
export async function changeStatus(
  db: Db,
  props: ActionContext & { requestId: string; status: WorkStatus; reason?: string | null },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    if (r.status === props.status) return UNCHANGED;
    requireMove(r.status, props.status);
    requireHolderOrLead(props.actor, r);
    const reason = props.reason?.trim() || null;
    const from = r.status;
    if (isReopen(from, props.status)) {
      if (!reason) throw new AppError("reason_required", "Say why the request is being reopened", 400);
      const previousOutcome = r.outcome;
      await w.update({ outcome: null, outcome_details: null });
      await w.event("reopened", { reason, previousOutcome });
    }
    if (props.status === "in_progress") await takeIfUnassigned(w, "started");
    await w.moveStatus(props.status, reason ? { reason } : {});
    await w.audit("request.status_changed", { from, to: props.status, ...(reason ? { reason } : {}) });
  });
}

/**
 * Records the outcome of an open or in-progress request: rebooked (new start), cancelled, rejected (reason) or needs
 * patient contact (note). Sets the outcome and its details; the request is done, except "needs patient contact",
 * which stays in progress. An unassigned request is assigned to the actor. Record again after reopening.
 */
export async function recordOutcome(
  db: Db,
  props: ActionContext & { requestId: string; outcome: OutcomeInput },
): Promise<CommandResult> {
  // Decided before the request is loaded: a time that does not exist is a 400 whoever asks.
  const decision = decideOutcome(props.outcome);
  return runCommand(db, props, async (w) => {
    requireWorkable(w.request);
    requireHolderOrLead(props.actor, w.request);
    await takeIfUnassigned(w, "outcome");
    await w.update({ outcome: decision.outcome, outcome_details: decision.details });
    await w.event("outcome_recorded", { outcome: decision.outcome, ...decision.details });
    await w.moveStatus(decision.status, { outcome: decision.outcome });
    await w.audit("request.outcome_recorded", { outcome: decision.outcome });
    for (const warning of decision.warnings) w.warn(warning);
  });
}
