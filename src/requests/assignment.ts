// Auto-assignment within a team: the round robin the pipeline applies when it routes a request, and a transfer applies
// when a request arrives in another team. Only members who can take requests are considered (never a viewer or a
// deactivated account), each within their cap and availability.
import { pickAssignee } from "../domain/routing.ts";
import type { Queryable } from "../store/db.ts";
import { listWorkingMembers, lockTeamRoundRobin, setLastAssigned } from "../store/people.ts";
import { openCountsByAssignee } from "../store/requests.ts";

/**
 * The member the team's round robin gives the next request to, recorded as its last pick; null when the team does not
 * auto-assign or nobody can take it. Locks the team's round-robin row (FOR UPDATE) so two writers cannot pick at once.
 */
export async function nextAutoAssignee(tx: Queryable, teamId: string): Promise<string | null> {
  const team = await lockTeamRoundRobin(tx, teamId);
  if (!team?.autoAssign) return null;
  const members = await listWorkingMembers(tx, teamId);
  const counts = await openCountsByAssignee(tx, teamId);
  const assignee = pickAssignee(
    members.map((m) => ({
      userId: m.userId,
      available: m.available,
      capacity: m.capacity,
      openCount: counts.get(m.userId) ?? 0,
    })),
    team.lastAssignedUserId,
  );
  if (assignee) await setLastAssigned(tx, teamId, assignee);
  return assignee;
}
