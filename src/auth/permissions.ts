// Who may do what. Pure rules, used by every API route (the API enforces them, not just the UI).
//   admin      everything: users, teams, routing rules, PKB connections, audit, every request
//   team_lead  works and assigns the requests of their teams, manages their teams' members, reads reports
//   clerk      works the requests of their teams (claim, record outcomes, notes, assign to themselves)
//   viewer     reads the requests of their teams and the reports; changes nothing
// A request no team owns (no rule matched and no default team) is for admins only.
import type { Role } from "../store/people.ts";

export type { Role };

/** The signed-in person, as every route sees them. */
export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** Teams the user is a member of. */
  teamIds: string[];
  /** Teams the user leads (team_members.is_lead). */
  leadTeamIds: string[];
}

const inTeam = (user: SessionUser, teamId: string | null): boolean => teamId !== null && user.teamIds.includes(teamId);

/** May see a request owned by `teamId` (its patient, messages, history). */
export function canViewRequest(user: SessionUser, teamId: string | null): boolean {
  return user.role === "admin" || inTeam(user, teamId);
}

/** May change a request owned by `teamId`: claim it, record an outcome, add notes, re-match it. */
export function canWorkRequest(user: SessionUser, teamId: string | null): boolean {
  if (user.role === "admin") return true;
  return (user.role === "clerk" || user.role === "team_lead") && inTeam(user, teamId);
}

/** May assign a request owned by `teamId` to someone else, or change many at once. */
export function canAssignOthers(user: SessionUser, teamId: string | null): boolean {
  if (user.role === "admin") return true;
  return user.role === "team_lead" && inTeam(user, teamId);
}

/** May change the membership, capacity and availability of `teamId`'s members. */
export function canManageTeam(user: SessionUser, teamId: string): boolean {
  return user.role === "admin" || (user.role === "team_lead" && user.leadTeamIds.includes(teamId));
}

/** May read reports (all teams' aggregates). */
export function canReadReports(user: SessionUser): boolean {
  return user.role !== "clerk";
}

/** May administer Rebook: users, teams, routing rules, PKB connections, the audit log. */
export function isAdmin(user: SessionUser): boolean {
  return user.role === "admin";
}

/**
 * The team filter a request query must apply for this user: null = every team (admins), otherwise only these teams
 * (an empty list sees nothing).
 */
export function visibleTeams(user: SessionUser): string[] | null {
  return user.role === "admin" ? null : user.teamIds;
}
