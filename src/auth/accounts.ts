// Local accounts: sign-in with email and password (throttled from login_attempts), password changes, and the admin
// account the CLI and the start-up settings create. Use cases take the executor first, like the store's repositories.
import { AppError } from "../errors.ts";
import type { Queryable } from "../store/db.ts";
import type { Role, User } from "../store/people.ts";
import { checkNewPassword, hashPassword, verifyPassword } from "./passwords.ts";

/** Sign-in failure limits: at most `maxPerAccount` per email and `maxPerIp` per address within `windowMs`. */
export interface ThrottlePolicy {
  maxPerAccount: number;
  maxPerIp: number;
  windowMs: number;
}

/** Emails are compared without case and surrounding spaces. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/**
 * Seconds until the `max`-th most recent counted failure leaves the window (0 when fewer than `max` are counted).
 * `where` selects the failures that count; its parameters follow the window's.
 */
async function waitFor(db: Queryable, where: string, params: unknown[], max: number, windowMs: number) {
  const [row] = await db.query<{ wait: number }>(
    `SELECT ceil(extract(epoch FROM at + make_interval(secs => $1::double precision / 1000) - now()))::int AS wait
     FROM login_attempts
     WHERE NOT success AND at > now() - make_interval(secs => $1::double precision / 1000) AND ${where}
     ORDER BY at DESC OFFSET $2 LIMIT 1`,
    [windowMs, max - 1, ...params],
  );
  return row ? Math.max(1, row.wait) : 0;
}

/**
 * Seconds the caller must wait before another sign-in attempt for `email` from `ip`; 0 when allowed. An account's
 * failures count from its last successful sign-in (a success resets that account only); an address's failures are
 * never reset by a success, so signing in to one's own account does not unlock guessing at others.
 */
export async function signInWait(
  db: Queryable,
  p: { email: string; ip: string | null; policy: ThrottlePolicy },
): Promise<number> {
  const email = normaliseEmail(p.email);
  const account = await waitFor(
    db,
    `lower(email) = $3 AND at > COALESCE((SELECT max(at) FROM login_attempts WHERE lower(email) = $3 AND success),
       '-infinity'::timestamptz)`,
    [email],
    p.policy.maxPerAccount,
    p.policy.windowMs,
  );
  const address = p.ip ? await waitFor(db, "ip = $3", [p.ip], p.policy.maxPerIp, p.policy.windowMs) : 0;
  return Math.max(account, address);
}

/** Records one sign-in attempt (never the password). */
export async function recordAttempt(
  db: Queryable,
  p: { email: string; ip: string | null; success: boolean },
): Promise<void> {
  await db.query("INSERT INTO login_attempts (email, ip, success) VALUES ($1, $2, $3)", [
    normaliseEmail(p.email).slice(0, 320),
    p.ip,
    p.success,
  ]);
}

/** The outcome of a password sign-in. */
export type SignInOutcome =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid_credentials" | "account_disabled" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Checks an email and password. Unknown emails, accounts without a password (single sign-on only) and wrong passwords
 * all answer `invalid_credentials` after the same argon2 work; a switched-off account is reported only to someone who
 * knows its password. Every attempt that is not throttled is recorded.
 */
export async function signInWithPassword(
  db: Queryable,
  p: { email: string; password: string; ip: string | null; policy: ThrottlePolicy },
): Promise<SignInOutcome> {
  const wait = await signInWait(db, p);
  if (wait > 0) return { ok: false, reason: "throttled", retryAfterSeconds: wait };
  const [user] = await db.query<{ id: string; password_hash: string | null; active: boolean }>(
    "SELECT id, password_hash, active FROM users WHERE lower(email) = $1",
    [normaliseEmail(p.email)],
  );
  const matches = await verifyPassword(user?.password_hash ?? null, p.password);
  const ok = matches && user !== undefined && user.active;
  await recordAttempt(db, { email: p.email, ip: p.ip, success: ok });
  if (ok) {
    // Housekeeping on success: attempts older than a month and ended sessions are of no further use.
    await db.query("DELETE FROM login_attempts WHERE at < now() - interval '30 days'");
    await db.query("DELETE FROM sessions WHERE expires_at < now()");
    return { ok: true, userId: user.id };
  }
  return { ok: false, reason: matches && user && !user.active ? "account_disabled" : "invalid_credentials" };
}

