// What every workflow use case shares: lock the request and check who may act on it (inside the transaction, so the
// check and the change see the same row), write the audit entry, and describe the result and its live-update event.
import { canAssignOthers, canViewRequest, canWorkRequest, type SessionUser } from "../auth/permissions.ts";
import { statusText, type Status } from "../domain/request-status.ts";
import { AppError, notFound } from "../errors.ts";
import type { RequestChange } from "../events/bus.ts";
import { recordAudit } from "./audit.ts";
import type { Queryable } from "./db.ts";
import { appendEvent } from "./requests.ts";

/** Who acts, and from where (for the audit log). */
export interface ActionContext {
  actor: SessionUser;
  ip?: string | null;
}

/** A request as use cases see it, locked for the rest of the transaction. */
export interface LockedRequest {
  id: string;
  status: Status;
  teamId: string | null;
  assignedUserId: string | null;
  assignedName: string | null;
  outcome: string | null;
  matchState: string;
  appointmentFhirId: string | null;
  candidates: unknown;
}

/**
 * Locks a request (FOR UPDATE, unless `lock` is false for a read) and checks the actor may see it (else 404, as if it did not exist) and, for "work",
 * change it (else 403: viewers read only).
 */
export async function lockRequest(
  tx: Queryable,
  requestId: string,
  actor: SessionUser,
  need: "view" | "work",
  opts: { lock?: boolean } = {},
): Promise<LockedRequest> {
  const [r] = await tx.query<{
    id: string;
    status: Status;
    team_id: string | null;
    assigned_user_id: string | null;
    assigned_name: string | null;
    outcome: string | null;
    match_state: string;
    appointment_fhir_id: string | null;
    candidates: unknown;
  }>(
    `SELECT r.id, r.status, r.team_id, r.assigned_user_id, u.display_name AS assigned_name, r.outcome, r.match_state,
       r.appointment_fhir_id, r.candidates
     FROM appointment_requests r LEFT JOIN users u ON u.id = r.assigned_user_id
     WHERE r.id = $1 ${opts.lock === false ? "" : "FOR UPDATE OF r"}`,
    [requestId],
  );
  if (!r || !canViewRequest(actor, r.team_id)) throw notFound("Request");
  if (need === "work" && !canWorkRequest(actor, r.team_id)) {
    throw new AppError("forbidden", "You can read this request but not change it", 403);
  }
  return {
    id: r.id,
    status: r.status,
    teamId: r.team_id,
    assignedUserId: r.assigned_user_id,
    assignedName: r.assigned_name,
    outcome: r.outcome,
    matchState: r.match_state,
    appointmentFhirId: r.appointment_fhir_id,
    candidates: r.candidates,
  };
}

/** Whether the actor leads the request's team (or is an admin): may reassign, take over, act on others' requests. */
export const leadsRequest = (actor: SessionUser, r: LockedRequest): boolean => canAssignOthers(actor, r.teamId);

/** 409 `already_assigned`: someone else holds the request. */
export const alreadyAssigned = (r: LockedRequest): AppError =>
  new AppError(
    "already_assigned",
    `${r.assignedName ?? "Someone else"} is working on this request; ask them or a team lead`,
    409,
  );

/** 409 `already_assigned` when someone else holds the request and the actor does not lead its team. */
export function requireHolderOrLead(actor: SessionUser, r: LockedRequest): void {
  if (r.assignedUserId && r.assignedUserId !== actor.id && !leadsRequest(actor, r)) throw alreadyAssigned(r);
}

/** 409 `request_closed` for a done request, `not_workable` while the pipeline owns it (processing, error). */
export function requireWorkable(r: LockedRequest, allowError = false): void {
  if (r.status === "done") throw new AppError("request_closed", "This request is done; reopen it first", 409);
  if (r.status === "processing" || (r.status === "error" && !allowError)) {
    throw new AppError(
      "not_workable",
      `This request is ${statusText(r.status)}: the pipeline has not finished with it yet`,
      409,
    );
  }
}

/** Sets the assignee and writes its history row (`assigned` or `unassigned`). */
export async function setAssignee(
  tx: Queryable,
  r: LockedRequest,
  userId: string | null,
  ctx: ActionContext,
  data: Record<string, unknown>,
): Promise<void> {
  await tx.query("UPDATE appointment_requests SET assigned_user_id = $2, updated_at = now() WHERE id = $1", [
    r.id,
    userId,
  ]);
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: ctx.actor.id,
    type: userId ? "assigned" : "unassigned",
    data: userId
      ? { userId, previousUserId: r.assignedUserId, ...data }
      : { previousUserId: r.assignedUserId, ...data },
  });
  r.assignedUserId = userId;
}

/** Sets the status and writes its `status_changed` history row. */
export async function moveStatus(
  tx: Queryable,
  r: LockedRequest,
  to: Status,
  ctx: ActionContext,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (r.status === to) return;
  await tx.query("UPDATE appointment_requests SET status = $2, updated_at = now() WHERE id = $1", [r.id, to]);
  await appendEvent(tx, {
    requestId: r.id,
    actorUserId: ctx.actor.id,
    type: "status_changed",
    data: { from: r.status, to, ...data },
  });
  r.status = to;
}

/** Writes the audit entry of an action by a signed-in person. */
export async function auditAction(
  tx: Queryable,
  ctx: ActionContext,
  action: string,
  requestId: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(tx, {
    actorUserId: ctx.actor.id,
    actorLabel: ctx.actor.displayName,
    action,
    requestId,
    details,
    ip: ctx.ip ?? null,
  });
}

/** Where a request stands after an action, and the event to publish once the transaction has committed. */
export interface WorkflowResult {
  id: string;
  status: Status;
  outcome: string | null;
  outcomeDetails: Record<string, unknown> | null;
  teamId: string | null;
  assignedUser: { id: string; displayName: string } | null;
  matchState: string;
  /** False when the request already was as asked (nothing written, no event). */
  changed: boolean;
  /** Non-fatal things the person should know (e.g. a time in the repeated autumn hour). */
  warnings: string[];
  event: RequestChange | null;
}

/** Reads the request's state after an action; `changed` decides whether there is an event to publish. */
export async function resultOf(
  tx: Queryable,
  requestId: string,
  changed: boolean,
  warnings: string[] = [],
): Promise<WorkflowResult> {
  const [r] = await tx.query<{
    status: Status;
    outcome: string | null;
    outcome_details: Record<string, unknown> | null;
    team_id: string | null;
    assigned_user_id: string | null;
    display_name: string | null;
    match_state: string;
  }>(
    `SELECT r.status, r.outcome, r.outcome_details, r.team_id, r.assigned_user_id, u.display_name, r.match_state
     FROM appointment_requests r LEFT JOIN users u ON u.id = r.assigned_user_id WHERE r.id = $1`,
    [requestId],
  );
  if (!r) throw notFound("Request");
  return {
    id: requestId,
    status: r.status,
    outcome: r.outcome,
    outcomeDetails: r.outcome_details,
    teamId: r.team_id,
    assignedUser: r.assigned_user_id && r.display_name ? { id: r.assigned_user_id, displayName: r.display_name } : null,
    matchState: r.match_state,
    changed,
    warnings,
    event: changed
      ? {
          type: "request.updated",
          requestId,
          teamId: r.team_id,
          status: r.status,
          assignedUserId: r.assigned_user_id,
          at: new Date().toISOString(),
        }
      : null,
  };
}
