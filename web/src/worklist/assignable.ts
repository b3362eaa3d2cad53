// Who may be offered as the assignee of requests: members of each request's team who can take requests (active, and
// not viewers). For several requests at once, only those who can take every one of them (the API would refuse the
// rest: not_a_team_member, assignee_cannot_work).
import type { Team } from "../api/types.ts";

/** Someone who can take a request. */
export interface Assignable {
  userId: string;
  displayName: string;
  available: boolean;
}

/** The people who can take a request of each of `teamIds` (unrouted: nobody), by name. */
export function assignableFor(teams: readonly Team[], teamIds: readonly (string | null)[]): Assignable[] {
  const wanted = [...new Set(teamIds)];
  if (wanted.length === 0) return [];
  let common = null as Map<string, Assignable> | null;
  for (const teamId of wanted) {
    const team = teamId ? teams.find((t) => t.id === teamId) : undefined;
    const here = new Map<string, Assignable>();
    for (const m of team?.members ?? []) {
      if (m.canWork === false) continue;
      here.set(m.userId, { userId: m.userId, displayName: m.displayName, available: m.available });
    }
    common = common === null ? here : new Map([...common].filter(([id]: [string, Assignable]) => here.has(id)));
  }
  return [...(common ?? new Map<string, Assignable>()).values()].sort((a, b) =>
    a.displayName.localeCompare(b.displayName, "en-GB"),
  );
}
