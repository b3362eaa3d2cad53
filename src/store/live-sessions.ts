// Re-checking a session for a long-lived connection (the live-update stream) without extending it: an open stream is
// not activity, so a session left idle still ends after SESSION_IDLE_MINUTES.
import type { SessionUser } from "../auth/permissions.ts";
import type { SessionPolicy } from "../auth/sessions.ts";
import type { Queryable } from "./db.ts";
import type { Role } from "./people.ts";

/**
 * The user of session `sessionId` (the stored hash) with their current teams, or null when the session ended (signed
 * out, expired, idle too long) or the user was deactivated. Does not touch the session.
 */
export async function liveSessionUser(
  db: Queryable,
  sessionId: string,
  policy: SessionPolicy,
): Promise<SessionUser | null> {
  const [row] = await db.query<{ id: string; email: string; display_name: string; role: Role }>(
    `SELECT u.id, u.email, u.display_name, u.role FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1 AND s.expires_at > now() AND u.active
       AND s.last_seen_at >= now() - make_interval(secs => $2::double precision / 1000)`,
    [sessionId, policy.idleMs],
  );
  if (!row) return null;
  const teams = await db.query<{ team_id: string; is_lead: boolean }>(
    "SELECT team_id, is_lead FROM team_members WHERE user_id = $1 ORDER BY team_id",
    [row.id],
  );
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    teamIds: teams.map((t) => t.team_id),
    leadTeamIds: teams.filter((t) => t.is_lead).map((t) => t.team_id),
  };
}