/** Sets a user's password (checked for length). */
export async function setPassword(db: Queryable, userId: string, password: string): Promise<void> {
  checkNewPassword(password);
  const hash = await hashPassword(password);
  await db.query("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", [userId, hash]);
}

/**
 * Changes a signed-in user's own password after checking the current one (a wrong one is recorded as a failed
 * attempt, so guessing through a stolen session is throttled like sign-in), then ends their other sessions.
 */
export async function changeOwnPassword(
  db: Queryable,
  p: {
    userId: string;
    email: string;
    current: string;
    next: string;
    keepSessionId: string;
    ip: string | null;
    policy: ThrottlePolicy;
  },
): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  const wait = await signInWait(db, p);
  if (wait > 0) return { ok: false, retryAfterSeconds: wait };
  const [row] = await db.query<{ password_hash: string | null }>("SELECT password_hash FROM users WHERE id = $1", [
    p.userId,
  ]);
  if (!row?.password_hash) {
    throw new AppError("no_local_password", "You sign in with single sign-on: change your password there", 400);
  }
  if (!(await verifyPassword(row.password_hash, p.current))) {
    await recordAttempt(db, { email: p.email, ip: p.ip, success: false });
    throw new AppError("wrong_password", "Your current password is not right", 400);
  }
  checkNewPassword(p.next);
  if (p.next === p.current)
    throw new AppError("weak_password", "Choose a password different from the current one", 400);
  await setPassword(db, p.userId, p.next);
  await db.query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2", [p.userId, p.keepSessionId]);
  return { ok: true };
}

/**
 * Creates an admin with a password. When the email is already taken: with `update`, that user becomes an active admin
 * with this password (and their sessions end); without, 409 `conflict`.
 */
export async function createAdmin(
  db: Queryable,
  p: { email: string; displayName: string; password: string; update?: boolean },
): Promise<{ user: User; created: boolean }> {
  checkNewPassword(p.password);
  const hash = await hashPassword(p.password);
  const [existing] = await db.query<{ id: string }>("SELECT id FROM users WHERE lower(email) = $1", [
    normaliseEmail(p.email),
  ]);
  if (existing && !p.update) {
    throw new AppError("conflict", `A user with the email ${p.email} already exists`, 409);
  }
  const [row] = existing
    ? await db.query<UserRow>(
        `UPDATE users SET role = 'admin', active = true, password_hash = $2, display_name = $3, updated_at = now()
         WHERE id = $1 RETURNING id, email, display_name, role, active`,
        [existing.id, hash, p.displayName],
      )
    : await db.query<UserRow>(
        `INSERT INTO users (email, display_name, role, password_hash) VALUES ($1, $2, 'admin', $3)
         RETURNING id, email, display_name, role, active`,
        [p.email.trim(), p.displayName, hash],
      );
  if (existing) await db.query("DELETE FROM sessions WHERE user_id = $1", [existing.id]);
  return { user: toUser(row!), created: !existing };
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

/**
 * Changes a user's name, role or whether they are active; a change of role or a switch-off ends their sessions (so
 * the change takes effect at once). Returns null when there is no such user.
 */
export async function updateUserAccount(
  db: Queryable,
  id: string,
  patch: { displayName?: string; role?: Role; active?: boolean },
): Promise<User | null> {
  const [before] = await db.query<UserRow>("SELECT id, email, display_name, role, active FROM users WHERE id = $1", [
    id,
  ]);
  if (!before) return null;
  const [row] = await db.query<UserRow>(
    `UPDATE users SET display_name = COALESCE($2, display_name), role = COALESCE($3, role),
       active = COALESCE($4, active), updated_at = now()
     WHERE id = $1 RETURNING id, email, display_name, role, active`,
    [id, patch.displayName ?? null, patch.role ?? null, patch.active ?? null],
  );
  if (row!.role !== before.role || (before.active && !row!.active)) {
    await db.query("DELETE FROM sessions WHERE user_id = $1", [id]);
  }
  return toUser(row!);
}

/** How many users exist (0 means Rebook has not been set up yet). */
export async function userCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM users");
  return row!.n;
}
