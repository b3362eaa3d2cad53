// What clerks and team leads do to a request: claim, assign, unassign, move its status, record its outcome. Each is one
// use case in the caller's transaction: it locks the request, checks who may act, writes the change with its
// request_events rows and an audit entry, and returns the result with the live-update event to publish after commit.
import { canAssignOthers } from "../auth/permissions.ts";
import { canMove, isReopen, statusText, type WorkStatus } from "../domain/request-status.ts";
import { formatUkDateTime, UK_ZONE, wallClockToInstant } from "../domain/uk-time.ts";
import { AppError } from "../errors.ts";
import type { Queryable } from "./db.ts";
import { appendEvent } from "./requests.ts";
import {
  alreadyAssigned,
  auditAction,
  leadsRequest,
  lockRequest,
  moveStatus,
  requireHolderOrLead,
  requireWorkable,
  resultOf,
  setAssignee,
  type ActionContext,
  type LockedRequest,
  type WorkflowResult,
} from "./workflow-base.ts";

const closedError = (): AppError =>
  new AppError("request_closed", "This request is done: reopen it before assigning it", 409);

/**
 * Claim: assign the request to the actor. 409 `already_assigned` when someone else holds it, unless the actor leads
 * its team (or is an admin) and passes takeOver. Claiming one's own request again changes nothing.
 */
export async function claimRequest(
  tx: Queryable,
  props: ActionContext & { requestId: string; takeOver?: boolean },
): Promise<WorkflowResult> {
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  if (r.status === "done") throw closedError();
  if (r.assignedUserId === props.actor.id) return resultOf(tx, r.id, false);
  const previous = r.assignedUserId;
  if (previous) {
    if (!props.takeOver) throw alreadyAssigned(r);
    if (!leadsRequest(props.actor, r)) {
      throw new AppError("forbidden", "Only a team lead or an admin can take over someone else's request", 403);
    }
  }
  await setAssignee(tx, r, props.actor.id, props, { via: "claim", ...(previous ? { takeOver: true } : {}) });
  await auditAction(tx, props, "request.claimed", r.id, previous ? { takeOverFrom: previous } : {});
  return resultOf(tx, r.id, true);
}

/**
 * Assign to `userId`. Assigning someone else needs a team lead of the request's team or an admin (clerks may only
 * assign themselves); the assignee must be an active member of the request's team who can work requests.
 */
export async function assignRequest(
  tx: Queryable,
  props: ActionContext & { requestId: string; userId: string },
): Promise<WorkflowResult> {
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  const self = props.userId === props.actor.id;
  if (!self && !canAssignOthers(props.actor, r.teamId)) {
    throw new AppError("forbidden", "Clerks can assign requests to themselves only", 403);
  }
  if (r.status === "done") throw closedError();
  if (r.assignedUserId === props.userId) return resultOf(tx, r.id, false);
  requireHolderOrLead(props.actor, r);
  const [member] = await tx.query<{ active: boolean; role: string; display_name: string }>(
    `SELECT u.active, u.role, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id
     WHERE m.team_id = $1 AND m.user_id = $2`,
    [r.teamId, props.userId],
  );
  if (!member || !member.active) {
    throw new AppError("not_a_team_member", "The assignee must be an active member of the request's team", 400);
  }
  if (member.role === "viewer") {
    throw new AppError("assignee_cannot_work", `${member.display_name} is a viewer and cannot work requests`, 400);
  }
  await setAssignee(tx, r, props.userId, props, { via: "assign" });
  await auditAction(tx, props, "request.assigned", r.id, { userId: props.userId });
  return resultOf(tx, r.id, true);
}

/**
 * Unassign: by the holder, or by a team lead of the request's team or an admin. A request in progress goes back to
 * open (nobody is working on it any more). Unassigning an unassigned request changes nothing.
 */
export async function unassignRequest(
  tx: Queryable,
  props: ActionContext & { requestId: string },
): Promise<WorkflowResult> {
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  if (!r.assignedUserId) return resultOf(tx, r.id, false);
  if (r.assignedUserId !== props.actor.id && !leadsRequest(props.actor, r)) {
    throw new AppError("forbidden", "Only the assignee, a team lead or an admin can unassign this request", 403);
  }
  const previous = r.assignedUserId;
  await setAssignee(tx, r, null, props, {});
  if (r.status === "in_progress") await moveStatus(tx, r, "open", props, { reason: "unassigned" });
  await auditAction(tx, props, "request.unassigned", r.id, { previousUserId: previous });
  return resultOf(tx, r.id, true);
}

