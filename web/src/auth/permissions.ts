// The same rules as src/auth/permissions.ts, to show only the actions a person may take. The API enforces them; the
// UI only avoids offering what would be refused.
import type { Me } from "../api/types.ts";

const inTeam = (me: Me, teamId: string | null): boolean => teamId !== null && me.teamIds.includes(teamId);

/** May see a request of `teamId` (admins every one). */
export const canView = (me: Me, teamId: string | null): boolean => me.role === "admin" || inTeam(me, teamId);

/** May claim, record outcomes, add notes, re-match. */
export const canWork = (me: Me, teamId: string | null): boolean =>
  me.role === "admin" || ((me.role === "clerk" || me.role === "team_lead") && inTeam(me, teamId));

/** May assign to others and change many at once. */
export const canAssignOthers = (me: Me, teamId: string | null): boolean =>
  me.role === "admin" || (me.role === "team_lead" && inTeam(me, teamId));

/** May use bulk actions at all (admins and team leads). */
export const canBulk = (me: Me): boolean => me.role === "admin" || me.role === "team_lead";

/** May manage a team's members. */
export const canManageTeam = (me: Me, teamId: string): boolean =>
  me.role === "admin" || (me.role === "team_lead" && me.leadTeamIds.includes(teamId));

/** Sees the Administration area (admins everything, team leads their teams). */
export const seesAdmin = (me: Me): boolean => me.role === "admin" || me.leadTeamIds.length > 0;

export const isAdmin = (me: Me): boolean => me.role === "admin";

/** May read reports. */
export const canReadReports = (me: Me): boolean => me.role !== "clerk";
