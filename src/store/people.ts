// Staff users and the teams they work in.
import type { Queryable } from "./db.ts";

export type Role = "admin" | "team_lead" | "clerk" | "viewer";

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active: boolean;
}

export interface Team {
  id: string;
  name: string;
  description: string;
  autoAssign: boolean;
  isDefault: boolean;
}

export interface TeamMember {
  teamId: string;
  userId: string;
  isLead: boolean;
  /** Most open requests at once; null = no cap. */
  capacity: number | null;
  available: boolean;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  active: boolean;
}
const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  displayName: r.display_name,
  role: r.role,
  active: r.active,
});

interface TeamRow {
  id: string;
  name: string;
  description: string;
  auto_assign: boolean;
  is_default: boolean;
}
const toTeam = (r: TeamRow): Team => ({
  id: r.id,
  name: r.name,
  description: r.description,
  autoAssign: r.auto_assign,
  isDefault: r.is_default,
});

/** Creates a user; the email is unique case-insensitively. */
export async function createUser(
  db: Queryable,
  props: { email: string; displayName: string; role: Role; passwordHash?: string | null },
): Promise<User> {
  const [row] = await db.query<UserRow>(
    "INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING *",
    [props.email, props.displayName, props.role, props.passwordHash ?? null],
  );
  return toUser(row!);
}

/** A user by id, or null. */
export async function getUser(db: Queryable, id: string): Promise<User | null> {
  const [row] = await db.query<UserRow>("SELECT * FROM users WHERE id = $1", [id]);
  return row ? toUser(row) : null;
}

/** Creates a team. */
export async function createTeam(
  db: Queryable,
  props: { name: string; description?: string; autoAssign?: boolean; isDefault?: boolean },
): Promise<Team> {
  const [row] = await db.query<TeamRow>(
    "INSERT INTO teams (name, description, auto_assign, is_default) VALUES ($1, $2, $3, $4) RETURNING *",
    [props.name, props.description ?? "", props.autoAssign ?? false, props.isDefault ?? false],
  );
  return toTeam(row!);
}

/** Adds a user to a team, or updates their membership. */
export async function upsertMember(db: Queryable, m: TeamMember): Promise<void> {
  await db.query(
    `INSERT INTO team_members (team_id, user_id, is_lead, capacity, available) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (team_id, user_id) DO UPDATE SET is_lead = $3, capacity = $4, available = $5`,
    [m.teamId, m.userId, m.isLead, m.capacity, m.available],
  );
}

/** A team's members, by user id. */
export async function listMembers(db: Queryable, teamId: string): Promise<TeamMember[]> {
  const rows = await db.query<{
    team_id: string;
    user_id: string;
    is_lead: boolean;
    capacity: number | null;
    available: boolean;
  }>("SELECT * FROM team_members WHERE team_id = $1 ORDER BY user_id", [teamId]);
  return rows.map((r) => ({
    teamId: r.team_id,
    userId: r.user_id,
    isLead: r.is_lead,
    capacity: r.capacity,
    available: r.available,
  }));
}

/** The members of a team who can take requests (active accounts whose role works them: not viewers), by user id. */
export async function listWorkingMembers(db: Queryable, teamId: string): Promise<TeamMember[]> {
  const rows = await db.query<{
    team_id: string;
    user_id: string;
    is_lead: boolean;
    capacity: number | null;
    available: boolean;
  }>(
    `SELECT m.* FROM team_members m JOIN users u ON u.id = m.user_id
     WHERE m.team_id = $1 AND u.active AND u.role <> 'viewer' ORDER BY m.user_id`,
    [teamId],
  );
  return rows.map((r) => ({
    teamId: r.team_id,
    userId: r.user_id,
    isLead: r.is_lead,
    capacity: r.capacity,
    available: r.available,
  }));
}

/** A team member's account as assignment checks it: active, role and name; null when not a member of the team. */
export async function readTeamMemberAccount(
  db: Queryable,
  teamId: string | null,
  userId: string,
): Promise<{ active: boolean; role: Role; displayName: string } | null> {
  const [m] = await db.query<{ active: boolean; role: Role; display_name: string }>(
    `SELECT u.active, u.role, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id
     WHERE m.team_id = $1 AND m.user_id = $2`,
    [teamId, userId],
  );
  return m ? { active: m.active, role: m.role, displayName: m.display_name } : null;
}

/** Locks a team's round-robin state (FOR UPDATE): whether it auto-assigns and whom it last assigned. */
export async function lockTeamRoundRobin(
  tx: Queryable,
  teamId: string,
): Promise<{ autoAssign: boolean; lastAssignedUserId: string | null } | null> {
  const [t] = await tx.query<{ auto_assign: boolean; last_assigned_user_id: string | null }>(
    "SELECT auto_assign, last_assigned_user_id FROM teams WHERE id = $1 FOR UPDATE",
    [teamId],
  );
  return t ? { autoAssign: t.auto_assign, lastAssignedUserId: t.last_assigned_user_id } : null;
}

/** Records whom a team's round robin assigned last. */
export async function setLastAssigned(tx: Queryable, teamId: string, userId: string): Promise<void> {
  await tx.query("UPDATE teams SET last_assigned_user_id = $2 WHERE id = $1", [teamId, userId]);
}
