// Teams, people and specialties, for names in the worklist and the assign menus. Loaded once per page view and shared; a failure
// (e.g. a role that may not list users) leaves it partial rather than breaking the page.
import { useEffect, useState } from "react";
import { get } from "./client.ts";
import type { Me, StaffUser, Team } from "./types.ts";

export interface Directory {
  teams: Team[];
  /** Every person we know of: id → display name. */
  names: Map<string, string>;
  /** People who can be assigned work in a team (its members). */
  membersOf: (teamId: string | null) => { userId: string; displayName: string; available: boolean }[];
  /** Every specialty requests' appointments have had, by name. */
  specialties: Specialty[];
}

export interface Specialty {
  code: string;
  display: string | null;
}

let cache: { userId: string; directory: Promise<Directory> } | null = null;

async function load(me: Me): Promise<Directory> {
  const [teams, users, specialties] = await Promise.all([
    get<Team[]>("/api/teams").catch(() => [] as Team[]),
    me.role === "admin" ? get<StaffUser[]>("/api/users").catch(() => [] as StaffUser[]) : Promise.resolve([]),
    get<Specialty[]>("/api/specialties").catch(() => [] as Specialty[]),
  ]);
  const names = new Map<string, string>();
  for (const u of users) names.set(u.id, u.displayName);
  for (const t of teams) for (const m of t.members) names.set(m.userId, m.displayName);
  names.set(me.id, me.displayName);
  return {
    teams,
    names,
    membersOf: (teamId) => teams.find((t) => t.id === teamId)?.members ?? [],
    specialties: specialties.map(({ code, display }) => ({ code, display })),
  };
}

/** Forgets the cached directory (after admins change teams or users). */
export function invalidateDirectory(): void {
  cache = null;
}

/** The directory, or null while loading. */
export function useDirectory(me: Me): Directory | null {
  const [dir, setDir] = useState<Directory | null>(null);
  useEffect(() => {
    let live = true;
    if (cache?.userId !== me.id) cache = { userId: me.id, directory: load(me) };
    void cache.directory.then((d) => {
      if (live) setDir(d);
    });
    return () => {
      live = false;
    };
  }, [me]);
  return dir;
}
