// Teams and users as the admin API manages them: teams with their members and workloads, default-team switching.
import type { DayHours } from "../domain/working-time.ts";
import type { Queryable } from "./db.ts";
import { readAllTeamHours } from "./deadlines.ts";
import type { Role, Team, User } from "./people.ts";

/** A team member with their name and how many open requests of this team they hold. */
export interface MemberView {
  userId: string;
  displayName: string;
  email: string;
  isLead: boolean;
  /** Most open requests at once; null = no cap. */
  capacity: number | null;
  available: boolean;
  /** Whether they can take requests: an active account whose role works them (not a viewer). */
  canWork: boolean;
  /** Requests of this team assigned to them in status open or in_progress. */
  openCount: number;
}

/** A team with its members and its open workload. */
export interface TeamView extends Team {
  /** Requests routed to the team in status open or in_progress. */
  openCount: number;
  /** Its working hours by weekday (UK clock); null = around the clock. Deadlines count them. */
  workingHours: DayHours[] | null;
  members: MemberView[];
}

interface TeamRow {
  id: string;
  name: string;
  description: string;
  auto_assign: boolean;
  is_default: boolean;
  open_count: number;
}

interface MemberRow {
  team_id: string;
  user_id: string;
  display_name: string;
  email: string;
  is_lead: boolean;
  capacity: number | null;
  available: boolean;
  can_work: boolean;
  open_count: number;
}

/** Teams by name with members (by display name); only `teamId` when given. */
export async function listTeamViews(db: Queryable, teamId?: string): Promise<TeamView[]> {
  const teams = await db.query<TeamRow>(
    `SELECT t.*, (SELECT count(*)::int FROM appointment_requests r
                  WHERE r.team_id = t.id AND r.status IN ('open', 'in_progress')) AS open_count
     FROM teams t WHERE $1::uuid IS NULL OR t.id = $1 ORDER BY lower(t.name)`,
    [teamId ?? null],
  );
  const members = await db.query<MemberRow>(
    `SELECT m.team_id, m.user_id, u.display_name, u.email, m.is_lead, m.capacity, m.available,
       (u.active AND u.role <> 'viewer') AS can_work,
       (SELECT count(*)::int FROM appointment_requests r WHERE r.team_id = m.team_id AND r.assigned_user_id = m.user_id
          AND r.status IN ('open', 'in_progress')) AS open_count
     FROM team_members m JOIN users u ON u.id = m.user_id
     WHERE $1::uuid IS NULL OR m.team_id = $1 ORDER BY lower(u.display_name), u.id`,
    [teamId ?? null],
  );
  const hours = await readAllTeamHours(db);
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    autoAssign: t.auto_assign,
    isDefault: t.is_default,
    openCount: t.open_count,
    workingHours: hours.get(t.id) ?? null,
    members: members
      .filter((m) => m.team_id === t.id)
      .map((m) => ({
        userId: m.user_id,
        displayName: m.display_name,
        email: m.email,
        isLead: m.is_lead,
        capacity: m.capacity,
        available: m.available,
        canWork: m.can_work,
        openCount: m.open_count,
      })),
  }));
}

/** A team's name; null when there is no such team. */
export async function teamName(db: Queryable, id: string): Promise<string | null> {
  const [t] = await db.query<{ name: string }>("SELECT name FROM teams WHERE id = $1", [id]);
  return t?.name ?? null;
}

/** Whether a team exists. */
export async function teamExists(db: Queryable, id: string): Promise<boolean> {
  return (await db.query("SELECT 1 FROM teams WHERE id = $1", [id])).length === 1;
}

/**
 * Creates a team. When it is to be the default, the previous default stops being one first. Call inside a transaction
 * (a unique violation on teams_name_key means the name is taken).
 */
export async function createTeamExclusive(
  tx: Queryable,
  props: { name: string; description?: string; autoAssign?: boolean; isDefault?: boolean },
): Promise<string> {
  if (props.isDefault) await tx.query("UPDATE teams SET is_default = false, updated_at = now() WHERE is_default");
  const [row] = await tx.query<{ id: string }>(
    "INSERT INTO teams (name, description, auto_assign, is_default) VALUES ($1, $2, $3, $4) RETURNING id",
    [props.name, props.description ?? "", props.autoAssign ?? false, props.isDefault ?? false],
  );
  return row!.id;
}

/**
 * Changes the given fields of a team; false when there is no such team. Making it the default clears the previous
 * default first. Call inside a transaction.
 */
export async function updateTeam(
  tx: Queryable,
  id: string,
  patch: { name?: string; description?: string; autoAssign?: boolean; isDefault?: boolean },
): Promise<boolean> {
  if (patch.isDefault) {
    await tx.query("UPDATE teams SET is_default = false, updated_at = now() WHERE is_default AND id <> $1", [id]);
  }
  const rows = await tx.query(
    `UPDATE teams SET name = COALESCE($2, name), description = COALESCE($3, description),
       auto_assign = COALESCE($4, auto_assign), is_default = COALESCE($5, is_default), updated_at = now()
     WHERE id = $1 RETURNING id`,
    [id, patch.name ?? null, patch.description ?? null, patch.autoAssign ?? null, patch.isDefault ?? null],
  );
  return rows.length === 1;
}

/** Removes a user from a team; false when they were not a member. */
export async function removeMember(db: Queryable, teamId: string, userId: string): Promise<boolean> {
  const rows = await db.query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING user_id", [
    teamId,
    userId,
  ]);
  return rows.length === 1;
}

/** Every user by display name. */
export async function listUsers(db: Queryable): Promise<User[]> {
  const rows = await db.query<{ id: string; email: string; display_name: string; role: Role; active: boolean }>(
    "SELECT id, email, display_name, role, active FROM users ORDER BY lower(display_name), id",
  );
  return rows.map((r) => ({ id: r.id, email: r.email, displayName: r.display_name, role: r.role, active: r.active }));
}