/** Takes an unassigned request for the actor as they start working on it (history says why). */
async function takeIfUnassigned(tx: Queryable, r: LockedRequest, ctx: ActionContext, via: string): Promise<void> {
  if (!r.assignedUserId) await setAssignee(tx, r, ctx.actor.id, ctx, { via });
}

/**
 * Moves the status: open → in progress → done, back from in progress to open, and reopening a done request (needs a
 * reason; clears its outcome, which stays in the history). Starting an unassigned request assigns it to the actor.
 * 409 `invalid_transition` for any other move; `already_assigned` when someone else holds it (leads may).
 */
export async function changeStatus(
  tx: Queryable,
  props: ActionContext & { requestId: string; status: WorkStatus; reason?: string | null },
): Promise<WorkflowResult> {
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  if (r.status === props.status) return resultOf(tx, r.id, false);
  if (!canMove(r.status, props.status)) {
    throw new AppError(
      "invalid_transition",
      `A request that is ${statusText(r.status)} cannot be moved to ${statusText(props.status)}`,
      409,
    );
  }
  requireHolderOrLead(props.actor, r);
  const reason = props.reason?.trim() || null;
  if (isReopen(r.status, props.status)) {
    if (!reason) throw new AppError("reason_required", "Say why the request is being reopened", 400);
    await tx.query(
      "UPDATE appointment_requests SET outcome = NULL, outcome_details = NULL, updated_at = now() WHERE id = $1",
      [r.id],
    );
    await appendEvent(tx, {
      requestId: r.id,
      actorUserId: props.actor.id,
      type: "reopened",
      data: { reason, previousOutcome: r.outcome },
    });
  }
  if (props.status === "in_progress") await takeIfUnassigned(tx, r, props, "started");
  const from = r.status;
  await moveStatus(tx, r, props.status, props, reason ? { reason } : {});
  await auditAction(tx, props, "request.status_changed", r.id, {
    from,
    to: props.status,
    ...(reason ? { reason } : {}),
  });
  return resultOf(tx, r.id, true);
}

/** What became of a request. `newStart` is the UK wall clock of the new appointment. */
export type OutcomeInput =
  | { outcome: "rebooked"; newStart: { date: string; time: string } }
  | { outcome: "cancelled" }
  | { outcome: "rejected"; reason: string }
  | { outcome: "needs_patient_contact"; note: string };

/**
 * The new appointment's instant from its UK wall-clock date ("YYYY-MM-DD") and time ("HH:mm"): 400 `invalid_date` for
 * a date that does not exist, 400 `nonexistent_time` for a time skipped when the clocks go forward; a time in the
 * repeated autumn hour is taken as the first (BST) one and flagged.
 */
export function newStartInstant(
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

/**
 * Records the outcome of an open or in-progress request: rebooked (new start), cancelled, rejected (reason) or needs
 * patient contact (note). Sets the outcome and its details; the request is done, except "needs patient contact",
 * which stays in progress. An unassigned request is assigned to the actor. Record again after reopening.
 */
export async function recordOutcome(
  tx: Queryable,
  props: ActionContext & { requestId: string; outcome: OutcomeInput },
): Promise<WorkflowResult> {
  const o = props.outcome;
  const warnings: string[] = [];
  let details: Record<string, unknown>;
  if (o.outcome === "rebooked") {
    const { instant, repeated } = newStartInstant(o.newStart);
    details = {
      newStart: instant.toISOString(),
      newStartUk: formatUkDateTime(instant),
      ...(repeated ? { repeatedHour: true } : {}),
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
  const r = await lockRequest(tx, props.requestId, props.actor, "work");
  requireWorkable(r);
  requireHolderOrLead(props.actor, r);
  await takeIfUnassigned(tx, r, props, "outcome");
  await tx.query(
    "UPDATE appointment_requests SET outcome = $2, outcome_details = $3, updated_at = now() WHERE id = $1",
    [r.id, o.outcome, JSON.stringify(details)],
  );
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: props.actor.id,
    type: "outcome_recorded",
    data: { outcome: o.outcome, ...details },
  });
  await moveStatus(tx, r, o.outcome === "needs_patient_contact" ? "in_progress" : "done", props, {
    outcome: o.outcome,
  });
  await auditAction(tx, props, "request.outcome_recorded", r.id, { outcome: o.outcome });
  return resultOf(tx, r.id, true, warnings);
}
