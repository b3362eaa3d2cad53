// Staff users and signed-in sessions for tests: a user of any role in the given teams, and the headers a signed-in
// browser sends (the session cookie and the CSRF token). Sessions are made through the real session store.
import { randomBytes } from "node:crypto";
import { hashPassword } from "../../src/auth/passwords.ts";
import { createSession, CSRF_HEADER, SESSION_COOKIE, type SessionPolicy } from "../../src/auth/sessions.ts";
import type { Queryable } from "../../src/store/db.ts";
import { createUser, upsertMember, type Role, type User } from "../../src/store/people.ts";

/** What a signed-in browser sends: the session cookie and, for state-changing requests, the CSRF token. */
export type AuthHeaders = {
  cookie: string;
  "x-csrf-token": string;
};

/** A new user's details; everything has a default. */
export interface StaffOptions {
  email?: string;
  displayName?: string;
  /** Hashed with argon2id when given (else the user has no password). */
  password?: string;
  /** Teams the user is a member of. */
  teamIds?: string[];
  /** Teams the user leads (also made a member). */
  leadTeamIds?: string[];
}

/** Creates a user with `role` (unique email by default) in the given teams. */
export async function createStaff(db: Queryable, role: Role, opts: StaffOptions = {}): Promise<User> {
  const tag = randomBytes(4).toString("hex");
  const user = await createUser(db, {
    email: opts.email ?? `${role}.${tag}@rebook.test`,
    displayName: opts.displayName ?? `${role} ${tag}`,
    role,
    passwordHash: opts.password ? await hashPassword(opts.password) : null,
  });
  const leads = new Set(opts.leadTeamIds ?? []);
  for (const teamId of new Set([...(opts.teamIds ?? []), ...leads])) {
    await upsertMember(db, { teamId, userId: user.id, isLead: leads.has(teamId), capacity: null, available: true });
  }
  return user;
}

/** Starts a session for `userId` and returns the headers that carry it. */
export async function sessionHeaders(db: Queryable, userId: string, policy: SessionPolicy): Promise<AuthHeaders> {
  const { token, csrfToken } = await createSession(db, {
    userId,
    method: "password",
    ip: null,
    userAgent: null,
    policy,
  });
  return { cookie: `${SESSION_COOKIE}=${token}`, [CSRF_HEADER]: csrfToken };
}

/** The session token in a response's Set-Cookie, or null. */
export function sessionCookieFrom(setCookie: string | string[] | undefined): string | null {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  for (const c of all) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(c);
    if (m?.[1]) return m[1];
  }
  return null;
}
