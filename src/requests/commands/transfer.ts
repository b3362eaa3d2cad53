// Moving a misrouted request to another team, with a reason: the new team's auto-assignment applies, as if the request
// had been routed there (the sender's holder lets go of it; a request in progress goes back to open).
import { AppError } from "../../errors.ts";
import type { Db } from "../../store/db.ts";
import { teamName } from "../../store/teams.ts";
import { nextAutoAssignee } from "../assignment.ts";
import {
  howMade,
  runCommand,
  UNCHANGED,
  type ActionContext,
  type CommandResult,
  type WriteOptions,
} from "../command.ts";
import { requireHolderOrOverride, requireWorkable } from "../state.ts";

/**
 * Transfers an open or in-progress request to team `teamId` (400 `unknown_team` when there is none) with a reason
 * (400 `reason_required` when blank), by anyone who may work it (someone else's needs override: 409 `held_by_other`).
 * Writes `transferred` (from, to, reason), unassigns the holder, auto-assigns in the new team when it does so, and
 * moves a request in progress back to open. The same team changes nothing.
 */
export async function transferRequest(
  db: Db,
  props: ActionContext & WriteOptions & { requestId: string; teamId: string; reason: string },
): Promise<CommandResult> {
  const reason = props.reason.trim();
  if (!reason) throw new AppError("reason_required", "Say why the request is moving to another team", 400);
  return runCommand(db, props, async (w) => {
    const r = w.request;
    requireWorkable(r);
    if (r.teamId === props.teamId) return UNCHANGED;
    const toName = await teamName(w.tx, props.teamId);
    if (toName === null) throw new AppError("unknown_team", "There is no such team to transfer the request to", 400);
    const how = howMade(requireHolderOrOverride(props.actor, r, props.override), props);
    const from = { fromTeamId: r.teamId, fromTeamName: r.teamId ? await teamName(w.tx, r.teamId) : null };
    const moved = { ...from, toTeamId: props.teamId, toTeamName: toName, reason };
    await w.update({ team_id: props.teamId });
    await w.event("transferred", { ...moved, ...how });
    if (r.assignedUserId) await w.setAssignee(null, { via: "transfer" });
    const assignee = await nextAutoAssignee(w.tx, props.teamId);
    if (assignee) await w.setAssignee(assignee, { auto: true, via: "transfer" });
    if (r.status === "in_progress") await w.moveStatus("open", { reason: "transferred" });
    await w.audit("request.transferred", { fromTeamId: from.fromTeamId, toTeamId: props.teamId, reason, ...how });
  });
}
