// Server-side sessions. The browser holds a random token in an HTTP-only, SameSite cookie; the store holds only its
// sha256. A session ends after SESSION_IDLE_MINUTES without use or SESSION_ABSOLUTE_HOURS after sign-in, whichever is
// first. Each session has a CSRF token that every state-changing request must echo in the X-CSRF-Token header.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Queryable } from "../store/db.ts";
import type { Role } from "../store/people.ts";
import type { SessionUser } from "./permissions.ts";

export const SESSION_COOKIE = "rebook_session";
export const CSRF_HEADER = "x-csrf-token";

const hash = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Session lifetimes, in milliseconds. */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** Starts a session; returns the cookie token (shown once, never stored) and the CSRF token. */
export async function createSession(
  db: Queryable,
  p: {
    userId: string;
    method: "password" | "oidc";
    ip: string | null;
    userAgent: string | null;
    policy: SessionPolicy;
  },
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const [row] = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (id, user_id, csrf_token, expires_at, auth_method, ip, user_agent)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), $5, $6, $7) RETURNING expires_at`,
    [hash(token), p.userId, csrfToken, p.policy.absoluteMs, p.method, p.ip, p.userAgent?.slice(0, 300) ?? null],
  );
  await db.query("UPDATE users SET last_sign_in_at = now() WHERE id = $1", [p.userId]);
  return { token, csrfToken, expiresAt: row!.expires_at };
}

/** The signed-in user and their session's CSRF token, or null when the token is unknown, expired or idle too long. */
export async function resolveSession(
  db: Queryable,
  token: string,
  policy: SessionPolicy,
): Promise<{ user: SessionUser; csrfToken: string; sessionId: string } | null> {
  const id = hash(token);
  const [row] = await db.query<{
    user_id: string;
    csrf_token: string;
    email: string;
    display_name: string;
    role: Role;
    active: boolean;
    idle_expired: boolean;
    touch: boolean;
    team_ids: string[];
    lead_team_ids: string[];
  }>(
    // The person's teams in the same statement: every signed-in request reads them (one round trip, not two).
    `SELECT s.user_id, s.csrf_token, u.email, u.display_name, u.role, u.active,
       s.last_seen_at < now() - make_interval(secs => $2::double precision / 1000) AS idle_expired,
       s.last_seen_at < now() - interval '1 minute' AS touch,
       ARRAY(SELECT m.team_id::text FROM team_members m WHERE m.user_id = s.user_id ORDER BY m.team_id) AS team_ids,
       ARRAY(SELECT m.team_id::text FROM team_members m WHERE m.user_id = s.user_id AND m.is_lead ORDER BY m.team_id)
         AS lead_team_ids
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1 AND s.expires_at > now()`,
    [id, policy.idleMs],
  );
  if (!row || !row.active || row.idle_expired) {
    if (row) await db.query("DELETE FROM sessions WHERE id = $1", [id]);
    return null;
  }
  if (row.touch) await db.query("UPDATE sessions SET last_seen_at = now() WHERE id = $1", [id]);
  return {
    sessionId: id,
    csrfToken: row.csrf_token,
    user: {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      teamIds: row.team_ids,
      leadTeamIds: row.lead_team_ids,
    },
  };
}

/** Ends one session (sign-out). */
export async function endSession(db: Queryable, token: string): Promise<void> {
  await db.query("DELETE FROM sessions WHERE id = $1", [hash(token)]);
}

/** Ends every session of a user (password change, deactivation, role change). */
export async function endUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.query("DELETE FROM sessions WHERE user_id = $1", [userId]);
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
