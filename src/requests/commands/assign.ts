// Who holds a request: claim it, assign it to a team member, unassign it.
import { canAssignOthers } from "../../auth/permissions.ts";
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import { readTeamMemberAccount } from "../../store/people.ts";
import {
  howMade,
  runCommand,
  UNCHANGED,
  type ActionContext,
  type CommandResult,
  type WriteOptions,
} from "../command.ts";
import { alreadyAssigned, leadsRequest, requireHolderOrOverride, requireNotDone } from "../state.ts";

/**
 * Claim: assign the request to the actor and, when it is open, move it to in progress (claiming means working on
 * it). 409 `already_assigned` when someone else holds it, unless the actor leads
 * its team (or is an admin) and passes takeOver. Claiming one's own request again changes nothing.
 */
export async function claimRequest(
  db: Db,
  props: ActionContext & { requestId: string; takeOver?: boolean },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    requireNotDone(r);
    if (r.assignedUserId === props.actor.id) return UNCHANGED;
    const previous = r.assignedUserId;
    if (previous) {
      if (!props.takeOver) throw alreadyAssigned(r);
      if (!leadsRequest(props.actor, r)) {
        throw new AppError("forbidden", "Only a team lead or an admin can take over someone else's request", 403);
      }
    }
    await w.setAssignee(props.actor.id, { via: "claim", ...(previous ? { takeOver: true } : {}) });
    // Claiming means working on it: an open request is now in progress.
    if (r.status === "open") await w.moveStatus("in_progress", { reason: "claimed" });
    await w.audit("request.claimed", previous ? { takeOverFrom: previous } : {});
  });
}

/**
 * Assign to `userId`. Assigning someone else needs a team lead of the request's team or an admin (clerks may only
 * assign themselves); the assignee must be an active member of the request's team who can work requests. Taking it
 * from someone else who holds it needs override (409 held_by_other otherwise).
 */
export async function assignRequest(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; userId: string },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    if (props.userId !== props.actor.id && !canAssignOthers(props.actor, r.teamId)) {
      throw new AppError("forbidden", "Clerks can assign requests to themselves only", 403);
    }
    requireNotDone(r);
    if (r.assignedUserId === props.userId) return UNCHANGED;
    const member = await readTeamMemberAccount(w.tx, r.teamId, props.userId);
    if (!member || !member.active) {
      throw new AppError("not_a_team_member", "The assignee must be an active member of the request's team", 400);
    }
    if (member.role === "viewer") {
      throw new AppError("assignee_cannot_work", `${member.displayName} is a viewer and cannot work requests`, 400);
    }
    const how = howMade(requireHolderOrOverride(props.actor, r, props.override), props);
    await w.setAssignee(props.userId, { via: "assign", ...how });
    await w.audit("request.assigned", { userId: props.userId, ...how });
  });
}

/**
 * Unassign: by the holder, or by a team lead of the request's team or an admin. A request in progress goes back to
 * open (nobody is working on it any more). Unassigning an unassigned request changes nothing; unassigning someone
 * else needs override (409 held_by_other otherwise).
 */
export async function unassignRequest(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string },
): Promise<CommandResult> {
  return runCommand(db, props, async (w) => {
    const r = w.request;
    if (!r.assignedUserId) return UNCHANGED;
    if (r.assignedUserId !== props.actor.id && !leadsRequest(props.actor, r)) {
      throw new AppError("forbidden", "Only the assignee, a team lead or an admin can unassign this request", 403);
    }
    const previous = r.assignedUserId;
    const how = howMade(requireHolderOrOverride(props.actor, r, props.override), props);
    await w.setAssignee(null, how);
    if (r.status === "in_progress") await w.moveStatus("open", { reason: "unassigned" });
    await w.audit("request.unassigned", { previousUserId: previous, ...how });
  });
}
